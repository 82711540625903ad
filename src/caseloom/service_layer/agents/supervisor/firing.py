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
    """Fire `timers` in the caller's transaction; counts by outcome, and actions taken.

    All are marked fired first, in one statement that only marks those still pending, so this
    transaction acts only on timers it owns; one that turns out early is pending again."""
    now = clock.now()
    owned = uow.timers.fire_many([t.id for t in timers], now)
    cases = {c.number: c for c in uow.cases.by_numbers(sorted({t.case_number for t in timers}))}
    uow.reps.addresses([c.owner for c in cases.values() if c.owner])  # who may be told, at once
    counts: Counter[str] = Counter()
    for timer in timers:
        if timer.id not in owned:
            counts["already fired"] += 1
            continue
        case = cases.get(timer.case_number)
        clock_ = case.clocks.get(timer.metric) if case else None
        if case is None or clock_ is None or timer_key(timer.escalation, clock_) != timer.key:
            uow.timers.settle(timer.id, "obsolete")
            counts["settled"] += 1
            continue
        if not clock_.running:
            uow.timers.settle(timer.id, f"{clock_.metric} already {_ended(clock_)}")
            counts["settled"] += 1
            continue
        due = _due(timer, clock_, policy)
        if due is None or due > now + EARLY:
            uow.timers.postpone(timer.id, due or now + PAUSED_RETRY)
            counts["moved"] += 1
        elif timer.escalation == BREACH:
            _breach(case, clock_, policy=policy, now=now)
            counts["breaches"] += 1
        else:
            counts["actions"] += _escalate(
                case, timer, uow, policy=policy, conditions=conditions, clock=clock
            )
            counts["escalations"] += 1
    return counts


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
