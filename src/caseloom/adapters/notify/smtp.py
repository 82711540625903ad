"""E-mail notifications over SMTP, with the standard library's `smtplib`.

A 5xx reply means the server will never take the message as it stands, so the failure is
permanent; a 4xx reply, a dropped connection or an unreachable server is tried again later.
"""

from __future__ import annotations

import smtplib
import ssl
from contextlib import suppress
from email.message import EmailMessage
from email.utils import make_msgid, parseaddr
from urllib.parse import parse_qs, unquote, urlsplit

from caseloom.adapters.urls import url_port
from caseloom.domain.errors import DeliveryFailed, InvalidInput
from caseloom.domain.notification import Notification, NotifyChannel

DEFAULT_PORT = 25
THREADING_HEADERS = frozenset(
    {"From", "Reply-To", "Message-ID", "In-Reply-To", "References", "Auto-Submitted"}
)
_FLAGS = {"true": True, "false": False}


class SmtpNotifier:
    """Sends each e-mail over a new SMTP connection."""

    def __init__(
        self,
        host: str,
        port: int,
        sender: str,
        *,
        timeout: float = 10.0,
        username: str | None = None,
        password: str | None = None,
        starttls: bool = False,
    ) -> None:
        self._host = host
        self._port = port
        self._sender = sender
        self._timeout = timeout
        self._username = username
        self._password = password
        self._starttls = starttls
        self._where = f"{host}:{port}"

    def send(self, notification: Notification) -> str:
        message = self._message(notification)
        try:
            self._deliver(message)
        except OSError as error:  # smtplib's errors are OSErrors too
            raise _failure(error, self._where) from error
        return f"250 accepted by {self._where}"

    def _message(self, notification: Notification) -> EmailMessage:
        if notification.channel is not NotifyChannel.EMAIL:
            raise DeliveryFailed(
                f"an SMTP notifier cannot send {notification.channel} notifications",
                permanent=True,
            )
        try:
            return _compose(notification, self._sender, _domain(self._sender, self._host))
        except ValueError as error:  # a line break in a header, say
            raise DeliveryFailed(f"not a valid e-mail: {error}", permanent=True) from error

    def _deliver(self, message: EmailMessage) -> None:
        smtp = smtplib.SMTP(self._host, self._port, timeout=self._timeout)
        try:
            if self._starttls:
                smtp.starttls(context=ssl.create_default_context())
            if self._username is not None:
                smtp.login(self._username, self._password or "")
            smtp.send_message(message)
            with suppress(OSError):  # the message is already accepted
                smtp.quit()
        finally:
            smtp.close()


def smtp_notifier(url: str, sender: str) -> SmtpNotifier:
    """An `SmtpNotifier` for `smtp://[user:password@]host[:port][?starttls=true]`."""
    parts = urlsplit(url)
    if parts.scheme != "smtp":
        raise InvalidInput(f"an SMTP URL starts with smtp://, not {parts.scheme or 'no'} scheme")
    if not parts.hostname:
        raise InvalidInput("the SMTP URL names no host")
    if parts.path not in ("", "/") or parts.fragment:
        raise InvalidInput("the SMTP URL has a path or fragment; it takes neither")
    if "@" not in parseaddr(sender)[1]:
        raise InvalidInput(f"the sender {sender!r} is not an e-mail address")
    username, password = _credentials(parts.username, parts.password)
    return SmtpNotifier(
        parts.hostname,
        url_port(parts, "SMTP", DEFAULT_PORT),
        sender,
        username=username,
        password=password,
        starttls=_starttls(parts.query),
    )


def _compose(notification: Notification, sender: str, domain: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = notification.to
    message["Subject"] = notification.subject
    message["Date"] = notification.created_at
    message["Message-ID"] = make_msgid(domain=domain)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: auto-responders stay quiet
    if notification.case_ref:
        message["X-Caseloom-Case"] = notification.case_ref
    given = notification.payload.get("headers")
    for name, value in given.items() if isinstance(given, dict) else ():
        if name in THREADING_HEADERS:  # a reply to a customer: from intake, in their thread
            del message[name]
            message[name] = str(value)
    message.set_content(notification.body)
    return message


def _domain(sender: str, host: str) -> str:
    _, at, domain = parseaddr(sender)[1].rpartition("@")
    return domain if at and domain else host


def _failure(error: OSError, where: str) -> DeliveryFailed:
    refused = _refused(error)
    if refused is not None:
        what, code, text = refused
        message = f"the SMTP server at {where} {what}: {code} {_text(text)}"
        return DeliveryFailed(message, permanent=500 <= code < 600)
    if isinstance(error, smtplib.SMTPConnectError):
        greeting = f"{error.smtp_code} {_text(error.smtp_error)}"
        return DeliveryFailed(f"the SMTP server at {where} greeted us with {greeting}")
    if isinstance(error, smtplib.SMTPNotSupportedError):
        return DeliveryFailed(f"the SMTP server at {where}: {error}", permanent=True)
    return DeliveryFailed(f"could not deliver through the SMTP server at {where}: {error}")


def _refused(error: OSError) -> tuple[str, int, bytes | str] | None:
    """What the server refused, with its reply code and text; None if it gave no reply."""
    match error:
        case smtplib.SMTPRecipientsRefused():
            address, (code, text) = next(iter(error.recipients.items()))
            return f"refused the recipient {address}", code, text
        case smtplib.SMTPSenderRefused():
            return f"refused the sender {error.sender}", error.smtp_code, error.smtp_error
        case smtplib.SMTPDataError():
            return "refused the message", error.smtp_code, error.smtp_error
        case smtplib.SMTPResponseException() if not isinstance(error, smtplib.SMTPConnectError):
            return "answered", error.smtp_code, error.smtp_error
    return None


def _text(reply: bytes | str) -> str:
    return reply.decode(errors="replace") if isinstance(reply, bytes) else reply


def _credentials(username: str | None, password: str | None) -> tuple[str | None, str | None]:
    if username is None and password is None:
        return None, None
    if not username or password is None:
        raise InvalidInput("the SMTP URL needs both a user and a password, or neither")
    return unquote(username), unquote(password)


def _starttls(query: str) -> bool:
    options = parse_qs(query, keep_blank_values=True)
    unknown = sorted(set(options) - {"starttls"})
    if unknown:
        raise InvalidInput(f"the SMTP URL has unknown options: {', '.join(unknown)}")
    values = options.get("starttls", ["false"])
    if len(values) != 1 or values[0].lower() not in _FLAGS:
        raise InvalidInput("the SMTP URL's starttls option is true or false")
    return _FLAGS[values[0].lower()]
