"""Appointment booking: graded slot offers for one work order.

Each technician who may take the order is tried in every free gap of their days: the visit
must fit between what comes before and after it, travel included, inside the customer's window.
Offers are graded 0-100 (added driving, how soon, whether the field SLA is kept), best first:
an hour of extra driving costs as much as eight hours of waiting, and missing the SLA more.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from caseloom.domain.field.days import Gap, WorkDay
from caseloom.domain.field.work_order import TimeWindow, WorkOrder

QUARTER = timedelta(minutes=15)  # offers start on the quarter hour
PER_GAP = 3  # offers from one free stretch at most, one arrival window apart
# Grade points lost: per minute of added driving, per hour from now, for arriving after the
# field SLA's response deadline, and for finishing after its resolution deadline.
PER_DRIVING_MINUTE = 0.2
PER_HOUR_AWAY = 1.5
LATE_ARRIVAL = 20
LATE_FINISH = 40


@dataclass(frozen=True, slots=True)
class SlotOffer:
    technician: str
    arrival: TimeWindow  # what the customer is told
    start: datetime
    end: datetime
    detour: timedelta  # driving the visit adds to the technician's day
    grade: int  # 0-100, higher is better
    within_sla: bool

    def describe(self) -> dict[str, object]:
        return {
            "technician": self.technician,
            "arrival": [self.arrival.start.isoformat(), self.arrival.end.isoformat()],
            "start": self.start.isoformat(),
            "grade": self.grade,
            "detour_minutes": round(self.detour.total_seconds() / 60),
            "within_sla": self.within_sla,
        }


@dataclass(frozen=True, slots=True)
class Slotting:
    order: WorkOrder
    travel: Sequence[Sequence[int]]  # seconds between matrix places
    at: int  # the order's place in the matrix
    now: datetime
    arrival_window: timedelta


def offer_slots(
    slotting: Slotting, days: Sequence[WorkDay], limit: int
) -> tuple[list[SlotOffer], list[str]]:
    """The best `limit` offers over `days`, and the technicians with no free slot at all."""
    offers: list[SlotOffer] = []
    full: list[str] = []
    for technician in sorted({d.technician for d in days}):
        own = [
            offer
            for day in days
            if day.technician == technician
            for gap in day.gaps()
            for offer in _in_gap(slotting, technician, gap)
        ]
        offers += own
        if not own:
            full.append(technician)
    offers.sort(key=lambda o: (-o.grade, o.start, o.technician))
    return offers[:limit], full


def fits(slotting: Slotting, day: WorkDay, start: datetime) -> bool:
    """Whether the visit can start at `start` on `day`, travel included, inside the window."""
    return any(
        earliest <= start <= latest
        for earliest, latest in (_bounds(slotting, gap) for gap in day.gaps())
    )


def _bounds(s: Slotting, gap: Gap) -> tuple[datetime, datetime]:
    going, back = _span(s.travel[gap.origin][s.at]), _span(_leg(s, s.at, gap.then))
    order = s.order
    earliest = max(gap.after + going, s.now)
    latest = gap.before - back - order.duration
    if order.window:
        earliest = max(earliest, order.window.start)
        latest = min(latest, order.window.end)
    return earliest, latest


def _in_gap(s: Slotting, technician: str, gap: Gap) -> list[SlotOffer]:
    earliest, latest = _bounds(s, gap)
    start = _quarter(earliest)
    detour = _span(
        s.travel[gap.origin][s.at] + _leg(s, s.at, gap.then) - _leg(s, gap.origin, gap.then)
    )
    offers: list[SlotOffer] = []
    while start <= latest and len(offers) < PER_GAP:
        offers.append(_offer(s, technician, start, detour))
        start += max(s.arrival_window, QUARTER)
    return offers


def _offer(s: Slotting, technician: str, start: datetime, detour: timedelta) -> SlotOffer:
    order, end = s.order, start + s.order.duration
    late_arrival = order.respond_by is not None and start > order.respond_by
    late_finish = order.due_by is not None and end > order.due_by
    grade = (
        100
        - PER_DRIVING_MINUTE * detour.total_seconds() / 60
        - PER_HOUR_AWAY * (start - s.now).total_seconds() / 3600
        - LATE_ARRIVAL * late_arrival
        - LATE_FINISH * late_finish
    )
    within = not (late_arrival or late_finish)
    arrival = arrival_window(start, s.arrival_window)
    return SlotOffer(
        technician, arrival, start, end, detour, max(0, min(100, round(grade))), within
    )


def arrival_window(start: datetime, length: timedelta) -> TimeWindow:
    """What the customer is told: from the quarter hour at or before the planned start."""
    opens = start - (start - start.replace(minute=0, second=0, microsecond=0)) % QUARTER
    return TimeWindow(opens, opens + max(length, QUARTER))


def _leg(s: Slotting, origin: int, then: int | None) -> int:
    return 0 if then is None else s.travel[origin][then]


def _span(seconds: int) -> timedelta:
    return timedelta(seconds=seconds)


def _quarter(at: datetime) -> datetime:
    past = (at - at.replace(minute=0, second=0, microsecond=0)) % QUARTER
    return at if not past else at + (QUARTER - past)
