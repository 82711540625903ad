"""The IMAP mailbox named by a URL, as operators write it in settings.

`imaps://support%40example.com@imap.example.com/INBOX?done=Processed` reads INBOX over TLS and
moves each processed message to Processed; `imap://caseloom@mail.internal:143/Support?starttls=true`
upgrades a plain connection with STARTTLS and flags processed messages instead.
"""

from __future__ import annotations

from urllib.parse import parse_qs, unquote, urlsplit

from caseloom.adapters.mail.imap import DEFAULT_PORTS, ImapMailbox, Security
from caseloom.adapters.urls import url_port
from caseloom.domain.errors import InvalidInput

_FLAGS = {"true": True, "false": False}


def imap_mailbox(url: str, password: str | None) -> ImapMailbox:
    """An `ImapMailbox` for `imaps://user@host[:993][/FOLDER][?done=FOLDER]`, TLS from the start,
    or `imap://user@host[:143][/FOLDER][?starttls=true][&done=FOLDER]`.

    The folder defaults to INBOX; user and folders are percent-encoded where needed
    (`support%40example.com`). The password is given apart, or else in the URL (`user:pw@`).
    """
    parts = urlsplit(url)
    if parts.scheme not in DEFAULT_PORTS:
        scheme = parts.scheme or "no"
        raise InvalidInput(f"an IMAP URL starts with imaps:// or imap://, not {scheme} scheme")
    if not parts.hostname:
        raise InvalidInput("the IMAP URL names no host")
    if not parts.username:
        raise InvalidInput("the IMAP URL names no user, as in imaps://user@host/INBOX")
    if parts.fragment:
        raise InvalidInput("the IMAP URL has a fragment (#...); it takes none")
    options = _options(parts.query)
    return ImapMailbox(
        parts.hostname,
        url_port(parts, "IMAP", DEFAULT_PORTS[parts.scheme]),
        unquote(parts.username),
        _password(parts.password, password),
        folder=unquote(parts.path.removeprefix("/")) or "INBOX",
        security=_security(parts.scheme, options.get("starttls")),
        done_folder=options.get("done"),
    )


def _options(query: str) -> dict[str, str]:
    options = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(options) - {"done", "starttls"})
    if unknown:
        raise InvalidInput(f"the IMAP URL has unknown options: {', '.join(unknown)}")
    if any(len(values) != 1 for values in options.values()):
        raise InvalidInput("the IMAP URL gives an option more than once")
    if options.get("done") == [""]:
        raise InvalidInput("the IMAP URL's done option names no folder")
    return {name: values[0] for name, values in options.items()}


def _password(in_url: str | None, given: str | None) -> str:
    if in_url is not None and given is not None:
        raise InvalidInput("the IMAP password is given both in the URL and apart; give it once")
    password = given if in_url is None else unquote(in_url)
    if password is None:
        raise InvalidInput("the IMAP mailbox needs a password (none was given)")
    return password


def _security(scheme: str, starttls: str | None) -> Security:
    if starttls is None:
        return "ssl" if scheme == "imaps" else "none"
    if scheme == "imaps":
        raise InvalidInput("imaps:// is TLS from the start; starttls is an option of imap://")
    if starttls.lower() not in _FLAGS:
        raise InvalidInput("the IMAP URL's starttls option is true or false")
    return "starttls" if _FLAGS[starttls.lower()] else "none"
