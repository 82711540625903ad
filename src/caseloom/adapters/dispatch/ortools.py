"""The alternative dispatch solver: Google OR-Tools' routing library.

An optional extra (`pip install caseloom[ortools]`), so it is imported only when this solver is
built. The model has one node per visit plus a start and an end node per shift; a shift whose
day ends at its last visit gets an end node no travel reaches. Time is a dimension whose
transit is travel plus the service of the node left; OR-Tools keeps time windows on the cumul
variables (the start of the work), as the Solomon literature does.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import timedelta
from importlib.metadata import version
from itertools import pairwise
from typing import Any

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
    Window,
)

TOP_PRIORITY = 100


def _library() -> tuple[Any, Any]:
    try:
        from ortools.constraint_solver import pywrapcp, routing_enums_pb2  # noqa: PLC0415
    except ImportError as error:
        raise InvalidInput(
            "the OR-Tools dispatch solver needs the ortools extra: pip install 'caseloom[ortools]'"
        ) from error
    return pywrapcp, routing_enums_pb2


class OrToolsSolver:
    def __init__(self) -> None:
        self._cp, self._enums = _library()

    @property
    def name(self) -> str:
        return f"or-tools {version('ortools')} (guided local search)"

    def solve(self, problem: DispatchProblem, budget: timedelta) -> DispatchPlan:
        began = time.perf_counter()
        routes: list[Route] = []
        nodes = _Nodes(problem)
        if nodes.jobs and problem.shifts:
            routes = self._routes(nodes, budget, pinned=True)
            if not routes and any(v.pin for v in nodes.jobs):
                # The pins clash (or leave no room): plan the rest, pins droppable but first.
                spent = timedelta(seconds=time.perf_counter() - began)
                routes = self._routes(nodes, max(budget - spent, budget / 10), pinned=False)
        planned = {stop.visit for route in routes for stop in route.stops}
        return DispatchPlan(
            routes=_with_idle_shifts(problem, routes),
            unassigned=tuple(v.id for v in problem.visits if v.id not in planned),
            solver=self.name,
            seconds=time.perf_counter() - began,
        )

    def _routes(self, nodes: _Nodes, budget: timedelta, *, pinned: bool) -> list[Route]:
        model = _Model(self._cp, nodes, pinned=pinned)
        parameters = self._cp.DefaultRoutingSearchParameters()
        parameters.first_solution_strategy = self._enums.FirstSolutionStrategy.PATH_CHEAPEST_ARC
        parameters.local_search_metaheuristic = (
            self._enums.LocalSearchMetaheuristic.GUIDED_LOCAL_SEARCH
        )
        parameters.time_limit.FromTimedelta(budget)
        solution = model.routing.SolveWithParameters(parameters)
        if solution is None:
            return []
        return [model.route(solution, vehicle) for vehicle in range(len(nodes.shifts))]


class _Nodes:
    """Visits first, then each shift's start and end node; `place` is None for an end that is
    no place (the day ends at the last visit)."""

    def __init__(self, problem: DispatchProblem) -> None:
        self.problem = problem
        self.shifts = problem.shifts
        known = {s.id for s in problem.shifts}
        for visit in problem.visits:
            if visit.pin and visit.pin.shift not in known:
                raise InvalidInput(f"visit {visit.id} is pinned to an unknown shift")
        self.horizon = max((s.window.end for s in problem.shifts), default=0)
        # A visit no shift may take, or with no time left to start it, stays unassigned.
        self.jobs = [v for v in problem.visits if self.vehicles(v) and self.windows(v)]
        self.place: list[int | None] = [v.place for v in self.jobs]
        self.place += [place for s in problem.shifts for place in (s.start, s.end)]
        self.service = [v.service for v in self.jobs] + [0] * 2 * len(problem.shifts)

    def vehicles(self, visit: Visit) -> list[int]:
        """The shifts that may take the visit, by number; a pin leaves only its own."""
        if visit.pin:
            return [i for i, s in enumerate(self.shifts) if s.id == visit.pin.shift]
        allowed = visit.shifts
        return [i for i, s in enumerate(self.shifts) if allowed is None or s.id in allowed]

    def windows(self, visit: Visit) -> list[Window]:
        """When the work may start, within the day's horizon (empty: it cannot be planned)."""
        windows = sorted(visit.windows, key=lambda w: w.start) or [Window(0, self.horizon)]
        if visit.pin:
            windows = [Window(visit.pin.start, visit.pin.start)]
        return [
            Window(max(w.start, 0), min(w.end, self.horizon))
            for w in windows
            if w.end >= 0 and w.start <= self.horizon
        ]

    def travel(self) -> list[list[int]]:
        durations = self.problem.durations
        return [
            [0 if a is None or b is None else int(durations[a][b]) for b in self.place]
            for a in self.place
        ]

    def start(self, vehicle: int) -> int:
        return len(self.jobs) + 2 * vehicle

    def end(self, vehicle: int) -> int:
        return len(self.jobs) + 2 * vehicle + 1


class _Model:
    def __init__(self, cp: Any, nodes: _Nodes, *, pinned: bool) -> None:
        self.nodes = nodes
        count = len(nodes.shifts)
        starts = [nodes.start(v) for v in range(count)]
        ends = [nodes.end(v) for v in range(count)]
        self.manager = cp.RoutingIndexManager(len(nodes.place), count, starts, ends)
        self.routing = cp.RoutingModel(self.manager)
        travel = nodes.travel()
        self.travel_callback = self.routing.RegisterTransitMatrix(travel)
        self.routing.SetArcCostEvaluatorOfAllVehicles(self.travel_callback)
        work = [[leg + nodes.service[a] for leg in row] for a, row in enumerate(travel)]
        self.routing.AddDimension(
            self.routing.RegisterTransitMatrix(work), nodes.horizon, nodes.horizon, False, "time"
        )
        self.time = self.routing.GetDimensionOrDie("time")
        self.breaks: list[list[tuple[str, Any]]] = [[] for _ in nodes.shifts]
        self._visits(_weight(travel), pinned=pinned)
        self._shifts()
        self._capacity()
        self._max_travel()

    def _index(self, node: int) -> int:
        return int(self.manager.NodeToIndex(node))

    def _visits(self, weight: int, *, pinned: bool) -> None:
        jobs = self.nodes.jobs
        for node, visit in enumerate(jobs):
            index = self._index(node)
            # SetAllowedVehiclesForIndex cannot be called from Python in OR-Tools 9.15 (its
            # absl::Span argument has no SWIG conversion): the vehicle variable says it instead.
            allowed = set(self.nodes.vehicles(visit))
            others = [v for v in range(len(self.nodes.shifts)) if v not in allowed]
            if others:
                self.routing.VehicleVar(index).RemoveValues(others)
            _restrict(self.time.CumulVar(index), self.nodes.windows(visit))
            self.routing.AddVariableMinimizedByFinalizer(self.time.CumulVar(index))
            if visit.pin and pinned:
                continue  # not in a disjunction: it must be planned
            # Dropping a visit costs more than any travel, and a higher priority more than
            # every lower one together, as VROOM ranks plans (priority sum, count, travel).
            priority = TOP_PRIORITY + 1 if visit.pin else visit.priority
            self.routing.AddDisjunction([index], weight * (1 + (len(jobs) + 1) * priority))

    def _shifts(self) -> None:
        visit_transits = [0] * self.routing.Size()
        for node, visit in enumerate(self.nodes.jobs):
            visit_transits[self._index(node)] = visit.service
        for vehicle, shift in enumerate(self.nodes.shifts):
            for index in (self.routing.Start(vehicle), self.routing.End(vehicle)):
                self.time.CumulVar(index).SetRange(shift.window.start, shift.window.end)
            # Leave as late and come back as early as the plan allows: no idle time at ends.
            self.routing.AddVariableMaximizedByFinalizer(
                self.time.CumulVar(self.routing.Start(vehicle))
            )
            self.routing.AddVariableMinimizedByFinalizer(
                self.time.CumulVar(self.routing.End(vehicle))
            )
            intervals = [self._break(vehicle, spec) for spec in shift.breaks]
            if intervals:
                flat = [iv for group in intervals for iv in group]
                self.time.SetBreakIntervalsOfVehicle(flat, vehicle, visit_transits)

    def _break(self, vehicle: int, spec: Break) -> list[Any]:
        """One interval per window the break may start in; exactly one of them is taken."""
        solver = self.routing.solver()
        duration = max(1, spec.duration)  # OR-Tools wants intervals of some length
        optional = len(spec.windows) > 1
        intervals = [
            solver.FixedDurationIntervalVar(w.start, w.end, duration, optional, spec.id)
            for w in spec.windows
        ]
        if optional:
            solver.Add(solver.Sum([iv.PerformedExpr() for iv in intervals]) == 1)
        self.breaks[vehicle] += [(spec.id, iv) for iv in intervals]
        return intervals

    def _capacity(self) -> None:
        shifts = self.nodes.shifts
        if all(s.capacity is None for s in shifts):
            return
        loads = [v.load for v in self.nodes.jobs] + [0] * 2 * len(shifts)
        callback = self.routing.RegisterUnaryTransitVector(loads)
        limits = [sum(loads) if s.capacity is None else s.capacity for s in shifts]
        self.routing.AddDimensionWithVehicleCapacity(callback, 0, limits, True, "load")

    def _max_travel(self) -> None:
        shifts = self.nodes.shifts
        if all(s.max_travel is None for s in shifts):
            return
        unlimited = sum(max(row) for row in self.nodes.travel())
        limits = [unlimited if s.max_travel is None else s.max_travel for s in shifts]
        self.routing.AddDimensionWithVehicleCapacity(
            self.travel_callback, 0, limits, True, "travel"
        )

    def route(self, solution: Any, vehicle: int) -> Route:
        shift = self.nodes.shifts[vehicle]
        index = self.routing.Start(vehicle)
        departure = int(solution.Value(self.time.CumulVar(index)))
        breaks = self._taken(solution, vehicle)
        clock, places = departure, [shift.start]
        stops: list[Stop] = []
        index = solution.Value(self.routing.NextVar(index))
        while not self.routing.IsEnd(index):
            visit = self.nodes.jobs[self.manager.IndexToNode(index)]
            leg = self.nodes.problem.durations[places[-1]][visit.place]
            start = int(solution.Value(self.time.CumulVar(index)))
            stops.append(Stop(visit.id, _arrival(clock, leg, breaks), start, start + visit.service))
            clock = start + visit.service
            places.append(visit.place)
            index = solution.Value(self.routing.NextVar(index))
        return _closed(shift, self.nodes.problem, stops, places, departure=departure, breaks=breaks)

    def _taken(self, solution: Any, vehicle: int) -> tuple[TakenBreak, ...]:
        taken = [
            TakenBreak(name, int(solution.StartValue(iv)), int(solution.EndValue(iv)))
            for name, iv in self.breaks[vehicle]
            if solution.PerformedValue(iv)
        ]
        return tuple(sorted(taken, key=lambda b: b.start))


def _restrict(cumul: Any, windows: Sequence[Window]) -> None:
    cumul.SetRange(windows[0].start, max(w.end for w in windows))
    for before, after in pairwise(windows):
        if after.start > before.end + 1:
            cumul.RemoveInterval(before.end + 1, after.start - 1)


def _weight(travel: Sequence[Sequence[int]]) -> int:
    """More than any plan's travel: the longest leg out of every node."""
    return sum(max(row) for row in travel) + 1


def _arrival(leaves: int, leg: int, breaks: Sequence[TakenBreak]) -> int:
    """When a technician leaving at `leaves` arrives, pausing the drive for each break."""
    clock, left = leaves, leg
    for taken in breaks:
        if taken.end <= clock:
            continue
        if clock + left <= taken.start:
            break
        left -= max(0, taken.start - clock)
        clock = taken.end
    return clock + left


def _closed(
    shift: Shift,
    problem: DispatchProblem,
    stops: Sequence[Stop],
    places: list[int],
    *,
    departure: int,
    breaks: tuple[TakenBreak, ...],
) -> Route:
    """The route with its travel and its end: back at the end place, or the last visit's end."""
    arrival = stops[-1].end if stops else departure
    if shift.end is not None:
        arrival = _arrival(arrival, problem.durations[places[-1]][shift.end], breaks)
        places = [*places, shift.end]
    travel = sum(problem.durations[a][b] for a, b in pairwise(places))
    return Route(shift.id, tuple(stops), travel, departure, arrival, breaks)


def _with_idle_shifts(problem: DispatchProblem, routes: Sequence[Route]) -> tuple[Route, ...]:
    """One route per shift, in the problem's order; an unused shift has no stops."""
    used = {r.shift: r for r in routes if r.stops}
    idle = {s.id: Route(s.id, (), 0, s.window.start, s.window.start) for s in problem.shifts}
    return tuple(used.get(s.id, idle[s.id]) for s in problem.shifts)
