"""SLA clocks: business time counted towards a target, with reason-coded pauses.

A clock counts open time on its calendar from `started_at`, except while paused. Its deadline is
the instant the counted time reaches the target; every threshold (75% of the window, 30 minutes
before breach) is found the same way, so a pause moves them all later and never earlier.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from caseloom.domain.errors import IllegalTransition
from caseloom.domain.sla.calendar import ZERO, BusinessCalendar

REACH = "reach:"  # a "reach status X" target is the metric "reach:X"


class SlaMetric(StrEnum):
    FIRST_RESPONSE = "first_response"  # met by the first reply of a rep
    NEXT_RESPONSE = "next_response"  # starts at each customer reply, met by the rep's answer
    RESOLUTION = "resolution"  # met when the case is resolved


class SlaState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    MET = "met"
    BREACHED = "breached"
    STOPPED = "stopped"  # policy stopped it (e.g. the case left the SLA's scope): never breaches


@dataclass(frozen=True, slots=True)
class Pause:
    reason: str  # the pause condition's reason code, e.g. "waiting_on_customer"
    started_at: datetime
    ended_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class SlaClock:
    metric: str  # an SlaMetric, or "reach:<status>"
    policy: str  # the SLA policy that set the target
    policy_version: int
    calendar: str
    target: timedelta  # open time allowed
    started_at: datetime
    due_at: datetime | None  # None while paused: nobody knows when it will resume
    met_at: datetime | None = None
    pauses: tuple[Pause, ...] = ()
    stopped_at: datetime | None = None

    @classmethod
    def start(
        cls,
        metric: str,
        *,
        policy: str,
        version: int,
        calendar: BusinessCalendar,
        target: timedelta,
        at: datetime,
    ) -> SlaClock:
        return cls(metric, policy, version, calendar.name, target, at, calendar.add(at, target))

    @property
    def paused(self) -> bool:
        return bool(self.pauses) and self.pauses[-1].ended_at is None

    @property
    def running(self) -> bool:
        """Counting now, or able to: neither met nor stopped."""
        return self.met_at is None and self.stopped_at is None

    @property
    def ended_at(self) -> datetime | None:
        return self.met_at or self.stopped_at

    def state(self, now: datetime) -> SlaState:
        if self.met_at is not None:
            late = self.due_at is not None and self.met_at > self.due_at
            return SlaState.BREACHED if late else SlaState.MET
        if self.due_at is not None and min(now, self.stopped_at or now) > self.due_at:
            return SlaState.BREACHED
        if self.stopped_at is not None:
            return SlaState.STOPPED
        return SlaState.PAUSED if self.paused else SlaState.RUNNING

    # -- arithmetic ---------------------------------------------------------------------------

    def windows(self) -> Iterator[tuple[datetime, datetime | None]]:
        """The periods the clock counts in: from the start to the first pause, between pauses,
        and from the last resume on (open-ended unless paused); met or stopped ends them."""
        begin: datetime | None = self.started_at
        for pause in self.pauses:
            if begin is not None and pause.started_at > begin:
                yield begin, pause.started_at
            begin = pause.ended_at
        if begin is not None:
            yield begin, None

    def counted(self, calendar: BusinessCalendar, now: datetime) -> timedelta:
        """Open time counted by `now` (or by when the clock was met or stopped)."""
        until = min(now, self.ended_at or now)
        return sum((calendar.between(a, min(b or until, until)) for a, b in self.windows()), ZERO)

    def instant_of(self, calendar: BusinessCalendar, goal: timedelta) -> datetime | None:
        """When the counted time reaches `goal`; None if the clock is paused before it does."""
        done = ZERO
        for begin, end in self.windows():
            if end is None:
                return calendar.add(begin, goal - done)
            span = calendar.between(begin, end)
            if done + span >= goal:
                return calendar.add(begin, goal - done)
            done += span
        return None

    def used(self, calendar: BusinessCalendar, now: datetime) -> float:
        """The share of the target counted by `now` (above 1 once breached)."""
        if not self.target:
            return 1.0
        return self.counted(calendar, now) / self.target

    # -- changes ------------------------------------------------------------------------------

    def pause(self, reason: str, at: datetime) -> SlaClock:
        """Stop counting from `at`. A clock that has already breached keeps its deadline."""
        if self.paused or not self.running:
            return self
        breached = self.due_at is not None and at > self.due_at
        return replace(
            self, pauses=(*self.pauses, Pause(reason, at)), due_at=self.due_at if breached else None
        )

    def resume(self, at: datetime, calendar: BusinessCalendar) -> SlaClock:
        return self._end_pause(at).retimed(calendar) if self.paused else self

    def meet(self, at: datetime) -> SlaClock:
        """Met at `at`: on time unless its deadline had passed (a clock met while paused, and not
        breached before the pause, is on time)."""
        return replace(self._end_pause(at), met_at=at) if self.running else self

    def stop(self, at: datetime) -> SlaClock:
        return replace(self._end_pause(at), stopped_at=at) if self.running else self

    def _end_pause(self, at: datetime) -> SlaClock:
        if not self.paused:
            return self
        last = replace(self.pauses[-1], ended_at=max(at, self.pauses[-1].started_at))
        return replace(self, pauses=(*self.pauses[:-1], last))

    def reopen(self, at: datetime) -> SlaClock:
        """Count again from `at`; the time the case spent resolved is a pause, "resolved". The
        deadline is unknown (None) until the clock is retimed on its calendar."""
        if self.met_at is None:
            return self
        gap = Pause("resolved", self.met_at, max(at, self.met_at))
        return replace(self, met_at=None, due_at=None, pauses=(*self.pauses, gap))

    def restart(self, at: datetime, calendar: BusinessCalendar) -> SlaClock:
        """A new cycle of the same target (the next response after another customer reply)."""
        return replace(self, started_at=at, met_at=None, stopped_at=None, pauses=()).retimed(
            calendar
        )

    def retarget(
        self,
        *,
        policy: str,
        version: int,
        calendar: BusinessCalendar,
        target: timedelta,
    ) -> SlaClock:
        """Another SLA policy applies now: its target and calendar, over the same start and the
        same pauses, so no paused time is lost."""
        changed = replace(
            self, policy=policy, policy_version=version, calendar=calendar.name, target=target
        )
        return changed.retimed(calendar) if self.running else changed

    def retimed(self, calendar: BusinessCalendar) -> SlaClock:
        """The deadline again, on `calendar` (None while paused short of the target)."""
        if calendar.name != self.calendar:
            raise IllegalTransition(
                f"the {self.metric} clock counts on calendar {self.calendar}, not {calendar.name}"
            )
        return replace(self, due_at=self.instant_of(calendar, self.target))


def overall_state(clocks: Sequence[SlaClock], now: datetime) -> SlaState | None:
    """Breached if any clock is, running if any still runs (or is paused), met when all are met."""
    states = {clock.state(now) for clock in clocks}
    for state in (SlaState.BREACHED, SlaState.RUNNING, SlaState.PAUSED, SlaState.MET):
        if state in states:
            return state
    return SlaState.STOPPED if states else None
