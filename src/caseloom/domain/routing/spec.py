"""What operations staff configure about routing: team rules, selection models, the relaxation
ladder and re-routing. Immutable spec objects, built by the policy loader."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from caseloom.domain.conditions import Condition, Facts

    Matcher = Callable[[Condition, Facts], bool]


class SelectionModel(StrEnum):
    ROUND_ROBIN = "round_robin"  # longest since their last assignment
    LEAST_ACTIVE = "least_active"  # fewest open items
    MOST_AVAILABLE = "most_available"  # most spare capacity units
    BEST_FIT = "best_fit"  # weighted score over FACTORS


# The best-fit factors, each in [0, 1] for one (case, rep) pair; see `scoring`.
FACTORS = ("skills", "spare_capacity", "sla_urgency", "continuity", "fairness")
DEFAULT_WEIGHTS: Mapping[str, float] = {
    "skills": 0.3,
    "spare_capacity": 0.2,
    "sla_urgency": 0.3,
    "continuity": 0.1,
    "fairness": 0.1,
}
DEFAULT_UNITS = 1  # capacity units a case takes when the team's capacity model does not say


@dataclass(frozen=True, slots=True)
class Selection:
    """How one team picks a rep, how much capacity a case takes, and whether it is offered."""

    model: SelectionModel = SelectionModel.LEAST_ACTIVE
    weights: Mapping[str, float] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    units: Mapping[str, int] = field(default_factory=dict)  # channel -> capacity units
    offer_timeout: timedelta | None = None  # push with this accept timeout; None assigns

    def units_for(self, channel: str) -> int:
        return self.units.get(channel, DEFAULT_UNITS)


@dataclass(frozen=True, slots=True)
class RoutingRule:
    label: str
    when: Condition | None
    route: tuple[str, ...]  # one team, or a planned handoff sequence (service, then field)
    skills: Mapping[str, int] = field(default_factory=dict)  # required, with minimum levels
    optional_skills: Mapping[str, int] = field(default_factory=dict)  # until the ladder drops them
    certifications: tuple[str, ...] = ()  # valid on the day of the decision
    language: bool = True  # the rep must speak the case's language, when triage knows it


class Relaxation(StrEnum):
    DROP_OPTIONAL_SKILLS = "drop_optional_skills"
    DROP_LANGUAGE = "drop_language"
    OVERFLOW = "overflow"  # to another team's queue
    ESCALATE = "escalate"  # to the team's manager, and one priority up


@dataclass(frozen=True, slots=True)
class RelaxStep:
    """One rung of the ladder: taken once a case has waited `after` in the queue."""

    after: timedelta
    action: Relaxation
    team: str | None = None  # the overflow team

    def describe(self) -> str:
        waited = f"after {_duration(self.after)} waiting"
        return {
            Relaxation.DROP_OPTIONAL_SKILLS: f"{waited}, optional skills are dropped",
            Relaxation.DROP_LANGUAGE: f"{waited}, the language requirement is dropped",
            Relaxation.OVERFLOW: f"{waited}, the case overflows to {self.team}",
            Relaxation.ESCALATE: f"{waited}, the case is escalated to the team's manager",
        }[self.action]


class RerouteScope(StrEnum):
    """Which cases move when their facts change and another rule now matches."""

    NEVER = "never"
    WAITING = "waiting"  # queued or offered: nobody has started on it
    UNSTARTED = "unstarted"  # also assigned but not yet started
    ALWAYS = "always"  # also in progress


class OwnerOffline(StrEnum):
    KEEP = "keep"
    REQUEUE = "requeue"  # the cases they have not started go back to routing


REROUTE_FIELDS = ("severity", "priority", "product_line")


@dataclass(frozen=True, slots=True)
class Reroute:
    fields: tuple[str, ...] = REROUTE_FIELDS  # a change to one of these re-evaluates the rules
    move: RerouteScope = RerouteScope.WAITING
    owner_offline: OwnerOffline = OwnerOffline.REQUEUE


@dataclass(frozen=True, slots=True)
class RoutingSpec:
    rules: tuple[RoutingRule, ...]
    selection: Mapping[str, Selection] = field(default_factory=dict)
    relax: tuple[RelaxStep, ...] = ()  # ordered by `after`
    reroute: Reroute = field(default_factory=Reroute)
    batch_from: int = 10  # waiting cases in a team from which freed capacity is batch-assigned

    def selection_for(self, team: str) -> Selection:
        return self.selection.get(team) or Selection()

    def rule_for(self, facts: Facts, matches: Matcher) -> RoutingRule:
        return next(r for r in self.rules if r.when is None or matches(r.when, facts))


def _duration(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes % 60:
        return f"{minutes}m"
    return f"{minutes // 60}h"
