"""Batch assignment by solving the assignment problem (SciPy's `linear_sum_assignment`).

Placing case i on rep j is worth `case_weight(i) + score(i, j)`: the case's weight (priority,
then SLA urgency) plus the rep's score for it under the team's model, so the most urgent cases
are placed first and each well. Each rep is split into slots, one per case they could still take
(no more than the cases they fit), and the solver gives each case at most one slot so that the
total value is greatest.

No "stay queued" columns. Every value is positive (priority is 1 to 4, so a case's weight is at
least 10; scores are in [0, 1]), so an ineligible pair is given the value of staying queued, 0,
and dropped after solving. Any full assignment of the rectangular matrix is then a set of
placements worth the same, and any set of placements extends to a full assignment worth at least
as much: the optimum is the one the dummy columns give, on a smaller matrix. Cases nobody can
take and reps who fit no case are left out before solving.

Exactness. When every case takes the same units (the usual batch: one team, one channel) the
result is the best joint assignment. Mixed units make it a generalised assignment problem
(NP-hard): slots are sized for the smallest case, placements are kept in queue order while they
fit, the cases left over are solved again on what is left, and if a plain queue-order greedy over
the same values is worth more, that is kept instead.

Scores. Eligibility and the five factors are worked out for every pair at once with numpy,
formula for formula as `routing.need.rejection` and `routing.scoring` do (the same float
operations in the same order, so the same numbers); candidates are rounded as `scoring.rank` does.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

from caseloom.domain.routing import (
    FACTORS,
    Candidate,
    Placement,
    Selection,
    SelectionModel,
    Shifts,
    Waiting,
    case_weight,
)
from caseloom.domain.routing.scoring import FAIRNESS_HORIZON_S
from caseloom.domain.sla import BusinessCalendar
from caseloom.domain.workforce import MAX_SKILL_LEVEL, Presence, Rep

Floats = NDArray[np.float64]
Ints = NDArray[np.int64]
Mask = NDArray[np.bool_]
Pairs = list[tuple[int, int]]  # (case, rep) positions


@dataclass(frozen=True, slots=True)
class _Roster:
    """The reps as arrays: their levels in the skills the batch's cases want, by column."""

    reps: Sequence[Rep]
    levels: Ints  # reps x skills
    column: dict[str, int]  # skill -> column of `levels`
    row: dict[str, int]  # rep id -> row of `levels`

    @classmethod
    def of(cls, reps: Sequence[Rep], queue: Sequence[Waiting]) -> _Roster:
        names = sorted({name for case in queue for name in case.need.wanted_skills})
        column = {name: k for k, name in enumerate(names)}
        levels = np.zeros((len(reps), len(names)), dtype=np.int64)
        for j, rep in enumerate(reps):
            for name, level in rep.skills.items():
                if name in column:
                    levels[j, column[name]] = level
        return cls(reps, levels, column, {rep.id: j for j, rep in enumerate(reps)})


class OptimalAssigner:
    def assign(
        self,
        queue: Sequence[Waiting],
        reps: Sequence[Rep],
        *,
        selection: Selection,
        now: datetime,
        calendars: Mapping[str, BusinessCalendar],
    ) -> list[Placement]:
        if not queue or not reps:
            return []
        queue = sorted(queue, key=lambda case: case.queue_key)  # row order is queue order
        roster, shifts = _Roster.of(reps, queue), Shifts(calendars, now)
        eligible = _eligible(queue, roster, shifts)
        values = _factors(queue, roster, now)
        score = np.broadcast_to(_score(selection, values, reps), eligible.shape)
        factors = {name: np.broadcast_to(v, eligible.shape) for name, v in values.items()}
        value = np.array([case_weight(case) for case in queue])[:, None] + score
        return [
            Placement(queue[i].ref, reps[j].id, _candidate(reps[j], i, j, factors, score))
            for i, j in _solve(queue, reps, eligible, value)
        ]


def _eligible(queue: Sequence[Waiting], roster: _Roster, shifts: Shifts) -> Mask:
    """`rejection(rep, case.need, shifts) is None` for every pair."""
    reps = roster.reps
    ready = np.array(
        [
            rep.presence is Presence.AVAILABLE
            and (not rep.calendar or shifts.on_shift(rep.calendar))
            for rep in reps
        ]
    )
    eligible = ready[None, :] & (_spare(reps)[None, :] >= _units(queue)[:, None])
    required = np.zeros((len(queue), len(roster.column)), dtype=np.int64)
    for i, case in enumerate(queue):  # a skill both required and optional must meet both
        for skills in (case.need.skills, case.need.optional_skills):
            for name, level in skills.items():
                k = roster.column[name]
                required[i, k] = max(required[i, k], level)
    for skill in np.flatnonzero((required > 0).any(axis=0)):
        rows = np.flatnonzero(required[:, skill] > 0)
        eligible[rows] &= roster.levels[None, :, skill] >= required[rows, skill, None]
    for i, case in enumerate(queue):
        eligible[i, [roster.row[r] for r in case.need.declined if r in roster.row]] = False
    for name in {name for case in queue for name in case.need.certifications}:
        cases = [i for i, case in enumerate(queue) if name in case.need.certifications]
        eligible[cases] &= np.array([rep.certified_on(name, shifts.today) for rep in reps])
    for language in {case.need.language for case in queue if case.need.language}:
        cases = [i for i, case in enumerate(queue) if case.need.language == language]
        eligible[cases] &= np.array([language in rep.languages for rep in reps])
    return eligible


def _factors(queue: Sequence[Waiting], roster: _Roster, now: datetime) -> dict[str, Floats]:
    """`scoring.factors` for every pair; the factors that depend on the rep alone stay vectors."""
    reps = roster.reps
    wanted = np.zeros((len(queue), len(roster.column)))
    for i, case in enumerate(queue):
        wanted[i, [roster.column[name] for name in case.need.wanted_skills]] = 1.0
    counts = wanted.sum(axis=1)[:, None]
    levels = np.minimum(roster.levels, MAX_SKILL_LEVEL).astype(np.float64)
    totals = wanted @ levels.T  # sums of small integers: exact, as in the domain
    skills = np.divide(totals, MAX_SKILL_LEVEL * counts, out=np.ones_like(totals), where=counts > 0)
    continuity = np.zeros_like(skills)
    for i, case in enumerate(queue):
        for owner in case.previous_owners:
            if owner in roster.row:
                continuity[i, roster.row[owner]] = 1.0 if owner == case.previous_owners[0] else 0.5
    fairness = [
        1.0
        if rep.last_assigned_at is None
        else min(1.0, max(0.0, (now - rep.last_assigned_at).total_seconds()) / FAIRNESS_HORIZON_S)
        for rep in reps
    ]
    return {
        "skills": skills,
        "spare_capacity": np.array([max(0, r.capacity - r.load) / r.capacity for r in reps]),
        "sla_urgency": np.array([float(case.urgency) for case in queue])[:, None] * skills,
        "continuity": continuity,
        "fairness": np.array(fairness),
    }


def _score(selection: Selection, values: Mapping[str, Floats], reps: Sequence[Rep]) -> Floats:
    """`scoring._score`, summing the weighted factors in the same order as `scoring.weighted`."""
    model = selection.model
    if model is SelectionModel.BEST_FIT:
        weights = selection.weights
        total = sum(weights.values())
        if not total:
            return np.zeros(len(reps))
        weighted: Floats = values[FACTORS[0]] * weights.get(FACTORS[0], 0.0)
        for name in FACTORS[1:]:
            weighted = weighted + values[name] * weights.get(name, 0.0)
        return weighted / total
    if model is SelectionModel.LEAST_ACTIVE:
        return np.array([1 / (1 + rep.items) for rep in reps])
    if model is SelectionModel.MOST_AVAILABLE:
        return np.array([1 - 1 / (1 + max(0, r.capacity - r.load)) for r in reps])
    return values["fairness"]


def _solve(queue: Sequence[Waiting], reps: Sequence[Rep], eligible: Mask, value: Floats) -> Pairs:
    """The placements, in queue order."""
    spare, units = _spare(reps), _units(queue)
    placed = _relaxed(eligible, value, spare.copy(), units)
    if len(set(units.tolist())) > 1:  # no longer exact: keep the greedy answer if it is better
        greedy = _greedy(eligible, value, spare.copy(), units)
        if sum(value[p] for p in greedy) > sum(value[p] for p in placed):
            placed = greedy
    return sorted(placed)


def _relaxed(eligible: Mask, value: Floats, spare: Ints, units: Ints) -> Pairs:
    """Solve over slots; keep in queue order what fits and solve again for the rest."""
    waiting = np.ones(len(units), dtype=bool)
    placed: Pairs = []
    while True:
        fits = eligible & waiting[:, None] & (spare[None, :] >= units[:, None])
        found = sorted(_best(fits, value, spare, units))
        kept = 0
        for i, j in found:
            if spare[j] >= units[i]:  # with mixed units a rep's slots may overrun their spare
                spare[j] -= units[i]
                waiting[i] = False
                placed.append((i, j))
                kept += 1
        if kept == len(found):
            return placed


def _greedy(eligible: Mask, value: Floats, spare: Ints, units: Ints) -> Pairs:
    """Each case in queue order takes the most valuable rep with room left."""
    placed: Pairs = []
    for i in range(len(units)):
        fits = eligible[i] & (spare >= units[i])
        if fits.any():
            j = int(np.argmax(np.where(fits, value[i], -np.inf)))
            spare[j] -= units[i]
            placed.append((i, j))
    return placed


def _best(fits: Mask, value: Floats, spare: Ints, units: Ints) -> Pairs:
    """The highest-value set of (case, rep) pairs, each rep with spare // smallest-units slots."""
    rows, reps = np.flatnonzero(fits.any(axis=1)), np.flatnonzero(fits.any(axis=0))
    if not rows.size:
        return []
    slots = np.minimum(spare[reps] // units[rows].min(), fits[:, reps].sum(axis=0))
    slot_rep = np.repeat(reps, slots)
    allowed = fits[np.ix_(rows, slot_rep)]
    matrix = np.where(allowed, value[np.ix_(rows, slot_rep)], 0.0)
    chosen_rows, chosen_slots = linear_sum_assignment(matrix, maximize=True)
    return [
        (int(rows[r]), int(slot_rep[s]))
        for r, s in zip(chosen_rows, chosen_slots, strict=True)
        if allowed[r, s]
    ]


def _candidate(rep: Rep, i: int, j: int, factors: Mapping[str, Floats], score: Floats) -> Candidate:
    """The pair's candidate, rounded as `scoring.rank` rounds."""
    rounded = {name: round(float(factors[name][i, j]), 4) for name in FACTORS}
    return Candidate(rep.id, round(float(score[i, j]), 4), rounded)


def _spare(reps: Sequence[Rep]) -> Ints:
    return np.array([rep.capacity - rep.load for rep in reps], dtype=np.int64)


def _units(queue: Sequence[Waiting]) -> Ints:
    return np.array([case.need.units for case in queue], dtype=np.int64)
