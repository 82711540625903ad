"""The Field agent books a visit as soon as a work order needs one: at the handoff, or when
the last visit could not complete (if the policy's `field.appointments.auto_book` says so).

In order: an emergency (priority at or above `field.optimise.emergency_priority`) has the
optimiser re-plan the team around it; otherwise the best offer, if it keeps the field SLA;
otherwise the optimiser, if moving visits not yet dispatched lets it keep the SLA; otherwise
the best offer all the same (an emergency the optimiser had no room for too). With no offer
at all, the journey says why nobody fits.
"""

from __future__ import annotations

from caseloom.domain.case import Attribution
from caseloom.domain.events import CaseHandedOff, VisitMoved
from caseloom.domain.field.work_order import AppointmentStatus, WorkOrder, WorkOrderStatus
from caseloom.domain.policy import Policy
from caseloom.service_layer.agents.field.booking import AGENT, Offering, book, offering
from caseloom.service_layer.agents.field.optimising import Optimised, Planner
from caseloom.service_layer.ports import Clock, DispatchSolver, TravelTimes, UnitOfWork

NEEDS_A_VISIT = frozenset({AppointmentStatus.CANNOT_COMPLETE, AppointmentStatus.CANCELLED})


def schedule_visit(
    event: CaseHandedOff | VisitMoved,
    uow: UnitOfWork,
    *,
    policy: Policy,
    clock: Clock,
    travel: TravelTimes,
    solver: DispatchSolver,
) -> None:
    if not policy.field_service.auto_book:
        return
    if isinstance(event, VisitMoved) and event.status not in NEEDS_A_VISIT:
        return
    now = clock.now()
    with uow:
        order = uow.work_orders.get(event.work_order)
        if order.status is not WorkOrderStatus.OPEN:
            return  # booked meanwhile
        emergency = order.priority <= policy.field_service.emergency_priority
        found = None if emergency else offering(order, uow, policy, travel, now=now)
        if found is None or not (found.offers and found.offers[0].within_sla):
            why = f"emergency {order.ref}" if emergency else f"to keep {order.ref}'s field SLA"
            planner = Planner(policy, travel, solver, AGENT, why=why)
            replan = planner.plan(uow, order.team, now, policy.field_service.horizon, dry_run=True)
            if _takes(replan, order, keep_sla=not emergency):
                planner.apply(uow, replan, now)
                uow.commit()
                return
        found = found or offering(order, uow, policy, travel, now=now)
        _book_best(order, found, uow, Attribution(AGENT, now, policy.version))
        uow.commit()


def _takes(plan: Optimised, order: WorkOrder, *, keep_sla: bool) -> bool:
    """Whether the plan has a visit for `order` (inside its field SLA, if `keep_sla`)."""
    visit = next((p for p in plan.dispatch.proposals if p.work_order == order.ref), None)
    return visit is not None and not (
        keep_sla
        and (
            (order.respond_by is not None and visit.start > order.respond_by)
            or (order.due_by is not None and visit.end > order.due_by)
        )
    )


def _book_best(order: WorkOrder, found: Offering, uow: UnitOfWork, by: Attribution) -> None:
    case = uow.cases.get(order.case_ref)
    if not found.offers:
        nobody = "; ".join(f"{e.technician}: {e.reason}" for e in found.excluded)
        case.note(
            "dispatch",
            f"nobody can take it: {nobody}",
            by,
            inputs={"work_order": order.ref},
            decision=found.explain(),
        )
        return
    best = found.offers[0]
    kept = "inside" if best.within_sla else "AFTER"
    reason = (
        f"the best of {len(found.offers)} offers (grade {best.grade}): {best.technician}, "
        f"{kept} the field SLA"
    )
    book(order, case, best, by, reason=reason, explanation=found.explain())
