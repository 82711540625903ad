"""Header values, read so that garbage in one header never loses the message: the standard
library's header parser raises on some malformed values (an `IndexError` on
`From: <<<>>>@@@`), and then the raw value is read instead."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from email.errors import HeaderParseError
from email.message import Message
from email.utils import getaddresses

from caseloom.adapters.mail.text import clean_header

# What the standard library's header parser has been seen to raise on malformed values.
PARSER_BUGS = (IndexError, ValueError, TypeError, AttributeError, OverflowError, HeaderParseError)

_ID = re.compile(r"<([^<>\s]+)>")


def text(message: Message, name: str) -> str:
    """The decoded value of the first `name` header on one line; "" when it is absent."""
    try:
        value = message.get(name)
    except PARSER_BUGS:
        value = raw(message, name)
    return "" if value is None else " ".join(clean_header(str(value)).split())


def mailboxes(message: Message, name: str) -> list[tuple[str, str]]:
    """(display name, address) of each mailbox in the `name` headers that has an address."""
    plain = _plain_mailbox(message, name)
    if plain is not None:
        return [plain]
    try:
        pairs = [
            (address.display_name, address.addr_spec)
            for header in message.get_all(name, ())
            for address in getattr(header, "addresses", ())
        ]
    except PARSER_BUGS:
        pairs = getaddresses([raw(message, name) or ""])
    cleaned = [(clean_header(shown), clean_header(address)) for shown, address in pairs]
    return [(shown, address) for shown, address in cleaned if _usable(address)]


def ids(message: Message, name: str) -> tuple[str, ...]:
    """The message ids in a Message-ID, In-Reply-To or References header, without brackets,
    in order, each once. Read from the header as written: an id is plain ASCII in brackets,
    and the parser's decoding would add nothing but time (docs/decisions.md, 78)."""
    return tuple(dict.fromkeys(_ID.findall(raw(message, name) or "")))


def date(message: Message) -> datetime | None:
    """The Date header, timezone-aware (a date without a zone is taken as UTC); None when
    absent or not a date."""
    try:
        header = message.get("Date")
    except PARSER_BUGS:
        return None
    sent: datetime | None = getattr(header, "datetime", None)
    if sent is None or sent.tzinfo is not None:
        return sent
    return sent.replace(tzinfo=UTC)


def raw(message: Message, name: str) -> str | None:
    """The first `name` header as written, unparsed."""
    wanted = name.lower()
    return next((str(value) for key, value in message.raw_items() if key.lower() == wanted), None)


# One mailbox written the plain way (`Ann Lee <ann@example.com>` or `ann@example.com`), which
# reads the same by this pattern as by the standard library's parser at a tenth of the cost.
# Anything else (quotes, encoded words, comments, groups, lists, dots in names) takes the parser.
_ATOM = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+"
_ADDRESS = rf"{_ATOM}(?:\.{_ATOM})*@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+"
_PLAIN = re.compile(rf"(?:({_ATOM}(?: {_ATOM})*) <({_ADDRESS})>|({_ADDRESS}))")


def _plain_mailbox(message: Message, name: str) -> tuple[str, str] | None:
    wanted = name.lower()
    values = [str(value) for key, value in message.raw_items() if key.lower() == wanted]
    if len(values) != 1 or "=?" in values[0]:  # an encoded word needs decoding
        return None
    found = _PLAIN.fullmatch(values[0].strip())
    if found is None:
        return None
    shown, address, bare = found.groups()
    return (shown or "", address or bare)


def _usable(address: str) -> bool:
    local, at, domain = address.rpartition("@")
    return bool(local and at and domain) and all(
        char.isprintable() and not char.isspace() for char in address
    )
