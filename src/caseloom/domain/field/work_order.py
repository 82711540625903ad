"""Work orders and service appointments: the field side of a case.

A work order is made from a case at its handoff and carries what the visit needs; an
appointment is one booked visit of one technician. A work order has at most one live
appointment; a visit that could not complete leaves the work order open for the next one.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from enum import StrEnum

from caseloom.domain import events
from caseloom.domain.errors import IllegalTransition, InvalidInput
from caseloom.domain.field.geo import Point

_REF = re.compile(r"^WO-(\d{1,12})$", re.IGNORECASE)
MAX_DURATION = timedelta(hours=12)


def work_order_ref(number: int) -> str:
    return f"WO-{number:06d}"


def work_order_number(ref: str) -> int:
    match = _REF.match(ref.strip())
    if not match:
        raise InvalidInput(f"{ref!r} is not a work order reference (like WO-000042)")
    return int(match.group(1))


class WorkOrderStatus(StrEnum):
    OPEN = "open"  # needs a visit booked
    SCHEDULED = "scheduled"  # a visit is booked
    COMPLETED = "completed"
    CANCELLED = "cancelled"


class AppointmentStatus(StrEnum):
    SCHEDULED = "scheduled"
    DISPATCHED = "dispatched"  # the technician has it on their day: the optimiser leaves it be
    TRAVELLING = "travelling"
    ON_SITE = "on_site"
    COMPLETED = "completed"
    CANNOT_COMPLETE = "cannot_complete"  # e.g. a part is missing: the work order needs a visit
    CANCELLED = "cancelled"  # rebooked elsewhere, or the work order was cancelled


A = AppointmentStatus
MOVES: Mapping[AppointmentStatus, frozenset[AppointmentStatus]] = {
    A.SCHEDULED: frozenset({A.DISPATCHED, A.CANCELLED}),
    A.DISPATCHED: frozenset({A.SCHEDULED, A.TRAVELLING, A.ON_SITE, A.CANCELLED}),
    A.TRAVELLING: frozenset({A.ON_SITE, A.CANNOT_COMPLETE}),
    A.ON_SITE: frozenset({A.COMPLETED, A.CANNOT_COMPLETE}),
    A.COMPLETED: frozenset(),
    A.CANNOT_COMPLETE: frozenset(),
    A.CANCELLED: frozenset(),
}
LIVE = frozenset({A.SCHEDULED, A.DISPATCHED, A.TRAVELLING, A.ON_SITE})
PINNED = frozenset({A.DISPATCHED, A.TRAVELLING, A.ON_SITE})  # the optimiser keeps these


@dataclass(frozen=True, slots=True)
class Requirements:
    """What the technician must bring: skill levels, certifications valid on the visit date,
    equipment carried."""

    skills: Mapping[str, int] = field(default_factory=dict)
    certifications: tuple[str, ...] = ()
    equipment: tuple[str, ...] = ()

    def describe(self) -> dict[str, object]:
        return {
            "skills": dict(self.skills),
            "certifications": list(self.certifications),
            "equipment": list(self.equipment),
        }


@dataclass(frozen=True, slots=True)
class TimeWindow:
    """When the customer can have someone on site."""

    start: datetime
    end: datetime

    def __post_init__(self) -> None:
        if self.end <= self.start:
            raise InvalidInput(f"a time window must end after it starts ({self.start}, {self.end})")


@dataclass
class ServiceAppointment:
    id: int  # 0 until stored
    technician: str
    arrival: TimeWindow  # what the customer was promised
    start: datetime  # the planned start of the work
    end: datetime
    status: AppointmentStatus = AppointmentStatus.SCHEDULED
    note: str = ""
    updated_at: datetime | None = None

    @property
    def day(self) -> date:
        return self.start.date()

    @property
    def live(self) -> bool:
        return self.status in LIVE

    def describe(self) -> dict[str, object]:
        return {
            "technician": self.technician,
            "status": self.status,
            "arrival": [self.arrival.start.isoformat(), self.arrival.end.isoformat()],
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
        }


@dataclass(eq=False)
class WorkOrder:
    number: int
    case_ref: str
    team: str
    requirements: Requirements
    duration: timedelta
    location: Point | None
    priority: int  # the case's, 1 is the most urgent
    created_at: datetime
    respond_by: datetime | None = None  # the field SLA: someone on site by then
    due_by: datetime | None = None  # the field SLA: work done by then
    window: TimeWindow | None = None  # the customer's
    place: str = ""  # what a person calls the place, e.g. "Bradford, GB"
    context: Mapping[str, object] = field(default_factory=dict)  # the case, as handed over
    status: WorkOrderStatus = WorkOrderStatus.OPEN
    appointments: list[ServiceAppointment] = field(default_factory=list)
    updated_at: datetime | None = None
    version: int = 0
    events: list[events.Event] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        if not timedelta(0) < self.duration <= MAX_DURATION:
            raise InvalidInput(
                f"work order {self.ref}: a visit lasts more than 0 and at most "
                f"{MAX_DURATION}, not {self.duration}"
            )

    @property
    def ref(self) -> str:
        return work_order_ref(self.number)

    @property
    def appointment(self) -> ServiceAppointment | None:
        """The live appointment, if any."""
        return next((a for a in self.appointments if a.live), None)

    @property
    def pinned(self) -> bool:
        live = self.appointment
        return live is not None and live.status in PINNED

    def book(self, appointment: ServiceAppointment, now: datetime) -> ServiceAppointment | None:
        """Book a visit; a live one not yet dispatched is replaced (rescheduled). Returns the
        appointment it replaced."""
        self.check_bookable()
        before = self.appointment
        if before is not None:
            before.status, before.updated_at = AppointmentStatus.CANCELLED, now
        appointment.updated_at = now
        self.appointments.append(appointment)
        self.status, self.updated_at = WorkOrderStatus.SCHEDULED, now
        self.events.append(events.VisitBooked(self.ref, self.case_ref, appointment.technician))
        return before

    def check_bookable(self) -> None:
        """Refuse a booking: the work order is finished, or its visit is under way."""
        self._check_not_under_way("rebooked")

    def _check_not_under_way(self, what: str) -> None:
        self._check_open_for_booking()
        live = self.appointment
        if live is not None and live.status is not AppointmentStatus.SCHEDULED:
            raise IllegalTransition(
                f"work order {self.ref}: the visit by {live.technician} is {live.status};"
                f" only a visit not yet dispatched can be {what}"
            )

    def move(self, to: AppointmentStatus, note: str, now: datetime) -> ServiceAppointment:
        """The live visit moves on: dispatched, travelling, on site, completed or not."""
        live = self.appointment
        if live is None:
            raise IllegalTransition(f"work order {self.ref} has no visit booked")
        if to not in MOVES[live.status]:
            allowed = ", ".join(sorted(MOVES[live.status])) or "nothing"
            raise IllegalTransition(
                f"the visit for {self.ref} is {live.status}; it can go to: {allowed}"
            )
        live.status, live.updated_at, live.note = to, now, note or live.note
        self.updated_at = now
        if to is AppointmentStatus.COMPLETED:
            self.status = WorkOrderStatus.COMPLETED
        elif to in (AppointmentStatus.CANNOT_COMPLETE, AppointmentStatus.CANCELLED):
            self.status = WorkOrderStatus.OPEN
        self.events.append(events.VisitMoved(self.ref, self.case_ref, str(to)))
        return live

    def cancel(self, note: str, now: datetime) -> ServiceAppointment | None:
        """No visit is wanted any more (its case was resolved): the work order is cancelled,
        with its visit if one is booked and not yet dispatched. Returns that visit."""
        self._check_not_under_way("called off")
        live = self.appointment
        if live is not None:
            live.status, live.updated_at, live.note = AppointmentStatus.CANCELLED, now, note
        self.status, self.updated_at = WorkOrderStatus.CANCELLED, now
        return live

    def set_window(self, window: TimeWindow | None, now: datetime) -> None:
        self._check_open_for_booking()
        self.window, self.updated_at = window, now

    def set_location(self, location: Point, place: str, now: datetime) -> None:
        self._check_open_for_booking()
        self.location, self.place, self.updated_at = location, place or self.place, now

    def _check_open_for_booking(self) -> None:
        if self.status in (WorkOrderStatus.COMPLETED, WorkOrderStatus.CANCELLED):
            raise IllegalTransition(f"work order {self.ref} is {self.status}")

    def describe(self) -> dict[str, object]:
        """The work order for the case's journey."""
        return {
            "work_order": self.ref,
            "team": self.team,
            "requirements": self.requirements.describe(),
            "duration_minutes": int(self.duration.total_seconds() // 60),
            "place": self.place,
            "priority": self.priority,
            "respond_by": self.respond_by.isoformat() if self.respond_by else None,
            "due_by": self.due_by.isoformat() if self.due_by else None,
        }
