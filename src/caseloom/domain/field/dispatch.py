"""The dispatch problem a solver works on, the plan it returns, and an independent check.

Everything is in whole seconds from the problem's origin, and places are indices into its
travel matrix, so a solver adapter translates plain numbers: no dates, no technicians' profiles.
Who may do a visit (skills, certifications valid that day, equipment, territory) was decided
before, by matching: a visit names the shifts allowed to take it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

TOLERANCE = 1e-6  # for plans checked against real-valued travel (the Solomon benchmark)


@dataclass(frozen=True, slots=True)
class Window:
    start: int
    end: int

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(f"a window cannot end ({self.end}) before it starts ({self.start})")

    def holds(self, at: float) -> bool:
        return self.start - TOLERANCE <= at <= self.end + TOLERANCE


@dataclass(frozen=True, slots=True)
class Pin:
    """A visit already dispatched: it stays on this shift, starting at this second."""

    shift: str
    start: int


@dataclass(frozen=True, slots=True)
class Visit:
    id: str
    place: int  # index into the travel matrix
    service: int  # seconds on site
    windows: tuple[Window, ...] = ()  # the work must start inside one of them; () = any time
    shifts: frozenset[str] | None = None  # the shifts allowed to take it; None = any
    priority: int = 0  # 0-100: when not every visit fits, higher priorities are kept first
    load: int = 0  # units of a shift's capacity it takes (the Solomon demand)
    pin: Pin | None = None


@dataclass(frozen=True, slots=True)
class Break:
    """A pause in a shift: `duration` seconds, starting inside one of `windows`."""

    id: str
    windows: tuple[Window, ...]
    duration: int


@dataclass(frozen=True, slots=True)
class Shift:
    """One technician's working day: leaves `start`, works inside `window`, ends at `end`."""

    id: str
    technician: str
    start: int  # place index
    window: Window
    end: int | None = None  # place index; None: the day ends at the last visit
    breaks: tuple[Break, ...] = ()
    capacity: int | None = None  # total load it can take; None = no limit
    max_travel: int | None = None  # seconds of travel in the day at most; None = no limit


@dataclass(frozen=True, slots=True)
class DispatchProblem:
    durations: Sequence[Sequence[int]]  # seconds of travel from place i to place j
    shifts: tuple[Shift, ...]
    visits: tuple[Visit, ...]

    def visit(self, visit_id: str) -> Visit:
        return next(v for v in self.visits if v.id == visit_id)


@dataclass(frozen=True, slots=True)
class Stop:
    visit: str
    arrival: int
    start: int  # the work starts: on arrival, or later when the window opens later
    end: int


@dataclass(frozen=True, slots=True)
class TakenBreak:
    id: str
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Route:
    shift: str
    stops: tuple[Stop, ...]
    travel: int  # seconds
    departure: int  # leaves the start place
    arrival: int  # reaches the end place (or ends the last visit)
    breaks: tuple[TakenBreak, ...] = ()


@dataclass(frozen=True, slots=True)
class DispatchPlan:
    routes: tuple[Route, ...]
    unassigned: tuple[str, ...]
    solver: str  # e.g. "vroom 1.15 (exploration 5)"
    seconds: float = 0.0  # solving time

    @property
    def travel(self) -> int:
        return sum(r.travel for r in self.routes)

    @property
    def used(self) -> tuple[Route, ...]:
        return tuple(r for r in self.routes if r.stops)


@dataclass(frozen=True, slots=True)
class Violation:
    where: str  # "shift s3", "visit 42"
    what: str


@dataclass
class _Walk:
    """One route checked stop by stop."""

    problem: DispatchProblem
    travel: Sequence[Sequence[float]]
    shift: Shift
    found: list[Violation] = field(default_factory=list)

    def fail(self, what: str, where: str | None = None) -> None:
        self.found.append(Violation(where or f"shift {self.shift.id}", what))


def violations(
    problem: DispatchProblem,
    plan: DispatchPlan,
    travel: Sequence[Sequence[float]] | None = None,
) -> list[Violation]:
    """Every way `plan` breaks `problem`: a visit missing, twice or on a shift not allowed;
    times that ignore travel, windows, breaks or the shift; capacity or travel exceeded.

    `travel` overrides the problem's durations (the benchmark passes real Euclidean distances).
    Written apart from any solver adapter, so a plan is never judged by the code that made it.
    """
    matrix = travel if travel is not None else problem.durations
    shifts = {s.id: s for s in problem.shifts}
    visits = {v.id: v for v in problem.visits}
    found: list[Violation] = []
    seen: dict[str, str] = {}
    routed: set[str] = set()
    for route in plan.routes:
        shift = shifts.get(route.shift)
        if shift is None:
            found.append(Violation(f"shift {route.shift}", "no such shift"))
            continue
        if route.shift in routed:
            found.append(Violation(f"shift {route.shift}", "has more than one route"))
        routed.add(route.shift)
        walk = _Walk(problem, matrix, shift)
        _check_route(walk, route, visits, seen)
        found += walk.found
    for visit_id in plan.unassigned:
        if visit_id in seen:
            found.append(Violation(f"visit {visit_id}", "both planned and unassigned"))
        seen.setdefault(visit_id, "unassigned")
    found += [
        Violation(f"visit {v.id}", "neither planned nor reported unassigned")
        for v in problem.visits
        if v.id not in seen
    ]
    found += [
        Violation(f"visit {v.id}", f"pinned to {v.pin.shift} but left unassigned")
        for v in problem.visits
        if v.pin and seen.get(v.id) == "unassigned"
    ]
    return found


def _check_route(walk: _Walk, route: Route, visits: dict[str, Visit], seen: dict[str, str]) -> None:
    shift, matrix = walk.shift, walk.travel
    place, clock, load, travelled = shift.start, float(route.departure), 0, 0.0
    if not shift.window.holds(route.departure):
        walk.fail(f"leaves at {route.departure}, outside the shift {shift.window}")
    busy: list[tuple[float, float]] = []
    for stop in route.stops:
        visit = visits.get(stop.visit)
        if visit is None:
            walk.fail("no such visit", f"visit {stop.visit}")
            continue
        _check_visit(walk, stop, visit, seen)
        leg = matrix[place][visit.place]
        travelled += leg
        _check_times(walk, route, stop, visit, leaves=clock, leg=leg)
        busy.append((stop.start, stop.end))
        place, clock, load = visit.place, float(stop.end), load + visit.load
    if shift.end is not None:
        travelled += matrix[place][shift.end]
        clock += matrix[place][shift.end] + _paused(route.breaks, clock, route.arrival)
    if route.stops and route.arrival + TOLERANCE < clock:
        walk.fail(f"ends at {route.arrival}, before {clock:.3f}")
    if route.stops and not shift.window.holds(max(clock, route.arrival)):
        walk.fail(f"ends at {max(clock, route.arrival):.3f}, after the shift {shift.window}")
    if shift.capacity is not None and load > shift.capacity:
        walk.fail(f"load {load} over the capacity {shift.capacity}")
    if shift.max_travel is not None and travelled > shift.max_travel + TOLERANCE:
        walk.fail(f"{travelled:.0f} s of travel, over the {shift.max_travel} s allowed")
    _check_breaks(walk, route, busy)


def _check_visit(walk: _Walk, stop: Stop, visit: Visit, seen: dict[str, str]) -> None:
    """Whether this shift may do this visit, once."""
    shift, where = walk.shift, f"visit {stop.visit}"
    if stop.visit in seen:
        walk.fail(f"planned twice ({seen[stop.visit]} and {shift.id})", where)
    seen[stop.visit] = shift.id
    if visit.shifts is not None and shift.id not in visit.shifts:
        walk.fail(f"shift {shift.id} is not allowed to take it", where)
    if visit.pin and (visit.pin.shift != shift.id or visit.pin.start != stop.start):
        walk.fail(f"pinned to {visit.pin.shift} at {visit.pin.start}, moved", where)


def _check_times(
    walk: _Walk, route: Route, stop: Stop, visit: Visit, *, leaves: float, leg: float
) -> None:
    """The stop's times: reached after the drive (and any break on the way), work in a window."""
    where = f"visit {stop.visit}"
    ready = leaves + leg + _paused(route.breaks, leaves, stop.arrival)
    if stop.arrival + TOLERANCE < ready:
        walk.fail(f"arrives at {stop.arrival}, before {ready:.3f} (travel and breaks)", where)
    if stop.start + TOLERANCE < stop.arrival:
        walk.fail(f"starts at {stop.start} before arriving at {stop.arrival}", where)
    if visit.windows and not any(w.holds(stop.start) for w in visit.windows):
        walk.fail(f"starts at {stop.start}, outside its windows", where)
    if stop.end + TOLERANCE < stop.start + visit.service:
        walk.fail(f"ends at {stop.end}, before its {visit.service} s of work are done", where)


def _paused(breaks: Sequence[TakenBreak], since: float, until: float) -> float:
    """Seconds of breaks between two moments: a technician on a break does not drive, so a
    break taken on the way delays the arrival by its length."""
    return sum(max(0.0, min(b.end, until) - max(b.start, since)) for b in breaks)


def _check_breaks(walk: _Walk, route: Route, busy: list[tuple[float, float]]) -> None:
    if not route.stops:
        return  # an unused shift takes no break
    taken = {b.id: b for b in route.breaks}
    for spec in walk.shift.breaks:
        got = taken.get(spec.id)
        if got is None:
            walk.fail(f"break {spec.id} not taken")
            continue
        if not any(w.holds(got.start) for w in spec.windows):
            walk.fail(f"break {spec.id} starts at {got.start}, outside its windows")
        if got.end - got.start + TOLERANCE < spec.duration:
            walk.fail(f"break {spec.id} lasts {got.end - got.start} s, not {spec.duration} s")
        if any(start < got.end - TOLERANCE and got.start < end - TOLERANCE for start, end in busy):
            walk.fail(f"break {spec.id} overlaps a visit")
