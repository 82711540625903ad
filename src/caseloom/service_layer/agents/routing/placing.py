"""Placing a case: the team by the first matching rule, the rep by the team's model.

Every capacity change happens in the same transaction as the case change, and both aggregates
are version-checked, so concurrent workers can never push a rep past capacity.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from caseloom.domain import routing
from caseloom.domain.case import Attribution, Case
from caseloom.domain.policy import Policy
from caseloom.domain.routing import Need, Relaxation, RoutingDecision, RoutingRule
from caseloom.domain.workforce import Rep
from caseloom.service_layer.ports import Clock, ConditionEngine, UnitOfWork

AGENT = "agent:routing"


def need_for(case: Case, rule: RoutingRule, policy: Policy, team: str) -> Need:
    """What a rep must have to take `case` under `rule` in `team`, with the rungs of the
    relaxation ladder it has already taken, and the reps who declined it."""
    language = None
    if rule.language and case.triage:
        sure = case.triage.sure("language", policy.triage.min_confidence)
        language = str(sure) if sure else None
    relaxed = set(case.relaxed)
    return Need(
        skills=dict(rule.skills),
        optional_skills={}
        if Relaxation.DROP_OPTIONAL_SKILLS in relaxed
        else dict(rule.optional_skills),
        certifications=rule.certifications,
        language=None if Relaxation.DROP_LANGUAGE in relaxed else language,
        units=policy.routing.selection_for(team).units_for(case.channel),
        declined=case.need.declined,
    )


def evaluate(
    case: Case,
    uow: UnitOfWork,
    *,
    policy: Policy,
    team: str,
    need: Need,
    rule: str,
    clock: Clock,
) -> tuple[RoutingDecision, dict[str, Rep]]:
    """The decision for `case` in `team` now, and the reps it was taken over (by id)."""
    ready, others = uow.reps.roster(team, need.units)
    now = clock.now()
    owners = uow.cases.recent_owners([case.customer_id]).get(case.customer_id or "", ())
    waiting = replace(case.waiting(now, owners), need=need)
    decision = routing.decide(
        [*ready, *others],
        waiting,
        team=team,
        selection=policy.routing.selection_for(team),
        rule=rule,
        now=now,
        calendars=policy.calendars,
    )
    return decision, {rep.id: rep for rep in ready}


def place(
    case: Case,
    uow: UnitOfWork,
    *,
    policy: Policy,
    clock: Clock,
    team: str,
    route: tuple[str, ...],
    rule: str,
    need: Need,
    why: str = "",
) -> None:
    """Decide and apply: assign (or offer) to the chosen rep, else queue in `team`. A rep the
    case occupied before gives its units back in the same transaction."""
    decision, ready = evaluate(
        case, uow, policy=policy, team=team, need=need, rule=rule, clock=clock
    )
    now = clock.now()
    owner = decision.chosen.rep_id if decision.chosen else None
    previous = case.occupying_owner
    if previous and previous != owner:
        uow.reps.get(previous).release(case.need.units)
    elif previous and previous == owner:
        ready[owner].release(case.need.units)  # taken again below, with the new units
    if owner:
        ready[owner].take(case.ref, now, need.units)
    case.apply_routing(
        team=team,
        route=route,
        need=need,
        owner=owner,
        rule=rule,
        offer_expires_at=offer_until(policy, team, owner, now),
        inputs={
            "severity": case.severity,
            "priority": case.priority,
            "product_line": case.product_line,
            "sla_urgency": round(case.sla_urgency(now), 4),
        },
        decision={**decision.explain(), "route": list(route)},
        reason=f"{why}; {decision.reason()}" if why else decision.reason(),
        by=Attribution(AGENT, now, policy.version),
    )


def offer_until(policy: Policy, team: str, owner: str | None, now: datetime) -> datetime | None:
    """When an offer to `owner` lapses, if `team` offers rather than assigns."""
    timeout = policy.routing.selection_for(team).offer_timeout
    return now + timeout if owner and timeout else None


def place_again(case: Case, uow: UnitOfWork, *, policy: Policy, clock: Clock, why: str) -> None:
    """Decide again in the case's own team, with what it needs now."""
    place(
        case,
        uow,
        policy=policy,
        clock=clock,
        team=case.team or "",
        route=case.route,
        rule=case.rule or "queue",
        need=case.need,
        why=why,
    )


def route_by_rules(
    case: Case,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
    why: str = "",
) -> None:
    """Route by the first matching rule, to the first team of its route."""
    rule = rule_for(case, uow, policy=policy, conditions=conditions)
    team = rule.route[0]
    place(
        case,
        uow,
        policy=policy,
        clock=clock,
        team=team,
        route=rule.route,
        rule=rule.label,
        need=need_for(case, rule, policy, team),
        why=why,
    )


def rule_for(
    case: Case, uow: UnitOfWork, *, policy: Policy, conditions: ConditionEngine
) -> RoutingRule:
    customer = uow.customers.find(case.customer_id)
    facts = case.facts(customer, policy.triage.min_confidence)
    return policy.routing.rule_for(facts, conditions.matches)
