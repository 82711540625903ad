"""The mailbox intake polls: messages read from a real IMAP server (Dovecot, started by the
test set-up) end as cases, replies, kept machine mail or quarantine, each marked done in the
mailbox only once that is committed, on each database."""

from __future__ import annotations

from collections.abc import Iterator
from email.message import EmailMessage
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText

import pytest

from caseloom import bootstrap
from caseloom.bootstrap import Caseloom
from caseloom.domain.commands import PollMailbox
from caseloom.entrypoints import worker
from caseloom.views import cases, journey, mail
from tests.dovecot import Account
from tests.fakes import FakeClock

SUPPORT, HEMA = "support@northwind.example", "hema.patel@example.com"


@pytest.fixture
def polling(database_url: str, clock: FakeClock, imap_account: Account) -> Iterator[Caseloom]:
    """The demo, with the test account's INBOX as its mailbox."""
    server = imap_account.server
    config = bootstrap.settings(
        database_url=database_url,
        policy=bootstrap.DEMO_POLICY,
        imap_url=f"imap://{imap_account.user}@{server.host}:{server.port}/INBOX",
        imap_password=server.password,
    )
    caseloom = bootstrap.bootstrap(config, clock=clock)
    caseloom.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
    yield caseloom
    caseloom.close()


def message(body: str, message_id: str, subject: str = "Broadband down", **headers: str) -> bytes:
    msg = EmailMessage()
    msg["From"], msg["To"] = f"Hema Patel <{HEMA}>", SUPPORT
    msg["Subject"], msg["Message-ID"] = subject, message_id
    for name, value in headers.items():
        msg[name.replace("_", "-")] = value
    msg.set_content(body)
    return msg.as_bytes()


def test_a_mailbox_is_taken_into_cases_and_marked_done(
    polling: Caseloom, imap_account: Account, clock: FakeClock
) -> None:
    first = message("Our broadband is down since 6am.", "<i1@hema.example>")
    latin = MIMEText("Der Router blinkt rot. Grüße", "plain", "iso-8859-1")
    latin["From"], latin["To"], latin["Subject"] = HEMA, SUPPORT, "Störung"
    latin["Message-ID"] = "<i2@hema.example>"
    bounce = MIMEMultipart("report", report_type="delivery-status")
    bounce["From"], bounce["To"], bounce["Subject"] = "MAILER-DAEMON@mx.example", SUPPORT, "Failed"
    bounce["Message-ID"] = "<i5@mx.example>"
    bounce.attach(MIMEText("Delivery failed."))
    for raw in (
        first,
        latin.as_bytes(),
        message("Still down.", "<i3@hema.example>", In_Reply_To="<i1@hema.example>"),
        message("Away until Monday.", "<i4@hema.example>", Auto_Submitted="auto-replied"),
        bounce.as_bytes(),
        first,  # the same message twice
        b"\x00\x01\x02 not an e-mail\r\n",
    ):
        imap_account.append(raw)

    counts = polling.bus.handle(PollMailbox())
    assert counts == {
        "opened": 2,
        "threaded": 1,
        "ignored": 2,
        "quarantined": 1,
        "repeated": 1,
    }
    assert polling.bus.handle(PollMailbox()) == dict.fromkeys(counts, 0)  # all marked done

    german = cases.get_case(polling.store, "CS-000002", clock.now())
    assert (german.subject, german.description) == ("Störung", "Der Router blinkt rot. Grüße")
    received = mail.list_mail(polling.store)
    assert len(received) == 6  # the repeat is the first message again, not a new row
    assert {m.source.split(":")[0] for m in received} == {"imap"}
    (oldest,) = [m for m in received if m.message_id == "i1@hema.example"]
    assert mail.raw_mail(polling.store, oldest.id) == first.replace(b"\n", b"\r\n")


def test_the_worker_takes_a_backlog_in_one_transaction_and_marks_it_done_after(
    polling: Caseloom, imap_account: Account, clock: FakeClock
) -> None:
    """The worker polls with group commit: every message and all it leads to (triage, SLA,
    routing, the acknowledgement) in one transaction, then the mailbox marks."""
    for n in range(12):
        imap_account.append(message(f"Outage number {n}.", f"<b{n}@hema.example>"))

    counts = worker.run_once(polling, worker.Rhythm())

    assert counts["mail opened"] == 12
    assert all("\\Seen" in flags for flags in imap_account.flags().values())
    taken = mail.list_mail(polling.store, limit=20)
    assert [m.status for m in taken] == ["opened"] * 12
    statuses = {cases.get_case(polling.store, str(m.case), clock.now()).status for m in taken}
    assert "new" not in statuses  # triaged and routed in the same batch
    assert journey.verify(polling.store) == (12, [])
    assert worker.run_once(polling, worker.Rhythm())["mail opened"] == 0  # all marked
