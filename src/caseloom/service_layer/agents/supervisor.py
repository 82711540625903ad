"""The Supervisor agent: starts each case's SLA clocks from the first matching SLA policy."""

from __future__ import annotations

from caseloom.domain.case import Attribution
from caseloom.domain.events import CaseTriaged, ReplyInterpreted
from caseloom.domain.policy import Policy, ReplyAction, ReplyChange
from caseloom.domain.sla import SlaClock
from caseloom.service_layer.agents.triage import stamps_for
from caseloom.service_layer.ports import Clock, ConditionEngine, UnitOfWork


def start_clocks(
    event: CaseTriaged,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    with uow:
        case = uow.cases.get(event.ref)
        if case.clocks:
            return  # already started: this event was delivered again
        customer = uow.customers.find(case.customer_id)
        sla = policy.sla_for(case.facts(customer, policy.triage.min_confidence), conditions.matches)
        calendar = policy.calendars[sla.calendar]
        clocks = [
            SlaClock(
                metric,
                sla.name,
                calendar.name,
                case.opened_at,
                calendar.add(case.opened_at, target),
            )
            for metric, target in sla.targets.items()
        ]
        case.start_clocks(
            clocks, sla.name, Attribution("agent:supervisor", clock.now(), policy.version)
        )
        uow.commit()


def restamp_after_reply(
    event: ReplyInterpreted,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    """A reply raised the urgency or lowered the mood: apply the stamps again, if policy says so."""
    spec = policy.triage
    wanted = tuple(
        c for c in event.changes if spec.reply_action(ReplyChange(c)) is ReplyAction.RESTAMP
    )
    if not wanted:
        return
    with uow:
        case = uow.cases.get(event.ref)
        if case.triage is None:
            return
        stamps = stamps_for(case, None, uow=uow, policy=policy, conditions=conditions)
        case.restamp(stamps, wanted, Attribution("agent:supervisor", clock.now(), policy.version))
        uow.commit()
