"""The dispatch optimiser: VROOM (vehicle routing with time windows) through pyvroom.

VROOM knows jobs and vehicles by number, so visits, shifts and breaks are numbered by their
position in the problem and mapped back. Who may take a visit becomes a skill: each distinct
set of allowed shifts is one skill, held by the shifts in it. pyvroom has no type stubs: its
objects stay inside this module.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import timedelta
from importlib.metadata import version
from itertools import accumulate, pairwise
from typing import Any

import vroom

from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.dispatch import (
    Break,
    DispatchPlan,
    DispatchProblem,
    Route,
    Shift,
    Stop,
    TakenBreak,
    Visit,
)

TOP_PRIORITY = 100  # VROOM's highest; a pinned visit is planned before any other


class VroomSolver:
    def __init__(self, exploration_level: int = 5, threads: int = 2) -> None:
        if not 1 <= exploration_level <= 5:
            raise InvalidInput(f"VROOM's exploration level is 1 to 5, not {exploration_level}")
        self.exploration_level = exploration_level
        self.threads = max(1, threads)

    @property
    def name(self) -> str:
        return f"vroom {version('pyvroom')} (exploration {self.exploration_level})"

    def solve(self, problem: DispatchProblem, budget: timedelta) -> DispatchPlan:
        began = time.perf_counter()
        model = _Model(problem)
        routes = _solve(model, self.exploration_level, self.threads, budget) if model.jobs else []
        planned = {stop.visit for route in routes for stop in route.stops}
        return DispatchPlan(
            routes=_with_idle_shifts(problem, routes),
            unassigned=tuple(v.id for v in problem.visits if v.id not in planned),
            solver=self.name,
            seconds=time.perf_counter() - began,
        )


class _Model:
    """The problem in VROOM's terms, and the numbers to map its answer back."""

    def __init__(self, problem: DispatchProblem) -> None:
        self.problem = problem
        known = {s.id for s in problem.shifts}
        for visit in problem.visits:
            if visit.pin and visit.pin.shift not in known:
                raise InvalidInput(f"visit {visit.id} is pinned to an unknown shift")
        self.skills: dict[frozenset[str], int] = {}
        # A visit no shift may take is left out: VROOM would only report it unassigned.
        self.jobs = [v for v in problem.visits if known and _may_be_taken(v, known)]
        for visit in self.jobs:
            allowed = _allowed(visit)
            if allowed is not None:
                self.skills.setdefault(allowed, len(self.skills) + 1)
        # Break numbers run on from shift to shift: VROOM wants them unique.
        self.breaks = [spec for shift in problem.shifts for spec in shift.breaks]
        self.first_break = list(accumulate((len(s.breaks) for s in problem.shifts), initial=0))
        self.capacity = _capacity_needed(problem)

    def input(self) -> Any:
        built = vroom.Input()
        built.set_durations_matrix("car", [list(row) for row in self.problem.durations])
        built.add_vehicle([self._vehicle(i, s) for i, s in enumerate(self.problem.shifts)])
        built.add_job([self._job(i, v) for i, v in enumerate(self.jobs)])
        return built

    def _vehicle(self, number: int, shift: Shift) -> Any:
        extra: dict[str, Any] = {}
        if shift.end is not None:
            extra["end"] = shift.end
        if self.capacity is not None:
            extra["capacity"] = [self.capacity if shift.capacity is None else shift.capacity]
        if shift.max_travel is not None:
            extra["max_travel_time"] = shift.max_travel
        return vroom.Vehicle(
            number,
            start=shift.start,
            time_window=vroom.TimeWindow(shift.window.start, shift.window.end),
            skills={skill for group, skill in self.skills.items() if shift.id in group},
            breaks=[
                self._break(self.first_break[number] + i, b) for i, b in enumerate(shift.breaks)
            ],
            **extra,
        )

    def _break(self, number: int, spec: Break) -> Any:
        return vroom.Break(
            number,
            time_windows=[vroom.TimeWindow(w.start, w.end) for w in spec.windows],
            service=spec.duration,
        )

    def _job(self, number: int, visit: Visit) -> Any:
        allowed = _allowed(visit)
        windows = [(w.start, w.end) for w in visit.windows]
        if visit.pin:
            windows = [(visit.pin.start, visit.pin.start)]
        extra: dict[str, Any] = {}
        if self.capacity is not None:
            extra["delivery"] = vroom.Amount([visit.load])
        return vroom.Job(
            number,
            location=visit.place,
            default_service=visit.service,
            time_windows=[vroom.TimeWindow(start, end) for start, end in windows],
            skills=set() if allowed is None else {self.skills[allowed]},
            priority=TOP_PRIORITY if visit.pin else visit.priority,
            **extra,
        )


def _allowed(visit: Visit) -> frozenset[str] | None:
    """The shifts that may take the visit; a pin leaves only its own."""
    return frozenset({visit.pin.shift}) if visit.pin else visit.shifts


def _may_be_taken(visit: Visit, shifts: set[str]) -> bool:
    allowed = _allowed(visit)
    return allowed is None or not allowed.isdisjoint(shifts)


def _capacity_needed(problem: DispatchProblem) -> int | None:
    """The capacity of a shift with no limit (every load at once), or None when no shift has
    a limit: VROOM wants the same dimensions on every vehicle and job."""
    if all(s.capacity is None for s in problem.shifts):
        return None
    return sum(v.load for v in problem.visits)


def _solve(model: _Model, exploration: int, threads: int, budget: timedelta) -> list[Route]:
    solution = model.input().solve(
        exploration_level=exploration, nb_threads=threads, timeout=budget
    )
    steps: list[dict[str, Any]] = solution.routes.to_dict("records")
    return [_route(model, vehicle, route) for vehicle, route in _by_vehicle(steps)]


def _by_vehicle(steps: Sequence[dict[str, Any]]) -> Iterator[tuple[int, list[dict[str, Any]]]]:
    route: list[dict[str, Any]] = []
    for step in steps:
        if step["type"] == "start" and route:
            yield int(route[0]["vehicle_id"]), route
            route = []
        route.append(step)
    if route:
        yield int(route[0]["vehicle_id"]), route


def _route(model: _Model, vehicle: int, steps: Sequence[dict[str, Any]]) -> Route:
    shift = model.problem.shifts[vehicle]
    stops: list[Stop] = []
    places = [shift.start]
    breaks: list[TakenBreak] = []
    for step in steps:
        begins = int(step["arrival"]) + int(step["waiting_time"])
        ends = begins + int(step["service"])
        if step["type"] == "job":
            visit = model.jobs[int(step["id"])]
            stops.append(Stop(visit.id, int(step["arrival"]), begins, ends))
            places.append(visit.place)
        elif step["type"] == "break":
            spec = model.breaks[int(step["id"])]
            breaks.append(TakenBreak(spec.id, begins, ends))
    return Route(
        shift=shift.id,
        stops=tuple(stops),
        travel=_travel(model.problem, shift, places),
        departure=int(steps[0]["arrival"]),
        arrival=int(steps[-1]["arrival"]),
        breaks=tuple(breaks),
    )


def _travel(problem: DispatchProblem, shift: Shift, places: Sequence[int]) -> int:
    """Seconds of travel along the places from the start (and back to the end, if any)."""
    path = [*places, shift.end] if shift.end is not None else list(places)
    return sum(problem.durations[a][b] for a, b in pairwise(path))


def _with_idle_shifts(problem: DispatchProblem, routes: Sequence[Route]) -> tuple[Route, ...]:
    """One route per shift, in the problem's order; a shift not used has no stops."""
    used = {r.shift: r for r in routes}
    idle = {s.id: Route(s.id, (), 0, s.window.start, s.window.start) for s in problem.shifts}
    return tuple(used.get(s.id, idle[s.id]) for s in problem.shifts)
