"""What intake sends back by e-mail: the acknowledgement when the SLA of a case that came by
e-mail or the portal starts (so it can say when to expect an answer), and each rep reply on
such a case (in its e-mail thread; the portal's form promises answers by e-mail). Cases made
over the API get neither: the system that made them speaks to its customer. With the public
address set, an acknowledgement carries a link to the case's status page, a new secret token
of its own (where the template puts `$status_link`, or on a last line of its own).

Both go through the notification outbox in the same transaction as the Message-ID they add to
the case's thread, so they are sent at least once, and never twice for one event: their
Message-IDs are made from the case and the journey entry, and one already on the thread is not
sent again.
"""

from __future__ import annotations

from collections.abc import Callable

from caseloom.domain.case import Attribution, Case, Channel
from caseloom.domain.events import RepReplied, SlaStarted
from caseloom.domain.mail import status_token
from caseloom.domain.mail.outbound import (
    Outbound,
    message_id,
    render,
    thread_of,
    when,
    with_link,
)
from caseloom.domain.policy import Policy
from caseloom.domain.sla import SlaMetric
from caseloom.service_layer.ports import Clock, UnitOfWork

ACTOR = "email-intake"


def acknowledge(
    event: SlaStarted,
    uow: UnitOfWork,
    *,
    policy: Policy,
    clock: Clock,
    secret: bytes,
    status_page: Callable[[str], str] | None = None,
) -> None:
    """`status_page` makes a status page's address from its token (None: no public address)."""
    spec = policy.intake
    if spec.reply_from is None or not spec.templates.acknowledge:
        return
    with uow:
        case = uow.cases.get(event.ref)
        ours = message_id(case.ref, "ack", spec.reply_from)
        thread = uow.mail.thread(case.number)
        if ours in thread or not (thread or case.channel is Channel.PORTAL):
            return  # sent already, or the case came over the API
        values = _values(case, policy)
        if status_page is not None:
            token, key = status_token()
            uow.mail.link(case.number, key, clock.now())
            values["status_link"] = status_page(token)
        _send(
            case,
            Outbound(
                case.contact.email,
                render(spec.templates.ack_subject, values),
                with_link(spec.templates.ack_body, values),
                ours,
                *thread_of(thread),
                automatic=True,
            ),
            uow,
            policy=policy,
            clock=clock,
            secret=secret,
            what="acknowledged by e-mail",
        )


def send_reply(
    event: RepReplied, uow: UnitOfWork, *, policy: Policy, clock: Clock, secret: bytes
) -> None:
    spec = policy.intake
    if spec.reply_from is None or not event.body:
        return
    with uow:
        case = uow.cases.get(event.ref)
        ours = message_id(case.ref, f"reply{event.seq}", spec.reply_from)
        thread = uow.mail.thread(case.number)
        wrote = bool(thread) or case.channel is Channel.PORTAL  # the portal promises e-mail
        if not wrote or ours in thread:  # a case made over the API, or a reply already sent
            return
        subject = render(spec.templates.reply_subject, _values(case, policy))
        outbound = Outbound(
            case.contact.email, subject, event.body, ours, *thread_of(thread), automatic=False
        )
        _send(case, outbound, uow, policy=policy, clock=clock, secret=secret, what="reply e-mailed")


def _send(
    case: Case,
    outbound: Outbound,
    uow: UnitOfWork,
    *,
    policy: Policy,
    clock: Clock,
    secret: bytes,
    what: str,
) -> None:
    now, sender = clock.now(), policy.intake.reply_from or ""
    uow.outbox.add(outbound.notification(case.ref, sender, secret, now), case.number)
    uow.mail.remember(outbound.message_id, case.number, outbound=True, at=now)
    case.note(
        "message",
        f"{what} to {outbound.to}",
        Attribution(ACTOR, now, policy.version),
        inputs={"to": outbound.to, "subject": outbound.subject},
        decision={"message_id": outbound.message_id, "in_reply_to": outbound.in_reply_to},
    )
    uow.commit()


def _values(case: Case, policy: Policy) -> dict[str, str]:
    deadlines = {}
    for metric in (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION):
        clock = case.clocks.get(metric)
        timezone = policy.calendar(clock.calendar).timezone if clock else "UTC"
        deadlines[metric] = when(clock.due_at if clock else None, timezone)
    return {
        "case_ref": case.ref,
        "subject": case.subject,
        "contact_name": case.contact.name,
        "team": case.team or "",
        "first_response_by": deadlines[SlaMetric.FIRST_RESPONSE],
        "resolution_by": deadlines[SlaMetric.RESOLUTION],
        "status_link": "",  # none unless the public address is set
    }
