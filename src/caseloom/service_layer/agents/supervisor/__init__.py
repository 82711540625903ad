"""The Supervisor agent: SLA clocks, their durable timers, escalations and notifications.

It starts a case's clocks from the first matching SLA policy, pauses, resumes, stops and
retargets them as the case moves, keeps one timer row per threshold, fires due timers (claimed
by any number of workers) and delivers the notifications escalations leave in the outbox.
"""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from caseloom.domain import events
from caseloom.domain.case import Attribution, Case
from caseloom.domain.commands import (
    EscalateCase,
    FireTimers,
    ReevaluateSla,
)
from caseloom.domain.conditions import Facts
from caseloom.domain.errors import Conflict
from caseloom.domain.policy import Policy, ReplyAction, ReplyChange, SlaPolicy
from caseloom.domain.sla import Timer, TimerSpec, plan
from caseloom.service_layer.agents.supervisor import clocks
from caseloom.service_layer.agents.supervisor.delivery import deliver_notifications
from caseloom.service_layer.agents.supervisor.escalating import AGENT, Trigger, carry_out
from caseloom.service_layer.agents.supervisor.firing import fire
from caseloom.service_layer.agents.triage import stamps_for
from caseloom.service_layer.ports import Clock, ConditionEngine, UnitOfWork

CHUNK = 50  # timers fired per transaction
REEVALUATE_BATCH = 200  # cases read at a time when re-evaluating after a policy change
Reconsidered = (
    events.CaseMoved | events.CaseFactsChanged | events.CaseReopened | events.CustomerReplied
)


def start_clocks(
    event: events.CaseTriaged,
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
        facts = _facts(case, uow, policy)
        sla = policy.sla_for(facts, conditions.matches)
        by = Attribution(AGENT, clock.now(), policy.version)
        case.start_clocks(clocks.start(sla, policy, case.opened_at), sla.name, by)
        _supervise(case, facts, uow, policy=policy, conditions=conditions, clock=clock)
        _on_conditions(case, facts, uow, policy=policy, conditions=conditions, clock=clock)
        uow.commit()


def reconsider(
    event: Reconsidered,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    """The case moved, changed or heard from its customer: pause, resume, stop or retarget its
    clocks as policy says, move its timers, and fire escalations whose condition now holds."""
    with uow:
        case = uow.cases.get(event.ref)
        if not case.clocks:
            return
        if not any(c.running for c in case.clocks.values()):
            # resolved or closed: nothing can pause or fire any more
            uow.timers.replace(case.number, ())
            uow.commit()
            return
        facts = _facts(case, uow, policy)
        _supervise(
            case,
            facts,
            uow,
            policy=policy,
            conditions=conditions,
            clock=clock,
            retarget=isinstance(event, events.CaseFactsChanged),
            replied=isinstance(event, events.CustomerReplied),
            replan=not isinstance(event, events.CaseMoved) or event.status in _REPLANNED,
        )
        _on_conditions(case, facts, uow, policy=policy, conditions=conditions, clock=clock)
        uow.commit()


# Moves after which the timers are planned again even if no clock was revised: a met clock's
# timers go (a resolution); a reopened clock's come back.
_REPLANNED = frozenset({"resolved", "closed", "reopened"})


def _supervise(
    case: Case,
    facts: Facts,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
    retarget: bool = False,
    replied: bool = False,
    replan: bool = True,
    version_changed: bool = False,
    by: str = AGENT,
    why: str = "",
) -> clocks.Revision:
    """Revise the clocks (on the journey by `by`, reasons after `why`); plan their timers again
    if they changed (or `replan`). The revision says what changed."""
    now = clock.now()
    matching = policy.sla_for(facts, conditions.matches)
    sla = matching if retarget else _running_sla(case, policy) or matching
    revision = clocks.revise(
        case.clocks,
        policy=policy,
        sla=sla,
        pause=sla.pause_reason(facts, conditions.matches),
        stop=sla.stop_when is not None and conditions.matches(sla.stop_when, facts),
        retarget=retarget,
        replied=replied,
        at=now,
        version_changed=version_changed,
    )
    if revision:
        reason = why + "; ".join(revision.reasons)
        case.retime(revision.clocks, reason, Attribution(by, now, policy.version))
    if revision or replan:
        uow.timers.replace(
            case.number, plan(list(case.clocks.values()), policy.escalations, policy.calendars)
        )
    return revision


def _on_conditions(
    case: Case,
    facts: Facts,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    """Escalations with a condition and no time fire once per case, when it first holds once the
    case has a team (so that "the manager" and "the team" mean someone)."""
    if case.team is None:
        return
    now = clock.now()
    for escalation in policy.escalations:
        if escalation.threshold is not None or escalation.when is None:
            continue
        if not conditions.matches(escalation.when, facts):
            continue
        timer = TimerSpec(f"{escalation.id}|when", now, "", escalation.id)
        if uow.timers.record(case.number, timer, now, "escalated"):
            trigger = Trigger(escalation.label, escalation.trigger, escalation.id)
            carry_out(case, escalation.actions, trigger, uow, policy=policy, clock=clock)


def reevaluate(
    cmd: ReevaluateSla,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> dict[str, int]:
    """Every open case timed by an older policy version, one transaction each: its clocks follow
    the SLA policy that matches it now, over the same start and pauses."""
    counts: Counter[str] = Counter()
    after = 0
    while True:
        with uow:
            batch = uow.cases.timed_by_older_policy(policy.version, after, REEVALUATE_BATCH)
        if not batch:
            return dict(counts)
        for number in (case.number for case in batch):
            after = number
            try:
                outcome = _reevaluate_one(
                    number, uow, policy=policy, conditions=conditions, clock=clock, actor=cmd.actor
                )
                counts[outcome] += 1
            except Conflict:
                counts["changed meanwhile (left for the next run)"] += 1


def _reevaluate_one(
    number: int,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
    actor: str,
) -> str:
    with uow:
        [case] = uow.cases.by_numbers([number])
        targets = {metric: c.target for metric, c in case.clocks.items()}
        revision = _supervise(
            case,
            _facts(case, uow, policy),
            uow,
            policy=policy,
            conditions=conditions,
            clock=clock,
            retarget=True,
            replan=False,
            version_changed=True,
            by=actor,
            why=f"re-evaluated under policy {policy.ref}: ",
        )
        if not revision:
            return "kept"  # none of its clocks is measured by the running policy's SLA
        uow.commit()
    moved = any(targets.get(c.metric) != c.target for c in revision.clocks)
    return "retargeted" if moved else "same targets, running version"


def _running_sla(case: Case, policy: Policy) -> SlaPolicy | None:
    """The SLA policy the case's clocks follow, as the running policy defines it."""
    names = {c.policy for c in case.clocks.values()}
    return next((s for s in policy.sla if s.name in names), None)


def fire_timers(
    cmd: FireTimers,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> dict[str, int]:
    """Claim due timers and fire them, a chunk per transaction (one by one if a chunk meets a
    concurrent change). A timer whose transaction fails keeps its lease and fires later."""
    with uow:
        claimed = uow.timers.claim(
            clock.now(), cmd.limit, timedelta(seconds=cmd.lease_seconds), cmd.worker
        )
        uow.commit()
    counts: Counter[str] = Counter(claimed=len(claimed))
    for chunk in (claimed[i : i + CHUNK] for i in range(0, len(claimed), CHUNK)):
        try:
            counts.update(_fire_committed(chunk, uow, policy, conditions, clock))
        except Conflict:
            for timer in chunk:
                try:
                    counts.update(_fire_committed([timer], uow, policy, conditions, clock))
                except Conflict:
                    counts["retried later"] += 1
    return dict(counts)


def _fire_committed(
    timers: list[Timer],
    uow: UnitOfWork,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> Counter[str]:
    """Fire `timers` in one transaction; what they did counts only once it is committed."""
    with uow:
        done = fire(timers, uow, policy=policy, conditions=conditions, clock=clock)
        uow.commit()
    return done


def escalate_case(cmd: EscalateCase, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> int:
    """A person's escalation: carried out like a policy's, logged with who and why."""
    with uow:
        case = uow.cases.get(cmd.ref)
        trigger = Trigger("manual", f"by {cmd.actor}: {cmd.reason or 'no reason given'}")
        done = carry_out(
            case, cmd.actions, trigger, uow, policy=policy, clock=clock, actor=cmd.actor
        )
        uow.commit()
    return done


def _facts(case: Case, uow: UnitOfWork, policy: Policy) -> Facts:
    return case.facts(uow.customers.find(case.customer_id), policy.triage.min_confidence)


def restamp_after_reply(
    event: events.ReplyInterpreted,
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
        case.restamp(stamps, wanted, Attribution(AGENT, clock.now(), policy.version))
        uow.commit()


__all__ = [
    "deliver_notifications",
    "escalate_case",
    "fire_timers",
    "reconsider",
    "reevaluate",
    "restamp_after_reply",
    "start_clocks",
]
