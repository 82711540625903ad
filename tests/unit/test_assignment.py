"""The optimal batch assigner: it places only eligible pairs, never past a rep's spare units,
scores each pair exactly as the domain does, and is worth at least the plain one-by-one batch."""

from __future__ import annotations

import itertools
import random
from collections import Counter
from collections.abc import Sequence
from datetime import timedelta

import pytest

from caseloom.adapters.assignment import OptimalAssigner
from caseloom.domain.routing import (
    Candidate,
    Need,
    Placement,
    Selection,
    SelectionModel,
    Shifts,
    Waiting,
    case_weight,
    one_by_one,
    rank,
    rejection,
)
from caseloom.domain.sla import BusinessCalendar
from caseloom.domain.workforce import Certification, Presence, Rep
from tests.factories import NOW, make_rep

NIGHTS = BusinessCalendar("nights", "UTC", (((0, 360),),) * 7)  # shut at NOW, 09:00
CALENDARS = {"nights": NIGHTS}
SKILLS = ("billing", "broadband", "gas-safe", "tv")
GAS = Certification("gas", NOW.date() - timedelta(days=30))
BEST_FIT = Selection(SelectionModel.BEST_FIT)
SELECTIONS = (
    BEST_FIT,
    Selection(SelectionModel.BEST_FIT, {"skills": 1.0, "continuity": 2.0, "fairness": 0.5}),
    Selection(SelectionModel.LEAST_ACTIVE),
    Selection(SelectionModel.MOST_AVAILABLE),
    Selection(SelectionModel.ROUND_ROBIN),
)
SELECTION_IDS = ["best_fit", "best_fit_reweighted", "least_active", "most_available", "round_robin"]
SEEDS = range(25)


def random_reps(rng: random.Random, count: int, most_capacity: int = 3) -> list[Rep]:
    reps = []
    for n in range(count):
        capacity = rng.randint(1, most_capacity)
        idle = rng.choice((None, rng.randint(0, 7200)))
        reps.append(
            make_rep(
                f"rep-{n}",
                skills={s: rng.randint(1, 5) for s in SKILLS if rng.random() < 0.6},
                capacity=capacity,
                load=rng.randint(0, capacity),
                presence=rng.choice((Presence.AVAILABLE,) * 4 + (Presence.BUSY, Presence.AWAY)),
                last_assigned_at=None if idle is None else NOW - timedelta(seconds=idle),
                items=rng.randint(0, 4),
                calendar=rng.choice((None, None, None, "nights")),
                languages=rng.choice((("en",), ("en", "fr"))),
                certifications=rng.choice(((), (GAS,))),
            )
        )
    return reps


def random_queue(
    rng: random.Random, count: int, reps: Sequence[Rep], units: Sequence[int] = (1,)
) -> list[Waiting]:
    ids = [rep.id for rep in reps]
    queue = []
    for n in range(count):
        need = Need(
            skills={s: rng.randint(1, 4) for s in rng.sample(SKILLS, rng.randint(0, 2))},
            optional_skills={s: rng.randint(1, 3) for s in rng.sample(SKILLS, rng.randint(0, 1))},
            certifications=("gas",) if rng.random() < 0.15 else (),
            language="fr" if rng.random() < 0.15 else None,
            units=rng.choice(units),
            declined=frozenset(rng.sample(ids, 1)) if ids and rng.random() < 0.2 else frozenset(),
        )
        queue.append(
            Waiting(
                f"CS-{n:06d}",
                need,
                rng.randint(1, 4),
                NOW - timedelta(minutes=rng.randint(0, 600)),
                urgency=round(rng.random(), 4),
                previous_owners=tuple(rng.sample(ids, min(2, len(ids))))
                if rng.random() < 0.4
                else (),
            )
        )
    return queue


def assign(
    queue: Sequence[Waiting], reps: Sequence[Rep], selection: Selection = BEST_FIT
) -> list[Placement]:
    return OptimalAssigner().assign(queue, reps, selection=selection, now=NOW, calendars=CALENDARS)


def plain(
    queue: Sequence[Waiting], reps: Sequence[Rep], selection: Selection = BEST_FIT
) -> list[Placement]:
    return one_by_one(queue, reps, selection=selection, now=NOW, calendars=CALENDARS)


def total_value(queue: Sequence[Waiting], placements: Sequence[Placement]) -> float:
    weight = {case.ref: case_weight(case) for case in queue}
    return sum(weight[p.ref] + p.candidate.score for p in placements)


def units_over_spare(
    queue: Sequence[Waiting], reps: Sequence[Rep], placements: Sequence[Placement]
) -> dict[str, int]:
    units = {case.ref: case.need.units for case in queue}
    taken: Counter[str] = Counter()
    for p in placements:
        taken[p.rep_id] += units[p.ref]
    return {
        rep.id: taken[rep.id] - rep.spare_capacity
        for rep in reps
        if taken[rep.id] > rep.spare_capacity
    }


@pytest.mark.parametrize("units", [(1,), (1, 2, 3)], ids=["same units", "mixed units"])
@pytest.mark.parametrize("seed", SEEDS)
def test_every_placement_is_eligible_and_no_rep_takes_more_than_their_spare_units(
    seed: int, units: tuple[int, ...]
) -> None:
    rng = random.Random(seed)
    reps = random_reps(rng, rng.randint(3, 8))
    queue = random_queue(rng, rng.randint(4, 12), reps, units)
    placements = assign(queue, reps)
    cases, by_id = {c.ref: c for c in queue}, {r.id: r for r in reps}
    shifts = Shifts(CALENDARS, NOW)
    reasons = [rejection(by_id[p.rep_id], cases[p.ref].need, shifts) for p in placements]
    assert reasons == [None] * len(placements)
    assert units_over_spare(queue, reps, placements) == {}
    assert len({p.ref for p in placements}) == len(placements)


@pytest.mark.parametrize("seed", SEEDS)
def test_a_case_left_waiting_fits_no_rep_with_units_to_spare(seed: int) -> None:
    rng = random.Random(seed)
    reps = random_reps(rng, rng.randint(3, 8))
    queue = random_queue(rng, rng.randint(4, 12), reps)
    placements = assign(queue, reps)
    placed = {p.ref for p in placements}
    taken = Counter(p.rep_id for p in placements)
    shifts = Shifts(CALENDARS, NOW)
    still_placeable = [
        (case.ref, rep.id)
        for case in queue
        if case.ref not in placed
        for rep in reps
        if rejection(rep, case.need, shifts) is None and taken[rep.id] < rep.spare_capacity
    ]
    assert still_placeable == []


@pytest.mark.parametrize("selection", SELECTIONS, ids=SELECTION_IDS)
@pytest.mark.parametrize("seed", SEEDS)
def test_a_placement_carries_the_score_and_factors_the_domain_ranks_the_pair_with(
    seed: int, selection: Selection
) -> None:
    rng = random.Random(seed)
    reps = random_reps(rng, 12)
    queue = random_queue(rng, 12, reps)
    placements = assign(queue, reps, selection)
    cases, by_id = {c.ref: c for c in queue}, {r.id: r for r in reps}
    expected = [
        rank([by_id[p.rep_id]], cases[p.ref], selection.model, selection.weights, NOW)[0]
        for p in placements
    ]
    assert len(placements) >= 1
    assert [p.candidate for p in placements] == expected
    assert [p.rep_id for p in placements] == [c.rep_id for c in expected]


@pytest.mark.parametrize("seed", SEEDS)
def test_the_joint_assignment_is_the_best_there_is_and_worth_at_least_one_by_one(
    seed: int,
) -> None:
    rng = random.Random(seed)
    reps = random_reps(rng, 3, most_capacity=2)
    queue = random_queue(rng, 5, reps)
    placements = assign(queue, reps)
    assert total_value(queue, placements) == pytest.approx(
        best_by_brute_force(queue, reps), abs=1e-3
    )
    assert total_value(queue, placements) >= total_value(queue, plain(queue, reps))


@pytest.mark.parametrize("seed", SEEDS)
def test_a_larger_batch_is_worth_at_least_one_by_one(seed: int) -> None:
    rng = random.Random(seed)
    reps = random_reps(rng, 15)
    queue = random_queue(rng, 30, reps)
    optimal, greedy = assign(queue, reps), plain(queue, reps)
    assert len(optimal) >= len(greedy)
    assert total_value(queue, optimal) >= total_value(queue, greedy)


def best_by_brute_force(queue: Sequence[Waiting], reps: Sequence[Rep]) -> float:
    """The highest total value over every way of placing or leaving each case."""
    shifts = Shifts(CALENDARS, NOW)
    worth = {
        (case.ref, rep.id): case_weight(case)
        + rank([rep], case, BEST_FIT.model, BEST_FIT.weights, NOW)[0].score
        for case in queue
        for rep in reps
        if rejection(rep, case.need, shifts) is None
    }
    best = 0.0
    for choice in itertools.product([None, *reps], repeat=len(queue)):
        taken = Counter(rep.id for rep in choice if rep)
        if any(taken[rep.id] > rep.spare_capacity for rep in reps):
            continue
        pairs = [(case.ref, rep.id) for case, rep in zip(queue, choice, strict=True) if rep]
        if all(pair in worth for pair in pairs):
            best = max(best, sum(worth[pair] for pair in pairs))
    return best


def test_a_case_moves_to_a_weaker_rep_so_that_the_case_only_the_expert_can_take_is_placed() -> None:
    expert = make_rep("rep-expert", skills={"billing": 5, "broadband": 5}, capacity=1)
    novice = make_rep("rep-novice", skills={"billing": 1}, capacity=1)
    billing = Waiting("CS-000001", Need({"billing": 1}), 2, NOW - timedelta(hours=1))
    broadband = Waiting("CS-000002", Need({"broadband": 3}), 2, NOW)
    queue = [billing, broadband]
    greedy = plain(queue, [expert, novice])
    optimal = assign(queue, [expert, novice])
    assert [(p.ref, p.rep_id) for p in greedy] == [("CS-000001", "rep-expert")]
    assert [(p.ref, p.rep_id) for p in optimal] == [
        ("CS-000001", "rep-novice"),
        ("CS-000002", "rep-expert"),
    ]
    assert optimal[0].candidate == Candidate(
        "rep-novice",
        0.33,
        {
            "skills": 0.1,
            "spare_capacity": 1.0,
            "sla_urgency": 0.0,
            "continuity": 0.0,
            "fairness": 1.0,
        },
    )
    assert total_value(queue, optimal) == pytest.approx(30.33 + 30.45)


def test_a_more_urgent_case_takes_the_only_slot_even_from_a_better_fitting_older_case() -> None:
    rep = make_rep("rep-a", skills={"billing": 5}, capacity=2, load=1)
    older = Waiting(
        "CS-000001",
        Need({"billing": 1}),
        3,
        NOW - timedelta(hours=5),
        urgency=0.9,
        previous_owners=("rep-a",),
    )
    urgent = Waiting("CS-000002", Need({"billing": 1}), 1, NOW)
    placements = assign([older, urgent], [rep])
    assert [(p.ref, p.rep_id) for p in placements] == [("CS-000002", "rep-a")]


def test_with_mixed_units_the_first_in_queue_order_keep_their_place_and_the_rest_fill_in() -> None:
    rep = make_rep("rep-a", skills={"billing": 3}, capacity=4, load=1)
    queue = [
        Waiting(f"CS-00000{n}", Need({"billing": 1}, units=units), priority, NOW)
        for n, (units, priority) in enumerate([(2, 1), (2, 2), (1, 3)], start=1)
    ]
    placements = assign(queue, [rep])
    assert [(p.ref, p.rep_id) for p in placements] == [
        ("CS-000001", "rep-a"),
        ("CS-000003", "rep-a"),
    ]


def test_an_empty_queue_no_reps_or_nobody_eligible_places_nothing() -> None:
    away = make_rep("rep-away", skills={"billing": 5}, presence=Presence.AWAY)
    unskilled = make_rep("rep-new", skills={"billing": 1})
    full = make_rep("rep-full", skills={"billing": 5}, capacity=2, load=2)
    case = Waiting("CS-000001", Need({"billing": 3}), 2, NOW)
    assert assign([], [unskilled]) == []
    assert assign([case], []) == []
    assert assign([case], [away, unskilled, full]) == []
