"""A message as intake keeps it: stored raw the moment it is accepted, then read and settled.

Storing comes first, in its own transaction, so a message accepted over SMTP or fetched from a
mailbox is never lost to a crash or a bug in reading it; a message still `received` after a
while is read again by the sweep. Its Message-ID (hashed into `key`) makes a repeat a no-op.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime
from email.parser import BytesHeaderParser
from email.policy import compat32
from enum import StrEnum

_ID = re.compile(r"<([^<>\s]+)>")


class MailStatus(StrEnum):
    RECEIVED = "received"  # stored, not read yet
    OPENED = "opened"  # opened a case
    THREADED = "threaded"  # joined its case (a reply)
    IGNORED = "ignored"  # sent by a machine: kept, not answered
    QUARANTINED = "quarantined"  # unreadable or over a limit: kept for a person to look at


@dataclass(frozen=True, slots=True)
class ReceivedMail:
    id: int
    message_id: str
    source: str  # "smtp", "imap:INBOX", ...
    envelope_from: str
    envelope_to: tuple[str, ...]
    received_at: datetime
    raw: bytes = field(repr=False)
    status: MailStatus = MailStatus.RECEIVED
    outcome: str = ""  # what intake did, in words
    case_number: int | None = None


def message_id_of(raw: bytes) -> str:
    """The Message-ID (without angle brackets) read from the header block alone; a digest of
    the bytes when there is none, so the same bytes are always the same message."""
    try:
        header = BytesHeaderParser(policy=compat32).parsebytes(raw).get("Message-ID")
    except (TypeError, ValueError):  # pragma: no cover - the parser is lenient
        header = None
    found = _ID.search(str(header)) if header else None
    if found:
        return found.group(1)
    if header and str(header).strip():
        return str(header).strip()[:500]
    return digest_id(raw)


def digest_id(raw: bytes) -> str:
    return f"sha256-{hashlib.sha256(raw).hexdigest()[:32]}@caseloom.invalid"


def message_key(message_id: str) -> str:
    """What a Message-ID is stored and looked up by."""
    return hashlib.sha256(message_id.strip().strip("<>").encode("utf-8", "replace")).hexdigest()


@dataclass(frozen=True, slots=True)
class MailReceipt:
    """What became of a message: what an SMTP reply or a mailbox poller reports."""

    mail_id: int
    status: MailStatus
    outcome: str
    case_ref: str | None = None
    repeated: bool = False  # the Message-ID was seen before: nothing changed

    @property
    def refused(self) -> bool:
        """Quarantined as unreadable: an SMTP sender should hear it was not taken."""
        return self.status is MailStatus.QUARANTINED and self.outcome.startswith("unreadable")
