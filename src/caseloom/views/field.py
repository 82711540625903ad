"""Work orders, their visits, and technicians' schedules."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from caseloom.adapters.db.tables import appointments, technicians, work_orders
from caseloom.domain.case import case_number, case_ref
from caseloom.domain.errors import NotFound
from caseloom.domain.field.work_order import LIVE, work_order_number, work_order_ref
from caseloom.views.models import AppointmentView, ScheduleView, WorkOrderView
from caseloom.views.store import ReadStore

_LIVE = [s.value for s in LIVE]
LIMIT = 200


def get_work_order(store: ReadStore, ref: str) -> WorkOrderView:
    with store.read() as conn:
        found = _orders(conn, work_orders.c.id == work_order_number(ref))
    if not found:
        raise NotFound(f"no work order {ref}")
    return found[0]


def list_work_orders(
    store: ReadStore,
    *,
    team: str | None = None,
    status: str | None = None,
    case: str | None = None,
    limit: int = LIMIT,
) -> list[WorkOrderView]:
    where = [work_orders.c.id > 0]
    if team:
        where.append(work_orders.c.team == team)
    if status:
        where.append(work_orders.c.status == status)
    if case:
        where.append(work_orders.c.case_id == case_number(case))
    with store.read() as conn:
        return _orders(conn, *where, limit=limit)


def schedule(store: ReadStore, technician: str, start: datetime, end: datetime) -> ScheduleView:
    """The technician's live visits starting in [start, end), in order."""
    query = (
        select(appointments, work_orders.c.case_id, work_orders.c.place)
        .join(work_orders, work_orders.c.id == appointments.c.work_order_id)
        .where(
            appointments.c.technician_id == technician,
            appointments.c.status.in_(_LIVE),
            appointments.c.starts_at >= start,
            appointments.c.starts_at < end,
        )
        .order_by(appointments.c.starts_at)
    )
    with store.read() as conn:
        if (
            conn.execute(select(technicians.c.id).where(technicians.c.id == technician)).first()
            is None
        ):
            raise NotFound(f"no technician {technician!r}")
        rows = conn.execute(query).all()
    visits = [_appointment(r, case_ref(r.case_id), r.place) for r in rows]
    return ScheduleView(technician=technician, start=start, end=end, visits=visits)


def _orders(conn: Connection, *where: Any, limit: int = LIMIT) -> list[WorkOrderView]:
    rows = conn.execute(
        select(work_orders).where(*where).order_by(work_orders.c.id.desc()).limit(limit)
    ).all()
    visits: dict[int, list[Row[Any]]] = {}
    if rows:
        query = select(appointments).where(appointments.c.work_order_id.in_([r.id for r in rows]))
        for row in conn.execute(query.order_by(appointments.c.id)):
            visits.setdefault(row.work_order_id, []).append(row)
    return [_order(r, visits.get(r.id, [])) for r in rows]


def _order(row: Row[Any], visits: list[Row[Any]]) -> WorkOrderView:
    ref = case_ref(row.case_id)
    return WorkOrderView(
        ref=row.ref,
        case=ref,
        team=row.team,
        status=row.status,
        requirements=row.requirements,
        duration_minutes=row.duration_s // 60,
        place=row.place,
        latitude=row.latitude,
        longitude=row.longitude,
        window_start=row.window_start,
        window_end=row.window_end,
        priority=row.priority,
        respond_by=row.respond_by,
        due_by=row.due_by,
        context=row.context,
        created_at=row.created_at,
        appointments=[_appointment(v, ref, row.place, row.id) for v in visits],
    )


def _appointment(
    row: Row[Any], case: str, place: str, number: int | None = None
) -> AppointmentView:
    return AppointmentView(
        id=row.id,
        work_order=work_order_ref(number or row.work_order_id),
        case=case,
        technician=row.technician_id,
        status=row.status,
        arrival_start=row.arrival_start,
        arrival_end=row.arrival_end,
        start=row.starts_at,
        end=row.ends_at,
        note=row.note,
        place=place,
    )
