"""Batch dispatch as a routing problem: a shift per technician-day with its calendar's gaps as
breaks, visits bounded by the customer's window and the field SLA, dispatched visits pinned."""

from __future__ import annotations

from datetime import datetime, timedelta

from caseloom.domain.field.days import WorkDay
from caseloom.domain.field.dispatch import (
    Break,
    DispatchPlan,
    Pin,
    Route,
    Shift,
    Stop,
    Visit,
    Window,
)
from caseloom.domain.field.planning import Board, Proposal, problem, read
from caseloom.domain.field.work_order import (
    AppointmentStatus,
    ServiceAppointment,
    TimeWindow,
    WorkOrder,
)
from tests.unit.field.orders import NOW, TODAY, order

HOUR = timedelta(hours=1)
TRAVEL = ((0, 600, 900), (600, 0, 300), (900, 300, 0))


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def board(
    *orders: WorkOrder, days: tuple[WorkDay, ...] = (), relaxed: frozenset[str] = frozenset()
) -> Board:
    days = days or (WorkDay("tech-nell", TODAY, ((at(0), at(4)), (at(4.5), at(9))), 0),)
    return Board(
        now=NOW,
        orders=orders,
        days=days,
        places={o.ref: n for n, o in enumerate(orders, start=1)},
        allowed={o.ref: frozenset({"tech-nell@2026-12-07"}) for o in orders},
        durations=TRAVEL,
        relaxed=relaxed,
    )


def test_a_working_day_is_a_shift_home_to_home_with_its_lunch_as_a_break() -> None:
    (shift,) = problem(board(order())).shifts
    assert shift == Shift(
        "tech-nell@2026-12-07",
        "tech-nell",
        0,
        Window(0, 9 * 3600),
        0,
        (Break("tech-nell@2026-12-07#0", (Window(4 * 3600, 4 * 3600),), 1800),),
    )


def test_a_day_that_is_over_or_has_no_home_base_is_not_planned() -> None:
    over = WorkDay("tech-ola", TODAY, ((at(-9), at(-1)),), 0)
    homeless = WorkDay("tech-pip", TODAY, ((at(0), at(8)),), -1)
    open_day = WorkDay("tech-nell", TODAY, ((at(0), at(8)),), 0)
    shifts = problem(board(order(), days=(over, homeless, open_day))).shifts
    assert [s.id for s in shifts] == ["tech-nell@2026-12-07"]


def test_priority_and_the_sla_bound_each_visit() -> None:
    urgent = order(number=1, priority=1, respond_by=at(3))
    due = order(number=2, priority=3, due_by=at(6))  # done by 14:00: start by 13:00
    free = order(number=3, priority=4)
    visits = {v.id: v for v in problem(board(urgent, due, free)).visits}
    assert visits["WO-000001"] == Visit(
        "WO-000001", 1, 3600, (Window(0, 3 * 3600),), frozenset({"tech-nell@2026-12-07"}), 100
    )
    assert visits["WO-000002"].windows == (Window(0, 5 * 3600),)
    assert visits["WO-000002"].priority == 50
    assert visits["WO-000003"].windows == ()
    assert visits["WO-000003"].priority == 25


def test_the_customer_window_wins_where_the_sla_cannot_be_kept_inside_it() -> None:
    late_window = order(window=TimeWindow(at(5), at(7)), respond_by=at(3))
    (visit,) = problem(board(late_window)).visits
    assert visit.windows == (Window(5 * 3600, 7 * 3600),)
    early_enough = order(window=TimeWindow(at(1), at(7)), respond_by=at(3))
    (visit,) = problem(board(early_enough)).visits
    assert visit.windows == (Window(3600, 3 * 3600),)


def test_a_relaxed_order_is_planned_without_its_sla_bound() -> None:
    urgent = order(respond_by=at(1))
    (visit,) = problem(board(urgent, relaxed=frozenset({"WO-000001"}))).visits
    assert visit.windows == ()


def test_orders_left_out_with_an_sla_are_worth_a_second_try() -> None:
    urgent, free = order(number=1, respond_by=at(1)), order(number=2)
    planned = board(urgent, free)
    plan = DispatchPlan((), ("WO-000001", "WO-000002"), "test")
    assert planned.bounded(plan) == frozenset({"WO-000001"})
    assert board(urgent, free, relaxed=frozenset({"WO-000001"})).bounded(plan) == frozenset()


def dispatched(start: datetime) -> WorkOrder:
    pinned = order(number=7)
    appointment = ServiceAppointment(
        0, "tech-nell", TimeWindow(start, start + 2 * HOUR), start, start + HOUR
    )
    pinned.book(appointment, NOW)
    pinned.move(AppointmentStatus.DISPATCHED, "", NOW)
    return pinned


def test_a_dispatched_visit_is_pinned_to_its_shift_and_start() -> None:
    (visit,) = problem(board(dispatched(at(2)))).visits
    assert visit.pin == Pin("tech-nell@2026-12-07", 2 * 3600)
    assert visit.windows == (Window(2 * 3600, 2 * 3600),)
    assert visit.priority == 100


def test_a_pinned_visit_outside_every_shift_is_left_out() -> None:
    tomorrow = dispatched(at(26))  # no shift for tomorrow on this board
    assert problem(board(tomorrow)).visits == ()


def test_the_plan_reads_back_as_proposals_in_real_time() -> None:
    pinned, free = dispatched(at(2)), order(number=3)
    planned = board(pinned, free)
    route = Route(
        "tech-nell@2026-12-07",
        (Stop("WO-000003", 600, 600, 4200), Stop("WO-000007", 4500, 7200, 10800)),
        travel=1500,
        departure=0,
        arrival=11400,
    )
    dispatch = read(planned, DispatchPlan((route,), ("WO-000009",), "test"))
    assert dispatch.proposals == (
        Proposal("WO-000003", "tech-nell", at(600 / 3600), at(4200 / 3600), pinned=False),
        Proposal("WO-000007", "tech-nell", at(2), at(3), pinned=True),
    )
    assert dispatch.unassigned == ("WO-000009",)
