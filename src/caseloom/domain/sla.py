"""Business calendars and SLA clocks.

A calendar is either always open (24x7) or open on weekly local-time intervals in a time zone.
Intervals are converted to UTC day by day, so a deadline counts real elapsed open time across
daylight-saving changes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from caseloom.domain.errors import InvalidInput

MINUTES_PER_DAY = 24 * 60
Interval = tuple[int, int]  # minutes since local midnight: [start, end), end may be 1440


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    name: str
    timezone: str = "UTC"
    weekly: tuple[tuple[Interval, ...], ...] | None = None  # Monday..Sunday; None is 24x7

    def __post_init__(self) -> None:
        if self.weekly is None:
            return
        if len(self.weekly) != 7:
            raise InvalidInput(f"calendar {self.name}: weekly hours need 7 days")
        for day in self.weekly:
            for start, end in day:
                if not 0 <= start < end <= MINUTES_PER_DAY:
                    raise InvalidInput(f"calendar {self.name}: bad interval {start}-{end}")
        if not any(self.weekly):
            raise InvalidInput(f"calendar {self.name}: never open")

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open periods of one local day, as UTC instants."""
        if self.weekly is None:
            raise InvalidInput(f"calendar {self.name} is always open")
        zone = ZoneInfo(self.timezone)
        midnight = datetime.combine(day, time(), tzinfo=zone)
        return [
            (
                (midnight + timedelta(minutes=start)).astimezone(UTC),
                (midnight + timedelta(minutes=end)).astimezone(UTC),
            )
            for start, end in self.weekly[day.weekday()]
        ]

    def is_open(self, at: datetime) -> bool:
        if self.weekly is None:
            return True
        day = at.astimezone(ZoneInfo(self.timezone)).date()
        return any(opens <= at < closes for opens, closes in self.open_intervals(day))

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of open time after `start` (the next open instant for zero)."""
        if duration < timedelta(0):
            raise InvalidInput("a business duration cannot be negative")
        if self.weekly is None:
            return start + duration
        remaining = duration
        day = start.astimezone(ZoneInfo(self.timezone)).date()
        while True:
            for opens, closes in self.open_intervals(day):
                begin = max(opens, start)
                if closes <= begin:
                    continue
                if remaining <= closes - begin:
                    return begin + remaining
                remaining -= closes - begin
            day += timedelta(days=1)


ALWAYS = BusinessCalendar("24x7")


class SlaMetric(StrEnum):
    FIRST_RESPONSE = "first_response"
    RESOLUTION = "resolution"


class SlaState(StrEnum):
    RUNNING = "running"
    MET = "met"
    BREACHED = "breached"


@dataclass(frozen=True, slots=True)
class SlaClock:
    metric: SlaMetric
    policy: str
    calendar: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None = None

    def state(self, now: datetime) -> SlaState:
        if self.met_at is not None:
            return SlaState.MET if self.met_at <= self.due_at else SlaState.BREACHED
        return SlaState.BREACHED if now > self.due_at else SlaState.RUNNING

    def meet(self, at: datetime) -> SlaClock:
        return self if self.met_at is not None else replace(self, met_at=at)

    def resume(self) -> SlaClock:
        return replace(self, met_at=None)


def overall_state(clocks: Sequence[SlaClock], now: datetime) -> SlaState | None:
    """Breached if any clock is, running if any still runs, met when all are met."""
    states = {clock.state(now) for clock in clocks}
    for state in (SlaState.BREACHED, SlaState.RUNNING, SlaState.MET):
        if state in states:
            return state
    return None
