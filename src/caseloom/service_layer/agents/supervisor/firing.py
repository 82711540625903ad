"""Firing claimed timers: an escalation's actions, or a breach on the journey.

A timer is marked fired in the same transaction as what it did, and only if it is still
pending, so a timer claimed twice (a worker died, its lease ran out) acts once. A timer that is
no longer right (its clock was met, or paused, or its deadline moved later) is settled or moved,
never acted on.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from caseloom.domain.case import Attribution, Case
from caseloom.domain.policy import Policy
from caseloom.domain.sla import BREACH, SlaClock, Timer, attribute, timer_key, where_the_time_went
from caseloom.domain.sla.calendar import human
from caseloom.service_layer.agents.supervisor.escalating import AGENT, Trigger, carry_out
from caseloom.service_layer.ports import Clock, ConditionEngine, UnitOfWork

EARLY = timedelta(seconds=1)  # a timer found due this much later than claimed is moved, not fired
PAUSED_RETRY = timedelta(hours=1)  # a timer of a paused clock waits; resuming re-plans it anyway


def fire(
    timers: Sequence[Timer],
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> Counter[str]:
    """Fire `timers` in the caller's transaction; counts by outcome, and actions taken."""
    now = clock.now()
    cases = {c.number: c for c in uow.cases.by_numbers(sorted({t.case_number for t in timers}))}
    counts: Counter[str] = Counter()
    for timer in timers:
        case = cases.get(timer.case_number)
        clock_ = case.clocks.get(timer.metric) if case else None
        if case is None or clock_ is None or timer_key(timer.escalation, clock_) != timer.key:
            counts[_settle(uow, timer, now, "obsolete")] += 1
            continue
        if not clock_.running:
            counts[_settle(uow, timer, now, f"{clock_.metric} already {_ended(clock_)}")] += 1
            continue
        due = _due(timer, clock_, policy)
        if due is None or due > now + EARLY:
            uow.timers.postpone(timer.id, due or now + PAUSED_RETRY)
            counts["moved"] += 1
            continue
        if not uow.timers.fire(timer.id, now, "fired"):
            counts["already fired"] += 1
            continue
        if timer.escalation == BREACH:
            _breach(case, clock_, policy=policy, now=now)
            counts["breaches"] += 1
        else:
            counts["actions"] += _escalate(
                case, timer, uow, policy=policy, conditions=conditions, clock=clock
            )
            counts["escalations"] += 1
    return counts


def _settle(uow: UnitOfWork, timer: Timer, now: datetime, outcome: str) -> str:
    uow.timers.fire(timer.id, now, outcome[:40])
    return "settled"


def _ended(clock: SlaClock) -> str:
    return "stopped" if clock.stopped_at else "met"


def _due(timer: Timer, clock: SlaClock, policy: Policy) -> datetime | None:
    """When the timer is due now, on the clock as it is (None while paused short of it)."""
    calendar = policy.calendar(clock.calendar)
    if timer.escalation == BREACH:
        return clock.instant_of(calendar, clock.target)
    escalation = policy.escalation(timer.escalation)
    if escalation is None or escalation.threshold is None:
        return timer.due_at  # a rule the running policy no longer has: fire it as planned
    return clock.instant_of(calendar, escalation.threshold.goal(clock.target))


def _escalate(
    case: Case,
    timer: Timer,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> int:
    escalation = policy.escalation(timer.escalation)
    if escalation is None:
        return 0
    if escalation.when is not None:
        facts = case.facts(uow.customers.find(case.customer_id), policy.triage.min_confidence)
        if not conditions.matches(escalation.when, facts):
            return 0
    trigger = Trigger(escalation.label, escalation.trigger, escalation.id)
    return carry_out(case, escalation.actions, trigger, uow, policy=policy, clock=clock)


def _breach(case: Case, clock: SlaClock, *, policy: Policy, now: datetime) -> None:
    calendar = policy.calendar(clock.calendar)
    shares = attribute(clock, case.segments, calendar, min(now, clock.due_at or now))
    went = where_the_time_went(shares)
    holders = sorted({s.segment.owner or s.segment.team or "-" for s in shares if s.counted})
    summary = ", ".join(f"{kind} {human(span)}" for kind, span in went.items() if span)
    case.note(
        "sla",
        f"{clock.metric} SLA breached ({human(clock.target)} on {clock.calendar}); "
        f"the time went to: {summary or 'nothing counted'}",
        Attribution(AGENT, now, policy.version),
        inputs={"due_at": clock.due_at.isoformat() if clock.due_at else None},
        decision={
            "breached": clock.metric,
            "policy": f"{clock.policy}@{clock.policy_version}",
            "where": {str(kind): human(span) for kind, span in went.items()},
            "held_by": holders,
        },
    )
