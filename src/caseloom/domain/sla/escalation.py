"""Escalations: what happens as an SLA window narrows, or when a condition starts to hold.

A timed escalation fires when a clock has counted a share of its target (`at: 75%`), a time
after it started (`after: 2h`) or a time before breach (`before: 30m`). Each becomes a durable
timer with its due instant (`plan`); a pause or a new target moves the timers, and a timer that
has fired is never planned again for the same clock cycle.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from caseloom.domain.conditions import Condition
from caseloom.domain.sla.calendar import ZERO, BusinessCalendar, human
from caseloom.domain.sla.clock import SlaClock

BREACH = "breach"  # the label of the timer that records a breach on the journey


class Recipient(StrEnum):
    OWNER = "owner"  # the rep who owns the case
    MANAGER = "manager"  # the manager of the case's team
    TEAM = "team"  # a team: its shared address, else every rep in it


@dataclass(frozen=True, slots=True)
class Notify:
    to: Recipient
    team: str | None = None  # for Recipient.TEAM: which team (default: the case's)

    def describe(self) -> str:
        return f"notify {self.to}" + (f" {self.team}" if self.team else "")


@dataclass(frozen=True, slots=True)
class RaisePriority:
    steps: int = 1  # priority 1 is the highest

    def describe(self) -> str:
        return f"raise priority by {self.steps}"


@dataclass(frozen=True, slots=True)
class Reassign:
    """Route the case again, away from its owner: to a rep of `team` (default its own team)
    with spare capacity, keeping the skills it needs unless `keep_skills` is false."""

    team: str | None = None
    keep_skills: bool = True

    def describe(self) -> str:
        return f"reassign to {self.team or 'its team'}"


@dataclass(frozen=True, slots=True)
class MoveTier:
    """Move the case to another team's queue (the next support tier), whoever owns it now."""

    team: str

    def describe(self) -> str:
        return f"move to {self.team}"


@dataclass(frozen=True, slots=True)
class CallWebhook:
    name: str  # a webhook declared under `notifications.webhooks`

    def describe(self) -> str:
        return f"webhook {self.name}"


Action = Notify | RaisePriority | Reassign | MoveTier | CallWebhook


@dataclass(frozen=True, slots=True)
class Threshold:
    """A point in a clock's window: a share of the target, or a time after the start or before
    the breach. Exactly one of `share`, `after` and `before` is set."""

    metric: str
    share: float | None = None  # 0.75 is 75% of the window
    after: timedelta | None = None
    before: timedelta | None = None

    def goal(self, target: timedelta) -> timedelta:
        """The counted open time at which it is reached."""
        if self.share is not None:
            return target * self.share
        if self.after is not None:
            return self.after
        return max(ZERO, target - (self.before or ZERO))

    def describe(self) -> str:
        if self.share is not None:
            return f"{self.share:.0%} of {self.metric}"
        if self.after is not None:
            return f"{human(self.after)} into {self.metric}"
        return f"{human(self.before or ZERO)} before the {self.metric} breach"


@dataclass(frozen=True, slots=True)
class Escalation:
    label: str  # its name, or its place: "escalations[2]", with its file and line
    threshold: Threshold | None  # None: it fires when `when` starts to hold
    when: Condition | None
    actions: tuple[Action, ...]
    name: str | None = None

    @property
    def id(self) -> str:
        """What its timers are known by: its name, else a digest of what it does, so that
        moving it in the file (or adding a rule above it) never makes it fire again."""
        if self.name:
            return self.name
        what = repr((self.threshold, self.when.source if self.when else None, self.actions))
        return "escalation-" + hashlib.sha256(what.encode()).hexdigest()[:12]

    @property
    def trigger(self) -> str:
        parts = [self.threshold.describe()] if self.threshold else []
        if self.when:
            parts.append(self.when.source)
        return " and ".join(parts)


@dataclass(frozen=True, slots=True)
class TimerSpec:
    key: str  # unique per case; the same key is never fired twice
    due_at: datetime
    metric: str
    escalation: str  # the escalation's id, or BREACH


@dataclass(frozen=True, slots=True)
class Timer:
    """A stored timer, as a worker claimed it."""

    id: int
    case_number: int
    key: str
    metric: str
    escalation: str
    due_at: datetime
    attempts: int  # claims so far, this one included


def timer_key(escalation: str, clock: SlaClock) -> str:
    """One key per escalation (its id, or BREACH) and clock cycle (a restart is a new cycle)."""
    return f"{escalation}|{clock.metric}|{clock.started_at.isoformat()}"


def plan(
    clocks: Sequence[SlaClock],
    escalations: Sequence[Escalation],
    calendars: Mapping[str, BusinessCalendar],
) -> list[TimerSpec]:
    """Every timer the running clocks need now: each timed escalation of the clock's metric, and
    its breach. A paused clock plans only what it reached before the pause (already due)."""
    timers = []
    for clock in clocks:
        if not clock.running:
            continue
        calendar = calendars[clock.calendar]
        for escalation in escalations:
            threshold = escalation.threshold
            if threshold is None or threshold.metric != clock.metric:
                continue
            due = clock.instant_of(calendar, threshold.goal(clock.target))
            if due is not None:
                key = timer_key(escalation.id, clock)
                timers.append(TimerSpec(key, due, clock.metric, escalation.id))
        if clock.due_at is not None:
            timers.append(TimerSpec(timer_key(BREACH, clock), clock.due_at, clock.metric, BREACH))
    return timers
