"""How eligible reps are ranked: four selection models over the same five factors.

Every factor is in [0, 1] for one (case, rep) pair, so the explanation reads the same whatever
the model:

- skills: the rep's mean level (out of 10) in the skills the case wants; 1 when it wants none.
- spare_capacity: the share of the rep's capacity that is free.
- sla_urgency: the share of the SLA window already used, times the rep's skills factor, so
  the more pressing a case, the more it goes to the strongest rep.
- continuity: 1 for the rep who owned the customer's most recent case, 0.5 for an earlier owner.
- fairness: time since the rep's last assignment, up to an hour, as a share of that hour.

`best_fit` is the weighted mean of the factors; the other models rank by one quantity, also
scored in [0, 1]: round_robin by fairness, least_active by 1 / (1 + open items), and
most_available by 1 - 1 / (1 + spare units).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from caseloom.domain.routing.need import Waiting
from caseloom.domain.routing.spec import FACTORS, SelectionModel
from caseloom.domain.workforce import MAX_SKILL_LEVEL, Rep

NEVER = datetime.min.replace(tzinfo=UTC)
FAIRNESS_HORIZON_S = 3600.0  # idle for this long counts as fully rested


@dataclass(frozen=True, slots=True)
class Candidate:
    rep_id: str
    score: float
    factors: Mapping[str, float]


def factors(rep: Rep, case: Waiting, now: datetime) -> dict[str, float]:
    return _factors(rep, case, tuple(case.need.wanted_skills), now)


def _factors(rep: Rep, case: Waiting, wanted: tuple[str, ...], now: datetime) -> dict[str, float]:
    has = rep.skills
    skills = (
        sum(min(has.get(s, 0), MAX_SKILL_LEVEL) for s in wanted) / (MAX_SKILL_LEVEL * len(wanted))
        if wanted
        else 1.0
    )
    owners = case.previous_owners
    continuity = 0.0
    if owners and rep.id in owners:
        continuity = 1.0 if owners[0] == rep.id else 0.5
    last = rep.last_assigned_at
    fairness = (
        1.0
        if last is None
        else min(1.0, max(0.0, (now - last).total_seconds()) / FAIRNESS_HORIZON_S)
    )
    return {
        "skills": skills,
        "spare_capacity": max(0, rep.capacity - rep.load) / rep.capacity,
        "sla_urgency": case.urgency * skills,
        "continuity": continuity,
        "fairness": fairness,
    }


def weighted(values: Mapping[str, float], weights: Mapping[str, float]) -> float:
    total = sum(weights.values())
    return sum(values[f] * weights.get(f, 0.0) for f in FACTORS) / total if total else 0.0


def rank(
    reps: list[Rep],
    case: Waiting,
    model: SelectionModel,
    weights: Mapping[str, float],
    now: datetime,
) -> list[Candidate]:
    """The eligible `reps`, best first, each with its score and factors.

    Ties go to the rep who has waited longest since their last assignment, then by id.
    """
    scored: list[tuple[tuple[float, datetime, str], Candidate]] = []
    wanted = tuple(case.need.wanted_skills)  # once per case, not per rep
    for rep in reps:
        values = _factors(rep, case, wanted, now)
        score = _score(model, rep, values, weights)
        candidate = Candidate(rep.id, round(score, 4), {k: round(v, 4) for k, v in values.items()})
        scored.append(((-score, rep.last_assigned_at or NEVER, rep.id), candidate))
    scored.sort(key=lambda pair: pair[0])
    return [candidate for _, candidate in scored]


def _score(
    model: SelectionModel, rep: Rep, values: Mapping[str, float], weights: Mapping[str, float]
) -> float:
    if model is SelectionModel.BEST_FIT:
        return weighted(values, weights)
    if model is SelectionModel.LEAST_ACTIVE:
        return 1 / (1 + rep.items)
    if model is SelectionModel.MOST_AVAILABLE:
        return 1 - 1 / (1 + max(0, rep.capacity - rep.load))  # more spare units score higher
    return values["fairness"]  # round robin: the longest since their last assignment
