"""E-mail to case: every message is stored raw first, then read, then settled as one of: a new
case, a reply joined to its case, a machine's message kept but not answered, or quarantined
with the reason. A repeated Message-ID is the same message: it changes nothing the second time.

A reply finds its case by, in order: its In-Reply-To and References (Message-IDs of the case's
thread, received or sent), a case token our outbound mail carries (its tag cannot be made up),
and a `[CS-000042]` in the subject, which counts only from one of the case's own contacts.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from caseloom.domain.case import Attribution, Case, CaseStatus, Channel, MessageKind
from caseloom.domain.case.values import MAX_SUBJECT, MAX_TEXT, case_ref
from caseloom.domain.commands import PollMailbox, ReceiveMail, ReleaseMail, SweepMail
from caseloom.domain.customer import Contact
from caseloom.domain.errors import IllegalTransition, InvalidInput, NotFound
from caseloom.domain.mail import (
    MAX_MESSAGE_BYTES,
    Automated,
    ClosedReply,
    InboundMail,
    MailReceipt,
    MailStatus,
    MalformedMail,
    ReceivedMail,
    message_id_of,
    refs_in_subject,
    token_refs,
)
from caseloom.domain.policy import Policy
from caseloom.service_layer.agents import triage
from caseloom.service_layer.ports import Clock, Mailbox, MailReader, TriageModel, UnitOfWork

ACTOR = "email-intake"
TRUNCATED = "\n\n[truncated: the whole message is kept with the case's e-mail]"


@dataclass(frozen=True, slots=True)
class MailIntake:
    """What reading e-mail needs, bound once (by bootstrap) for every mail handler."""

    policy: Policy
    reader: MailReader
    model: TriageModel
    secret: bytes

    def at(self, now: datetime, *, limited: bool = True) -> _Reading:
        return _Reading(self.policy, self.reader, self.model, self.secret, now, limited)


def receive_mail(
    cmd: ReceiveMail, uow: UnitOfWork, *, intake: MailIntake, clock: Clock
) -> MailReceipt:
    """Store the message (its own transaction), then read and settle it."""
    reading = intake.at(clock.now())
    return reading.receive(cmd.raw, cmd.source, cmd.envelope_from, cmd.envelope_to, uow)


def poll_mailbox(
    cmd: PollMailbox,
    uow: UnitOfWork,
    *,
    intake: MailIntake,
    clock: Clock,
    mailbox: Mailbox | None,
) -> dict[str, int]:
    """Take up to `limit` new messages from the mailbox; how many ended each way. They are
    marked done in the mailbox only once what they led to is committed (in a batch: the whole
    poll, in one transaction); one that could not be stored stops the poll and stays new
    there, to be fetched again with those after it."""
    if mailbox is None:
        raise InvalidInput("no mailbox to poll: set CASELOOM_IMAP_URL")
    counts = dict.fromkeys(
        (*(str(s) for s in MailStatus if s is not MailStatus.RECEIVED), "repeated"), 0
    )
    taken: list[str] = []
    try:
        for fetched in mailbox.fetch(cmd.limit):
            source = f"imap:{fetched.uid}"
            receipt = intake.at(clock.now()).receive(fetched.raw, source, "", (), uow)
            taken.append(fetched.uid)
            counts["repeated" if receipt.repeated else str(receipt.status)] += 1
    finally:
        if taken:
            uow.after_commit(functools.partial(mailbox.done, taken))
    return counts


def release_mail(
    cmd: ReleaseMail, uow: UnitOfWork, *, intake: MailIntake, clock: Clock
) -> MailReceipt:
    """A person lets a quarantined message through: it is read again, past the per-sender
    limit (an unreadable one stays where it is, with the reason)."""
    with uow:
        mail = uow.mail.get(cmd.mail_id)
        if mail.status is not MailStatus.QUARANTINED:
            raise IllegalTransition(
                f"e-mail {mail.id} is {mail.status}; only a quarantined message can be released"
            )
        uow.mail.release(mail.id, f"released by {cmd.actor}", at=clock.now())
        uow.commit()
    reading = intake.at(clock.now(), limited=False)
    return reading.settle(replace(mail, status=MailStatus.RECEIVED), uow)


def sweep_mail(
    cmd: SweepMail, uow: UnitOfWork, *, intake: MailIntake, clock: Clock
) -> list[MailReceipt]:
    with uow:
        waiting = uow.mail.unsettled(clock.now() - cmd.older_than, cmd.limit)
    receipts = []
    for mail_id in waiting:
        with uow:
            mail = uow.mail.get(mail_id)
        if mail.status is MailStatus.RECEIVED:
            receipts.append(intake.at(clock.now()).settle(mail, uow))
    return receipts


@dataclass(frozen=True, slots=True)
class _Reading:
    policy: Policy
    reader: MailReader
    model: TriageModel
    secret: bytes
    now: datetime
    limited: bool = True  # the per-sender limit applies (not to a message a person released)

    def receive(
        self,
        raw: bytes,
        source: str,
        envelope_from: str,
        envelope_to: tuple[str, ...],
        uow: UnitOfWork,
    ) -> MailReceipt:
        with uow:
            mail, _ = uow.mail.store(
                raw,
                message_id=message_id_of(raw),
                source=source,
                envelope_from=envelope_from,
                envelope_to=envelope_to,
                at=self.now,
            )
            uow.commit()
        if mail.status is not MailStatus.RECEIVED:
            return _receipt(mail, repeated=True)
        return self.settle(mail, uow)

    def settle(self, mail: ReceivedMail, uow: UnitOfWork) -> MailReceipt:
        if len(mail.raw) > MAX_MESSAGE_BYTES:  # SMTP refuses these; a mailbox may hold them
            too_big = f"unreadable: {len(mail.raw):,} bytes, over the {MAX_MESSAGE_BYTES:,} allowed"
            return self._keep(uow, mail, MailStatus.QUARANTINED, too_big)
        try:
            inbound = self.reader.read(mail.raw)
        except MalformedMail as error:
            return self._keep(uow, mail, MailStatus.QUARANTINED, f"unreadable: {error}")
        sender = inbound.sender.address
        automated, why = inbound.automated, inbound.automated_why
        if automated is Automated.NO and mail.source == "smtp" and not mail.envelope_from:
            automated, why = Automated.BOUNCE, "MAIL FROM:<>, the null sender of machines"
        if automated is not Automated.NO:
            kind = automated.replace("_", " ")
            return self._keep(
                uow, mail, MailStatus.IGNORED, f"{kind} ({why}): not answered", sender
            )
        spec = self.policy.intake
        with uow:
            sent = uow.mail.count_from(sender, self.now - spec.per) if self.limited else 0
            if sent >= spec.per_sender:
                over = f"rate limit: {sent} messages from {sender} within {spec.per}"
                uow.mail.settle(mail.id, MailStatus.QUARANTINED, over, at=self.now, sender=sender)
                uow.commit()
                return MailReceipt(mail.id, MailStatus.QUARANTINED, over)
            case, status, outcome = self._case_for(inbound, mail, uow)
            uow.mail.remember(inbound.message_id, case.number, outbound=False, at=self.now)
            uow.mail.attach(case.number, mail.id, inbound.attachments, self.now)
            uow.mail.settle(
                mail.id, status, outcome, at=self.now, sender=sender, case_number=case.number
            )
            uow.commit()
            return MailReceipt(mail.id, status, outcome, case.ref)

    def _case_for(
        self, inbound: InboundMail, mail: ReceivedMail, uow: UnitOfWork
    ) -> tuple[Case, MailStatus, str]:
        """The message joins its case, or opens one (a follow-up, to a case closed for good)."""
        spec, policy = self.policy.intake, self.policy
        case = _thread(inbound, uow, self.secret)
        if case is None or _follow_up(case, spec.reply_to_closed, spec.reopen_within, self.now):
            by = Attribution(ACTOR, self.now, policy.version)
            opened = _open(inbound, mail, uow, policy, by, follows=case)
            return opened, MailStatus.OPENED, f"opened {opened.ref}"
        reading = triage.read_reply(case, inbound.new_text, policy.triage, self.model)
        author = Attribution("customer", self.now, policy.version)
        case.add_message(MessageKind.CUSTOMER_REPLY, _text(inbound.new_text), author, reading)
        return case, MailStatus.THREADED, f"a reply to {case.ref}"

    def _keep(
        self,
        uow: UnitOfWork,
        mail: ReceivedMail,
        status: MailStatus,
        outcome: str,
        sender: str | None = None,
    ) -> MailReceipt:
        with uow:
            uow.mail.settle(mail.id, status, outcome, at=self.now, sender=sender)
            uow.commit()
        return MailReceipt(mail.id, status, outcome)


def _thread(inbound: InboundMail, uow: UnitOfWork, secret: bytes) -> Case | None:
    """The case this message answers, if any."""
    number = uow.mail.case_of(inbound.thread_ids)
    if number is not None:
        return uow.cases.get(case_ref(number))
    for ref in token_refs(inbound.tokens, secret):
        found = _case(uow, ref)
        if found is not None:
            return found
    for ref in refs_in_subject(inbound.subject):
        found = _case(uow, ref)
        if found is not None and _writes_for(found, inbound.sender.address, uow):
            return found
    return None


def _case(uow: UnitOfWork, ref: str) -> Case | None:
    try:
        return uow.cases.get(ref)
    except (NotFound, InvalidInput):
        return None


def _writes_for(case: Case, address: str, uow: UnitOfWork) -> bool:
    """Whether `address` is the case's contact or one of its customer's contacts."""
    if case.contact.email.lower() == address:
        return True
    customer = uow.customers.find(case.customer_id)
    return customer is not None and any(c.email.lower() == address for c in customer.contacts)


def _follow_up(case: Case, rule: ClosedReply, within: timedelta, now: datetime) -> bool:
    """A reply to a closed case opens a follow-up, if the policy says so or it closed long ago."""
    if case.status is not CaseStatus.CLOSED:
        return False
    return rule is ClosedReply.FOLLOW_UP or now - (case.closed_at or case.updated_at) > within


def _open(
    inbound: InboundMail,
    mail: ReceivedMail,
    uow: UnitOfWork,
    policy: Policy,
    by: Attribution,
    *,
    follows: Case | None,
) -> Case:
    address = inbound.sender.address
    customer = uow.customers.by_contact(address)
    recipients = (*mail.envelope_to, *inbound.to)
    case = Case.open(
        number=uow.cases.next_number(),
        channel=Channel.EMAIL,
        subject=(inbound.subject.strip() or "(no subject)")[:MAX_SUBJECT],
        description=_text(inbound.new_text),
        contact=Contact(inbound.sender.name or address, address),
        customer_id=customer.id if customer else None,
        custom={},
        by=by,
        mailbox=policy.intake.mailbox(recipients),
        follows=follows.ref if follows else None,
    )
    uow.cases.add(case)
    if follows is not None:
        follows.note(
            "intake",
            f"the customer wrote again after it closed: follow-up {case.ref}",
            by,
            inputs={"message_id": inbound.message_id},
            decision={"follow_up": case.ref},
        )
    return case


def _text(text: str) -> str:
    text = text.strip() or "(no text)"
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - len(TRUNCATED)] + TRUNCATED


def _receipt(mail: ReceivedMail, *, repeated: bool) -> MailReceipt:
    ref = case_ref(mail.case_number) if mail.case_number else None
    return MailReceipt(mail.id, mail.status, mail.outcome, ref, repeated)
