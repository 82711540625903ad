"""The Intake agent: opens cases from any channel and adds messages to them."""

from __future__ import annotations

from caseloom.domain.case import Attribution, Case, MessageKind
from caseloom.domain.commands import AddMessage, AttachFiles, IssueStatusLink, OpenCase
from caseloom.domain.customer import Contact
from caseloom.domain.errors import IdempotencyConflict, InvalidInput
from caseloom.domain.mail import status_token
from caseloom.domain.policy import Policy
from caseloom.service_layer.agents import triage
from caseloom.service_layer.agents.intake.mail import (
    MailIntake,
    poll_mailbox,
    receive_mail,
    release_mail,
    sweep_mail,
)
from caseloom.service_layer.agents.intake.replies import acknowledge, send_reply
from caseloom.service_layer.ports import Clock, TriageModel, UnitOfWork

__all__ = [
    "MailIntake",
    "acknowledge",
    "add_message",
    "attach_files",
    "issue_status_link",
    "open_case",
    "poll_mailbox",
    "receive_mail",
    "release_mail",
    "send_reply",
    "sweep_mail",
]


def open_case(cmd: OpenCase, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> str:
    """Open a case and return its reference; a repeated idempotency key returns the first case."""
    with uow:
        if cmd.idempotency_key:
            prior = uow.cases.by_idempotency_key(cmd.idempotency_key)
            if prior:
                return _replay(cmd, *prior)
        contact = Contact(cmd.contact_name.strip(), cmd.contact_email)
        customer_id = _customer_of(cmd, contact, uow)
        case = Case.open(
            number=uow.cases.next_number(),
            channel=cmd.channel,
            subject=cmd.subject,
            description=cmd.description,
            contact=contact,
            customer_id=customer_id,
            custom=policy.check_custom(cmd.custom),
            by=Attribution(cmd.actor, clock.now(), policy.version),
        )
        key = (cmd.idempotency_key, cmd.request_digest) if cmd.idempotency_key else None
        uow.cases.add(case, idempotency=key)
        uow.commit()
        return case.ref


def _replay(cmd: OpenCase, ref: str, digest: str) -> str:
    if digest != cmd.request_digest:
        raise IdempotencyConflict(
            f"Idempotency-Key {cmd.idempotency_key!r} was already used for a different request "
            f"(it created {ref}); use a new key for a new case"
        )
    return ref


def _customer_of(cmd: OpenCase, contact: Contact, uow: UnitOfWork) -> str | None:
    if cmd.customer_id is None:
        customer = uow.customers.by_contact(contact.email)
        return customer.id if customer else None
    if uow.customers.find(cmd.customer_id) is None:
        raise InvalidInput(f"there is no customer {cmd.customer_id!r}")
    return cmd.customer_id


def add_message(
    cmd: AddMessage, uow: UnitOfWork, *, policy: Policy, model: TriageModel, clock: Clock
) -> None:
    """Add a reply or note; a customer reply resumes a waiting case or reopens a resolved one.

    A customer's reply is read by the Triage agent first: one that confirms the fix does not
    reopen a resolved case, and what it changed is raised for the other agents.
    """
    with uow:
        case = uow.cases.get(cmd.ref)
        reading = None
        if cmd.kind is MessageKind.CUSTOMER_REPLY:
            reading = triage.read_reply(case, cmd.body, policy.triage, model)
        by = Attribution(cmd.author, clock.now(), policy.version)
        case.add_message(cmd.kind, cmd.body, by, reading)
        uow.commit()


def attach_files(cmd: AttachFiles, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> int:
    """Keep files the customer sent with the case; the journey lists them. Returns how many
    were new: a file the case keeps already (a form sent twice) is not kept again."""
    limit = policy.intake.max_attachment_bytes
    with uow:
        case = uow.cases.get(cmd.ref)
        too_big = [f.filename for f in cmd.files if f.size > limit]
        if too_big:
            raise InvalidInput(
                f"{', '.join(too_big)}: larger than the {limit // (1024 * 1024)} MB allowed"
            )
        new = [f for f in cmd.files if not uow.mail.has_file(case.number, f)]
        if not new:
            return 0
        now = clock.now()
        uow.mail.attach(case.number, None, new, now)
        case.note(
            "intake",
            f"{len(new)} file(s) attached",
            Attribution(cmd.actor, now, policy.version),
            inputs={"files": [f.filename for f in new]},
            decision={"sizes": [f.size for f in new]},
        )
        uow.commit()
        return len(new)


def issue_status_link(cmd: IssueStatusLink, uow: UnitOfWork, *, clock: Clock) -> str:
    """A new secret token for the case's status page; only its hash is stored."""
    token, key = status_token()
    with uow:
        case = uow.cases.get(cmd.ref)
        uow.mail.link(case.number, key, clock.now())
        uow.commit()
    return token
