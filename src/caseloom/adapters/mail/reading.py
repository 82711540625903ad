"""Reads a raw e-mail (RFC 5322 bytes, MIME) into an `InboundMail`, with the standard library's
`email` package and its modern policy.

Only what leaves no message to read is refused (`MalformedMail`): no bytes, no header block,
no sender address. Anything else the parser reports as a defect is read as well as it can be:
a wrong charset, a broken header, a missing Message-ID (a digest of the bytes stands in).
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Sequence
from email.headerregistry import BaseHeader, HeaderRegistry
from email.message import Message
from email.parser import BytesParser
from email.policy import default
from typing import Any

from caseloom.adapters.mail import headers
from caseloom.adapters.mail.automated import classify
from caseloom.adapters.mail.parts import Parts, read_parts
from caseloom.adapters.mail.replies import REPLY_LANGUAGES, new_text
from caseloom.domain.mail import MAX_ATTACHMENT_BYTES, InboundMail, MalformedMail, Sender
from caseloom.domain.mail.tokens import TOKEN

_SENDER_HEADERS = ("From", "Sender", "Reply-To")
_SHOWN = 100


class EmailReader:
    """The `MailReader` port. Attachments above `max_attachment_bytes` are listed, not kept;
    quoted replies are recognised in English and the `reply_languages` (codes as
    mail-parser-reply names them: "de", "fr", "nl", "es", "it", "sv", "pl", "ja", ...)."""

    def __init__(
        self,
        max_attachment_bytes: int = MAX_ATTACHMENT_BYTES,
        *,
        reply_languages: Sequence[str] = REPLY_LANGUAGES,
    ) -> None:
        self._max_attachment_bytes = max_attachment_bytes
        self._reply_languages = tuple(reply_languages)
        self._parser = BytesParser(policy=default.clone(header_factory=_RememberedHeaders()))

    def read(self, raw: bytes) -> InboundMail:
        message = self._parse(raw)
        sender = _sender(message)
        try:
            parts = read_parts(message)
        except headers.PARSER_BUGS as error:
            raise MalformedMail(f"unreadable MIME part ({error})") from error
        text = parts.text
        subject = headers.text(message, "Subject")
        recipients = [*headers.mailboxes(message, "To"), *headers.mailboxes(message, "Cc")]
        automated, why = classify(message, sender.address, subject)
        return InboundMail(
            message_id=_message_id(message, raw),
            sender=sender,
            to=tuple(dict.fromkeys(address.lower() for _, address in recipients)),
            subject=subject,
            text=text,
            new_text=new_text(text, self._reply_languages),
            in_reply_to=headers.ids(message, "In-Reply-To"),
            references=headers.ids(message, "References"),
            automated=automated,
            automated_why=why,
            attachments=parts.attachments(self._max_attachment_bytes),
            sent_at=headers.date(message),
            tokens=_tokens(parts, text, [address for _, address in recipients]),
        )

    def _parse(self, raw: bytes) -> Message:
        if not raw.strip():
            raise MalformedMail("empty message")
        try:
            message = self._parser.parsebytes(raw)
        except (*headers.PARSER_BUGS, RecursionError) as error:
            raise MalformedMail(f"unreadable MIME structure ({error})") from error
        if not message.keys():
            raise MalformedMail("not an e-mail: no header block")
        return message


class _RememberedHeaders(HeaderRegistry):
    """The standard header registry, remembering values it parsed lately: the parser reads each
    part's Content-Type four times, and parsing one costs more than the rest of a small part."""

    def __init__(self) -> None:
        super().__init__()
        self._parse = functools.lru_cache(maxsize=512)(super().__call__)

    def __call__(self, name: str, value: Any) -> BaseHeader:
        if not isinstance(value, str) or len(value) > 200:
            return super().__call__(name, value)
        header: BaseHeader = self._parse(name, value)
        return header


def _sender(message: Message) -> Sender:
    found = next(
        (pair for name in _SENDER_HEADERS for pair in headers.mailboxes(message, name)), None
    )
    if found is None:
        written = " ".join((headers.raw(message, "From") or "").split())[:_SHOWN]
        raise MalformedMail(
            f"no sender address in From: {written!r}" if written else "no sender address: no From"
        )
    return Sender(name=found[0], address=found[1].lower())


def _message_id(message: Message, raw: bytes) -> str:
    written = headers.ids(message, "Message-ID") or (
        headers.text(message, "Message-ID").strip("<>").strip(),
    )
    return written[0] or f"sha256-{hashlib.sha256(raw).hexdigest()[:32]}@caseloom.invalid"


def _tokens(parts: Parts, text: str, addresses: list[str]) -> tuple[str, ...]:
    """Case tokens in every text part (quoted replies carry our footer), the text the HTML
    became, and the recipients' addresses (support+ref+CS-000042.1a2b3c4d@...)."""
    found = (
        m.group(0) for source in (*parts.texts, text, *addresses) for m in TOKEN.finditer(source)
    )
    return tuple(dict.fromkeys(found))
