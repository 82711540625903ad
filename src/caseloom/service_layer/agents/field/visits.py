"""A visit's progress as the technician reports it, and changes to the work order; the case
follows each step in the same transaction: on site, resolved when the work is done, back with
the field team when it could not be. A case resolved otherwise calls its visit off."""

from __future__ import annotations

from caseloom.domain.case import Attribution, Case, CaseStatus
from caseloom.domain.case.lifecycle import IN_THE_FIELD
from caseloom.domain.commands import ChangeWorkOrder, MoveVisit
from caseloom.domain.errors import InvalidInput
from caseloom.domain.events import ResolvedInTheField
from caseloom.domain.field.geo import Point
from caseloom.domain.field.work_order import AppointmentStatus, TimeWindow, WorkOrderStatus
from caseloom.domain.policy import Policy
from caseloom.service_layer.agents.field.booking import AGENT
from caseloom.service_layer.ports import Clock, UnitOfWork

A = AppointmentStatus
_UNBOOKED = (A.CANNOT_COMPLETE, A.CANCELLED)


def move_visit(cmd: MoveVisit, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    try:
        to = AppointmentStatus(cmd.status)
    except ValueError:
        known = ", ".join(s.value for s in AppointmentStatus)
        raise InvalidInput(f"{cmd.status!r} is not a visit status; statuses: {known}") from None
    with uow:
        order = uow.work_orders.get(cmd.work_order)
        by = Attribution(cmd.actor, clock.now(), policy.version)
        visit = order.move(to, cmd.note, by.at)
        case = uow.cases.get(order.case_ref)
        if case.status in IN_THE_FIELD:
            reason = f"{visit.technician}: {to.value.replace('_', ' ')}" + (
                f" ({cmd.note})" if cmd.note else ""
            )
            decision = {"work_order": order.ref, **visit.describe()}
            _follow(case, to, technician=visit.technician, reason=reason, decision=decision, by=by)
        uow.commit()


def call_off_visit(
    event: ResolvedInTheField, uow: UnitOfWork, *, policy: Policy, clock: Clock
) -> None:
    """The case was resolved before its visit was done (fixed over the phone, or by the
    customer): its work order is cancelled, with a visit not yet dispatched, so nobody drives
    out and the technician's time is free. A visit already under way is left to the
    technician, and the journey says so."""
    with uow:
        order = uow.work_orders.for_case(event.ref)
        if order is None or order.status not in (WorkOrderStatus.OPEN, WorkOrderStatus.SCHEDULED):
            return  # done, or cancelled already
        case = uow.cases.get(event.ref)
        by = Attribution(AGENT, clock.now(), policy.version)
        live = order.appointment
        if live is not None and live.status is not A.SCHEDULED:
            reason = f"the case was resolved; {live.technician}'s visit is {live.status}: "
            reason += "left to the technician"
            decision: dict[str, object] = {"work_order": order.ref, "kept": live.describe()}
        else:
            called_off = order.cancel("the case was resolved", by.at)
            reason = f"{order.ref} cancelled: the case was resolved"
            if called_off is not None:
                reason += f"; {called_off.technician}'s visit is called off"
            decision = {
                "work_order": order.ref,
                "cancelled": called_off.describe() if called_off else None,
            }
        case.note("field", reason, by, inputs={"work_order": order.ref}, decision=decision)
        uow.commit()


def _follow(
    case: Case,
    to: AppointmentStatus,
    *,
    technician: str,
    reason: str,
    decision: dict[str, object],
    by: Attribution,
) -> None:
    if to is A.COMPLETED:
        case.resolve(reason, by)
    elif to is A.ON_SITE:
        case.follow_visit(
            CaseStatus.ON_SITE, technician, step="field", decision=decision, reason=reason, by=by
        )
    elif to in _UNBOOKED:
        case.follow_visit(
            CaseStatus.HANDED_OFF, None, step="field", decision=decision, reason=reason, by=by
        )
    else:
        case.note("field", reason, by, inputs={}, decision=decision)


def change_work_order(
    cmd: ChangeWorkOrder, uow: UnitOfWork, *, policy: Policy, clock: Clock
) -> None:
    with uow:
        order = uow.work_orders.get(cmd.work_order)
        now = clock.now()
        before = order.describe()
        if cmd.window or cmd.clear_window:
            order.set_window(TimeWindow(*cmd.window) if cmd.window else None, now)
        if cmd.location:
            order.set_location(Point(*cmd.location), cmd.place, now)
        window = order.window
        uow.cases.get(order.case_ref).note(
            "field",
            f"work order {order.ref} changed by {cmd.actor}",
            Attribution(cmd.actor, now, policy.version),
            inputs={"before": before},
            decision={
                "place": order.place,
                "window": [window.start.isoformat(), window.end.isoformat()] if window else None,
            },
        )
        uow.commit()
