"""What operations staff configure for e-mail intake: the addresses mail arrives at, what a
reply to a closed case does, and how much one sender may send."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from caseloom.domain.mail.message import MAX_ATTACHMENT_BYTES
from caseloom.domain.mail.outbound import MailTemplates


class ClosedReply(StrEnum):
    REOPEN = "reopen"  # the closed case opens again (within `reopen_within`)
    FOLLOW_UP = "follow_up"  # a new case, linked to the closed one


@dataclass(frozen=True, slots=True)
class IntakeAddress:
    address: str  # lower case, e.g. "billing@northwind.example"
    team: str | None = None  # mail to it goes to this team (a routing rule the loader adds)


@dataclass(frozen=True, slots=True)
class IntakeSpec:
    addresses: Mapping[str, IntakeAddress] = field(default_factory=dict)  # none: any address
    reply_to_closed: ClosedReply = ClosedReply.REOPEN
    reopen_within: timedelta = timedelta(days=14)  # later replies to a closed case: follow-ups
    per_sender: int = 30  # messages from one address ...
    per: timedelta = timedelta(hours=1)  # ... in this long; more are quarantined
    max_attachment_bytes: int = MAX_ATTACHMENT_BYTES
    reply_from: str | None = None  # what customers' mail comes from; none: no e-mail is sent
    templates: MailTemplates = field(default_factory=MailTemplates)

    def accepts(self, address: str) -> bool:
        return not self.addresses or address.lower() in self.addresses

    def mailbox(self, recipients: tuple[str, ...]) -> str | None:
        """The first of `recipients` that is an intake address."""
        return next((r for r in recipients if r.lower() in self.addresses), None)
