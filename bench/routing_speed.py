"""Routing speed on a seeded synthetic roster: one decision over a large team, and a batch.

Decision: `decide` for one case over 5,000 reps and 50 skills with a best-fit selection, timed
one call at a time. About 60% of the reps are available, loads vary, and a case needs one or two
skills of one product family. Each decision allocates a rejection per ineligible rep, so now and
then one of them pays for a full garbage collection of the whole process (with numpy, SciPy and
SQLAlchemy loaded, well over 100,000 objects). The decisions are timed twice: as the interpreter
runs by default, and after `gc.freeze()` of the start-up heap, as a long-running worker may do,
so that a full collection only looks at what was allocated since.

Batch: 1,000 waiting cases (one to three skills each) over 1,000 reps with capacity 1 to 5:
`OptimalAssigner` (the median of three runs) against `one_by_one`, each with the placements it
makes, their total value (case weight plus score, summed) and their mean score.
"""

from __future__ import annotations

import gc
import random
import statistics
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from bench import machine
from bench.core_throughput import latency_ms
from bench.report import Outcome, markdown_table
from caseloom.adapters.assignment import OptimalAssigner
from caseloom.domain.routing import (
    Need,
    Placement,
    Selection,
    SelectionModel,
    Shifts,
    Waiting,
    case_weight,
    decide,
    one_by_one,
    rejection,
)
from caseloom.domain.sla import ALWAYS, BusinessCalendar
from caseloom.domain.workforce import Certification, Presence, Rep

NAME = "routing_speed"
TARGETS = {"decision_p99_ms": 5.0, "batch_seconds": 1.0}
SEED = 20261126
NOW = datetime(2026, 11, 26, 10, 0, tzinfo=UTC)  # a Thursday morning
FAMILIES, FAMILY_SIZE = 10, 5  # 50 skills: ten product families of five
SKILLS = tuple(f"skill-{n:02d}" for n in range(FAMILIES * FAMILY_SIZE))
DECISION_REPS = 5000
MIN_DECISIONS = 1000
BATCH_CASES = BATCH_REPS = 1000
BATCH_RUNS = 3  # the optimal assigner's time is the median of these
SELECTION = Selection(SelectionModel.BEST_FIT)
NIGHTS = BusinessCalendar("nights", weekly=(((0, 360), (1320, 1440)),) * 7)  # shut at NOW
CALENDARS = {ALWAYS.name: ALWAYS, NIGHTS.name: NIGHTS}
PRESENCE = (Presence.AVAILABLE, Presence.BUSY, Presence.AWAY, Presence.OFFLINE)
PRESENCE_WEIGHTS = (60, 20, 8, 12)
GAS_SAFE = Certification("gas-safe", NOW.date() - timedelta(days=300))


def run(cases: int) -> Outcome:
    rng = random.Random(SEED)
    figures: dict[str, Any] = {
        "machine": machine.describe(None),
        "decision": _decisions(rng, max(cases, MIN_DECISIONS)),
        "batch": _batch(rng),
        "targets": TARGETS,
    }
    return Outcome(NAME, figures, _table(figures))


def _decisions(rng: random.Random, count: int) -> dict[str, Any]:
    reps = [_rep(rng, n) for n in range(DECISION_REPS)]
    ids = [rep.id for rep in reps]
    queue = [_waiting(rng, n, ids, most_skills=2) for n in range(count)]
    heap_objects = len(gc.get_objects())
    default = _timed_decisions(reps, queue)
    gc.collect()
    gc.freeze()
    try:
        frozen = _timed_decisions(reps, queue)
    finally:
        gc.unfreeze()
    available = sum(rep.presence is Presence.AVAILABLE for rep in reps)
    return {
        "reps": len(reps),
        "skills": len(SKILLS),
        "decisions": count,
        "available_share": round(available / len(reps), 3),
        "eligible_mean": default.pop("eligible_mean"),
        "heap_objects": heap_objects,
        **default,
        "frozen_heap": {key: frozen[key] for key in ("latency_ms", "full_collections")},
    }


def _timed_decisions(reps: Sequence[Rep], queue: Sequence[Waiting]) -> dict[str, Any]:
    full_collections = gc.get_stats()[2]["collections"]
    latencies, eligible = [], []
    for case in queue:
        began = time.perf_counter()
        decision = decide(
            reps,
            case,
            team="bench",
            selection=SELECTION,
            rule="bench",
            now=NOW,
            calendars=CALENDARS,
        )
        latencies.append(time.perf_counter() - began)
        eligible.append(len(decision.ranked))
    return {
        "eligible_mean": round(statistics.mean(eligible), 1),
        "latency_ms": latency_ms(latencies),
        "full_collections": gc.get_stats()[2]["collections"] - full_collections,
    }


def _batch(rng: random.Random) -> dict[str, Any]:
    reps = [_rep(rng, n) for n in range(BATCH_REPS)]
    ids = [rep.id for rep in reps]
    queue = [_waiting(rng, n, ids, most_skills=3) for n in range(BATCH_CASES)]
    optimal = OptimalAssigner()
    runs = [
        _timed(
            lambda: optimal.assign(queue, reps, selection=SELECTION, now=NOW, calendars=CALENDARS)
        )
        for _ in range(BATCH_RUNS)
    ]
    times, placements = [seconds for seconds, _ in runs], runs[-1][1]
    plain_seconds, plain = _timed(
        lambda: one_by_one(queue, reps, selection=SELECTION, now=NOW, calendars=CALENDARS)
    )
    return {
        "cases": len(queue),
        "reps": len(reps),
        "spare_units": sum(rep.spare_capacity for rep in reps if _ready(rep)),
        "optimal": {
            **_worth(queue, placements),
            "seconds": round(statistics.median(times), 3),
            "runs": [round(t, 3) for t in times],
        },
        "one_by_one": {**_worth(queue, plain), "seconds": round(plain_seconds, 3)},
    }


def _ready(rep: Rep) -> bool:
    """Whether the rep could take a one-unit case with no skills now."""
    return rejection(rep, Need(), Shifts(CALENDARS, NOW)) is None


def _timed(assign: Callable[[], list[Placement]]) -> tuple[float, list[Placement]]:
    began = time.perf_counter()
    placements = assign()
    return time.perf_counter() - began, placements


def _worth(queue: Sequence[Waiting], placements: Sequence[Placement]) -> dict[str, Any]:
    weight = {case.ref: case_weight(case) for case in queue}
    scores = [p.candidate.score for p in placements]
    return {
        "placed": len(placements),
        "total_value": round(sum(weight[p.ref] + p.candidate.score for p in placements), 2),
        "mean_score": round(statistics.mean(scores), 4) if scores else 0.0,
    }


def _rep(rng: random.Random, n: int) -> Rep:
    capacity = rng.randint(1, 5)
    load = rng.randint(0, capacity)
    families = rng.sample(range(FAMILIES), rng.randint(1, 2))
    skills = {
        SKILLS[family * FAMILY_SIZE + k]: rng.randint(1, 10)
        for family in families
        for k in range(FAMILY_SIZE)
        if rng.random() < 0.7
    }
    idle = None if rng.random() < 0.1 else timedelta(seconds=rng.randint(0, 7200))
    return Rep(
        f"rep-{n:05d}",
        f"Rep {n}",
        f"rep-{n}@example.com",
        ("bench",),
        skills,
        capacity,
        languages=("en", "fr") if rng.random() < 0.2 else ("en",),
        presence=rng.choices(PRESENCE, PRESENCE_WEIGHTS)[0],
        load=load,
        items=load,
        last_assigned_at=None if idle is None else NOW - idle,
        calendar=rng.choice((None, None, None, ALWAYS.name, NIGHTS.name)),
        certifications=(GAS_SAFE,) if rng.random() < 0.3 else (),
    )


def _waiting(rng: random.Random, n: int, rep_ids: Sequence[str], most_skills: int) -> Waiting:
    family = rng.randrange(FAMILIES)
    wanted = rng.sample(range(FAMILY_SIZE), rng.randint(1, most_skills))
    need = Need(
        skills={SKILLS[family * FAMILY_SIZE + k]: rng.randint(1, 6) for k in wanted},
        certifications=("gas-safe",) if rng.random() < 0.05 else (),
        language="fr" if rng.random() < 0.05 else None,
        declined=frozenset(rng.sample(rep_ids, 2)) if rng.random() < 0.1 else frozenset(),
    )
    opened = NOW - timedelta(minutes=rng.randint(1, 600))
    return Waiting(
        f"CASE-{n:05d}",
        need,
        rng.choice((1, 2, 2, 3, 3, 3, 4)),
        opened,
        queued_at=opened,
        due_at=opened + timedelta(hours=rng.choice((4, 8, 24))),
        urgency=round(rng.random(), 4),
        previous_owners=tuple(rng.sample(rep_ids, 2)) if rng.random() < 0.3 else (),
    )


def _table(figures: dict[str, Any]) -> str:
    decision, batch = figures["decision"], figures["batch"]
    decision_rows = [
        [
            label,
            f"{timed['full_collections']}",
            f"{timed['latency_ms']['p50']:.2f}",
            f"{timed['latency_ms']['p99']:.2f}",
            f"{timed['latency_ms']['max']:.2f}",
        ]
        for label, timed in (
            ("default", decision),
            ("start-up heap frozen", decision["frozen_heap"]),
        )
    ]
    decision_headers = ["garbage collector", "full collections", "p50 ms", "p99 ms (≤ 5)", "max ms"]
    batch_rows = [
        [
            label,
            f"{batch[key]['seconds']:.3f}",
            f"{batch[key]['placed']:,}",
            f"{batch[key]['total_value']:,.2f}",
            f"{batch[key]['mean_score']:.4f}",
        ]
        for label, key in (("optimal, median of 3", "optimal"), ("one by one", "one_by_one"))
    ]
    batch_headers = ["assigner", "seconds (≤ 1)", "placed", "total value", "mean score"]
    return (
        "### Routing speed\n\n"
        f"One decision: {decision['decisions']:,} cases, each over {decision['reps']:,} reps and "
        f"{decision['skills']} skills ({decision['eligible_mean']:,} eligible on average).\n\n"
        + markdown_table(decision_headers, decision_rows)
        + f"\nBatch: {batch['cases']:,} waiting cases over {batch['reps']:,} reps ("
        f"with {batch['spare_units']:,} spare units among those available and on shift).\n\n"
        + markdown_table(batch_headers, batch_rows)
    )
