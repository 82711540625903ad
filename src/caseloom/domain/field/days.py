"""A technician's working day as scheduling sees it: open hours, home base, visits booked."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime


@dataclass(frozen=True, slots=True)
class Busy:
    work_order: str
    start: datetime
    end: datetime
    place: int  # index into the travel matrix


@dataclass(frozen=True, slots=True)
class Gap:
    """Free time between two fixed points of a day: leave `origin` no earlier than `after`,
    be at `then` by `before` (places are travel-matrix indices; `then` is None before a break,
    which is taken wherever the technician is)."""

    origin: int
    after: datetime
    then: int | None
    before: datetime


@dataclass(frozen=True, slots=True)
class WorkDay:
    technician: str
    day: date
    hours: tuple[tuple[datetime, datetime], ...]  # open intervals from the shift calendar
    home: int  # index into the travel matrix
    busy: tuple[Busy, ...] = ()  # live visits that day, by start

    @property
    def shift(self) -> str:
        return f"{self.technician}@{self.day.isoformat()}"

    def gaps(self) -> Iterator[Gap]:
        """The free stretches of the day: from home at opening, between visits, over a break
        (staying where the last visit was) and home again by closing."""
        place, free = self.home, self.hours[0][0] if self.hours else None
        for number, (opens, closes) in enumerate(self.hours):
            free = max(free or opens, opens)
            for busy in _inside(self.busy, opens, closes):
                yield Gap(place, free, busy.place, busy.start)
                place, free = busy.place, busy.end
            last = number == len(self.hours) - 1
            yield Gap(place, free, self.home if last else None, closes)


def _inside(busy: Sequence[Busy], opens: datetime, closes: datetime) -> list[Busy]:
    return sorted((b for b in busy if opens <= b.start < closes), key=lambda b: b.start)
