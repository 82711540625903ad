"""The independent plan check: one good plan, and each way of breaking it found and named."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest

from caseloom.domain.field.dispatch import (
    Break,
    DispatchPlan,
    DispatchProblem,
    Pin,
    Route,
    Shift,
    Stop,
    TakenBreak,
    Violation,
    Visit,
    Window,
    violations,
)

# The depot (0) and two places 600 s and 900 s away, 300 s apart.
DURATIONS = ((0, 600, 900), (600, 0, 300), (900, 300, 0))
LUNCH = Break("lunch", (Window(3000, 4000),), 600)
S1 = Shift("s1", "ann", 0, Window(0, 10000), end=0, breaks=(LUNCH,), capacity=10, max_travel=2000)
S2 = Shift("s2", "bob", 0, Window(0, 10000), end=0)
A = Visit("a", 1, 1000, (Window(1000, 2000),), shifts=frozenset({"s1"}), load=4)
B = Visit("b", 2, 500, load=5)
C = Visit("c", 1, 100, pin=Pin("s2", 5000))
PROBLEM = DispatchProblem(DURATIONS, (S1, S2), (A, B, C))

# Ann leaves at 400, does a then b, and takes lunch on the drive back (900 s + 600 s).
ANN = Route(
    "s1",
    (Stop("a", 1000, 1000, 2000), Stop("b", 2300, 2300, 2800)),
    travel=1800,
    departure=400,
    arrival=4300,
    breaks=(TakenBreak("lunch", 3000, 3600),),
)
BOB = Route("s2", (Stop("c", 5000, 5000, 5100),), travel=1200, departure=4400, arrival=5700)
PLAN = DispatchPlan((ANN, BOB), (), "by hand")


def with_ann(**changes: Any) -> DispatchPlan:
    return replace(PLAN, routes=(replace(ANN, **changes), BOB))


def ann_stop(index: int, **changes: Any) -> DispatchPlan:
    stops = list(ANN.stops)
    stops[index] = replace(stops[index], **changes)
    return with_ann(stops=tuple(stops))


def with_shift(**changes: Any) -> DispatchProblem:
    return replace(PROBLEM, shifts=(replace(S1, **changes), S2))


def with_visit(visit: Visit) -> DispatchProblem:
    return replace(PROBLEM, visits=tuple(visit if v.id == visit.id else v for v in PROBLEM.visits))


def test_a_good_plan_breaks_nothing() -> None:
    assert violations(PROBLEM, PLAN) == []


def test_an_unused_shift_needs_no_break() -> None:
    plan = replace(PLAN, routes=(BOB, Route("s1", (), 0, 0, 0)), unassigned=("a", "b"))
    assert violations(PROBLEM, plan) == []


SHIFT_1 = "shift s1"


@pytest.mark.parametrize(
    ("problem", "plan", "found"),
    [
        pytest.param(
            PROBLEM,
            replace(PLAN, routes=(*PLAN.routes, Route("s9", (), 0, 0, 0))),
            [Violation("shift s9", "no such shift")],
            id="unknown shift",
        ),
        pytest.param(
            PROBLEM,
            replace(PLAN, routes=(*PLAN.routes, Route("s2", (), 0, 0, 0))),
            [Violation("shift s2", "has more than one route")],
            id="two routes for one shift",
        ),
        pytest.param(
            PROBLEM,
            replace(PLAN, unassigned=("b",)),
            [Violation("visit b", "both planned and unassigned")],
            id="planned and unassigned",
        ),
        pytest.param(
            PROBLEM,
            with_ann(stops=ANN.stops[:1], travel=1200),
            [Violation("visit b", "neither planned nor reported unassigned")],
            id="forgotten",
        ),
        pytest.param(
            PROBLEM,
            replace(PLAN, routes=(ANN, replace(BOB, stops=())), unassigned=("c",)),
            [Violation("visit c", "pinned to s2 but left unassigned")],
            id="pin dropped",
        ),
        pytest.param(
            PROBLEM,
            replace(PLAN, routes=(ANN, replace(BOB, stops=(Stop("zz", 5000, 5000, 5100),)))),
            [
                Violation("visit zz", "no such visit"),
                Violation("visit c", "neither planned nor reported unassigned"),
            ],
            id="unknown visit",
        ),
        pytest.param(
            with_visit(replace(A, shifts=frozenset({"s2"}))),
            PLAN,
            [Violation("visit a", "shift s1 is not allowed to take it")],
            id="shift not allowed",
        ),
        pytest.param(
            with_visit(replace(C, pin=Pin("s2", 5050))),
            PLAN,
            [Violation("visit c", "pinned to s2 at 5050, moved")],
            id="pin moved",
        ),
    ],
)
def test_what_is_planned_must_match_the_visits(
    problem: DispatchProblem, plan: DispatchPlan, found: list[Violation]
) -> None:
    assert violations(problem, plan) == found


@pytest.mark.parametrize(
    ("problem", "plan", "found"),
    [
        pytest.param(
            PROBLEM,
            with_ann(departure=500),
            [Violation("visit a", "arrives at 1000, before 1100.000 (travel and breaks)")],
            id="too little travel time",
        ),
        pytest.param(
            PROBLEM,
            with_ann(arrival=3700),
            [Violation(SHIFT_1, "ends at 3700, before 4300.000")],
            id="drives during the break",
        ),
        pytest.param(
            PROBLEM,
            ann_stop(1, start=2250),
            [Violation("visit b", "starts at 2250 before arriving at 2300")],
            id="starts before arriving",
        ),
        pytest.param(
            with_visit(replace(A, windows=(Window(1100, 2000),))),
            PLAN,
            [Violation("visit a", "starts at 1000, outside its windows")],
            id="outside its window",
        ),
        pytest.param(
            PROBLEM,
            ann_stop(0, end=1900),
            [Violation("visit a", "ends at 1900, before its 1000 s of work are done")],
            id="work cut short",
        ),
        pytest.param(
            with_shift(window=Window(0, 4000)),
            PLAN,
            [Violation(SHIFT_1, "ends at 4300.000, after the shift Window(start=0, end=4000)")],
            id="ends after the shift",
        ),
        pytest.param(
            with_shift(window=Window(500, 10000)),
            PLAN,
            [Violation(SHIFT_1, "leaves at 400, outside the shift Window(start=500, end=10000)")],
            id="leaves before the shift",
        ),
        pytest.param(
            with_shift(capacity=8),
            PLAN,
            [Violation(SHIFT_1, "load 9 over the capacity 8")],
            id="over capacity",
        ),
        pytest.param(
            with_shift(max_travel=1500),
            PLAN,
            [Violation(SHIFT_1, "1800 s of travel, over the 1500 s allowed")],
            id="too much travel",
        ),
    ],
)
def test_times_and_limits_must_hold(
    problem: DispatchProblem, plan: DispatchPlan, found: list[Violation]
) -> None:
    assert violations(problem, plan) == found


@pytest.mark.parametrize(
    ("problem", "plan", "found"),
    [
        pytest.param(
            PROBLEM,
            with_ann(breaks=()),
            [Violation(SHIFT_1, "break lunch not taken")],
            id="not taken",
        ),
        pytest.param(
            PROBLEM,
            with_ann(breaks=(TakenBreak("lunch", 2900, 3500),)),
            [Violation(SHIFT_1, "break lunch starts at 2900, outside its windows")],
            id="outside its window",
        ),
        pytest.param(
            PROBLEM,
            with_ann(breaks=(TakenBreak("lunch", 3000, 3500),)),
            [Violation(SHIFT_1, "break lunch lasts 500 s, not 600 s")],
            id="too short",
        ),
        pytest.param(
            with_shift(breaks=(replace(LUNCH, windows=(Window(2000, 4000),)),)),
            with_ann(breaks=(TakenBreak("lunch", 2400, 3000),)),
            [Violation(SHIFT_1, "break lunch overlaps a visit")],
            id="during a visit",
        ),
    ],
)
def test_breaks_must_be_taken_in_their_windows_and_apart_from_the_work(
    problem: DispatchProblem, plan: DispatchPlan, found: list[Violation]
) -> None:
    assert violations(problem, plan) == found


def test_real_travel_times_can_replace_the_problems_whole_seconds() -> None:
    slower = [[float(d) for d in row] for row in DURATIONS]
    slower[0][1] += 0.5
    assert violations(PROBLEM, PLAN, travel=slower) == [
        Violation("visit a", "arrives at 1000, before 1000.500 (travel and breaks)"),
        Violation("visit c", "arrives at 5000, before 5000.500 (travel and breaks)"),
    ]
