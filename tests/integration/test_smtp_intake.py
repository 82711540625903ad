"""Real messages over SMTP to the running intake server, on each database: each kind of
message ends as it should, and nothing accepted is lost."""

from __future__ import annotations

import re
import smtplib
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest
from aiosmtpd.controller import Controller
from fastapi.testclient import TestClient

from caseloom.adapters.db.engine import make_engine
from caseloom.adapters.db.mail import installation_secret
from caseloom.bootstrap import Caseloom
from caseloom.domain.mail import case_token
from caseloom.entrypoints.api import create_app
from caseloom.entrypoints.smtp import smtp_server
from caseloom.views import cases, mail
from tests.fakes import FakeClock
from tests.network import free_port

SUPPORT, BILLING = "support@northwind.example", "billing@northwind.example"
HEMA = "hema.patel@example.com"  # a contact of a demo customer
LIMIT = 256 * 1024


@pytest.fixture
def server(app: Caseloom) -> Iterator[Controller]:
    controller = smtp_server(app.bus, app.policy.intake.accepts, "127.0.0.1", free_port(), LIMIT)
    controller.start()
    yield controller
    controller.stop()


def wire(raw: bytes) -> bytes:
    """The message as a mail server sends it: lines end in CRLF."""
    return re.sub(rb"\r?\n", b"\r\n", raw)


def send(server: Controller, raw: bytes, to: str = SUPPORT, sender: str = HEMA) -> tuple[int, str]:
    """One SMTP transaction; the server's reply to DATA (or to RCPT, if it refused that)."""
    raw = wire(raw)
    with smtplib.SMTP(server.hostname, server.port, timeout=10) as smtp:
        smtp.ehlo()
        smtp.mail(sender)
        code, text = smtp.rcpt(to)
        if code >= 400:
            return code, text.decode()
        code, text = smtp.data(raw)
        return code, text.decode()


def message(
    body: str = "Our broadband has been down since 6am and nobody can work.",
    *,
    subject: str = "Broadband down",
    message_id: str = "<m1@hema.example>",
    sender: str = f"Hema Patel <{HEMA}>",
    to: str = SUPPORT,
    **headers: str,
) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"], msg["Message-ID"] = sender, to, subject, message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg


def test_a_plain_message_opens_a_triaged_case(
    server: Controller, app: Caseloom, clock: FakeClock
) -> None:
    code, text = send(server, message().as_bytes())
    assert (code, text) == (250, "2.0.0 opened CS-000001")
    case = cases.get_case(app.store, "CS-000001", clock.now())
    assert case.channel == "email"
    assert case.customer_id == "h-patel"
    assert case.status not in ("new", "triage_review")  # triaged, and on its way
    (received,) = mail.list_mail(app.store)
    assert (received.status, received.case, received.sender) == ("opened", "CS-000001", HEMA)
    assert mail.raw_mail(app.store, received.id) == wire(message().as_bytes())


def test_a_burst_over_many_connections_opens_one_triaged_case_per_message(
    server: Controller, app: Caseloom, clock: FakeClock
) -> None:
    senders = [f"customer{n}@example.com" for n in range(12)]
    burst = [
        message(f"Router {n} keeps rebooting.", message_id=f"<burst.{n}@example.com>", sender=s)
        for n, s in enumerate(senders)
    ]
    burst.append(burst[0])  # a sending server's retry, in the same burst
    with ThreadPoolExecutor(max_workers=len(burst)) as senders_at_once:
        replies = list(
            senders_at_once.map(
                lambda m: send(server, m.as_bytes(), sender=m["From"]),  # type: ignore[no-any-return]
                burst,
            )
        )
    assert all(code == 250 for code, _ in replies)
    opened = [text.split()[-1] for _, text in replies if text.startswith("2.0.0 opened")]
    assert len(opened) == len(set(opened)) == 12
    assert replies[-1][1] == f"2.0.0 already received: opened {replies[0][1].split()[-1]}"
    statuses = {cases.get_case(app.store, ref, clock.now()).status for ref in opened}
    assert "new" not in statuses  # the Triage agent read every one
    assert [m.status for m in mail.list_mail(app.store, limit=20)] == ["opened"] * 12


def test_unknown_recipients_and_oversized_messages_are_refused(
    server: Controller, app: Caseloom
) -> None:
    code, text = send(server, message().as_bytes(), to="nobody@northwind.example")
    assert code == 550
    assert "nobody@northwind.example" in text
    big = message("a line of text\n" * (LIMIT // 15 + 10)).as_bytes()
    code, text = send(server, big)
    assert code == 552
    assert mail.list_mail(app.store) == []  # refused before it was accepted


def test_html_only_attachments_and_charsets_are_read(
    server: Controller, app: Caseloom, clock: FakeClock
) -> None:
    html = message(subject="Boiler", message_id="<m2@hema.example>")
    html.set_content(
        "<html><body><p>The boiler is <b>leaking</b>.</p><p>Grüße, Hema</p></body></html>",
        subtype="html",
    )
    html.add_attachment(
        b"%PDF-1.4 fake", maintype="application", subtype="pdf", filename="bill.pdf"
    )
    assert send(server, html.as_bytes())[0] == 250
    case = cases.get_case(app.store, "CS-000001", clock.now())
    assert "The boiler is leaking." in case.description
    assert "Grüße" in case.description
    (pdf,) = mail.list_attachments(app.store, "CS-000001")
    assert (pdf.filename, pdf.content_type, pdf.size) == ("bill.pdf", "application/pdf", 13)
    assert mail.attachment_content(app.store, "CS-000001", pdf.id)[1] == b"%PDF-1.4 fake"

    latin = MIMEText("Der Router blinkt rot. Grüße aus Köln", "plain", "iso-8859-1")
    latin["From"], latin["To"], latin["Subject"] = HEMA, SUPPORT, "Störung"
    latin["Message-ID"] = "<m3@hema.example>"
    assert send(server, latin.as_bytes())[1] == "2.0.0 opened CS-000002"
    second = cases.get_case(app.store, "CS-000002", clock.now())
    assert (second.subject, second.description) == (
        "Störung",
        "Der Router blinkt rot. Grüße aus Köln",
    )


def test_replies_join_their_case_three_ways(
    server: Controller, app: Caseloom, database_url: str
) -> None:
    send(server, message().as_bytes())
    by_header = message(
        "Still down.", message_id="<m4@hema.example>", In_Reply_To="<m1@hema.example>"
    )
    assert send(server, by_header.as_bytes())[1] == "2.0.0 a reply to CS-000001"
    by_subject = message("Any news?", subject="Re: [CS-000001] Broadband", message_id="<m5@h>")
    assert send(server, by_subject.as_bytes())[1] == "2.0.0 a reply to CS-000001"
    token = case_token("CS-000001", stored_secret(database_url))
    by_token = message(f"Please call me.\n\n> {token}", subject="hello", message_id="<m6@h>")
    assert send(server, by_token.as_bytes())[1] == "2.0.0 a reply to CS-000001"
    assert [m.status for m in mail.list_mail(app.store)] == ["threaded"] * 3 + ["opened"]


def stored_secret(database_url: str) -> bytes:
    """The installation's secret, made at start and kept in the database."""
    engine = make_engine(database_url)
    try:
        return installation_secret(engine)
    finally:
        engine.dispose()


def test_machines_duplicates_and_garbage_end_where_they_should(
    server: Controller, app: Caseloom
) -> None:
    away = message("Out of office.", message_id="<a1@h>", Auto_Submitted="auto-replied")
    assert send(server, away.as_bytes()) == (
        250,
        "2.0.0 auto reply (Auto-Submitted: auto-replied): not answered",
    )

    bounce = MIMEMultipart("report", report_type="delivery-status")
    bounce["From"], bounce["To"] = "MAILER-DAEMON@mx.example", SUPPORT
    bounce["Subject"], bounce["Message-ID"] = "Undelivered Mail Returned to Sender", "<b1@mx>"
    bounce.attach(MIMEText("Your message could not be delivered."))
    code, text = send(server, bounce.as_bytes(), sender="")
    assert code == 250
    assert text.startswith("2.0.0 bounce")

    first = send(server, message().as_bytes())
    again = send(server, message().as_bytes())
    assert again == (250, f"2.0.0 already received: {first[1].removeprefix('2.0.0 ')}")

    code, text = send(server, b"\x00\x01\x02 not a message\r\n")
    assert code == 550
    assert text.startswith("5.6.0 refused: unreadable")
    quarantined = mail.list_mail(app.store, status="quarantined")
    assert len(quarantined) == 1
    statuses = sorted(m.status for m in mail.list_mail(app.store))
    assert statuses == ["ignored", "ignored", "opened", "quarantined"]


def test_mail_to_the_billing_address_goes_to_billing(
    server: Controller, app: Caseloom, clock: FakeClock
) -> None:
    billing = message("Why was I charged twice?", subject="Invoice", to=BILLING)
    assert send(server, billing.as_bytes(), to=BILLING)[0] == 250
    case = cases.get_case(app.store, "CS-000001", clock.now())
    assert case.team == "billing"


def test_a_quarantined_message_is_released_over_the_api(server: Controller, app: Caseloom) -> None:
    code, _ = send(server, b"\x00\x01 not a message\r\n")
    assert code == 550
    (held,) = mail.list_mail(app.store, status="quarantined")
    with TestClient(create_app(app)) as client:
        listed = client.get("/api/v1/intake/mail", params={"status": "quarantined"}).json()
        assert [m["id"] for m in listed] == [held.id]
        assert (
            client.get(f"/api/v1/intake/mail/{held.id}/raw").content
            == b"\x00\x01 not a message\r\n"
        )
        again = client.post(f"/api/v1/intake/mail/{held.id}/release", json={"actor": "ops:lee"})
        assert again.status_code == 200
        assert again.json()["status"] == "quarantined"  # still unreadable, kept with its reason
        assert again.json()["outcome"].startswith("unreadable")
        missing = client.post("/api/v1/intake/mail/999/release", json={"actor": "ops:lee"})
        assert missing.status_code == 404
