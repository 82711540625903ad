"""The notifiers against real local servers: aiosmtpd for e-mail, http.server for webhooks."""

from __future__ import annotations

import email
import email.policy
import hashlib
import hmac
import json
import logging
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, Envelope, LoginPassword, Session

from caseloom.adapters.notify import (
    ChannelNotifier,
    LogNotifier,
    SmtpNotifier,
    WebhookNotifier,
    WebhookTarget,
    smtp_notifier,
)
from caseloom.domain.errors import DeliveryFailed, InvalidInput
from caseloom.domain.notification import Notification, NotifyChannel
from tests.network import free_port, serving

NOW = datetime(2025, 11, 26, 9, 30, tzinfo=UTC)
SENDER = "Caseloom <caseloom@support.example.com>"
SECRET = "whsec-3b9f1d2e"


def email_to(to: str = "ann@example.com", **changes: Any) -> Notification:
    fields: dict[str, Any] = {
        "channel": NotifyChannel.EMAIL,
        "to": to,
        "subject": "Case C-1042 breached its first-response SLA",
        "body": "Case C-1042 has waited 4 h 10 min.\nIt is now with team Gas.",
        "created_at": NOW,
        "case_ref": "C-1042",
        "id": 17,
    }
    return Notification(**(fields | changes))


def webhook_to(name: str = "ops") -> Notification:
    return Notification(
        channel=NotifyChannel.WEBHOOK,
        to=name,
        subject="Case C-1042 escalated",
        body="Escalated to the duty manager.",
        created_at=NOW,
        case_ref="C-1042",
        payload={"level": 2, "team": "gas"},
        id=18,
    )


# --- e-mail ---------------------------------------------------------------------------------


@dataclass
class Mailbox:
    """An aiosmtpd handler that keeps what it is given, or refuses as told."""

    rcpt_reply: str | None = None
    data_reply: str = "250 Message accepted for delivery"
    envelopes: list[Envelope] = field(default_factory=list)

    async def handle_RCPT(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.rcpt_reply is not None:
            return self.rcpt_reply
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(  # noqa: N802 - aiosmtpd's hook name
        self, server: SMTP, session: Session, envelope: Envelope
    ) -> str:
        if self.data_reply.startswith("250"):
            self.envelopes.append(envelope)
        return self.data_reply

    def message(self) -> EmailMessage:
        (envelope,) = self.envelopes
        assert isinstance(envelope.original_content, bytes)
        parsed = email.message_from_bytes(envelope.original_content, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        return parsed


@pytest.fixture
def mailbox() -> Iterator[tuple[Mailbox, int]]:
    box = Mailbox()
    controller = Controller(box, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        yield box, controller.port
    finally:
        controller.stop()


def test_an_email_arrives_with_its_headers_and_body(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    said = SmtpNotifier("127.0.0.1", port, SENDER, timeout=2).send(email_to())

    assert said == f"250 accepted by 127.0.0.1:{port}"
    (envelope,) = box.envelopes
    assert envelope.mail_from == "caseloom@support.example.com"
    assert envelope.rcpt_tos == ["ann@example.com"]
    message = box.message()
    assert message["From"] == SENDER
    assert message["To"] == "ann@example.com"
    assert message["Subject"] == "Case C-1042 breached its first-response SLA"
    assert message["Date"].datetime == NOW
    assert message["Message-ID"].endswith("@support.example.com>")
    assert message["Auto-Submitted"] == "auto-generated"
    assert message["X-Caseloom-Case"] == "C-1042"
    body = message.get_body(("plain",))
    assert body is not None
    assert body.get_content().splitlines() == [
        "Case C-1042 has waited 4 h 10 min.",
        "It is now with team Gas.",
    ]


def test_an_email_without_a_case_has_no_case_header(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    SmtpNotifier("127.0.0.1", port, SENDER, timeout=2).send(email_to(case_ref=None))
    assert "X-Caseloom-Case" not in box.message()


def test_a_reply_to_a_customer_goes_out_in_their_thread(mailbox: tuple[Mailbox, int]) -> None:
    box, port = mailbox
    headers = {
        "From": "support@northwind.example",
        "Reply-To": "support+ref+CS-000001.1a2b3c4d@northwind.example",
        "Message-ID": "<CS-000001.reply5@northwind.example>",
        "In-Reply-To": "<second@x>",
        "References": "<first@x> <second@x>",
        "Auto-Submitted": "no",
        "Bcc": "someone-else@example.com",  # not a header a notification may set
    }
    notice = replace(email_to(), payload={"headers": headers})
    SmtpNotifier("127.0.0.1", port, SENDER, timeout=2).send(notice)

    message = box.message()
    for name in ("From", "Reply-To", "Message-ID", "In-Reply-To", "References", "Auto-Submitted"):
        assert message.get_all(name) == [headers[name]]
    assert "Bcc" not in message
    (envelope,) = box.envelopes
    assert envelope.rcpt_tos == ["ann@example.com"]


@pytest.mark.parametrize(
    ("rcpt_reply", "data_reply", "permanent", "code"),
    [
        ("550 5.1.1 no such user", "250 OK", True, "550 5.1.1 no such user"),
        ("451 4.3.0 mailbox busy, try later", "250 OK", False, "451 4.3.0 mailbox busy"),
        (None, "554 5.6.0 message rejected as spam", True, "554 5.6.0 message rejected"),
        (None, "452 4.3.1 insufficient storage", False, "452 4.3.1 insufficient"),
    ],
)
def test_a_refusal_is_permanent_for_5xx_and_transient_for_4xx(
    mailbox: tuple[Mailbox, int],
    rcpt_reply: str | None,
    data_reply: str,
    permanent: bool,
    code: str,
) -> None:
    box, port = mailbox
    box.rcpt_reply, box.data_reply = rcpt_reply, data_reply

    with pytest.raises(DeliveryFailed, match=code) as failed:
        SmtpNotifier("127.0.0.1", port, SENDER, timeout=2).send(email_to())

    assert failed.value.permanent is permanent
    assert f"127.0.0.1:{port}" in str(failed.value)
    assert box.envelopes == []


def test_no_server_listening_is_a_transient_failure() -> None:
    port = free_port()
    with pytest.raises(DeliveryFailed, match=f"127.0.0.1:{port}") as failed:
        SmtpNotifier("127.0.0.1", port, SENDER, timeout=1).send(email_to())
    assert failed.value.permanent is False


def test_a_server_that_offers_no_starttls_is_a_permanent_failure(
    mailbox: tuple[Mailbox, int],
) -> None:
    _, port = mailbox
    notifier = SmtpNotifier("127.0.0.1", port, SENDER, timeout=2, starttls=True)
    with pytest.raises(DeliveryFailed, match="STARTTLS") as failed:
        notifier.send(email_to())
    assert failed.value.permanent is True


@pytest.mark.filterwarnings("ignore:Requiring AUTH while not requiring TLS:UserWarning")
def test_the_notifier_logs_in_with_its_credentials() -> None:
    box = Mailbox()
    logins: list[tuple[bytes, bytes]] = []

    def authenticate(
        server: SMTP, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        assert isinstance(data, LoginPassword)
        logins.append((data.login, data.password))
        return AuthResult(success=data.password == b"s3cret", handled=False)

    controller = Controller(
        box,
        hostname="127.0.0.1",
        port=free_port(),
        authenticator=authenticate,
        auth_require_tls=False,
        auth_required=True,
    )
    controller.start()
    try:
        right = SmtpNotifier(
            "127.0.0.1", controller.port, SENDER, timeout=2, username="bot", password="s3cret"
        )
        right.send(email_to())
        wrong = SmtpNotifier(
            "127.0.0.1", controller.port, SENDER, timeout=2, username="bot", password="nope"
        )
        with pytest.raises(DeliveryFailed, match="535") as failed:
            wrong.send(email_to())
    finally:
        controller.stop()

    assert logins[0] == (b"bot", b"s3cret")
    assert set(logins[1:]) == {(b"bot", b"nope")}  # smtplib tries each mechanism offered
    assert len(box.envelopes) == 1
    assert failed.value.permanent is True


@pytest.mark.parametrize(
    ("notification", "reason"),
    [
        (webhook_to(), "cannot send webhook notifications"),
        (email_to(subject="Breach\r\nBcc: everyone@example.com"), "not a valid e-mail"),
    ],
)
def test_what_cannot_be_an_email_fails_permanently_without_connecting(
    notification: Notification, reason: str
) -> None:
    notifier = SmtpNotifier("127.0.0.1", free_port(), SENDER, timeout=1)
    with pytest.raises(DeliveryFailed, match=reason) as failed:
        notifier.send(notification)
    assert failed.value.permanent is True


def test_an_smtp_url_gives_host_port_credentials_and_starttls() -> None:
    notifier = smtp_notifier("smtp://bot%40ops:p%2Fss@Mail.Example.com:2525?starttls=true", SENDER)
    assert vars(notifier) == vars(
        SmtpNotifier(
            "mail.example.com",
            2525,
            SENDER,
            username="bot@ops",
            password="p/ss",
            starttls=True,
        )
    )


def test_an_smtp_url_without_port_or_options_uses_port_25_in_the_clear() -> None:
    assert vars(smtp_notifier("smtp://mail.example.com", SENDER)) == vars(
        SmtpNotifier("mail.example.com", 25, SENDER)
    )


@pytest.mark.parametrize(
    ("url", "problem"),
    [
        ("smtps://mail.example.com", "starts with smtp://"),
        ("mail.example.com:25", "starts with smtp://"),
        ("smtp://", "no host"),
        ("smtp://:25", "no host"),
        ("smtp://mail.example.com:port", "port"),
        ("smtp://mail.example.com:70000", "port"),
        ("smtp://mail.example.com:0", "port"),
        ("smtp://mail.example.com/relay", "path"),
        ("smtp://bot@mail.example.com", "both a user and a password"),
        ("smtp://:secret@mail.example.com", "both a user and a password"),
        ("smtp://mail.example.com?starttls=maybe", "starttls option is true or false"),
        ("smtp://mail.example.com?tls=true", "unknown options: tls"),
    ],
)
def test_a_bad_smtp_url_says_what_is_wrong(url: str, problem: str) -> None:
    with pytest.raises(InvalidInput, match=problem):
        smtp_notifier(url, SENDER)


def test_a_sender_that_is_not_an_address_is_refused() -> None:
    with pytest.raises(InvalidInput, match="not an e-mail address"):
        smtp_notifier("smtp://mail.example.com", "Caseloom")


# --- webhooks -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]  # names in lower case
    body: bytes


class Receiver(ThreadingHTTPServer):
    """A webhook receiver on 127.0.0.1 that records each request and answers `status`."""

    daemon_threads = False  # so that server_close waits for every handler

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.status = 204
        self.stall = 0.0
        self.hits: list[Hit] = []
        self.released = threading.Event()

    def url(self, path: str) -> str:
        host, port = self.server_address[:2]
        return f"http://{host!s}:{port}{path}"


class _Handler(BaseHTTPRequestHandler):
    server: Receiver

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
        headers = {name.lower(): value for name, value in self.headers.items()}
        self.server.hits.append(Hit(self.path, headers, body))
        if self.server.stall:
            self.server.released.wait(self.server.stall)
        try:
            self.send_response(self.server.status)
            self.send_header("Content-Length", "0")
            self.end_headers()
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up first

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    with serving(Receiver()) as server:
        yield server


@pytest.fixture
def webhooks(receiver: Receiver) -> Iterator[WebhookNotifier]:
    targets = {
        "ops": WebhookTarget(receiver.url("/hooks/ops"), secret=SECRET),
        "crm": WebhookTarget(receiver.url("/hooks/crm")),
    }
    notifier = WebhookNotifier(targets, timeout=0.2)
    try:
        yield notifier
    finally:
        notifier.close()


def test_a_webhook_gets_signed_json_and_its_answer_is_returned(
    receiver: Receiver, webhooks: WebhookNotifier
) -> None:
    assert webhooks.send(webhook_to("ops")) == "HTTP 204"

    (hit,) = receiver.hits
    assert hit.path == "/hooks/ops"
    assert hit.headers["content-type"] == "application/json"
    assert hit.headers["user-agent"] == "caseloom"
    assert hit.headers["x-caseloom-delivery"] == "18"
    expected = hmac.new(SECRET.encode(), hit.body, hashlib.sha256).hexdigest()
    assert hmac.compare_digest(hit.headers["x-caseloom-signature"], f"sha256={expected}")
    assert json.loads(hit.body) == {
        "case": "C-1042",
        "subject": "Case C-1042 escalated",
        "body": "Escalated to the duty manager.",
        "created_at": "2025-11-26T09:30:00+00:00",
        "notification_id": 18,
        "level": 2,
        "team": "gas",
    }


def test_a_webhook_without_a_secret_is_sent_unsigned(
    receiver: Receiver, webhooks: WebhookNotifier
) -> None:
    receiver.status = 200
    assert webhooks.send(webhook_to("crm")) == "HTTP 200"
    (hit,) = receiver.hits
    assert hit.path == "/hooks/crm"
    assert "x-caseloom-signature" not in hit.headers


@pytest.mark.parametrize(
    ("status", "permanent"), [(500, False), (503, False), (429, False), (408, False), (404, True)]
)
def test_an_error_status_is_transient_or_permanent(
    receiver: Receiver, webhooks: WebhookNotifier, status: int, permanent: bool
) -> None:
    receiver.status = status
    with pytest.raises(DeliveryFailed, match=f"webhook 'ops' .* answered HTTP {status}") as failed:
        webhooks.send(webhook_to("ops"))
    assert failed.value.permanent is permanent


def test_a_webhook_slower_than_the_timeout_is_a_transient_failure(
    receiver: Receiver, webhooks: WebhookNotifier
) -> None:
    receiver.stall = 5.0
    with pytest.raises(DeliveryFailed, match=r"did not answer within 0\.2 s") as failed:
        webhooks.send(webhook_to("ops"))
    assert failed.value.permanent is False


def test_an_unreachable_webhook_is_a_transient_failure() -> None:
    notifier = WebhookNotifier({"ops": WebhookTarget(f"http://127.0.0.1:{free_port()}/")})
    try:
        with pytest.raises(DeliveryFailed, match="could not reach webhook 'ops'") as failed:
            notifier.send(webhook_to("ops"))
    finally:
        notifier.close()
    assert failed.value.permanent is False


def test_an_unknown_webhook_is_a_permanent_failure_naming_the_known_ones(
    receiver: Receiver, webhooks: WebhookNotifier
) -> None:
    with pytest.raises(
        DeliveryFailed, match=r"no webhook named 'billing' \(known: crm, ops\)"
    ) as failed:
        webhooks.send(webhook_to("billing"))
    assert failed.value.permanent is True
    assert receiver.hits == []


def test_a_webhook_notifier_refuses_an_email(webhooks: WebhookNotifier) -> None:
    with pytest.raises(DeliveryFailed, match="cannot send email notifications") as failed:
        webhooks.send(email_to())
    assert failed.value.permanent is True


def test_a_secret_is_kept_out_of_the_targets_repr() -> None:
    assert SECRET not in repr(WebhookTarget("https://hooks.example.com/x", secret=SECRET))


# --- routing and logging --------------------------------------------------------------------


@dataclass
class Recording:
    said: str
    sent: list[Notification] = field(default_factory=list)
    closed: bool = False

    def send(self, notification: Notification) -> str:
        self.sent.append(notification)
        return self.said

    def close(self) -> None:
        self.closed = True


class Unclosable:
    def send(self, notification: Notification) -> str:
        return "ok"


def test_the_channel_notifier_routes_each_notification_by_its_channel() -> None:
    mail, hooks = Recording("250 OK"), Recording("HTTP 204")
    notifier = ChannelNotifier(email=mail, webhook=hooks)

    assert notifier.send(email_to()) == "250 OK"
    assert notifier.send(webhook_to()) == "HTTP 204"

    assert mail.sent == [email_to()]
    assert hooks.sent == [webhook_to()]


def test_the_channel_notifier_closes_those_that_can_be_closed() -> None:
    hooks = Recording("HTTP 204")
    ChannelNotifier(email=Unclosable(), webhook=hooks).close()
    assert hooks.closed


def test_the_log_notifier_logs_channel_recipient_and_subject(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="caseloom.notify")

    said = LogNotifier().send(email_to())

    assert said == "logged (no SMTP server configured)"
    (record,) = caplog.records
    assert record.name == "caseloom.notify"
    assert record.levelno == logging.INFO
    message = record.getMessage()
    assert "email" in message
    assert "ann@example.com" in message
    assert "Case C-1042 breached its first-response SLA" in message
