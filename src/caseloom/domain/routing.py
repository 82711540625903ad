"""Routing decisions: which rep in a team takes a case, and why every other rep did not.

Pure functions: they return a `RoutingDecision`; the routing agent applies it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from caseloom.domain.case import Case
from caseloom.domain.policy import SelectionModel
from caseloom.domain.workforce import Rep, missing_skills

NEVER = datetime.min.replace(tzinfo=UTC)
RANKED_SHOWN = 10  # candidates kept on the journey entry, best first
REJECTED_SHOWN = 50  # rejections kept on the journey entry


@dataclass(frozen=True, slots=True)
class Candidate:
    rep_id: str
    score: float
    factors: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Rejection:
    rep_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    team: str
    chosen: Candidate | None
    ranked: tuple[Candidate, ...]
    rejected: tuple[Rejection, ...]
    rule: str  # which policy rule (or person) decided the team
    model: SelectionModel

    def explain(self) -> dict[str, object]:
        """The decision for the journey: the best candidates and the first rejections, with
        totals, so a large team's entry stays small."""
        return {
            "team": self.team,
            "rule": self.rule,
            "model": self.model,
            "chosen": self.chosen.rep_id if self.chosen else None,
            "ranked": [
                {"rep": c.rep_id, "score": c.score, **c.factors} for c in self.ranked[:RANKED_SHOWN]
            ],
            "ranked_total": len(self.ranked),
            "rejected": [
                {"rep": r.rep_id, "reason": r.reason} for r in self.rejected[:REJECTED_SHOWN]
            ],
            "rejected_total": len(self.rejected),
        }

    def reason(self) -> str:
        if self.chosen:
            return (
                f"{self.rule} chose team {self.team}; {self.chosen.rep_id} is the "
                f"{self.model.replace('_', '-')} eligible rep of {len(self.ranked)}"
            )
        if not self.rejected:
            return f"{self.rule} chose team {self.team}; the team has no reps, so the case waits"
        return (
            f"{self.rule} chose team {self.team}; none of its {len(self.rejected)} reps is "
            "eligible now, so the case waits in the queue"
        )


def rejection(rep: Rep, skills: Mapping[str, int]) -> str | None:
    """Why `rep` cannot take a case needing `skills` now, or None if they can."""
    reasons = [r for r in (rep.unavailability(),) if r] + missing_skills(rep.skills, skills)
    return "; ".join(reasons) or None


def _least_active(rep: Rep) -> Candidate:
    """Fewer open items score higher: 1 for an idle rep, 1/2 with one open item, and so on."""
    factors = {"open_items": float(rep.load), "spare_capacity": float(rep.spare_capacity)}
    return Candidate(rep.id, score=round(1 / (1 + rep.load), 4), factors=factors)


def decide(
    reps: Iterable[Rep],
    *,
    team: str,
    skills: Mapping[str, int],
    model: SelectionModel,
    rule: str,
) -> RoutingDecision:
    """Rank the eligible reps by `model` and choose the best; reject the rest, with reasons."""
    eligible: list[Rep] = []
    rejected: list[Rejection] = []
    for rep in sorted(reps, key=lambda r: r.id):
        reason = rejection(rep, skills)
        if reason:
            rejected.append(Rejection(rep.id, reason))
        else:
            eligible.append(rep)
    # Least active first; ties go to whoever has waited longest since their last assignment.
    eligible.sort(key=lambda r: (r.load, r.last_assigned_at or NEVER, r.id))
    ranked = tuple(_least_active(rep) for rep in eligible)
    return RoutingDecision(
        team, ranked[0] if ranked else None, ranked, tuple(rejected), rule, model
    )


def queue_key(case: Case) -> tuple[int, datetime, int]:
    """Queue order: most urgent priority first, then oldest."""
    return (case.priority, case.opened_at, case.number)


def fill_from_queue(rep: Rep, queue: Sequence[Case]) -> list[Case]:
    """The queued cases `rep` should take now: those they are skilled for, up to spare capacity."""
    if rep.unavailability():
        return []
    fitting = [case for case in queue if not missing_skills(rep.skills, case.required_skills)]
    return fitting[: rep.spare_capacity]
