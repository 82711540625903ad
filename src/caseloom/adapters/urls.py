"""What the adapters configured by URL (smtp://, imap://) read from one the same way."""

from __future__ import annotations

from urllib.parse import SplitResult

from caseloom.domain.errors import InvalidInput


def url_port(parts: SplitResult, what: str, default: int) -> int:
    """The URL's port, `default` when it names none; InvalidInput when it is not a port."""
    try:
        port = parts.port
    except ValueError:  # not a number, or out of range
        port = 0
    if port == 0:
        raise InvalidInput(f"the {what} URL's port is not a number from 1 to 65535")
    return default if port is None else port
