"""Batch dispatch: the open work orders of a horizon as one routing problem, and its plan back.

Every technician's working day is a shift (home base to home base, calendar gaps as breaks).
A visit may go to the shifts of the technicians matching allowed on that day; a dispatched
visit is pinned where it is; the field SLA bounds when the work may start, where it still can
be kept. Work orders that would break their SLA anyway are planned as early as they fit.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from caseloom.domain.field.days import WorkDay
from caseloom.domain.field.dispatch import (
    Break,
    DispatchPlan,
    DispatchProblem,
    Pin,
    Shift,
    Visit,
    Window,
)
from caseloom.domain.field.work_order import WorkOrder

PRIORITY_WEIGHT = {1: 100, 2: 75, 3: 50, 4: 25}  # the case priority, as the solver's 0-100


@dataclass(frozen=True, slots=True)
class Proposal:
    work_order: str
    technician: str
    start: datetime
    end: datetime
    pinned: bool


@dataclass(frozen=True, slots=True)
class Dispatch:
    proposals: tuple[Proposal, ...]
    unassigned: tuple[str, ...]
    plan: DispatchPlan


@dataclass(frozen=True, slots=True)
class Board:
    """What the optimiser plans over."""

    now: datetime
    orders: Sequence[WorkOrder]
    days: Sequence[WorkDay]
    places: Mapping[str, int]  # work order ref -> travel-matrix index
    allowed: Mapping[str, frozenset[str]]  # work order ref -> the shifts that may take it
    durations: Sequence[Sequence[int]]
    relaxed: frozenset[str] = frozenset()  # orders planned without their SLA bound

    def bounded(self, plan: DispatchPlan) -> frozenset[str]:
        """The orders left unassigned that had an SLA bound: worth a second try without it."""
        due = {o.ref for o in self.orders if (o.due_by or o.respond_by) and not o.pinned}
        return frozenset(plan.unassigned) & due - self.relaxed

    def shift_at(self, technician: str, at: datetime) -> str:
        """The shift of `technician` whose hours hold `at` (a pinned visit stays on it)."""
        return next(
            (
                d.shift
                for d in self.days
                if d.technician == technician and d.hours and d.hours[0][0] <= at < d.hours[-1][1]
            ),
            f"{technician}@{at.date().isoformat()}",
        )

    def seconds(self, at: datetime) -> int:
        return max(0, int((at - self.now).total_seconds()))

    def at(self, seconds: int) -> datetime:
        return self.now + timedelta(seconds=seconds)


def problem(board: Board) -> DispatchProblem:
    """The routing problem; a pinned visit outside every shift of the horizon (already under
    way at the edge of it) is left out, as nothing about it can change."""
    shifts = tuple(s for s in (_shift(board, d) for d in board.days) if s is not None)
    known = frozenset(s.id for s in shifts)
    visits = tuple(
        replace(visit, shifts=visit.shifts & known if visit.shifts is not None else known)
        for visit in (_visit(board, o) for o in board.orders if o.ref in board.places)
        if visit.pin is None or visit.pin.shift in known
    )
    return DispatchProblem(board.durations, shifts, visits)


def read(board: Board, plan: DispatchPlan) -> Dispatch:
    technician = {d.shift: d.technician for d in board.days}
    pinned = {o.ref for o in board.orders if o.pinned}
    proposals = tuple(
        Proposal(
            stop.visit,
            technician[route.shift],
            board.at(stop.start),
            board.at(stop.end),
            stop.visit in pinned,
        )
        for route in plan.routes
        for stop in route.stops
    )
    return Dispatch(proposals, plan.unassigned, plan)


def _shift(board: Board, day: WorkDay) -> Shift | None:
    if not day.hours or day.home < 0 or board.seconds(day.hours[-1][1]) <= 0:
        return None  # the day is over, or there is no home base to start from
    opens, closes = board.seconds(day.hours[0][0]), board.seconds(day.hours[-1][1])
    breaks = tuple(
        Break(f"{day.shift}#{n}", (Window(start, start),), board.seconds(back) - start)
        for n, ((_, left), (back, _)) in enumerate(zip(day.hours, day.hours[1:], strict=False))
        if (start := board.seconds(left)) > 0
    )
    return Shift(day.shift, day.technician, day.home, Window(opens, closes), day.home, breaks)


def _visit(board: Board, order: WorkOrder) -> Visit:
    service = int(order.duration.total_seconds())
    live = order.appointment
    if order.pinned and live is not None:
        shift = board.shift_at(live.technician, live.start)
        start = board.seconds(live.start)
        return Visit(
            order.ref, board.places[order.ref], service, (Window(start, start),),
            frozenset({shift}), 100, pin=Pin(shift, start),
        )  # fmt: skip
    return Visit(
        order.ref,
        board.places[order.ref],
        service,
        _windows(board, order),
        board.allowed.get(order.ref, frozenset()),
        PRIORITY_WEIGHT.get(order.priority, 25),
    )


def _windows(board: Board, order: WorkOrder) -> tuple[Window, ...]:
    """When the work may start: inside the customer's window, and early enough to keep the
    field SLA (on site by `respond_by`, done by `due_by`) where that is still possible."""
    first, last = 0, None
    if order.window:
        first, last = board.seconds(order.window.start), board.seconds(order.window.end)
    if order.ref not in board.relaxed:
        for keep in _sla_starts(board, order):
            if keep > first and (last is None or keep < last):
                last = keep
    return () if last is None else (Window(first, max(first, last)),)


def _sla_starts(board: Board, order: WorkOrder) -> list[int]:
    """The latest starts that keep each deadline of the field SLA."""
    starts = []
    if order.respond_by:
        starts.append(board.seconds(order.respond_by))
    if order.due_by:
        starts.append(board.seconds(order.due_by - order.duration))
    return starts
