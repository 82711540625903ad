"""Batch dispatch: every open and scheduled work order of a field team planned at once by the
solver, dispatched visits pinned where they are. A dry run shows the plan and changes nothing;
otherwise each changed visit is booked (and each case's journey says so). A work order urgent
enough (`field.optimise.emergency_priority`) re-plans the team as soon as it is handed off."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from caseloom.domain.case import Attribution, CaseStatus
from caseloom.domain.case.lifecycle import IN_THE_FIELD
from caseloom.domain.commands import OptimiseDispatch
from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.planning import Board, Dispatch, Proposal, problem, read
from caseloom.domain.field.slots import SlotOffer, arrival_window
from caseloom.domain.field.work_order import AppointmentStatus, WorkOrder
from caseloom.domain.policy import Policy
from caseloom.domain.workforce import TeamKind
from caseloom.service_layer.agents.field.board import Roster, roster
from caseloom.service_layer.agents.field.booking import book
from caseloom.service_layer.ports import Clock, DispatchSolver, TravelTimes, UnitOfWork


@dataclass(frozen=True, slots=True)
class Optimised:
    team: str
    dry_run: bool
    dispatch: Dispatch
    changed: tuple[str, ...]  # work orders whose visit the plan moves (or books)
    unassigned: dict[str, str]  # work order -> why it is not in the plan

    def explain(self) -> dict[str, object]:
        plan = self.dispatch.plan
        return {
            "team": self.team,
            "dry_run": self.dry_run,
            "solver": plan.solver,
            "seconds": round(plan.seconds, 3),
            "travel_minutes": round(plan.travel / 60),
            "visits": [_proposal(p) for p in self.dispatch.proposals],
            "changed": list(self.changed),
            "unassigned": self.unassigned,
        }


def optimise(
    cmd: OptimiseDispatch,
    uow: UnitOfWork,
    *,
    policy: Policy,
    clock: Clock,
    travel: TravelTimes,
    solver: DispatchSolver,
) -> Optimised:
    team = policy.teams.get(cmd.team)
    if team is None or team.kind is not TeamKind.FIELD:
        fields = ", ".join(n for n, t in policy.teams.items() if t.kind is TeamKind.FIELD)
        raise InvalidInput(f"{cmd.team!r} is not a field team; field teams: {fields or 'none'}")
    with uow:
        planner = Planner(policy, travel, solver, cmd.actor)
        horizon = cmd.horizon or policy.field_service.horizon
        outcome = planner.plan(uow, cmd.team, clock.now(), horizon, dry_run=cmd.dry_run)
        if not cmd.dry_run:
            uow.commit()
        return outcome


@dataclass(frozen=True, slots=True)
class Planner:
    policy: Policy
    travel: TravelTimes
    solver: DispatchSolver
    actor: str
    why: str = ""

    def plan(
        self, uow: UnitOfWork, team: str, now: datetime, horizon: timedelta, *, dry_run: bool
    ) -> Optimised:
        orders = uow.work_orders.unfinished(team)
        origin = _next_minute(now)  # with drives in whole minutes, every visit starts on one
        staff = roster(
            uow, orders, self.policy, self.travel, now=origin, horizon=horizon, team=team
        )
        allowed = _allowed(orders, staff)
        board = Board(origin, orders, staff.days, staff.orders, allowed, staff.travel.durations)
        dispatch = self._solve(board)
        missed = board.bounded(dispatch.plan)
        if missed:  # what cannot keep its SLA is still planned, as early as it fits
            dispatch = self._solve(replace(board, relaxed=missed))
        changed = tuple(p.work_order for p in dispatch.proposals if _moves(p, orders))
        unassigned = {ref: _why_not(ref, orders, staff) for ref in dispatch.unassigned}
        unassigned |= {o.ref: "the work order has no location" for o in orders if not o.location}
        outcome = Optimised(team, dry_run, dispatch, changed, unassigned)
        if not dry_run:
            self.apply(uow, outcome, now)
        return outcome

    def _solve(self, board: Board) -> Dispatch:
        return read(board, self.solver.solve(problem(board), self.policy.field_service.time_limit))

    def apply(self, uow: UnitOfWork, outcome: Optimised, now: datetime) -> None:
        """Book every visit the plan changes, and cancel those it has no room for."""
        by = Attribution(self.actor, now, self.policy.version)
        window = self.policy.field_service.arrival_window
        for proposal in outcome.dispatch.proposals:
            if proposal.work_order in outcome.changed:
                order = uow.work_orders.get(proposal.work_order)
                reason = f"the optimiser {'moved' if order.appointment else 'planned'} it"
                reason += f" ({self.why})" if self.why else ""
                offer = SlotOffer(
                    proposal.technician,
                    arrival_window(proposal.start, window),
                    proposal.start,
                    proposal.end,
                    timedelta(0),
                    0,
                    order.due_by is None or proposal.end <= order.due_by,
                )
                book(order, uow.cases.get(order.case_ref), offer, by, reason=reason)
        for ref, why in outcome.unassigned.items():
            _unbook(uow, uow.work_orders.get(ref), why, by)


def _next_minute(at: datetime) -> datetime:
    whole = at.replace(second=0, microsecond=0)
    return whole if whole == at else whole + timedelta(minutes=1)


def _allowed(orders: list[WorkOrder], staff: Roster) -> dict[str, frozenset[str]]:
    """Per work order, the shifts of the technicians who match it on that shift's day."""
    days = sorted({d.day for d in staff.days})
    shifts = {(d.technician, d.day): d.shift for d in staff.days}
    return {
        order.ref: frozenset(
            shifts[(technician, day)]
            for day in days
            for technician in staff.matching(order, day).eligible
            if (technician, day) in shifts
        )
        for order in orders
    }


def _moves(proposal: Proposal, orders: list[WorkOrder]) -> bool:
    order = next(o for o in orders if o.ref == proposal.work_order)
    live = order.appointment
    return not proposal.pinned and (
        live is None or (live.technician, live.start) != (proposal.technician, proposal.start)
    )


def _why_not(ref: str, orders: list[WorkOrder], staff: Roster) -> str:
    order = next(o for o in orders if o.ref == ref)
    days = sorted({d.day for d in staff.days})
    if any(staff.matching(order, day).eligible for day in days):
        return "no room in the horizon: every technician who matches is fully planned"
    if not days:
        return "nobody in the team works in the horizon"
    excluded = staff.matching(order, days[0]).excluded
    return "nobody matches: " + "; ".join(f"{e.technician}: {e.reason}" for e in excluded)


def _unbook(uow: UnitOfWork, order: WorkOrder, why: str, by: Attribution) -> None:
    """The plan has no room for a visit booked earlier: cancel it, so nobody is double-booked."""
    live = order.appointment
    if live is None or live.status is not AppointmentStatus.SCHEDULED:
        return
    case = uow.cases.get(order.case_ref)
    if case.status not in IN_THE_FIELD:  # resolved with its visit left booked (older data)
        order.cancel(f"the case is {case.status}", by.at)
        return
    order.move(AppointmentStatus.CANCELLED, why, by.at)
    case.follow_visit(
        CaseStatus.HANDED_OFF,
        None,
        step="dispatch",
        decision={"work_order": order.ref, "cancelled": live.describe()},
        reason=f"the optimiser could not keep the visit: {why}",
        by=by,
    )


def _proposal(p: Proposal) -> dict[str, object]:
    return {
        "work_order": p.work_order,
        "technician": p.technician,
        "start": p.start.isoformat(),
        "end": p.end.isoformat(),
        "pinned": p.pinned,
    }
