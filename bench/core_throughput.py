"""Core throughput: cases through the whole skeleton flow, one after another, on each database.

One case's flow is OpenCase (which triages, starts SLA clocks and routes through events; when the
models are unsure of its intent, a person's ReviewTriage settles it first), then StartWork, a rep
reply, ResolveCase and CloseCase, each through the message bus. The floor is the
same rows written again with one bulk insert per table; flow/floor says how close the flow gets.
"""

from __future__ import annotations

import math
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from bench import floor, machine, workload
from bench.databases import Database, PostgresDatabase, SqliteDatabase, Unreachable
from bench.report import Outcome, markdown_table
from caseloom import bootstrap
from caseloom.bootstrap import Caseloom, SimulatedClock
from caseloom.views import cases as case_views
from caseloom.views import journey as journey_views

NAME = "core_throughput"
ORGANISATION = bootstrap.DEMO_POLICY.parent / "organisation.yaml"
START = datetime(2025, 3, 3, 8, 0, tzinfo=ZoneInfo("Europe/London"))  # a Monday, desk opening
STEP = timedelta(minutes=1)  # simulated time between two commands
PERCENTILES = (50, 95, 99)


class BenchmarkFailed(Exception):
    """The flow did not do what the benchmark relies on, so its figures would mean nothing."""


@dataclass(frozen=True, slots=True)
class FlowRun:
    latencies: list[float]  # seconds per case, in the order the cases ran
    wall_seconds: float  # including the untimed look-up of each case's owner
    journeys_verified: int
    journeys_broken: int


def run(cases: int) -> Outcome:
    postgres = _postgres()
    host = machine.describe(None if isinstance(postgres, Unreachable) else postgres.version)
    with tempfile.TemporaryDirectory(prefix="caseloom-bench-") as directory:
        databases = (SqliteDatabase(Path(directory)), postgres)
        results = {_name(db): _measure_or_skip(db, cases) for db in databases}
    figures = {
        "benchmark": NAME,
        "cases": cases,
        "machine": host | {"load_average_after": machine.load_average()},
        "setup": _setup(),
        "databases": results,
    }
    return Outcome(NAME, figures, _table(figures))


def _postgres() -> PostgresDatabase | Unreachable:
    try:
        return PostgresDatabase.connect()
    except Unreachable as problem:
        return problem


def _name(database: Database | Unreachable) -> str:
    return "postgresql" if isinstance(database, Unreachable) else database.name


def _measure_or_skip(database: Database | Unreachable, cases: int) -> dict[str, Any]:
    if isinstance(database, Unreachable):
        return {"status": "skipped", "reason": str(database)}
    return measure(database, cases)


def _setup() -> dict[str, Any]:
    return {
        "policy": "demo (northwind-service)",
        "organisation": "demo, plus the extra reps below",
        "extra_reps": {
            s.team: {"reps": s.reps, "skills": dict(s.skills)} for s in workload.STAFFING
        },
        "rep_capacity": workload.CAPACITY,
        "commands_per_case": 5,
        "simulated_start": START.isoformat(),
        "seed": workload.SEED,
    }


# -- one database -------------------------------------------------------------------------------


def measure(database: Database, cases: int) -> dict[str, Any]:
    print(f"{NAME}: {cases} cases on {database.name} {database.version}", flush=True)
    with database.fresh("flow") as url:
        clock = SimulatedClock(START)
        app = _app(url, clock)
        try:
            flow = _flow(app, clock, cases)
            referenced = floor.read_back(app.store, floor.REFERENCED)
            written = floor.read_back(app.store, floor.WRITTEN)
        finally:
            app.close()
    with database.fresh("floor") as url:
        rewritten = floor.rewrite(url, referenced, written)
    return _figures(database, flow, rewritten)


def _app(url: str, clock: SimulatedClock) -> Caseloom:
    config = bootstrap.settings(database_url=url, policy=bootstrap.DEMO_POLICY)
    return bootstrap.bootstrap(config, clock=clock)


def _flow(app: Caseloom, clock: SimulatedClock, cases: int) -> FlowRun:
    registrations = app.load_organisation(ORGANISATION)
    for rep in workload.extra_reps():
        app.bus.handle(rep)
    scripts = workload.scripts(cases, workload.contacts_of(registrations))
    began = time.perf_counter()
    latencies = [_one_case(app, clock, script) for script in scripts]
    wall = time.perf_counter() - began
    checked, breaks = journey_views.verify(app.store)
    if checked != cases or breaks:
        raise BenchmarkFailed(
            f"verified {checked} journeys of {cases} cases, {len(breaks)} broken: {breaks[:3]}"
        )
    return FlowRun(latencies, wall, checked, len(breaks))


def _one_case(app: Caseloom, clock: SimulatedClock, script: workload.CaseScript) -> float:
    """The seconds the case's commands took; finding its owner (a read) is not counted."""
    began = time.perf_counter()
    ref = str(app.bus.handle(script.opening))
    opening = time.perf_counter() - began
    if case_views.get_case(app.store, ref, app.clock.now()).status == "triage_review":
        began = time.perf_counter()
        app.bus.handle(script.review(ref))  # the models were unsure: a person settles it
        opening += time.perf_counter() - began
    owner = _owner(app, ref)
    began = time.perf_counter()
    for command in script.work(ref, owner):
        clock.advance(STEP)
        app.bus.handle(command)
    return opening + time.perf_counter() - began


def _owner(app: Caseloom, ref: str) -> str:
    case = case_views.get_case(app.store, ref, app.clock.now())
    if case.owner is None or case.status != "assigned":
        raise BenchmarkFailed(
            f"{ref} is {case.status} with owner {case.owner}, not assigned to a rep: "
            "routing must find a rep with spare capacity for every case"
        )
    return case.owner


# -- figures ------------------------------------------------------------------------------------


def _figures(database: Database, flow: FlowRun, rewritten: floor.Floor) -> dict[str, Any]:
    cases = len(flow.latencies)
    timed = sum(flow.latencies)
    flow_rate = cases / timed
    floor_rate = cases / rewritten.seconds
    return {
        "status": "measured",
        "version": database.version,
        "flow": {
            "cases": cases,
            "seconds": round(timed, 3),
            "wall_seconds": round(flow.wall_seconds, 3),
            "cases_per_second": round(flow_rate, 1),
            "latency_ms": latency_ms(flow.latencies),
        },
        "journeys": {"verified": flow.journeys_verified, "broken": flow.journeys_broken},
        "floor": {
            "rows": dict(rewritten.rows),
            "total_rows": rewritten.total_rows,
            "seconds": round(rewritten.seconds, 4),
            "rows_per_second": round(rewritten.total_rows / rewritten.seconds),
            "cases_per_second": round(floor_rate, 1),
        },
        "flow_over_floor": round(flow_rate / floor_rate, 4),
    }


def latency_ms(latencies: Sequence[float]) -> dict[str, float]:
    ordered = sorted(latencies)
    figures = {f"p{p}": _nearest_rank(ordered, p) for p in PERCENTILES}
    figures |= {"max": ordered[-1], "mean": sum(ordered) / len(ordered)}
    return {key: round(seconds * 1000, 2) for key, seconds in figures.items()}


def _nearest_rank(ordered: Sequence[float], percentile: int) -> float:
    return ordered[max(math.ceil(percentile / 100 * len(ordered)) - 1, 0)]


HEADERS = (
    "database",
    "cases",
    "cases/s",
    "p50 ms",
    "p95 ms",
    "p99 ms",
    "max ms",
    "floor cases/s",
    "flow/floor",
)


def _table(figures: dict[str, Any]) -> str:
    rows = [_row(name, result) for name, result in figures["databases"].items()]
    host = figures["machine"]
    caption = (
        f"Core throughput, {figures['cases']} cases, {host['date']}: {host['cpu']}, "
        f"{host['cores']} cores, Python {host['python']}, load average "
        f"{host['load_average_before'][0]} before, {host['load_average_after'][0]} after\n\n"
    )
    notes = "".join(
        f"\n{name} skipped: {result['reason']}\n"
        for name, result in figures["databases"].items()
        if result["status"] == "skipped"
    )
    return caption + markdown_table(HEADERS, rows) + notes


def _row(name: str, result: dict[str, Any]) -> list[str]:
    if result["status"] == "skipped":
        return [name, "skipped", *["-"] * (len(HEADERS) - 2)]
    flow, latency = result["flow"], result["flow"]["latency_ms"]
    return [
        f"{name} {result['version'].split()[0]}",
        str(flow["cases"]),
        f"{flow['cases_per_second']:.1f}",
        *(f"{latency[key]:.1f}" for key in ("p50", "p95", "p99", "max")),
        f"{result['floor']['cases_per_second']:,.0f}",
        f"{result['flow_over_floor']:.2%}",
    ]
