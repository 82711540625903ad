"""Work orders and their appointments, with explicit row mapping and optimistic concurrency."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, Row, insert, select, update

from caseloom.adapters.db.counters import next_value
from caseloom.adapters.db.membership import among
from caseloom.adapters.db.tables import appointments, work_orders
from caseloom.adapters.db.versioned import store_versioned
from caseloom.domain.case import case_number, case_ref
from caseloom.domain.errors import NotFound
from caseloom.domain.field.geo import Point
from caseloom.domain.field.work_order import (
    LIVE,
    AppointmentStatus,
    Requirements,
    ServiceAppointment,
    TimeWindow,
    WorkOrder,
    WorkOrderStatus,
    work_order_number,
)

_LIVE = [s.value for s in LIVE]


class SqlWorkOrderRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tracked: dict[int, WorkOrder] = {}
        self._stored: dict[int, object] = {}  # what was read or last written, to skip no-ops

    @property
    def seen(self) -> list[WorkOrder]:
        return list(self._tracked.values())

    @property
    def unwritten(self) -> bool:
        return any(self._stored.get(n) != _snapshot(o) for n, o in self._tracked.items())

    def next_number(self) -> int:
        return next_value(self._conn, "work_order")

    def add(self, order: WorkOrder) -> None:
        self._tracked[order.number] = order

    def get(self, ref: str) -> WorkOrder:
        number = work_order_number(ref)
        if number not in self._tracked:
            found = self._load(work_orders.c.id == number)
            if not found:
                raise NotFound(f"no work order {ref}")
        return self._tracked[number]

    def for_case(self, ref: str) -> WorkOrder | None:
        """The case's latest work order, if it has one."""
        found = self._load(work_orders.c.case_id == case_number(ref), latest=True)
        return found[0] if found else None

    def unfinished(self, team: str) -> list[WorkOrder]:
        """The team's open and scheduled work orders, oldest first."""
        statuses = [WorkOrderStatus.OPEN.value, WorkOrderStatus.SCHEDULED.value]
        return self._load(
            (work_orders.c.team == team) & among(self._conn, work_orders.c.status, statuses)
        )

    def booked_with(
        self, technicians: Sequence[str], start: datetime, end: datetime
    ) -> list[WorkOrder]:
        """Work orders with a live visit of one of `technicians` starting in [start, end)."""
        if not technicians:
            return []
        numbers = select(appointments.c.work_order_id).where(
            among(self._conn, appointments.c.technician_id, list(technicians)),
            among(self._conn, appointments.c.status, _LIVE),
            appointments.c.starts_at >= start,
            appointments.c.starts_at < end,
        )
        return self._load(work_orders.c.id.in_(numbers))

    def _load(self, where: Any, latest: bool = False) -> list[WorkOrder]:
        query = select(work_orders).where(where).order_by(work_orders.c.id)
        if latest:
            query = select(work_orders).where(where).order_by(work_orders.c.id.desc()).limit(1)
        rows = self._conn.execute(query).all()
        fresh = [r for r in rows if r.id not in self._tracked]
        visits: dict[int, list[ServiceAppointment]] = {}
        if fresh:
            query = select(appointments).where(
                among(self._conn, appointments.c.work_order_id, [r.id for r in fresh])
            )
            for row in self._conn.execute(query.order_by(appointments.c.id)):
                visits.setdefault(row.work_order_id, []).append(_appointment(row))
        for row in fresh:
            order = self._tracked[row.id] = _work_order(row, visits.get(row.id, []))
            self._stored[row.id] = _snapshot(order)
        return [self._tracked[r.id] for r in rows]

    def flush(self) -> None:
        for order in self._tracked.values():
            if self._stored.get(order.number) == _snapshot(order):
                continue
            order.version = store_versioned(
                self._conn,
                work_orders,
                order.number,
                order.version,
                values=_row(order),
                what=f"work order {order.ref}",
            )
            for appointment in order.appointments:
                self._store(order.number, appointment)
            self._stored[order.number] = _snapshot(order)

    def _store(self, number: int, appointment: ServiceAppointment) -> None:
        values = _appointment_row(number, appointment)
        if appointment.id == 0:
            appointment.id = int(
                self._conn.execute(
                    insert(appointments).values(values).returning(appointments.c.id)
                ).scalar_one()
            )
        else:
            self._conn.execute(
                update(appointments).where(appointments.c.id == appointment.id).values(values)
            )


def _snapshot(order: WorkOrder) -> object:
    return (_row(order), [_appointment_row(order.number, a) for a in order.appointments])


def _row(order: WorkOrder) -> dict[str, Any]:
    window, location = order.window, order.location
    return {
        "id": order.number,
        "ref": order.ref,
        "case_id": case_number(order.case_ref),
        "team": order.team,
        "status": order.status.value,
        "requirements": order.requirements.describe(),
        "duration_s": int(order.duration.total_seconds()),
        "latitude": location.latitude if location else None,
        "longitude": location.longitude if location else None,
        "place": order.place,
        "window_start": window.start if window else None,
        "window_end": window.end if window else None,
        "priority": order.priority,
        "respond_by": order.respond_by,
        "due_by": order.due_by,
        "context": dict(order.context),
        "created_at": order.created_at,
        "updated_at": order.updated_at or order.created_at,
    }


def _work_order(row: Row[Any], visits: list[ServiceAppointment]) -> WorkOrder:
    needs = row.requirements
    return WorkOrder(
        number=row.id,
        case_ref=case_ref(row.case_id),
        team=row.team,
        requirements=Requirements(
            dict(needs["skills"]), tuple(needs["certifications"]), tuple(needs["equipment"])
        ),
        duration=timedelta(seconds=row.duration_s),
        location=None if row.latitude is None else Point(row.latitude, row.longitude),
        priority=row.priority,
        created_at=row.created_at,
        respond_by=row.respond_by,
        due_by=row.due_by,
        window=TimeWindow(row.window_start, row.window_end) if row.window_start else None,
        place=row.place,
        context=dict(row.context),
        status=WorkOrderStatus(row.status),
        appointments=visits,
        updated_at=row.updated_at,
        version=row.version,
    )


def _appointment_row(number: int, a: ServiceAppointment) -> dict[str, Any]:
    return {
        "work_order_id": number,
        "technician_id": a.technician,
        "status": a.status.value,
        "arrival_start": a.arrival.start,
        "arrival_end": a.arrival.end,
        "starts_at": a.start,
        "ends_at": a.end,
        "note": a.note,
        "updated_at": a.updated_at,
    }


def _appointment(row: Row[Any]) -> ServiceAppointment:
    return ServiceAppointment(
        row.id,
        row.technician_id,
        TimeWindow(row.arrival_start, row.arrival_end),
        row.starts_at,
        row.ends_at,
        AppointmentStatus(row.status),
        row.note,
        row.updated_at,
    )
