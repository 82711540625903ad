"""Business calendars and business-time arithmetic.

A calendar is either always open (24x7) or open on weekly local-time intervals in a time zone,
closed on its holidays. Intervals are turned into UTC instants day by day, so open time is real
elapsed time across daylight-saving changes: a 08:00-18:00 day is ten real hours whether the
clocks went forward that night or not, and a 24-hour day is 23 or 25 real hours on a change.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from caseloom.domain.errors import InvalidInput

MINUTES_PER_DAY = 24 * 60
SEARCH_DAYS = 3 * 366  # how far a calendar may be closed before arithmetic gives up
Interval = tuple[int, int]  # minutes since local midnight: [start, end), end may be 1440
ZERO = timedelta(0)


@dataclass(frozen=True, slots=True)
class BusinessCalendar:
    name: str
    timezone: str = "UTC"
    weekly: tuple[tuple[Interval, ...], ...] | None = None  # Monday..Sunday; None is 24x7
    holidays: frozenset[date] = frozenset()  # local dates on which it stays closed all day

    def __post_init__(self) -> None:
        if self.weekly is None:
            if self.holidays:
                raise InvalidInput(f"calendar {self.name}: a 24x7 calendar has no holidays")
            return
        if len(self.weekly) != 7:
            raise InvalidInput(f"calendar {self.name}: weekly hours need 7 days")
        for day in self.weekly:
            for start, end in day:
                if not 0 <= start < end <= MINUTES_PER_DAY:
                    raise InvalidInput(f"calendar {self.name}: bad interval {start}-{end}")
        if not any(self.weekly):
            raise InvalidInput(f"calendar {self.name}: never open")

    @property
    def always_open(self) -> bool:
        return self.weekly is None

    def open_intervals(self, day: date) -> list[tuple[datetime, datetime]]:
        """The open periods of one local day, as UTC instants (none on a holiday)."""
        if self.weekly is None:
            raise InvalidInput(f"calendar {self.name} is always open")
        return list(_open_intervals(self, day))

    def is_open(self, at: datetime) -> bool:
        if self.weekly is None:
            return True
        return any(opens <= at < closes for opens, closes in self._periods(at, at))

    def next_open(self, at: datetime) -> datetime:
        """`at` if the calendar is open then, else the instant it next opens."""
        return self.add(at, ZERO)

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant `duration` of open time after `start` (the next open instant for zero).

        The result is always inside open hours or at the very end of an open period."""
        if duration < ZERO:
            raise InvalidInput("a business duration cannot be negative")
        if self.weekly is None:
            return start + duration
        remaining = duration
        for opens, closes in self._periods(start, None):
            begin = max(opens, start)
            if closes <= begin:
                continue
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise self._closed_too_long(start)

    def between(self, start: datetime, end: datetime) -> timedelta:
        """The open time from `start` to `end` (zero when `end` is not after `start`)."""
        if end <= start:
            return ZERO
        if self.weekly is None:
            return end - start
        total = ZERO
        for opens, closes in self._periods(start, end):
            if opens >= end:
                break
            total += max(ZERO, min(closes, end) - max(opens, start))
        return total

    def _periods(
        self, start: datetime, end: datetime | None
    ) -> Iterator[tuple[datetime, datetime]]:
        """Open periods in time order, from the local day before `start` (a period may cross
        midnight UTC) to the day of `end`, or with no end as far as `SEARCH_DAYS` ahead."""
        zone = ZoneInfo(self.timezone)
        day = start.astimezone(zone).date() - timedelta(days=1)
        last = end.astimezone(zone).date() if end is not None else day + timedelta(SEARCH_DAYS)
        while day <= last:
            yield from _open_intervals(self, day)
            day += timedelta(days=1)

    def _closed_too_long(self, start: datetime) -> InvalidInput:
        return InvalidInput(
            f"calendar {self.name} has no open time within {SEARCH_DAYS} days of "
            f"{start.isoformat()}"
        )


@lru_cache(maxsize=4096)
def _open_intervals(calendar: BusinessCalendar, day: date) -> tuple[tuple[datetime, datetime], ...]:
    """`calendar.open_intervals(day)`, remembered: every SLA deadline walks the same days."""
    assert calendar.weekly is not None
    if day in calendar.holidays:
        return ()
    midnight = datetime.combine(day, time(), tzinfo=ZoneInfo(calendar.timezone))
    periods = []
    for start, end in calendar.weekly[day.weekday()]:
        opens, closes = _local(midnight, start), _local(midnight, end)
        if opens < closes:  # a period wholly inside a skipped hour is not open at all
            periods.append((opens, closes))
    return tuple(periods)


def _local(midnight: datetime, minutes: int) -> datetime:
    """The UTC instant of `minutes` after local midnight on the wall clock (24:00 is the next
    midnight). A wall time the autumn change repeats is its first occurrence; one the spring
    change skips is the instant the clocks jump over it, so periods never overlap and a period
    wholly inside the skipped hour is empty."""
    wall = midnight + timedelta(minutes=minutes)
    instant = wall.astimezone(UTC)
    if instant.astimezone(wall.tzinfo).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return instant
    low, high = sorted((wall.replace(fold=1).astimezone(UTC), instant))
    while high - low > _SECOND:  # the first instant whose wall time is at or past `wall`
        middle = low + (high - low) / 2
        if middle.astimezone(wall.tzinfo).replace(tzinfo=None) >= wall.replace(tzinfo=None):
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


_SECOND = timedelta(seconds=1)


def human(span: timedelta) -> str:
    """A duration as people write it: 4h, 1h30m, 45m, 2d3h."""
    minutes = max(0, int(span.total_seconds() // 60))
    days, rest = divmod(minutes, MINUTES_PER_DAY)
    hours, minutes = divmod(rest, 60)
    parts = [
        f"{days}d" if days else "",
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
    ]
    return "".join(parts) or "0m"


ALWAYS = BusinessCalendar("24x7")
