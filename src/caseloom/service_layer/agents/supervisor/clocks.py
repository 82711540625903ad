"""What the Supervisor decides about a case's clocks: pure functions, applied by the handlers.

Pause and stop conditions are read from the running policy whenever the case moves. Targets and
calendars stay those the clocks started with (a running case keeps its SLA version) unless the
case's own facts change: then the first matching SLA policy of the running version applies,
over the same start and the same pauses, so no paused time is ever lost.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from caseloom.domain.policy import Policy, SlaPolicy
from caseloom.domain.sla import SlaClock, SlaMetric
from caseloom.domain.sla.calendar import human


@dataclass(frozen=True, slots=True)
class Revision:
    clocks: list[SlaClock]  # the clocks that changed, as they are now
    reasons: list[str]

    def __bool__(self) -> bool:
        return bool(self.clocks)


def start(sla: SlaPolicy, policy: Policy, at: datetime) -> list[SlaClock]:
    """The clocks of `sla` from `at`; the next-response clock waits for a customer reply."""
    calendar = policy.calendar(sla.calendar)
    return [
        SlaClock.start(
            metric, policy=sla.name, version=policy.version, calendar=calendar, target=t, at=at
        )
        for metric, t in sla.targets.items()
        if metric != SlaMetric.NEXT_RESPONSE
    ]


def revise(
    clocks: Mapping[str, SlaClock],
    *,
    policy: Policy,
    sla: SlaPolicy,
    pause: str | None,
    stop: bool,
    retarget: bool,
    replied: bool,
    at: datetime,
    version_changed: bool = False,
) -> Revision:
    """The clocks that must change now, and why.

    `sla` is the SLA policy that matches the case now; `pause` the reason of the first pause
    condition that holds (None: none does); `stop` whether its stop condition holds; `retarget`
    whether the case's facts changed (so `sla` replaces the clocks' targets); `replied` whether
    a customer just replied (the next-response clock starts again); `version_changed` whether
    the clocks move to the running policy version even where the targets stay the same."""
    changed: dict[str, SlaClock] = {}
    reasons: list[str] = []
    calendar = policy.calendar(sla.calendar)
    for metric, clock in clocks.items():
        if not clock.running:
            continue
        new = clock
        target = sla.targets.get(metric)
        stale = version_changed and clock.policy_version != policy.version
        if retarget and target is not None and (stale or _differs(clock, sla, target)):
            new = new.retarget(
                policy=sla.name, version=policy.version, calendar=calendar, target=target
            )
            reasons.append(f"{metric} now follows SLA policy {sla.name} ({human(target)})")
        own = policy.calendar(new.calendar)
        if stop:
            new = new.stop(at)
            reasons.append(f"{metric} stopped: {_source(sla)}")
        elif pause and not new.paused:
            new = new.pause(pause, at)
            reasons.append(f"{metric} paused: {pause}")
        elif not pause and new.paused:
            reasons.append(f"{metric} resumed after {new.pauses[-1].reason}")
            new = new.resume(at, own)
        elif new.due_at is None and not new.paused:
            new = new.retimed(own)
            reasons.append(f"{metric} counts again")
        if new != clock:
            changed[metric] = new
    next_target = sla.targets.get(SlaMetric.NEXT_RESPONSE)
    if replied and next_target is not None and not stop:
        previous = clocks.get(SlaMetric.NEXT_RESPONSE)
        if previous is None or not previous.running:
            changed[SlaMetric.NEXT_RESPONSE] = SlaClock.start(
                SlaMetric.NEXT_RESPONSE,
                policy=sla.name,
                version=policy.version,
                calendar=calendar,
                target=next_target,
                at=at,
            )
            reasons.append(f"next_response started: the customer replied ({human(next_target)})")
    return Revision(list(changed.values()), reasons)


def _differs(clock: SlaClock, sla: SlaPolicy, target: timedelta) -> bool:
    return (clock.policy, clock.target, clock.calendar) != (sla.name, target, sla.calendar)


def _source(sla: SlaPolicy) -> str:
    return sla.stop_when.source if sla.stop_when else "policy"
