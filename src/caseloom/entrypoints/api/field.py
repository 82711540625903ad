"""Field service: handing a case off, work orders, visit offers and bookings, the visit's
progress, technicians' schedules, and batch dispatch (with a dry run)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Protocol, cast

from fastapi import APIRouter, Depends, Query

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.errors import InvalidInput
from caseloom.entrypoints.api.deps import running
from caseloom.entrypoints.api.schemas import (
    BookIn,
    HandOffIn,
    OptimiseIn,
    VisitStatusIn,
    WorkOrderChangeIn,
)
from caseloom.views import field as views
from caseloom.views.models import (
    DispatchPlanView,
    OfferingView,
    ScheduleView,
    WorkOrderView,
)

router = APIRouter(tags=["field service"])
App = Annotated[Caseloom, Depends(running)]
SCHEDULE_DAYS = 14  # the longest schedule one request returns


class _Explains(Protocol):
    def explain(self) -> dict[str, object]: ...


@router.post("/cases/{ref}/handoff", response_model=WorkOrderView, status_code=201)
def hand_off(ref: str, body: HandOffIn, caseloom: App) -> WorkOrderView:
    """Hand the case to field service now. A handoff rule out of its team must hold (422
    naming the rules tried otherwise); the new work order is returned."""
    order = caseloom.bus.handle(commands.HandOffCase(ref, body.actor, body.reason))
    return views.get_work_order(caseloom.store, str(order))


@router.get("/work-orders", response_model=list[WorkOrderView])
def list_work_orders(
    caseloom: App,
    team: str | None = None,
    status: str | None = None,
    case: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[WorkOrderView]:
    """Work orders, newest first, with their visits."""
    return views.list_work_orders(caseloom.store, team=team, status=status, case=case, limit=limit)


@router.get("/work-orders/{ref}", response_model=WorkOrderView)
def get_work_order(ref: str, caseloom: App) -> WorkOrderView:
    return views.get_work_order(caseloom.store, ref)


@router.patch("/work-orders/{ref}", response_model=WorkOrderView)
def change_work_order(ref: str, body: WorkOrderChangeIn, caseloom: App) -> WorkOrderView:
    """Set the customer's time window (or clear it) or the place of the visit."""
    where = body.location
    point = None
    if where and where.latitude is not None and where.longitude is not None:
        point = (where.latitude, where.longitude)
    elif where:
        raise InvalidInput("a visit's location needs its latitude and longitude")
    caseloom.bus.handle(
        commands.ChangeWorkOrder(
            ref,
            body.actor,
            window=(body.window.start, body.window.end) if body.window else None,
            location=point,
            place=f"{where.city}, {where.country}" if where else "",
            clear_window=body.clear_window,
        )
    )
    return views.get_work_order(caseloom.store, ref)


@router.get("/work-orders/{ref}/offers", response_model=OfferingView)
def offers(
    ref: str, caseloom: App, limit: Annotated[int | None, Query(ge=1, le=50)] = None
) -> OfferingView:
    """Graded slot offers (best first), and every technician who cannot take it, with why."""
    found = cast("_Explains", caseloom.bus.handle(commands.OfferVisits(ref, limit)))
    return OfferingView.model_validate(found.explain())


@router.post("/work-orders/{ref}/appointment", response_model=WorkOrderView)
def book(ref: str, body: BookIn, caseloom: App) -> WorkOrderView:
    """Book or reschedule the visit: the technician must match on that day and have room for
    it, travel included (409 with the reason otherwise). A dispatched visit stays put."""
    caseloom.bus.handle(
        commands.BookVisit(ref, body.technician, body.start, body.actor, body.reason)
    )
    return views.get_work_order(caseloom.store, ref)


@router.post("/work-orders/{ref}/appointment/status", response_model=WorkOrderView)
def visit_status(ref: str, body: VisitStatusIn, caseloom: App) -> WorkOrderView:
    """The visit moves on. Completed resolves the case; cannot_complete hands it back to the
    field team for another visit."""
    caseloom.bus.handle(commands.MoveVisit(ref, body.status, body.actor, body.note))
    return views.get_work_order(caseloom.store, ref)


@router.get("/technicians/{technician_id}/schedule", response_model=ScheduleView)
def schedule(
    technician_id: str,
    caseloom: App,
    start: datetime | None = None,
    days: Annotated[int, Query(ge=1, le=SCHEDULE_DAYS)] = 2,
) -> ScheduleView:
    """The technician's booked visits from `start` (default: now) for `days` days."""
    begin = start or caseloom.clock.now()
    return views.schedule(caseloom.store, technician_id, begin, begin + timedelta(days=days))


@router.post("/dispatch/optimise", response_model=DispatchPlanView)
def optimise(body: OptimiseIn, caseloom: App) -> DispatchPlanView:
    """Plan every open and scheduled work order of a field team over the horizon with the
    routing solver; dispatched visits stay pinned. With `dry_run` (the default) nothing is
    booked; otherwise each changed visit is booked and lands on its case's journey."""
    horizon = timedelta(hours=body.horizon_hours) if body.horizon_hours else None
    plan = cast(
        "_Explains",
        caseloom.bus.handle(
            commands.OptimiseDispatch(body.team, body.actor, body.dry_run, horizon)
        ),
    )
    return DispatchPlanView.model_validate(plan.explain())
