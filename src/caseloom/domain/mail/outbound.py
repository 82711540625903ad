"""Mail intake sends: the acknowledgement of a new case and the rep's replies, threaded so the
customer's mail program keeps the conversation together and their answer finds the case.

Each carries the case reference in its subject, a signed case token in its footer and in its
Reply-To (plus-addressed), and its own Message-ID, kept on the case's thread. Acknowledgements
say `Auto-Submitted: auto-replied` (RFC 3834) so that other machines do not answer them.
Templates are `string.Template` text with `$case_ref`-style placeholders: no code runs in them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from string import Template
from zoneinfo import ZoneInfo

from caseloom.domain.mail.tokens import case_token, token_address
from caseloom.domain.notification import Notification, NotifyChannel

PLACEHOLDERS = frozenset(
    {
        "case_ref",
        "subject",
        "contact_name",
        "team",
        "first_response_by",
        "resolution_by",
        "status_link",
    }
)
DEFAULT_ACK_SUBJECT = "[$case_ref] We have your request: $subject"
DEFAULT_ACK_BODY = """\
Dear $contact_name,

thank you for your message. Your case number is $case_ref.
We will answer you by $first_response_by.

Reply to this e-mail to add anything; please keep the case number in the subject.
"""
DEFAULT_REPLY_SUBJECT = "Re: [$case_ref] $subject"


@dataclass(frozen=True, slots=True)
class MailTemplates:
    acknowledge: bool = True  # send an acknowledgement when an e-mailed case opens
    ack_subject: str = DEFAULT_ACK_SUBJECT
    ack_body: str = DEFAULT_ACK_BODY
    reply_subject: str = DEFAULT_REPLY_SUBJECT


def unknown_placeholders(template: str) -> list[str]:
    """The placeholders a template names that are not known, or ["$"] if it is malformed."""
    parsed = Template(template)
    if not parsed.is_valid():
        return ["$"]
    return sorted(set(parsed.get_identifiers()) - PLACEHOLDERS)


def render(template: str, values: Mapping[str, str]) -> str:
    return Template(template).safe_substitute(values)


def places_link(templates: MailTemplates) -> bool:
    """Whether the acknowledgement's subject or body puts `$status_link` somewhere."""
    return _places_link(templates.ack_subject) or _places_link(templates.ack_body)


def with_link(template: str, values: Mapping[str, str]) -> str:
    """The template rendered; a status link in `values` that it does not place itself (with
    `$status_link`) goes on a last line of its own."""
    text, link = render(template, values), values.get("status_link")
    if not link or _places_link(template):
        return text
    return text.rstrip("\n") + f"\n\nFollow your case online: {link}\n"


def _places_link(template: str) -> bool:
    return "status_link" in Template(template).get_identifiers()


def when(at: datetime | None, timezone: str) -> str:
    """A deadline as a customer reads it, e.g. "Mon 7 Dec, 14:30 (Europe/London)"."""
    if at is None:
        return "as soon as we can"
    local = at.astimezone(ZoneInfo(timezone))
    return f"{local:%a} {local.day} {local:%b}, {local:%H:%M} ({timezone})"


@dataclass(frozen=True, slots=True)
class Outbound:
    """One e-mail to a customer, ready for the outbox."""

    to: str
    subject: str
    body: str
    message_id: str  # without angle brackets
    in_reply_to: str | None
    references: tuple[str, ...]
    automatic: bool  # an acknowledgement, not a person's reply

    def notification(self, ref: str, sender: str, secret: bytes, now: datetime) -> Notification:
        token = case_token(ref, secret)
        headers = {
            "From": sender,
            "Reply-To": token_address(sender, ref, secret),
            "Message-ID": f"<{self.message_id}>",
        }
        if self.in_reply_to:
            headers["In-Reply-To"] = f"<{self.in_reply_to}>"
        if self.references:
            headers["References"] = " ".join(f"<{m}>" for m in self.references)
        headers["Auto-Submitted"] = "auto-replied" if self.automatic else "no"
        body = f"{self.body.rstrip()}\n\n-- \n{token}\n"
        return Notification(
            NotifyChannel.EMAIL,
            self.to,
            self.subject,
            body,
            now,
            ref,
            payload={"headers": headers},
        )


def message_id(ref: str, what: str, sender: str) -> str:
    """A Message-ID of ours for the case, e.g. "CS-000042.ack@northwind.example"."""
    return f"{ref}.{what}@{sender.rpartition('@')[2] or 'caseloom.invalid'}"


def thread_of(received: Sequence[str]) -> tuple[str | None, tuple[str, ...]]:
    """In-Reply-To and References for a message answering a thread (oldest first)."""
    kept = tuple(received[-20:])  # References stays a sensible length
    return (kept[-1] if kept else None), kept
