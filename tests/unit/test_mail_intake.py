"""E-mail to case on the bus: stored first, then a new case, a reply joined to its case (three
ways), a machine's message kept unanswered, quarantine for the unreadable and the too many, a
repeated Message-ID changing nothing, replies to closed cases, and the sweep after a crash."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from email.message import EmailMessage

import pytest
from pydantic import ValidationError

from caseloom import bootstrap
from caseloom.adapters.mail import EmailReader
from caseloom.domain import commands
from caseloom.domain.case import CaseStatus, Channel, MessageKind
from caseloom.domain.errors import IllegalTransition, InvalidInput
from caseloom.domain.mail import (
    MAX_MESSAGE_BYTES,
    ClosedReply,
    InboundMail,
    IntakeAddress,
    IntakeSpec,
    MailReceipt,
    MailStatus,
    case_token,
    status_key,
)
from caseloom.domain.notification import Notification
from tests.fakes import FakeMailbox
from tests.world import POLICY, SECRET, World

SUPPORT = "support@northwind.example"
INTAKE = IntakeSpec(addresses={SUPPORT: IntakeAddress(SUPPORT)})


def mail(
    body: str = "Our broadband has been down since 6am.",
    *,
    sender: str = "Priya Shah <priya@example.com>",
    subject: str = "Broadband down",
    message_id: str = "<first@mail.example>",
    **headers: str,
) -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = message_id
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def world(**intake: object) -> World:
    return World(replace(POLICY, intake=replace(INTAKE, **intake)), intent="question")


def receive(w: World, raw: bytes) -> MailReceipt:
    receipt = w.bus.handle(commands.ReceiveMail(raw, "smtp", "priya@example.com", (SUPPORT,)))
    assert isinstance(receipt, MailReceipt)
    return receipt


def test_an_email_opens_a_case_for_the_customer_it_comes_from() -> None:
    w = world()
    receipt = receive(w, mail())

    assert receipt == MailReceipt(1, MailStatus.OPENED, "opened CS-000001", "CS-000001")
    case = w.case("CS-000001")
    assert (case.channel, case.subject, case.customer_id) == (
        Channel.EMAIL,
        "Broadband down",
        "acme",
    )
    assert case.description == "Our broadband has been down since 6am."
    assert (case.contact.name, case.contact.email) == ("Priya Shah", "priya@example.com")
    assert case.mailbox == SUPPORT
    (intake,) = [e for e in w.store.journey["CS-000001"] if e.step == "intake"]
    assert intake.actor == "email-intake"
    assert intake.inputs["mailbox"] == SUPPORT
    stored = w.store.mail[1]
    assert stored.mail.raw == mail()  # kept byte for byte
    assert stored.sender == "priya@example.com"


def test_the_same_message_twice_is_one_case() -> None:
    w = world()
    receive(w, mail())
    again = receive(w, mail())
    assert again.repeated
    assert (again.status, again.case_ref) == (MailStatus.OPENED, "CS-000001")
    assert len(w.store.cases) == 1
    assert len(w.store.mail) == 1


def test_a_reply_joins_its_case_by_its_headers() -> None:
    w = world()
    receive(w, mail())
    reply = mail(
        "It is still down.\n\nOn Mon, Priya wrote:\n> Our broadband has been down since 6am.",
        subject="Re: Broadband down",
        message_id="<second@mail.example>",
        In_Reply_To="<first@mail.example>",
        References="<first@mail.example>",
    )
    receipt = receive(w, reply)
    assert (receipt.status, receipt.outcome) == (MailStatus.THREADED, "a reply to CS-000001")
    assert len(w.store.cases) == 1
    entries = [e for e in w.store.journey["CS-000001"] if e.step == "message"]
    assert entries[-1].actor == "customer"
    assert entries[-1].inputs["kind"] == MessageKind.CUSTOMER_REPLY


def test_a_subject_reference_counts_only_from_the_cases_contacts() -> None:
    w = world()
    receive(w, mail())
    from_contact = mail("Any news?", subject="Re: [CS-000001] Broadband", message_id="<a@x>")
    assert receive(w, from_contact).status is MailStatus.THREADED

    stranger = mail(
        "Please add me.",
        sender="mallory@evil.example",
        subject="[CS-000001] hello",
        message_id="<b@x>",
    )
    receipt = receive(w, stranger)
    assert (receipt.status, receipt.case_ref) == (MailStatus.OPENED, "CS-000002")


def test_a_signed_case_token_joins_whoever_forwards_it() -> None:
    w = world()
    receive(w, mail())
    token = case_token("CS-000001", SECRET)
    forwarded = mail(
        f"My colleague's router too.\n\n---- Forwarded ----\nYour case {token}",
        sender="colleague@acme.example",
        subject="Fwd: your case",
        message_id="<c@x>",
    )
    assert receive(w, forwarded).case_ref == "CS-000001"

    forged = mail(
        "ref:CS-000001.00000000 let me in",
        sender="mallory@evil.example",
        subject="hi",
        message_id="<d@x>",
    )
    assert receive(w, forged).case_ref == "CS-000002"


def test_auto_replies_and_bounces_are_kept_and_not_answered() -> None:
    w = world()
    away = mail("I am away until Monday.", Auto_Submitted="auto-replied", message_id="<e@x>")
    receipt = receive(w, away)
    assert receipt.status is MailStatus.IGNORED
    assert receipt.outcome == "auto reply (Auto-Submitted: auto-replied): not answered"
    assert receipt.case_ref is None
    assert w.store.cases == {}


def test_an_unreadable_message_is_quarantined_and_refused() -> None:
    w = world()
    receipt = receive(w, b"\x00\x01 this is not an e-mail at all")
    assert receipt.status is MailStatus.QUARANTINED
    assert receipt.outcome.startswith("unreadable: ")
    assert receipt.refused
    assert w.store.mail[1].mail.raw == b"\x00\x01 this is not an e-mail at all"
    assert w.store.cases == {}


def test_too_many_messages_from_one_sender_are_quarantined() -> None:
    w = world(per_sender=2, per=timedelta(hours=1))
    for n in range(2):
        assert receive(w, mail(message_id=f"<n{n}@x>", subject=f"Case {n}")).status is (
            MailStatus.OPENED
        )
    third = receive(w, mail(message_id="<n2@x>"))
    assert third.status is MailStatus.QUARANTINED
    assert third.outcome == "rate limit: 2 messages from priya@example.com within 1:00:00"
    w.clock.advance(timedelta(hours=1, seconds=1))
    assert receive(w, mail(message_id="<n3@x>")).status is MailStatus.OPENED


def close(w: World, ref: str) -> None:
    w.case(ref).status = CaseStatus.CLOSED
    w.case(ref).closed_at = w.clock.now()


def test_a_reply_to_a_closed_case_reopens_it_within_the_window() -> None:
    w = world(reopen_within=timedelta(days=14))
    receive(w, mail())
    close(w, "CS-000001")
    w.clock.advance(timedelta(days=3))
    reply = mail("Down again.", message_id="<r1@x>", In_Reply_To="<first@mail.example>")
    assert receive(w, reply).case_ref == "CS-000001"
    assert w.case("CS-000001").status is not CaseStatus.CLOSED

    close(w, "CS-000001")
    w.clock.advance(timedelta(days=15))
    late = mail("Down again!", message_id="<r2@x>", In_Reply_To="<first@mail.example>")
    receipt = receive(w, late)
    assert receipt.case_ref == "CS-000002"
    (intake,) = [e for e in w.store.journey["CS-000002"] if e.step == "intake"]
    assert intake.decision["follows"] == "CS-000001"
    assert intake.reason.endswith("a follow-up to CS-000001")


def test_a_follow_up_policy_never_reopens() -> None:
    w = world(reply_to_closed=ClosedReply.FOLLOW_UP)
    receive(w, mail())
    close(w, "CS-000001")
    reply = mail("One more thing.", message_id="<r3@x>", In_Reply_To="<first@mail.example>")
    assert receive(w, reply).case_ref == "CS-000002"
    assert w.case("CS-000001").status is CaseStatus.CLOSED
    notes = [e.reason for e in w.store.journey["CS-000001"] if e.step == "intake"]
    assert notes[-1] == "the customer wrote again after it closed: follow-up CS-000002"


def test_the_sweep_reads_what_was_stored_but_never_read() -> None:
    w = world()
    with w.bus._uow_factory() as uow:  # a crash right after storing
        uow.mail.store(
            mail(),
            message_id="first@mail.example",
            source="smtp",
            envelope_from="priya@example.com",
            envelope_to=(SUPPORT,),
            at=w.clock.now(),
        )
        uow.commit()
    assert w.bus.handle(commands.SweepMail()) == []  # not a minute old yet
    w.clock.advance(timedelta(minutes=2))
    (receipt,) = w.bus.handle(commands.SweepMail())  # type: ignore[misc]
    assert receipt.case_ref == "CS-000001"
    assert w.bus.handle(commands.SweepMail(older_than=timedelta(0))) == []


class FlakyReader(EmailReader):
    """Fails on its first read of a message with this text: a bug, or the process dying."""

    def __init__(self, fails_on: bytes) -> None:
        super().__init__()
        self.fails_on, self.failed = fails_on, False

    def read(self, raw: bytes) -> InboundMail:
        if self.fails_on in raw and not self.failed:
            self.failed = True
            raise RuntimeError("the reader crashed")
        return super().read(raw)


def test_a_mailbox_message_is_marked_done_only_once_it_is_committed() -> None:
    box = FakeMailbox(mail(), mail("It still blinks.", message_id="<second@x>", subject="Router"))
    w = World(replace(POLICY, intake=INTAKE), intent="question", mailbox=box)
    handler = w.wiring[0][commands.PollMailbox]
    intake = handler.keywords["intake"]  # type: ignore[attr-defined]
    handler.keywords["intake"] = replace(intake, reader=FlakyReader(b"blinks"))  # type: ignore[attr-defined]

    with pytest.raises(RuntimeError, match="the reader crashed"):
        w.bus.handle(commands.PollMailbox())
    assert box.marked == ["1"]  # the second was stored, never read, and stays new
    assert w.store.mail[2].mail.status is MailStatus.RECEIVED

    counts = w.bus.handle(commands.PollMailbox())
    assert counts == {"opened": 1, "threaded": 0, "ignored": 0, "quarantined": 0, "repeated": 0}
    assert box.marked == ["1", "2"]
    assert len(w.store.cases) == 2


def test_polling_without_a_mailbox_says_what_to_set() -> None:
    with pytest.raises(InvalidInput, match="set CASELOOM_IMAP_URL"):
        world().bus.handle(commands.PollMailbox())


def replying(**intake: object) -> World:
    return world(reply_from=SUPPORT, **intake)


def sent(w: World) -> list[Notification]:
    return [row.notification for row in w.store.outbox]


def test_an_e_mailed_case_is_acknowledged_in_its_thread_with_its_sla_promise() -> None:
    w = replying()
    receive(w, mail())

    (ack,) = sent(w)
    assert (ack.to, ack.case_ref) == ("priya@example.com", "CS-000001")
    assert ack.subject == "[CS-000001] We have your request: Broadband down"
    assert "Your case number is CS-000001." in ack.body
    assert "We will answer you by Thu 26 Nov, 13:00 (UTC)." in ack.body  # 4h, round the clock
    token = case_token("CS-000001", SECRET)
    assert ack.body.endswith(f"-- \n{token}\n")
    headers = ack.payload["headers"]
    assert headers == {
        "From": SUPPORT,
        "Reply-To": f"support+{token.replace(':', '+')}@northwind.example",
        "Message-ID": "<CS-000001.ack@northwind.example>",
        "In-Reply-To": "<first@mail.example>",
        "References": "<first@mail.example>",
        "Auto-Submitted": "auto-replied",
    }
    notes = [e.reason for e in w.store.journey["CS-000001"] if e.step == "message"]
    assert notes == ["acknowledged by e-mail to priya@example.com"]


def test_a_reply_to_the_acknowledgement_finds_its_case_by_its_reply_to_token() -> None:
    w = replying()
    receive(w, mail())
    reply_to = sent(w)[0].payload["headers"]["Reply-To"]  # type: ignore[index]
    answer = mail("Also the phone line.", message_id="<t@x>", subject="A new subject")
    answer = answer.replace(SUPPORT.encode(), reply_to.encode(), 1)  # To: the Reply-To
    assert receive(w, answer).case_ref == "CS-000001"


def test_a_reps_reply_is_e_mailed_in_the_thread_once() -> None:
    w = replying()
    receive(w, mail())
    receive(w, mail("Any news?", message_id="<second@x>", In_Reply_To="<first@mail.example>"))
    w.bus.handle(
        commands.AddMessage(
            "CS-000001", MessageKind.REP_REPLY, "rep:rep-a", "A technician is on the way."
        )
    )

    ack, reply = sent(w)
    assert reply.subject == "Re: [CS-000001] Broadband down"
    assert reply.body.startswith("A technician is on the way.\n\n-- \nref:CS-000001.")
    headers = reply.payload["headers"]
    assert headers["In-Reply-To"] == "<second@x>"  # the customer's latest
    assert headers["References"] == (
        "<first@mail.example> <CS-000001.ack@northwind.example> <second@x>"
    )
    assert headers["Auto-Submitted"] == "no"
    assert headers["Message-ID"].startswith("<CS-000001.reply")
    assert ack.payload["headers"]["Message-ID"] != headers["Message-ID"]  # type: ignore[index]


def test_cases_made_over_the_api_get_no_e_mail() -> None:
    w = replying()
    ref = w.open()  # over the API
    w.bus.handle(commands.AddMessage(ref, MessageKind.REP_REPLY, "rep:rep-a", "Looking into it."))
    assert sent(w) == []


def open_on_portal(w: World) -> str:
    return str(
        w.bus.handle(
            commands.OpenCase(
                Channel.PORTAL, "Router", "It blinks red.", "Priya", "priya@example.com"
            )
        )
    )


def test_a_portal_customer_is_acknowledged_and_gets_the_reps_reply_by_e_mail() -> None:
    w = replying()
    ref = open_on_portal(w)
    (ack,) = sent(w)
    assert (ack.to, ack.subject) == ("priya@example.com", f"[{ref}] We have your request: Router")
    assert "In-Reply-To" not in ack.payload["headers"]  # type: ignore[operator]
    assert "Follow your case" not in ack.body  # no public address: no link

    w.bus.handle(
        commands.AddMessage(ref, MessageKind.REP_REPLY, "rep:rep-a", "Restart it, please.")
    )
    _, reply = sent(w)
    assert (reply.to, reply.subject) == ("priya@example.com", f"Re: [{ref}] Router")
    assert reply.payload["headers"]["In-Reply-To"] == f"<{ref}.ack@northwind.example>"  # type: ignore[index]


def test_with_a_public_address_the_acknowledgement_links_to_a_status_page_of_its_own() -> None:
    w = World(
        replace(POLICY, intake=replace(INTAKE, reply_from=SUPPORT)),
        intent="question",
        public_url="https://help.northwind.example/",
    )
    ref = open_on_portal(w)

    (ack,) = sent(w)
    (line,) = [x for x in ack.body.splitlines() if x.startswith("Follow your case online: ")]
    link = line.removeprefix("Follow your case online: ")
    assert link.startswith("https://help.northwind.example/portal/status/")
    token = link.rsplit("/", 1)[1]
    assert len(token) >= 32
    assert w.store.status_links[status_key(token)] == int(ref[3:])  # only its hash is kept
    assert token not in str(w.store.journey[ref])


def test_a_template_places_the_status_link_where_it_says() -> None:
    templates = replace(
        INTAKE.templates, ack_body="Case $case_ref: see $status_link\nThanks, $contact_name\n"
    )
    w = World(
        replace(POLICY, intake=replace(INTAKE, reply_from=SUPPORT, templates=templates)),
        intent="question",
        public_url="https://help.northwind.example",
    )
    receive(w, mail())  # by e-mail: a link all the same

    (ack,) = sent(w)
    first, second = ack.body.splitlines()[:2]
    assert first.startswith("Case CS-000001: see https://help.northwind.example/portal/status/")
    assert second == "Thanks, Priya Shah"
    assert "Follow your case online" not in ack.body


def test_a_subject_that_places_the_status_link_gets_it_too() -> None:
    templates = replace(INTAKE.templates, ack_subject="[$case_ref] $status_link")
    w = World(
        replace(POLICY, intake=replace(INTAKE, reply_from=SUPPORT, templates=templates)),
        intent="question",
        public_url="https://help.northwind.example",
    )
    receive(w, mail())

    (ack,) = sent(w)
    assert ack.subject.startswith("[CS-000001] https://help.northwind.example/portal/status/")
    link = ack.subject.split(" ", 1)[1]
    assert f"Follow your case online: {link}" in ack.body  # the body does not place it itself


def test_without_a_reply_from_address_nothing_is_sent() -> None:
    w = world()
    receive(w, mail())
    assert sent(w) == []


def test_smtp_mail_from_the_null_sender_is_a_machines_and_not_answered() -> None:
    w = world()
    command = commands.ReceiveMail(mail("Delivery failed."), "smtp", "", (SUPPORT,))
    receipt = w.bus.handle(command)
    assert isinstance(receipt, MailReceipt)
    assert receipt.status is MailStatus.IGNORED
    assert receipt.outcome == "bounce (MAIL FROM:<>, the null sender of machines): not answered"
    # A mailbox has no envelope: there the headers alone decide.
    box = FakeMailbox(mail(message_id="<imap@x>"))
    polled = World(replace(POLICY, intake=INTAKE), intent="question", mailbox=box)
    assert polled.bus.handle(commands.PollMailbox())["opened"] == 1  # type: ignore[index]


def test_a_message_too_large_to_read_is_quarantined_unread() -> None:
    huge = mail("x\n" * (MAX_MESSAGE_BYTES // 2 + 1))
    receipt = receive(world(), huge)
    assert receipt.status is MailStatus.QUARANTINED
    assert receipt.outcome == (
        f"unreadable: {len(huge):,} bytes, over the {MAX_MESSAGE_BYTES:,} allowed"
    )
    assert receipt.refused


def test_a_person_releases_a_quarantined_message_past_the_senders_limit() -> None:
    w = world(per_sender=1)
    receive(w, mail())
    held = receive(w, mail("One more.", message_id="<held@x>", subject="Router"))
    assert held.status is MailStatus.QUARANTINED

    released = w.bus.handle(commands.ReleaseMail(held.mail_id, "ops:lee"))
    assert released == MailReceipt(held.mail_id, MailStatus.OPENED, "opened CS-000002", "CS-000002")
    with pytest.raises(IllegalTransition, match="only a quarantined message can be released"):
        w.bus.handle(commands.ReleaseMail(held.mail_id, "ops:lee"))

    garbage = receive(w, b"\x00 nothing here")
    again = w.bus.handle(commands.ReleaseMail(garbage.mail_id, "ops:lee"))
    assert again.status is MailStatus.QUARANTINED  # type: ignore[attr-defined]


def test_the_public_address_is_a_web_address_and_the_status_page_is_under_it() -> None:
    with pytest.raises(ValidationError, match="public_url"):
        bootstrap.settings(public_url="support.example.com")
    page = bootstrap.status_page("https://example.com/help/")
    assert page is not None
    assert page("t0k3n") == "https://example.com/help/portal/status/t0k3n"
    assert bootstrap.status_page(None) is None
