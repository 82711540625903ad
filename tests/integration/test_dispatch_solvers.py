"""What every dispatch solver promises, on problems small enough to know the answer.

Places lie on a line, one minute of driving per unit; the depot is at 0. Each plan is also
checked by the domain's `violations`, which was written apart from the solvers.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from caseloom.adapters.dispatch import OrToolsSolver, VroomSolver, make_solver
from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.dispatch import (
    Break,
    DispatchPlan,
    DispatchProblem,
    Pin,
    Route,
    Shift,
    Violation,
    Visit,
    Window,
    violations,
)
from caseloom.service_layer.ports import DispatchSolver

BUDGET = timedelta(seconds=0.5)
MINUTE = 60
HOUR = 3600
DAY = Window(0, 10 * HOUR)


def line(*positions: int) -> list[list[int]]:
    return [[abs(a - b) * MINUTE for b in positions] for a in positions]


def shift(name: str, **details: Any) -> Shift:
    """A day from the depot back to it, unless `details` say otherwise."""
    settings: dict[str, Any] = {"start": 0, "window": DAY, "end": 0} | details
    return Shift(name, f"technician {name}", **settings)


@pytest.fixture(params=["vroom", "ortools"])
def solver(request: pytest.FixtureRequest) -> DispatchSolver:
    return make_solver(str(request.param))


def solve(solver: DispatchSolver, problem: DispatchProblem) -> DispatchPlan:
    plan = solver.solve(problem, BUDGET)
    assert violations(problem, plan) == []
    return plan


def route_of(plan: DispatchPlan, visit: str) -> Route:
    return next(r for r in plan.routes if any(s.visit == visit for s in r.stops))


def test_a_visit_whose_window_opens_later_waits_for_it(solver: DispatchSolver) -> None:
    early = Visit("early", 1, 10 * MINUTE, (Window(0, 10 * MINUTE),))
    late = Visit("late", 2, 10 * MINUTE, (Window(HOUR, HOUR + 10 * MINUTE),))
    problem = DispatchProblem(line(0, 5, 10), (shift("s1"),), (early, late))
    plan = solve(solver, problem)
    first, second = route_of(plan, "late").stops
    assert (first.visit, second.visit) == ("early", "late")
    assert second.arrival < second.start == HOUR
    assert second.end == HOUR + 10 * MINUTE


def test_a_visit_goes_only_to_a_shift_allowed_to_take_it(solver: DispatchSolver) -> None:
    # s1 starts right where the work is, but only s2 may do it.
    visit = Visit("fix", 1, 30 * MINUTE, shifts=frozenset({"s2"}))
    problem = DispatchProblem(line(0, 10), (shift("s1", start=1, end=1), shift("s2")), (visit,))
    assert route_of(solve(solver, problem), "fix").shift == "s2"


def test_a_visit_no_shift_may_take_is_unassigned(solver: DispatchSolver) -> None:
    visit = Visit("fix", 1, 30 * MINUTE, shifts=frozenset({"nobody"}))
    plan = solve(solver, DispatchProblem(line(0, 10), (shift("s1"),), (visit,)))
    assert plan.unassigned == ("fix",)
    assert plan.used == ()


def test_a_pinned_visit_stays_on_its_shift_at_its_time(solver: DispatchSolver) -> None:
    pinned = Visit("pinned", 1, 30 * MINUTE, pin=Pin("s2", 2 * HOUR))
    other = Visit("other", 2, 30 * MINUTE)
    problem = DispatchProblem(line(0, 10, 12), (shift("s1"), shift("s2")), (pinned, other))
    plan = solve(solver, problem)
    route = route_of(plan, "pinned")
    stop = next(s for s in route.stops if s.visit == "pinned")
    assert (route.shift, stop.start, stop.end) == ("s2", 2 * HOUR, 2 * HOUR + 30 * MINUTE)
    assert plan.unassigned == ()


def test_pins_that_clash_keep_one_and_plan_the_rest(solver: DispatchSolver) -> None:
    first = Visit("first", 1, HOUR, pin=Pin("s1", HOUR))
    second = Visit("second", 2, HOUR, pin=Pin("s1", HOUR))  # the same hour, elsewhere
    other = Visit("other", 2, 30 * MINUTE)
    problem = DispatchProblem(line(0, 10, 12), (shift("s1"),), (first, second, other))
    plan = solver.solve(problem, BUDGET)
    (dropped,) = plan.unassigned
    assert dropped in {"first", "second"}
    assert violations(problem, plan) == [
        Violation(f"visit {dropped}", "pinned to s1 but left unassigned")
    ]


def test_when_only_one_visit_fits_the_higher_priority_is_kept(solver: DispatchSolver) -> None:
    # Room for one three-hour visit; the low priority one is even the nearer.
    low = Visit("low", 1, 3 * HOUR, priority=10)
    high = Visit("high", 2, 3 * HOUR, priority=90)
    day = shift("s1", window=Window(0, 4 * HOUR))
    plan = solve(solver, DispatchProblem(line(0, 5, 20), (day,), (low, high)))
    assert [s.visit for s in route_of(plan, "high").stops] == ["high"]
    assert plan.unassigned == ("low",)


def test_a_break_is_taken_in_its_window_and_not_during_a_visit(solver: DispatchSolver) -> None:
    lunch = Break("lunch", (Window(3 * HOUR, 3 * HOUR + 30 * MINUTE),), 45 * MINUTE)
    visits = tuple(Visit(f"v{n}", n, HOUR) for n in (1, 2, 3, 4))
    problem = DispatchProblem(line(0, 10, 20, 30, 40), (shift("s1", breaks=(lunch,)),), visits)
    plan = solve(solver, problem)
    (route,) = plan.used
    (taken,) = route.breaks
    assert taken.id == "lunch"
    assert 3 * HOUR <= taken.start <= 3 * HOUR + 30 * MINUTE
    assert taken.end - taken.start >= 45 * MINUTE
    assert all(taken.end <= s.start or s.end <= taken.start for s in route.stops)
    assert plan.unassigned == ()


def test_a_break_with_two_windows_takes_the_one_left_free(solver: DispatchSolver) -> None:
    # The first window falls inside a pinned visit: only the second one can hold the break.
    rest = Break(
        "rest", (Window(HOUR, HOUR + 10 * MINUTE), Window(4 * HOUR, 5 * HOUR)), 20 * MINUTE
    )
    pinned = Visit("pinned", 1, 2 * HOUR, pin=Pin("s1", 30 * MINUTE))
    problem = DispatchProblem(line(0, 10), (shift("s1", breaks=(rest,)),), (pinned,))
    (route,) = solve(solver, problem).used
    (taken,) = route.breaks
    assert 4 * HOUR <= taken.start <= 5 * HOUR


def test_a_shift_carries_no_more_than_its_capacity(solver: DispatchSolver) -> None:
    visits = (Visit("a", 1, 10 * MINUTE, load=6), Visit("b", 2, 10 * MINUTE, load=6))
    shifts = (shift("s1", capacity=10), shift("s2", capacity=10))
    plan = solve(solver, DispatchProblem(line(0, 5, 6), shifts, visits))
    assert {route_of(plan, "a").shift, route_of(plan, "b").shift} == {"s1", "s2"}


def test_a_shift_drives_no_more_than_it_may(solver: DispatchSolver) -> None:
    near = Visit("near", 1, 10 * MINUTE)  # 10 minutes there and back
    far = Visit("far", 2, 10 * MINUTE)  # 40 minutes there and back
    day = shift("s1", max_travel=30 * MINUTE)
    plan = solve(solver, DispatchProblem(line(0, 5, 20), (day,), (near, far)))
    assert route_of(plan, "near").travel == 10 * MINUTE
    assert plan.unassigned == ("far",)


def test_a_day_without_an_end_place_ends_at_the_last_visit(solver: DispatchSolver) -> None:
    visit = Visit("fix", 1, 30 * MINUTE)
    day = shift("s1", end=None)
    plan = solve(solver, DispatchProblem(line(0, 10), (day,), (visit,)))
    (route,) = plan.used
    assert route.travel == 10 * MINUTE  # one way
    assert route.arrival == route.stops[-1].end


def test_a_problem_with_no_visits_gives_an_empty_plan(solver: DispatchSolver) -> None:
    plan = solve(solver, DispatchProblem(line(0, 10), (shift("s1"), shift("s2")), ()))
    assert plan.used == ()
    assert plan.unassigned == ()
    assert plan.travel == 0


def test_with_no_shifts_every_visit_is_unassigned(solver: DispatchSolver) -> None:
    plan = solve(solver, DispatchProblem(line(0, 10), (), (Visit("fix", 1, 30 * MINUTE),)))
    assert plan.routes == ()
    assert plan.unassigned == ("fix",)


def test_a_pin_on_an_unknown_shift_is_refused(solver: DispatchSolver) -> None:
    pinned = Visit("pinned", 1, 30 * MINUTE, pin=Pin("s9", HOUR))
    with pytest.raises(InvalidInput, match="unknown shift"):
        solver.solve(DispatchProblem(line(0, 10), (shift("s1"),), (pinned,)), BUDGET)


def test_solvers_are_made_by_name() -> None:
    assert isinstance(make_solver("vroom", exploration_level=3), VroomSolver)
    assert isinstance(make_solver("ortools"), OrToolsSolver)
    assert make_solver("vroom", exploration_level=3).name.endswith("(exploration 3)")
    with pytest.raises(InvalidInput, match="no dispatch solver 'gurobi'"):
        make_solver("gurobi")
