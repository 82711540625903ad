"""Routing decisions: which rep in a team takes a case, and why every other rep did not.

Pure functions: they return a `RoutingDecision`; the Routing agent applies it. Dry runs,
explanations, the batch assigner and the simulation benchmark all call the same code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from operator import attrgetter

from caseloom.domain.routing.need import Need, Rejector, Shifts, Waiting, rejection
from caseloom.domain.routing.scoring import Candidate, rank
from caseloom.domain.routing.spec import Selection, SelectionModel
from caseloom.domain.sla import BusinessCalendar
from caseloom.domain.workforce import Rep

_BY_ID = attrgetter("id")
RANKED_SHOWN = 10  # candidates kept on the journey entry, best first
REJECTED_SHOWN = 50  # rejections kept on the journey entry (all are counted by reason)


@dataclass(frozen=True, slots=True)
class Rejection:
    rep_id: str
    reason: str


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    """Every rejected rep keeps its reason, as two parallel tuples (rep ids by id, reasons):
    a large team's decision then allocates no object per rep, which keeps the garbage collector
    out of the way; `rejected` gives them as `Rejection`s when asked."""

    team: str
    chosen: Candidate | None
    ranked: tuple[Candidate, ...]
    rejected_ids: tuple[str, ...]
    rejected_reasons: tuple[str, ...]
    rule: str  # which policy rule (or person) decided the team
    model: SelectionModel
    need: Need

    @property
    def rejected(self) -> tuple[Rejection, ...]:
        return tuple(map(Rejection, self.rejected_ids, self.rejected_reasons))

    def rejected_by_reason(self) -> dict[str, int]:
        """How many reps were rejected for each kind of reason, most common first."""
        kinds: Counter[str] = Counter()
        for reason, count in Counter(self.rejected_reasons).items():
            kinds[_kind(reason)] += count
        return dict(kinds.most_common())

    def explain(self) -> dict[str, object]:
        """The decision for the journey: the best candidates and the first rejections, with
        totals and a count per reason, so a large team's entry stays small."""
        return {
            "team": self.team,
            "rule": self.rule,
            "model": self.model,
            "need": self.need.describe(),
            "chosen": self.chosen.rep_id if self.chosen else None,
            "ranked": [
                {"rep": c.rep_id, "score": c.score, **c.factors} for c in self.ranked[:RANKED_SHOWN]
            ],
            "ranked_total": len(self.ranked),
            "rejected": [
                {"rep": rep, "reason": reason}
                for rep, reason in zip(
                    self.rejected_ids[:REJECTED_SHOWN],
                    self.rejected_reasons[:REJECTED_SHOWN],
                    strict=True,
                )
            ],
            "rejected_total": len(self.rejected_ids),
            "rejected_by_reason": self.rejected_by_reason(),
        }

    def reason(self) -> str:
        if self.chosen:
            return (
                f"{self.rule} chose team {self.team}; {self.chosen.rep_id} is the "
                f"{self.model.replace('_', '-')} eligible rep of {len(self.ranked)}"
            )
        if not self.rejected_ids:
            return f"{self.rule} chose team {self.team}; the team has no reps, so the case waits"
        return (
            f"{self.rule} chose team {self.team}; none of its {len(self.rejected_ids)} reps is "
            "eligible now, so the case waits in the queue"
        )


def _kind(reason: str) -> str:
    """A rejection's kind, for counting: "missing skill billing (needs 3, has 1)" counts as
    "missing skill billing"; "not available (offline)" stays whole."""
    first = reason.split("; ", maxsplit=1)[0]
    if first.startswith(("missing skill", "at capacity")):
        return first.split(" (")[0]
    return first


def decide(
    reps: Iterable[Rep],
    case: Waiting,
    *,
    team: str,
    selection: Selection,
    rule: str,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar],
) -> RoutingDecision:
    """Rank the eligible reps by the team's model and choose the best; reject the rest."""
    need = case.need
    ordered = sorted(reps, key=_BY_ID)
    reasons = Rejector(need, Shifts(calendars, now)).reasons(ordered)
    eligible = [rep for rep, reason in zip(ordered, reasons, strict=True) if reason is None]
    rejected_ids = tuple(rep.id for rep, r in zip(ordered, reasons, strict=True) if r is not None)
    rejected_reasons = tuple(r for r in reasons if r is not None)
    ranked = tuple(rank(eligible, case, selection.model, selection.weights, now))
    return RoutingDecision(
        team,
        ranked[0] if ranked else None,
        ranked,
        rejected_ids,
        rejected_reasons,
        rule,
        selection.model,
        need,
    )


def pick_for(
    rep: Rep,
    queue: Sequence[Waiting],
    *,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar],
) -> list[Waiting]:
    """The waiting cases a freed `rep` should take now, in queue order, up to spare capacity."""
    shifts = Shifts(calendars, now)
    spare = rep.capacity - rep.load
    picked: list[Waiting] = []
    for case in sorted(queue, key=lambda c: c.queue_key):
        if case.need.units <= spare and rejection(rep, case.need, shifts) is None:
            picked.append(case)
            spare -= case.need.units
            if spare <= 0:
                break
    return picked
