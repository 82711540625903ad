"""What booking and optimising both read: the team's technicians, their working days over a
horizon, who matches each work order on each day, and the travel between all the places."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from caseloom.domain.field.days import Busy, WorkDay
from caseloom.domain.field.geo import Point, TravelMatrix
from caseloom.domain.field.matching import FieldMatch, match
from caseloom.domain.field.work_order import WorkOrder
from caseloom.domain.policy import Policy
from caseloom.domain.sla import BusinessCalendar
from caseloom.domain.workforce import Technician
from caseloom.service_layer.ports import TravelTimes, UnitOfWork

METRES_PER_KM = 1000


@dataclass(frozen=True, slots=True)
class Roster:
    """The team's technicians over a horizon and every place that matters, with travel."""

    technicians: tuple[Technician, ...]
    days: tuple[WorkDay, ...]
    points: tuple[Point, ...]  # index = place in the matrix
    orders: dict[str, int]  # work order ref -> place
    travel: TravelMatrix
    now: datetime

    def distance_km(self, technician: str, order: str) -> float | None:
        home = next((d.home for d in self.days if d.technician == technician), None)
        place = self.orders.get(order)
        if home is None or home < 0 or place is None:
            return None
        return self.travel.distances[home][place] / METRES_PER_KM

    def matching(self, order: WorkOrder, day: date) -> FieldMatch:
        working = {d.technician for d in self.days if d.day == day and d.hours}
        return match(
            order,
            self.technicians,
            day,
            today=self.now.date(),
            working={t.id: t.id in working for t in self.technicians},
            distance_km={t.id: self.distance_km(t.id, order.ref) for t in self.technicians},
        )

    def day_at(self, technician: str, at: datetime) -> WorkDay | None:
        """The technician's working day whose hours hold `at`."""
        return next(
            (
                d
                for d in self.days
                if d.technician == technician and d.hours and d.hours[0][0] <= at < d.hours[-1][1]
            ),
            None,
        )


def roster(
    uow: UnitOfWork,
    orders: WorkOrder | Sequence[WorkOrder],
    policy: Policy,
    travel: TravelTimes,
    *,
    now: datetime,
    horizon: timedelta,
    team: str | None = None,
) -> Roster:
    """Read the team (the orders' own, unless named) and its booked visits over
    [now, now + horizon], and ask the travel port once for every place: home bases, the
    orders, and the places already booked."""
    orders = [orders] if isinstance(orders, WorkOrder) else list(orders)
    team = team or (orders[0].team if orders else "")
    technicians = tuple(uow.technicians.in_team(team))
    planned = {o.ref for o in orders}  # their own visits are what is being (re)planned
    booked = [
        o
        for o in uow.work_orders.booked_with([t.id for t in technicians], now, now + horizon)
        if o.ref not in planned
    ]
    points: list[Point] = []
    index: dict[Point, int] = {}

    def place(point: Point | None) -> int:
        if point is None:
            return -1
        if point not in index:
            index[point] = len(points)
            points.append(point)
        return index[point]

    homes = {t.id: place(_home(t)) for t in technicians}
    places = {o.ref: place(o.location) for o in [*orders, *booked] if o.location}
    days = tuple(
        WorkDay(t.id, day, hours, homes[t.id], _busy(t.id, hours, booked, places))
        for t in technicians
        for day, hours in _working_days(_calendar(t, policy), now, horizon)
    )
    matrix = _in_minutes(travel.matrix(points)) if points else TravelMatrix((), ())
    return Roster(technicians, days, tuple(points), places, matrix, now)


def _in_minutes(matrix: TravelMatrix) -> TravelMatrix:
    """Drives rounded up to whole minutes: plans from a whole minute then start on one."""
    durations = [[-(-seconds // 60) * 60 for seconds in row] for row in matrix.durations]
    return TravelMatrix(durations, matrix.distances)


def _home(technician: Technician) -> Point | None:
    home = technician.home_base
    if home is None or home.latitude is None or home.longitude is None:
        return None
    return Point(home.latitude, home.longitude)


def _calendar(technician: Technician, policy: Policy) -> BusinessCalendar:
    team = policy.teams.get(technician.team)
    return policy.calendar(technician.calendar or (team.calendar if team else "always"))


def _working_days(
    calendar: BusinessCalendar, now: datetime, horizon: timedelta
) -> list[tuple[date, tuple[tuple[datetime, datetime], ...]]]:
    """Each local day that overlaps the horizon, with its open hours from now on."""
    zone = ZoneInfo(calendar.timezone)
    first, last = now.astimezone(zone).date(), (now + horizon).astimezone(zone).date()
    days = []
    for offset in range((last - first).days + 1):
        day = first + timedelta(days=offset)
        if calendar.always_open:
            midnight = datetime.combine(day, time(), tzinfo=zone).astimezone(UTC)
            hours = [(midnight, midnight + timedelta(days=1))]
        else:
            hours = calendar.open_intervals(day)
        kept = tuple((max(a, now), b) for a, b in hours if b > now)
        days.append((day, kept))
    return days


def _busy(
    technician: str,
    hours: tuple[tuple[datetime, datetime], ...],
    booked: Sequence[WorkOrder],
    places: dict[str, int],
) -> tuple[Busy, ...]:
    """The technician's live visits that start inside the day's hours."""
    busy = []
    for order in booked:
        visit = order.appointment
        if (
            visit
            and visit.technician == technician
            and any(opens <= visit.start < closes for opens, closes in hours)
        ):
            busy.append(Busy(order.ref, visit.start, visit.end, places.get(order.ref, -1)))
    return tuple(sorted(busy, key=lambda b: b.start))
