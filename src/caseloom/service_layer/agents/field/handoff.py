"""The handoff: the service desk passes a case to a field team with a work order.

It happens when a handoff rule out of the case's team holds: at the desk's first reply (the
customer has heard from a person), or when a person asks. The work order carries what the
visit needs (the first matching work-order rule), where, and the field SLA; the journey shows
the rule, the facts it held on, the work order and its deadlines.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from caseloom.domain.case import Attribution, Case, CaseStatus
from caseloom.domain.case.lifecycle import IN_THE_FIELD
from caseloom.domain.commands import HandOffCase
from caseloom.domain.conditions import Facts, held_on
from caseloom.domain.customer import Customer
from caseloom.domain.errors import InvalidInput
from caseloom.domain.events import CaseHandedOff, RepReplied
from caseloom.domain.field.geo import Point
from caseloom.domain.field.work_order import WorkOrder
from caseloom.domain.policy import Handoff, Policy
from caseloom.domain.sla import SlaMetric
from caseloom.service_layer.agents.field.booking import AGENT
from caseloom.service_layer.agents.routing import release
from caseloom.service_layer.ports import Clock, ConditionEngine, UnitOfWork

CONTEXT_TEXT = 2000  # characters of the description the work order carries


def hand_off_after_reply(
    event: RepReplied,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    """The desk answered: if an automatic handoff rule holds, the case goes to the field."""
    if not any(h.automatic for h in policy.handoffs):
        return
    with uow:
        case = uow.cases.get(event.ref)
        if case.status in IN_THE_FIELD or case.status in (CaseStatus.RESOLVED, CaseStatus.CLOSED):
            return
        customer = uow.customers.find(case.customer_id)
        facts = case.facts(customer, policy.triage.min_confidence)
        handoff = policy.handoff_from(case.team, facts, conditions.matches)
        if handoff is None or not handoff.automatic:
            return
        by = Attribution(AGENT, clock.now(), policy.version)
        _hand_off(case, customer, facts, handoff, uow, policy=policy, conditions=conditions, by=by)
        uow.commit()


def hand_off_case(
    cmd: HandOffCase,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> str:
    """A person hands the case over; refused, with the rules tried, if none holds."""
    with uow:
        case = uow.cases.get(cmd.ref)
        customer = uow.customers.find(case.customer_id)
        facts = case.facts(customer, policy.triage.min_confidence)
        handoff = policy.handoff_from(case.team, facts, conditions.matches)
        if handoff is None:
            tried = [h.label for h in policy.handoffs if h.from_team == case.team]
            raise InvalidInput(
                f"{case.ref} cannot be handed off from {case.team}: "
                + (f"no rule holds ({', '.join(tried)})" if tried else "no handoff rule leaves it")
            )
        by = Attribution(cmd.actor, clock.now(), policy.version)
        order = _hand_off(
            case,
            customer,
            facts,
            handoff,
            uow,
            policy=policy,
            conditions=conditions,
            by=by,
            why=cmd.reason,
        )
        uow.commit()
        return order.ref


def _hand_off(
    case: Case,
    customer: Customer | None,
    facts: Facts,
    handoff: Handoff,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    by: Attribution,
    why: str = "",
) -> WorkOrder:
    visit = handoff.visit_for(facts, conditions.matches)
    order = WorkOrder(
        number=uow.work_orders.next_number(),
        case_ref=case.ref,
        team=handoff.to_team,
        requirements=visit.requirements,
        duration=visit.duration,
        location=_point(customer),
        priority=case.priority,
        created_at=by.at,
        place=_place(customer),
        context=_context(case, customer),
    )
    order.respond_by, order.due_by = _field_sla(case, handoff, policy, by.at)
    uow.work_orders.add(order)
    owner, units = case.occupying_owner, case.need.units
    case.hand_off(
        handoff.to_team,
        inputs={
            "from_team": handoff.from_team,
            "rule": handoff.label,
            "criteria": handoff.when.source,
            "held_on": held_on(handoff.when, facts),
        },
        decision={**order.describe(), "work_order_rule": visit.label},
        reason=why
        or f"{handoff.label} holds: handed from {handoff.from_team} to {handoff.to_team} "
        f"with {order.ref}",
        by=by,
    )
    release(uow, owner, units)
    order.events.append(CaseHandedOff(case.ref, order.ref, handoff.to_team))
    return order


def _field_sla(
    case: Case, handoff: Handoff, policy: Policy, now: datetime
) -> tuple[datetime | None, datetime | None]:
    """The handoff's targets from now, on the case's own SLA calendar (else the field
    team's): someone on site by the first, the work done by the second."""
    clock = case.clocks.get(SlaMetric.RESOLUTION)
    team = policy.teams.get(handoff.to_team)
    calendar = policy.calendar(clock.calendar if clock else team.calendar if team else "always")
    respond, resolve = (
        handoff.targets.get(m) for m in (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION)
    )
    return (
        calendar.add(now, respond) if respond else None,
        calendar.add(now, resolve) if resolve else None,
    )


def _point(customer: Customer | None) -> Point | None:
    where = customer.location if customer else None
    if where is None or where.latitude is None or where.longitude is None:
        return None
    return Point(where.latitude, where.longitude)


def _place(customer: Customer | None) -> str:
    where = customer.location if customer else None
    return f"{where.city}, {where.country}" if where else ""


def _context(case: Case, customer: Customer | None) -> Mapping[str, object]:
    triage = case.triage.facts(0.0) if case.triage else {}
    return {
        "case": case.ref,
        "subject": case.subject,
        "description": case.description[:CONTEXT_TEXT],
        "severity": str(case.severity),
        "product_line": case.product_line,
        "intent": triage.get("intent"),
        "customer": customer.name if customer else None,
        "contact": {"name": case.contact.name, "email": case.contact.email},
    }
