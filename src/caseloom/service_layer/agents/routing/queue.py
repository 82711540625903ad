"""The queue side of routing: freed capacity takes waiting work, full queues are assigned in one
batch, offers lapse, and cases that wait too long climb the relaxation ladder.

Sweeps handle each case in its own transaction. A case another worker changed meanwhile is
skipped (it is looked at again on the next sweep), so any number of workers can sweep at once.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime, timedelta

from caseloom.domain import routing
from caseloom.domain.case import Attribution, Case, CaseStatus
from caseloom.domain.commands import SweepRouting
from caseloom.domain.errors import ConcurrencyConflict
from caseloom.domain.events import CaseReleased, RepBecameAvailable
from caseloom.domain.policy import Policy
from caseloom.domain.routing import Relaxation, RelaxStep
from caseloom.service_layer.agents.routing.placing import (
    AGENT,
    evaluate,
    offer_until,
    place_again,
    route_by_rules,
)
from caseloom.service_layer.ports import Assigner, Clock, ConditionEngine, UnitOfWork

log = logging.getLogger(__name__)

QUEUE_LOOKAHEAD_PER_UNIT = 20  # queued cases read per free unit, to find ones the rep fits
BATCH_LIMIT = 1000  # waiting cases assigned together at most
SWEEP_LIMIT = 500  # cases looked at per sweep step
STRAGGLER_AGE = timedelta(minutes=1)  # triaged this long ago without clocks: route it anyway


def offer_queued_work(
    event: CaseReleased | RepBecameAvailable,
    uow: UnitOfWork,
    *,
    policy: Policy,
    clock: Clock,
    assigner: Assigner,
) -> None:
    """Capacity freed up: a team whose queue is long is assigned as a batch; otherwise the rep
    takes the waiting cases they fit, most urgent first."""
    with uow:
        rep = uow.reps.get(event.rep_id)
        if rep.unavailability():
            return
        waiting = uow.cases.teams_waiting()
    busy = [t for t in rep.teams if waiting.get(t, 0) >= policy.routing.batch_from]
    for team in busy:
        assign_waiting(team, uow, policy=policy, clock=clock, assigner=assigner)
    quiet = [t for t in rep.teams if t not in busy and waiting.get(t, 0)]
    if quiet:
        _fill(event.rep_id, quiet, uow, policy=policy, clock=clock)


def _fill(rep_id: str, teams: list[str], uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    with uow:
        rep = uow.reps.get(rep_id)
        if rep.unavailability():
            return
        now = clock.now()
        queue = {
            c.ref: c for c in uow.cases.queued(teams, rep.spare_capacity * QUEUE_LOOKAHEAD_PER_UNIT)
        }
        picks = routing.pick_for(
            rep, [c.waiting(now) for c in queue.values()], now=now, calendars=policy.calendars
        )
        for pick in picks:
            case = queue[pick.ref]
            rep.take(case.ref, now, case.need.units)
            _place(
                case,
                rep.id,
                policy=policy,
                now=now,
                decision={"team": case.team, "chosen": rep.id, "model": "queue"},
                reason=f"{rep.id} had spare capacity and {case.ref} was first in queue order "
                "(priority, then time to SLA breach, then age) among the cases they fit",
            )
        uow.commit()


def assign_waiting(
    team: str, uow: UnitOfWork, *, policy: Policy, clock: Clock, assigner: Assigner
) -> int:
    """Assign the team's waiting cases together: the assigner solves the assignment problem over
    every (case, rep) score, so the most urgent cases get placed and each with a good fit."""
    selection = policy.routing.selection_for(team)
    with uow:
        queue = uow.cases.queued([team], BATCH_LIMIT)
        if not queue:
            return 0
        ready, _ = uow.reps.roster(team, min(c.need.units for c in queue))
        if not ready:
            return 0
        now = clock.now()
        owners = uow.cases.recent_owners(c.customer_id for c in queue)
        placements = assigner.assign(
            [c.waiting(now, owners.get(c.customer_id or "", ())) for c in queue],
            ready,
            selection=selection,
            now=now,
            calendars=policy.calendars,
        )
        cases = {c.ref: c for c in queue}
        reps = {r.id: r for r in ready}
        batch = {"waiting": len(queue), "reps": len(ready), "placed": len(placements)}
        for placement in placements:
            case = cases[placement.ref]
            reps[placement.rep_id].take(case.ref, now, case.need.units)
            chosen = placement.candidate
            _place(
                case,
                placement.rep_id,
                policy=policy,
                now=now,
                decision={
                    "team": team,
                    "model": selection.model,
                    "chosen": placement.rep_id,
                    "ranked": [{"rep": chosen.rep_id, "score": chosen.score, **chosen.factors}],
                    "batch": batch,
                },
                reason=f"batch assignment in {team}: {len(placements)} of {len(queue)} waiting "
                f"cases placed together over {len(ready)} reps with spare capacity; "
                f"{placement.rep_id} is {case.ref}'s place in the best joint assignment",
            )
        uow.commit()
        return len(placements)


def _place(
    case: Case,
    rep_id: str,
    *,
    policy: Policy,
    now: datetime,
    decision: dict[str, object],
    reason: str,
) -> None:
    case.apply_routing(
        team=case.team or "",
        route=case.route,
        need=case.need,
        owner=rep_id,
        offer_expires_at=offer_until(policy, case.team or "", rep_id, now),
        inputs={
            "queued_since": case.queued_at.isoformat() if case.queued_at else None,
            "priority": case.priority,
            "sla_urgency": round(case.sla_urgency(now), 4),
        },
        decision=decision,
        reason=reason,
        by=Attribution(AGENT, now, policy.version),
    )


def sweep(
    cmd: SweepRouting,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
    assigner: Assigner,
) -> dict[str, int]:
    """One pass of the routing worker; returns how many cases each step moved."""
    stragglers = _route_stragglers(uow, policy=policy, conditions=conditions, clock=clock)
    lapsed = _lapse_offers(uow, policy=policy, clock=clock)
    relaxed = _climb_ladder(uow, policy=policy, clock=clock)
    with uow:
        waiting = uow.cases.teams_waiting()
    batched = sum(
        assign_waiting(team, uow, policy=policy, clock=clock, assigner=assigner)
        for team, count in sorted(waiting.items())
        if count >= policy.routing.batch_from
    )
    return {
        "unrouted_routed": stragglers,
        "offers_lapsed": lapsed,
        "rungs_taken": relaxed,
        "batch_assigned": batched,
    }


def _route_stragglers(
    uow: UnitOfWork, *, policy: Policy, conditions: ConditionEngine, clock: Clock
) -> int:
    """Route cases whose routing event was lost (a crash, or retries exhausted under load)."""
    now = clock.now()
    with uow:
        refs = [c.ref for c in uow.cases.unrouted(now - STRAGGLER_AGE, SWEEP_LIMIT)]
    routed = 0
    for ref in refs:
        try:
            with uow:
                case = uow.cases.get(ref)
                if case.status not in (CaseStatus.TRIAGED, CaseStatus.REOPENED):
                    continue
                route_by_rules(case, uow, policy=policy, conditions=conditions, clock=clock)
                uow.commit()
                routed += 1
        except ConcurrencyConflict:
            log.debug("%s changed meanwhile; the next sweep looks again", ref)
    return routed


def _lapse_offers(uow: UnitOfWork, *, policy: Policy, clock: Clock) -> int:
    now = clock.now()
    with uow:
        refs = [c.ref for c in uow.cases.offers_expired(now, SWEEP_LIMIT)]
    lapsed = 0
    for ref in refs:
        try:
            with uow:
                case = uow.cases.get(ref)
                if case.status is not CaseStatus.OFFERED or case.offer_expires_at is None:
                    continue
                if case.offer_expires_at > now or case.owner is None:
                    continue
                rep_id, units = case.owner, case.need.units
                case.decline_offer(
                    rep_id,
                    f"the offer to {rep_id} lapsed unanswered",
                    Attribution(AGENT, now, policy.version),
                )
                uow.reps.get(rep_id).release(units)
                uow.commit()
                lapsed += 1
        except ConcurrencyConflict:
            log.debug("%s changed meanwhile; the next sweep looks again", ref)
    return lapsed


def _climb_ladder(uow: UnitOfWork, *, policy: Policy, clock: Clock) -> int:
    """Cases that have waited past a rung give something up, one rung at a time, and only while
    nobody is eligible: a case someone could take now (an offer just lapsed, a rep came back)
    is placed instead, and climbing stops at the first rung that makes someone eligible."""
    ladder = policy.routing.relax
    if not ladder:
        return 0
    now = clock.now()
    with uow:
        refs = [c.ref for c in uow.cases.waiting_since(now - ladder[0].after, SWEEP_LIMIT)]
    taken = 0
    for ref in refs:
        try:
            with uow:
                case = uow.cases.get(ref)
                if case.status is not CaseStatus.QUEUED or case.queued_at is None:
                    continue
                taken += _climb(case, uow, policy=policy, clock=clock)
                uow.commit()
        except ConcurrencyConflict:
            log.debug("%s changed meanwhile; the next sweep looks again", ref)
    return taken


def _climb(case: Case, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> int:
    assert case.queued_at is not None
    now = clock.now()
    steps = routing.due_steps(policy.routing.relax, len(case.relaxed), now - case.queued_at)
    for taken, step in enumerate(steps):
        decision, _ = evaluate(
            case,
            uow,
            policy=policy,
            team=case.team or "",
            need=case.need,
            rule=case.rule or "queue",
            clock=clock,
        )
        if decision.chosen:
            if not taken:
                why = "a rep became eligible before the next rung of the ladder"
                place_again(case, uow, policy=policy, clock=clock, why=why)
            return taken
        _take(case, step, policy=policy, now=now)
    return len(steps)


def _take(case: Case, step: RelaxStep, *, policy: Policy, now: datetime) -> None:
    need, team, priority, escalated_to = case.need, case.team or "", case.priority, None
    if step.action is Relaxation.DROP_OPTIONAL_SKILLS:
        need = need.without_optional_skills()
    elif step.action is Relaxation.DROP_LANGUAGE:
        need = need.without_language()
    elif step.action is Relaxation.OVERFLOW and step.team:
        team = step.team
        need = replace(need, units=policy.routing.selection_for(team).units_for(case.channel))
    elif step.action is Relaxation.ESCALATE:
        priority = max(1, priority - 1)
        spec = policy.teams.get(team)
        escalated_to = (spec.manager if spec else None) or f"the {team} team's lead"
    case.relax(
        step.action,
        step.describe(),
        need=need,
        team=team,
        priority=priority,
        by=Attribution(AGENT, now, policy.version),
        escalated_to=escalated_to,
    )
