"""The Supervisor agent: starts each case's SLA clocks from the first matching SLA policy."""

from __future__ import annotations

from caseloom.domain.case import Attribution
from caseloom.domain.events import CaseTriaged
from caseloom.domain.policy import Policy
from caseloom.domain.sla import SlaClock
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
