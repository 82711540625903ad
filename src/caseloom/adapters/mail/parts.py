"""A message's MIME parts, sorted the way a mail client shows them: the body text (text/plain
preferred among alternatives, HTML converted when there is nothing else), every text part
decoded (where case tokens are looked for) and the parts listed as attachments.

A forwarded message (message/rfc822, or message/global) is shown as its headers and text; its
own attachments are not kept. The HTML alternative of a text/plain body is not an attachment;
a text part sent as an attachment (or with a file name) is.
"""

from __future__ import annotations

import mimetypes
import re
import unicodedata
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import unquote

from caseloom.adapters.mail import headers
from caseloom.adapters.mail.text import clean_header, decode, html_to_text, tidy
from caseloom.domain.mail import Attachment

_BODY_TYPES = frozenset({"text/plain", "text/html"})
_FORWARDED_TYPES = frozenset({"message/rfc822", "message/global"})  # global: RFC 6532, UTF-8
_FORWARDED_HEADERS = ("From", "Date", "Subject", "To")
_CID = re.compile(r"""cid:([^"'\s<>)]+)""", re.IGNORECASE)
_SEPARATORS = re.compile(r"[/\\]")
_MAX_DEPTH = 32  # parts nested deeper than any mail client nests are not read
_MAX_NAME = 200
_MB = 1024 * 1024


@dataclass(slots=True)
class Parts:
    shown: list[tuple[bool, str]] = field(default_factory=list)  # (is HTML, text), in order
    texts: list[str] = field(default_factory=list)  # every text part decoded, plain and HTML
    files: list[Message] = field(default_factory=list)  # to list as attachments
    cids: set[str] = field(default_factory=set)  # Content-IDs the HTML refers to (cid: URLs)

    @property
    def text(self) -> str:
        return tidy("\n\n".join(html_to_text(t) if html else t for html, t in self.shown))

    def attachments(self, max_bytes: int) -> tuple[Attachment, ...]:
        return tuple(
            _attachment(part, number, self.cids, max_bytes)
            for number, part in enumerate(self.files, start=1)
        )

    def take(self, other: Parts, *, shown: bool = True, files: bool = True) -> None:
        if shown:
            self.shown += other.shown
        if files:
            self.files += other.files
        self.texts += other.texts
        self.cids |= other.cids


def read_parts(message: Message) -> Parts:
    parts = Parts()
    _walk(message, parts, depth=0)
    return parts


def _walk(part: Message, parts: Parts, depth: int) -> None:
    if depth > _MAX_DEPTH:
        return
    kind = part.get_content_type()
    if kind in _FORWARDED_TYPES and _children(part):
        _forwarded(part, parts, depth)
    elif part.get_content_maintype() == "message":  # a delivery status, a read receipt
        parts.files.append(part)
    elif kind == "multipart/alternative" and part.is_multipart():
        _alternative(part, parts, depth)
    elif part.is_multipart():
        for child in _children(part):
            _walk(child, parts, depth + 1)
    elif _is_body(part, kind):
        _body(part, parts, html=kind == "text/html")
    else:
        parts.files.append(part)


def _is_body(part: Message, kind: str) -> bool:
    # A multipart whose boundary never comes is read as plain text rather than lost.
    readable = kind in _BODY_TYPES or part.get_content_maintype() == "multipart"
    return readable and part.get_content_disposition() != "attachment" and not part.get_filename()


def _body(part: Message, parts: Parts, *, html: bool) -> None:
    payload = part.get_payload(decode=True)
    text = decode(payload if isinstance(payload, bytes) else b"", part.get_content_charset())
    parts.shown.append((html, text))
    parts.texts.append(text)
    if html:
        parts.cids.update(unquote(cid) for cid in _CID.findall(text))


def _alternative(part: Message, parts: Parts, depth: int) -> None:
    choices = []
    for child in _children(part):
        choice = Parts()
        _walk(child, choice, depth + 1)
        choices.append(choice)
        parts.take(choice, shown=False)
    if choices:
        parts.shown += max(choices, key=_plainness).shown  # the first of the plainest


def _plainness(choice: Parts) -> int:
    readable = [html for html, text in choice.shown if text.strip()]
    return 0 if not readable else 1 if any(readable) else 2


def _forwarded(part: Message, parts: Parts, depth: int) -> None:
    inner = _children(part)[0]
    lines = [f"{name}: {headers.text(inner, name)}" for name in _FORWARDED_HEADERS]
    parts.shown.append((False, "\n".join(line for line in lines if not line.endswith(": "))))
    forwarded = Parts()
    _walk(inner, forwarded, depth + 1)
    parts.take(forwarded, files=False)


def _attachment(part: Message, number: int, cids: set[str], max_bytes: int) -> Attachment:
    kind = part.get_content_type()
    content = _content(part)
    content_id = headers.text(part, "Content-ID").strip("<>").strip() or None
    inline = part.get_content_disposition() == "inline" or (
        content_id is not None and content_id in cids
    )
    name = _filename(part) or f"attachment-{number}{_extension(kind)}"
    if len(content) > max_bytes:
        too_large = f"larger than the {max_bytes / _MB:g} MB allowed"
        return Attachment(name, kind, len(content), b"", inline, content_id, too_large)
    return Attachment(name, kind, len(content), content, inline, content_id)


def _content(part: Message) -> bytes:
    payload = part.get_payload(decode=True)
    if isinstance(payload, bytes):
        return payload
    # A message/* part the parser split into header blocks (a delivery status): as sent.
    return b"".join(block.as_bytes() for block in _children(part))


def _children(part: Message) -> list[Message]:
    payload = part.get_payload()
    return [child for child in payload if isinstance(child, Message)] if part.is_multipart() else []


def _filename(part: Message) -> str:
    name = _SEPARATORS.split(clean_header(part.get_filename() or ""))[-1]
    name = "".join(c for c in name if unicodedata.category(c) not in ("Cc", "Cf")).strip(" .")
    if len(name) <= _MAX_NAME:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) < 20:
        return f"{stem[: _MAX_NAME - len(extension) - 1]}.{extension}"
    return name[:_MAX_NAME]


def _extension(kind: str) -> str:
    known = mimetypes.guess_extension(kind)
    return known or (".txt" if kind.startswith(("text/", "message/")) else ".bin")
