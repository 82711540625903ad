"""Assigning many waiting cases at once, when capacity frees up.

`one_by_one` is the plain way: each case in queue order takes the best rep left. The batch
assigner port (`service_layer.ports.Assigner`) does better by solving the assignment problem
over the whole score matrix; both return the same `Placement`s, and the benchmark compares them.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

from caseloom.domain.routing.decision import decide
from caseloom.domain.routing.need import Waiting
from caseloom.domain.routing.scoring import Candidate
from caseloom.domain.routing.spec import Selection
from caseloom.domain.sla import BusinessCalendar
from caseloom.domain.workforce import Rep

# In a batch, a more urgent case outranks any difference in fit: each step of priority is worth
# more than the best possible score, and the share of the SLA window used breaks priority ties.
PRIORITY_WEIGHT = 10.0
URGENCY_WEIGHT = 2.0


@dataclass(frozen=True, slots=True)
class Placement:
    ref: str
    rep_id: str
    candidate: Candidate


def case_weight(case: Waiting) -> float:
    """How much placing this case is worth in a batch, before the fit of the rep."""
    return PRIORITY_WEIGHT * (5 - case.priority) + URGENCY_WEIGHT * case.urgency


def one_by_one(
    queue: Sequence[Waiting],
    reps: Sequence[Rep],
    *,
    selection: Selection,
    now: datetime,
    calendars: Mapping[str, BusinessCalendar],
) -> list[Placement]:
    """Each case in queue order takes the best rep with capacity left (reps are not changed)."""
    working = [copy.copy(rep) for rep in reps]
    by_id = {rep.id: rep for rep in working}
    placements: list[Placement] = []
    for case in sorted(queue, key=lambda c: c.queue_key):
        decision = decide(
            working, case, team="", selection=selection, rule="batch", now=now, calendars=calendars
        )
        if decision.chosen:
            by_id[decision.chosen.rep_id].take(case.ref, now, case.need.units)
            placements.append(Placement(case.ref, decision.chosen.rep_id, decision.chosen))
    return placements
