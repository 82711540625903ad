"""An inbound e-mail, read from its raw bytes by a `MailReader` (an adapter).

The raw message is always kept as received; this is what the Intake agent decides on. `text` is
the whole message as plain text (HTML converted); `new_text` is what the sender wrote this time,
without the quoted earlier messages and the signature, and is what triage reads.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from caseloom.domain.errors import InvalidInput

MAX_MESSAGE_BYTES = 25 * 1024 * 1024  # refused at the SMTP DATA stage beyond this
MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024  # one attachment; larger ones are listed, not stored


class MalformedMail(InvalidInput):
    """The bytes are not an e-mail intake can read (no sender, broken structure): the raw
    message is kept in quarantine with this reason."""


class Automated(StrEnum):
    """Who sent it: a person, or a machine that must not be answered."""

    NO = "no"  # a person wrote it
    AUTO_REPLY = "auto_reply"  # out-of-office, autoresponder (Auto-Submitted, X-Autoreply, ...)
    BOUNCE = "bounce"  # a delivery status notification (multipart/report, MAILER-DAEMON)
    BULK = "bulk"  # Precedence: bulk, list or junk; mailing-list traffic


@dataclass(frozen=True, slots=True)
class Sender:
    name: str
    address: str  # lower case


@dataclass(frozen=True, slots=True)
class Attachment:
    filename: str  # as sent (decoded), or "attachment-N.ext" when none was given
    content_type: str  # e.g. "application/pdf", "image/png"
    size: int  # bytes, decoded
    content: bytes = field(repr=False)  # empty when `dropped`
    inline: bool = False  # Content-Disposition: inline, or referenced by a cid: URL
    content_id: str | None = None  # without angle brackets
    dropped: str = ""  # why the content was not kept (too large), else ""


@dataclass(frozen=True, slots=True)
class InboundMail:
    message_id: str  # without angle brackets; a digest of the bytes when the header is missing
    sender: Sender
    to: tuple[str, ...]  # To and Cc addresses, lower case
    subject: str
    text: str  # the whole message as plain text
    new_text: str  # what the sender wrote now: quoted replies and signature stripped
    in_reply_to: tuple[str, ...] = ()  # message ids, without angle brackets
    references: tuple[str, ...] = ()  # message ids, oldest first
    automated: Automated = Automated.NO
    automated_why: str = ""  # the header that said so, e.g. "Auto-Submitted: auto-replied"
    attachments: tuple[Attachment, ...] = ()
    sent_at: datetime | None = None  # the Date header, when it parses
    tokens: tuple[str, ...] = ()  # case tokens found in the body or the recipients (`tokens`)

    @property
    def thread_ids(self) -> tuple[str, ...]:
        """Every earlier message this one answers, nearest first."""
        seen: dict[str, None] = dict.fromkeys((*self.in_reply_to, *reversed(self.references)))
        return tuple(seen)


@dataclass(frozen=True, slots=True)
class FetchedMail:
    """A message as a mailbox holds it: its UID there and its raw bytes."""

    uid: str
    raw: bytes = field(repr=False)
