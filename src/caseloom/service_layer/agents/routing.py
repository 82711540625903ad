"""The Routing agent: picks the team by the first matching rule and the rep by the team's model.

It also hands queued work to reps as capacity frees up, and applies a person's manual assignment.
Every capacity change happens in the same transaction as the case change, and both aggregates are
version-checked, so concurrent workers can never push a rep past capacity.
"""

from __future__ import annotations

from caseloom.domain import routing
from caseloom.domain.case import Attribution, CaseStatus
from caseloom.domain.commands import AssignCase
from caseloom.domain.errors import InvalidInput
from caseloom.domain.events import CaseReleased, CaseReopened, RepBecameAvailable, SlaStarted
from caseloom.domain.policy import Policy
from caseloom.domain.workforce import missing_skills
from caseloom.service_layer.ports import Clock, ConditionEngine, UnitOfWork

ROUTABLE = (CaseStatus.TRIAGED, CaseStatus.REOPENED)
QUEUE_LOOKAHEAD_PER_UNIT = 20  # queued cases read per free unit, to find ones the rep fits


def route_case(
    event: SlaStarted | CaseReopened,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    with uow:
        case = uow.cases.get(event.ref)
        if case.status not in ROUTABLE:
            return  # already routed: this event was delivered again
        customer = uow.customers.find(case.customer_id)
        facts = case.facts(customer, policy.triage.min_confidence)
        rule = policy.route_for(facts, conditions.matches)
        team = rule.route[0]
        reps = {rep.id: rep for rep in uow.reps.in_team(team)}
        decision = routing.decide(
            reps.values(),
            team=team,
            skills=rule.skills,
            model=policy.selection_for(team),
            rule=rule.label,
        )
        now = clock.now()
        owner = decision.chosen.rep_id if decision.chosen else None
        if owner:
            reps[owner].take(case.ref, now)
        case.apply_routing(
            team=team,
            route=rule.route,
            skills=rule.skills,
            owner=owner,
            inputs={
                "severity": case.severity,
                "priority": case.priority,
                "product_line": case.product_line,
                "required_skills": dict(rule.skills),
            },
            decision={**decision.explain(), "route": list(rule.route)},
            reason=decision.reason(),
            by=Attribution("agent:routing", now, policy.version),
        )
        uow.commit()


def offer_queued_work(
    event: CaseReleased | RepBecameAvailable, uow: UnitOfWork, *, policy: Policy, clock: Clock
) -> None:
    """Fill the rep's spare capacity from the queues of their teams, most urgent first."""
    with uow:
        rep = uow.reps.get(event.rep_id)
        if rep.unavailability():
            return
        limit = rep.spare_capacity * QUEUE_LOOKAHEAD_PER_UNIT
        queue = uow.cases.queued(rep.teams, limit=limit)
        now = clock.now()
        for case in routing.fill_from_queue(rep, queue):
            factors = {"open_items": rep.load, "spare_capacity": rep.spare_capacity}
            rep.take(case.ref, now)
            case.apply_routing(
                team=case.team or rep.teams[0],
                route=case.route,
                skills=case.required_skills,
                owner=rep.id,
                inputs={"queued_since": case.updated_at.isoformat(), "priority": case.priority},
                decision={"team": case.team, "chosen": rep.id, "model": "queue", **factors},
                reason=f"{rep.id} had spare capacity and {case.ref} was first in queue order "
                "among the cases they are skilled for",
                by=Attribution("agent:routing", now, policy.version),
            )
        uow.commit()


def assign_case(cmd: AssignCase, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    """A person assigns the case to a rep: capacity and presence still hold, skills are noted."""
    with uow:
        case = uow.cases.get(cmd.ref)
        rep = uow.reps.get(cmd.rep_id)
        if case.occupying_owner == rep.id:
            raise InvalidInput(f"{case.ref} is already assigned to {rep.id}")
        now = clock.now()
        rep.take(case.ref, now)
        release(uow, case.occupying_owner)
        team = case.team if case.team in rep.teams else rep.teams[0]
        gaps = missing_skills(rep.skills, case.required_skills)
        case.apply_routing(
            team=team,
            route=case.route or (team,),
            skills=case.required_skills,
            owner=rep.id,
            inputs={"requested_rep": rep.id, "previous_owner": case.owner},
            decision={"team": team, "chosen": rep.id, "model": "manual", "skill_gaps": gaps},
            reason=cmd.reason or f"assigned to {rep.id} by {cmd.actor}",
            by=Attribution(cmd.actor, now, policy.version),
        )
        uow.commit()


def release(uow: UnitOfWork, rep_id: str | None) -> None:
    """Give back one unit of `rep_id`'s capacity, in the caller's transaction."""
    if rep_id:
        uow.reps.get(rep_id).release()
