"""The dispatch solvers on Solomon's VRPTW benchmark: 56 instances of 100 customers.

`python -m bench.dispatch_solomon [--budget S] [--only C101 R205 ...]`

Each instance becomes a `DispatchProblem` as the product would build one: the depot is every
shift's start and end, one shift per vehicle of the fleet (its capacity, the depot's hours),
a visit per customer (demand, service time, window on the start of service). Times are
Solomon's units times 1000, travel rounded up so a plan that fits in whole numbers also fits in
real arithmetic; every plan is then checked against the real distances by the domain's own
`violations`, not by the solver that made it. VROOM and OR-Tools get the same budget per
instance. The data lives in ../shared/data (not shipped); without it this is skipped.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from itertools import pairwise
from pathlib import Path
from typing import Any

from bench import machine
from bench.report import Outcome, markdown_table
from caseloom.adapters.dispatch import OrToolsSolver, VroomSolver
from caseloom.domain.field.dispatch import (
    DispatchPlan,
    DispatchProblem,
    Shift,
    Visit,
    Window,
    violations,
)
from caseloom.service_layer.ports import DispatchSolver

NAME = "dispatch_solomon"
DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "solomon-vrptw"
SCALE = 1000  # Solomon's units to whole seconds
BUDGET = 5.0  # seconds per instance and solver
GROUPS = ("C1", "C2", "R1", "R2", "RC1", "RC2")
TARGET_GAP = 3.0  # per cent over the distance-only best known, on average
TARGET_SECONDS = 10.0  # per instance
SOLVERS: dict[str, Callable[[], DispatchSolver]] = {
    "vroom": lambda: VroomSolver(exploration_level=5, threads=2),
    "ortools": OrToolsSolver,
}


@dataclass(frozen=True, slots=True)
class Instance:
    name: str
    group: str
    problem: DispatchProblem
    distance: Sequence[Sequence[float]]  # real Euclidean, in Solomon's units


def run(cases: int) -> Outcome:
    """For `python -m bench`: every instance at the default budget (`cases` does not apply)."""
    return measure(BUDGET, only=())


def measure(budget: float, only: Sequence[str]) -> Outcome:
    if not DATA.exists():
        reason = f"{DATA} is absent: the Solomon benchmark is skipped"
        print(reason)
        return Outcome(NAME, {"skipped": reason}, f"### Dispatch on Solomon VRPTW\n\n{reason}\n")
    best = _best_known()
    described = machine.describe(None)
    wanted = {name.upper() for name in only}
    rows = []
    for path in sorted((DATA / "instances_json").glob("*.json")):
        instance = load(path)
        if wanted and instance.name not in wanted:
            continue
        rows.append(_measure(instance, best[instance.name], budget))
        print(_progress(rows[-1]), flush=True)
    described["load_average_after"] = machine.load_average()
    figures = {"machine": described, "budget_seconds": budget, "scale": SCALE}
    summary = _summaries(rows)
    targets = {"mean_gap_percent": TARGET_GAP, "seconds": TARGET_SECONDS, "met": _met(summary)}
    figures |= {"targets": targets, "summary": summary, "instances": rows}
    return Outcome(NAME, figures, _table(figures))


def load(path: Path) -> Instance:
    raw = json.loads(path.read_text(encoding="utf-8"))
    customers = sorted(raw["customers"], key=lambda c: c["id"])
    points = [(float(c["x"]), float(c["y"])) for c in customers]
    distance = [[math.dist(a, b) for b in points] for a in points]
    depot = customers[0]
    hours = Window(depot["earliest"] * SCALE, depot["latest"] * SCALE)
    shifts = tuple(
        Shift(f"v{n}", f"vehicle {n}", 0, hours, end=0, capacity=int(raw["capacity"]))
        for n in range(1, int(raw["vehicle-nr"]) + 1)
    )
    visits = tuple(
        Visit(
            str(c["id"]),
            place=c["id"],
            service=c["cost"] * SCALE,
            windows=(Window(c["earliest"] * SCALE, c["latest"] * SCALE),),
            load=int(c["demand"]),
        )
        for c in customers[1:]
    )
    durations = [[math.ceil(d * SCALE) for d in row] for row in distance]
    name = str(raw["instance"]).strip().upper()  # RC203 is spelled "RC203 "
    return Instance(name, _group(name), DispatchProblem(durations, shifts, visits), distance)


def _group(name: str) -> str:
    """C101 -> C1, RC208 -> RC2."""
    letters = name.rstrip("0123456789")
    return letters + name[len(letters)]


def _best_known() -> dict[str, dict[str, Any]]:
    """Both tables: fewest vehicles then distance, and distance alone (edges truncated)."""
    best: dict[str, dict[str, Any]] = {}
    with (DATA / "bks_solomon_100.csv").open(encoding="utf-8") as table:
        for row in csv.DictReader(table):
            best[row["instance"]] = {
                "hierarchical": {
                    "vehicles": int(row["vehicles"]),
                    "distance": float(row["distance"]),
                }
            }
    with (DATA / "bks_distance_only_solomon_100.csv").open(encoding="utf-8") as table:
        for row in csv.DictReader(table):
            best[row["instance"]]["distance_only"] = {
                "vehicles": int(row["vehicles"]) if row["vehicles"] else None,  # some unpublished
                "distance": float(row["distance_trunc1"]),
            }
    return best


def _measure(instance: Instance, best: dict[str, Any], budget: float) -> dict[str, Any]:
    row: dict[str, Any] = {"instance": instance.name, "group": instance.group, "best": best}
    for name, make in SOLVERS.items():
        began = time.perf_counter()
        plan = make().solve(instance.problem, timedelta(seconds=budget))
        row[name] = _result(instance, plan, time.perf_counter() - began, best)
    return row


def _result(
    instance: Instance, plan: DispatchPlan, seconds: float, best: dict[str, Any]
) -> dict[str, Any]:
    real = [[d * SCALE for d in row] for row in instance.distance]
    found = violations(instance.problem, plan, travel=real)
    distance = truncated = 0.0
    for route in plan.used:
        places = [0, *(int(stop.visit) for stop in route.stops), 0]
        for a, b in pairwise(places):
            distance += instance.distance[a][b]
            truncated += math.floor(instance.distance[a][b] * 10) / 10
    truncated = round(truncated, 1)  # sums of one-decimal legs, without float residue
    reference = best["distance_only"]["distance"]
    return {
        "solver": plan.solver,
        "vehicles": len(plan.used),
        "distance": round(distance, 2),
        "distance_truncated": truncated,
        "gap_percent": round((truncated - reference) / reference * 100, 2),
        "unassigned": len(plan.unassigned),
        "feasible": not found and not plan.unassigned,
        "violations": [f"{v.where}: {v.what}" for v in found[:5]],
        "seconds": round(seconds, 2),
    }


def _summaries(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    groups = {g: [r for r in rows if r["group"] == g] for g in GROUPS}
    summary = {g: _summary(members) for g, members in groups.items() if members}
    if rows:
        summary["all"] = _summary(rows)
    return summary


def _summary(rows: Sequence[dict[str, Any]]) -> dict[str, Any]:
    figures: dict[str, Any] = {"instances": len(rows)}
    for name in SOLVERS:
        results = [r[name] for r in rows]
        figures[name] = {
            "vehicles": sum(r["vehicles"] for r in results),
            "distance": round(sum(r["distance"] for r in results), 2),
            "mean_gap_percent": round(statistics.fmean(r["gap_percent"] for r in results), 2),
            "max_gap_percent": max(r["gap_percent"] for r in results),
            "mean_seconds": round(statistics.fmean(r["seconds"] for r in results), 2),
            "max_seconds": max(r["seconds"] for r in results),
            "feasible": sum(r["feasible"] for r in results),
        }
    figures["best"] = {
        table: {
            "vehicles": _total([r["best"][table]["vehicles"] for r in rows]),
            "distance": round(sum(r["best"][table]["distance"] for r in rows), 2),
        }
        for table in ("distance_only", "hierarchical")
    }
    return figures


def _met(summary: dict[str, Any]) -> dict[str, bool]:
    """Per solver: mean gap and longest solve within the targets, every plan feasible."""
    overall = summary.get("all")
    if overall is None:
        return {}
    return {
        name: overall[name]["mean_gap_percent"] <= TARGET_GAP
        and overall[name]["max_seconds"] <= TARGET_SECONDS
        and overall[name]["feasible"] == overall["instances"]
        for name in SOLVERS
    }


def _total(counts: Sequence[int | None]) -> int | None:
    """A sum, or None when a count is unknown."""
    return None if None in counts else sum(c for c in counts if c is not None)


def _pair(best: dict[str, Any], distance: str) -> str:
    """Vehicles / distance; "?" where the table gives no vehicle count."""
    vehicles = "?" if best["vehicles"] is None else str(best["vehicles"])
    return f"{vehicles} / {distance.format(best['distance'])}"


def _progress(row: dict[str, Any]) -> str:
    parts = [f"{name} {_brief(row[name])}" for name in SOLVERS]
    return f"{row['instance']:6} " + " | ".join(parts)


def _brief(result: dict[str, Any]) -> str:
    infeasible = "" if result["feasible"] else " INFEASIBLE"
    return (
        f"{result['vehicles']} veh {result['distance']:.1f} ({result['gap_percent']:+.2f}%) "
        f"{result['seconds']:.1f}s{infeasible}"
    )


GROUP_HEADERS = (
    "group",
    "best: veh / dist (distance only)",
    "best: veh / dist (fewest vehicles)",
    *(
        f"{name}: {label}"
        for name in SOLVERS
        for label in ("veh / dist", "gap mean / max", "max s", "feasible")
    ),
)
INSTANCE_HEADERS = (
    "instance",
    "best (distance only)",
    "best (fewest vehicles)",
    *(f"{name}: veh / dist / gap / s" for name in SOLVERS),
)


def _table(figures: dict[str, Any]) -> str:
    groups = [_group_row(name, s) for name, s in figures["summary"].items()]
    instances = [_instance_row(row) for row in figures["instances"]]
    budget = figures["budget_seconds"]
    met = ", ".join(
        f"{name} {'met' if ok else 'not met'}" for name, ok in figures["targets"]["met"].items()
    )
    return (
        f"### Dispatch on Solomon VRPTW (100 customers, {budget:g} s per instance and solver)\n\n"
        "Gap: total distance over the distance-only best known, both with each leg truncated to "
        "one decimal as that table counts it; distances shown are real Euclidean.\n\n"
        + markdown_table(GROUP_HEADERS, groups)
        + "\n"
        + markdown_table(INSTANCE_HEADERS, instances)
        + f"\nTargets (mean gap ≤ {TARGET_GAP:g}%, every solve ≤ {TARGET_SECONDS:g} s, every plan "
        f"feasible): {met}.\n"
    )


def _group_row(name: str, summary: dict[str, Any]) -> list[str]:
    best = summary["best"]
    cells = [
        name,
        _pair(best["distance_only"], "{:,.1f}"),
        _pair(best["hierarchical"], "{:,.1f}"),
    ]
    for solver in SOLVERS:
        s = summary[solver]
        cells += [
            f"{s['vehicles']} / {s['distance']:,.1f}",
            f"{s['mean_gap_percent']:.2f}% / {s['max_gap_percent']:.2f}%",
            f"{s['max_seconds']:.1f}",
            f"{s['feasible']}/{summary['instances']}",
        ]
    return cells


def _instance_row(row: dict[str, Any]) -> list[str]:
    best = row["best"]
    cells = [
        row["instance"],
        _pair(best["distance_only"], "{:.1f}"),
        _pair(best["hierarchical"], "{:.2f}"),
    ]
    for solver in SOLVERS:
        r = row[solver]
        mark = "" if r["feasible"] else " ✗"
        cells.append(
            f"{r['vehicles']} / {r['distance']:.2f} / {r['gap_percent']:+.2f}% / "
            f"{r['seconds']:.1f}{mark}"
        )
    return cells


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.dispatch_solomon", description=__doc__)
    parser.add_argument("--budget", type=float, default=BUDGET, help="seconds per solve (5)")
    parser.add_argument("--only", nargs="+", default=(), help="instances, e.g. C101 R205")
    arguments = parser.parse_args()
    outcome = measure(arguments.budget, arguments.only)
    print(f"\n{outcome.table}")
    if not arguments.only:  # a partial run does not replace the saved figures
        print(f"saved {', '.join(str(path) for path in outcome.save())}")


if __name__ == "__main__":
    main()
