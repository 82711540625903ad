"""The routing section: the checks its schema cannot make, and the `RoutingSpec` it builds."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from typing import Protocol

from caseloom.adapters.policy.places import condition, label
from caseloom.adapters.policy.schema import (
    PolicyDoc,
    RelaxStepDoc,
    RouteRuleDoc,
    RoutingDoc,
    written,
)
from caseloom.adapters.yaml_source import Path_, Source
from caseloom.domain.routing.spec import (
    DEFAULT_WEIGHTS,
    FACTORS,
    REROUTE_FIELDS,
    OwnerOffline,
    Relaxation,
    RelaxStep,
    Reroute,
    RerouteScope,
    RoutingRule,
    RoutingSpec,
    Selection,
    SelectionModel,
)


class Conditional(Protocol):
    @property
    def when(self) -> str | None: ...


class Checks(Protocol):
    """What the loader's checker offers a section: recording a problem, and the shared checks."""

    def fail(self, path: Path_, reason: str) -> None: ...
    def condition(self, path: Path_, text: str | None) -> None: ...
    def team(self, path: Path_, name: str, kind: str | None = None) -> None: ...
    def skills(self, path: Path_, skills: Mapping[str, int]) -> None: ...
    def catch_all(self, path: Path_, rules: Sequence[Conditional], what: str) -> None: ...


def check(doc: PolicyDoc, checks: Checks) -> None:
    routing = doc.routing
    _rules(routing.teams, checks)
    for team, selection in routing.selection.items():
        path: Path_ = ("routing", "selection", team)
        checks.team(path, team)
        if selection.weights is not None and selection.model != SelectionModel.BEST_FIT:
            checks.fail(
                (*path, "weights"),
                f"weights apply to the best_fit model only; {team} picks by {selection.model}",
            )
    _relax(routing.relax, checks)
    fields = [*REROUTE_FIELDS, *doc.custom_fields]
    for index, name in enumerate(routing.reroute.on):
        if name not in fields:
            checks.fail(
                ("routing", "reroute", "on", index),
                f"unknown field {name!r}; a change to one of these re-routes: {', '.join(fields)}",
            )


def _rules(rules: Sequence[RouteRuleDoc], checks: Checks) -> None:
    for index, rule in enumerate(rules):
        path: Path_ = ("routing", "teams", index)
        checks.condition((*path, "when"), rule.when)
        checks.team((*path, "route", 0), rule.route[0], "service")
        for step, team in enumerate(rule.route[1:], start=1):
            checks.team((*path, "route", step), team)
        checks.skills((*path, "skills"), rule.skills)
        checks.skills((*path, "optional_skills"), rule.optional_skills)
        for skill in rule.optional_skills:
            if skill in rule.skills:
                checks.fail(
                    (*path, "optional_skills", skill),
                    f"skill {skill!r} is also required; list it under skills or here, not both",
                )
    checks.catch_all(("routing", "teams"), rules, "routing rule")


def _relax(steps: Sequence[RelaxStepDoc], checks: Checks) -> None:
    latest: timedelta | None = None
    for index, step in enumerate(steps):
        path: Path_ = ("routing", "relax", index)
        if latest is not None and step.after <= latest:
            checks.fail(
                (*path, "after"),
                f"each step must come later than the ones above it: "
                f"{written(step.after)} is not after {written(latest)}",
            )
        latest = step.after if latest is None else max(latest, step.after)
        if step.overflow is not None:
            checks.team((*path, "overflow"), step.overflow, "service")


def build(source: Source, routing: RoutingDoc, first: tuple[RoutingRule, ...] = ()) -> RoutingSpec:
    """The routing spec; `first` are rules other sections add ahead of the policy's own."""
    return RoutingSpec(
        rules=first
        + tuple(
            RoutingRule(
                label(source, ("routing", "teams", i), r.name),
                condition(source, ("routing", "teams", i, "when"), r.when),
                tuple(r.route),
                dict(r.skills),
                dict(r.optional_skills),
                tuple(r.certifications),
                language=r.language == "match",
            )
            for i, r in enumerate(routing.teams)
        ),
        selection={
            team: Selection(
                SelectionModel(s.model),
                dict(DEFAULT_WEIGHTS)
                if s.weights is None
                else {f: s.weights.get(f, 0.0) for f in FACTORS},
                dict(s.capacity),
                s.offer.timeout if s.offer else None,
            )
            for team, s in routing.selection.items()
        },
        relax=tuple(_step(step) for step in routing.relax),
        reroute=Reroute(
            tuple(routing.reroute.on),
            RerouteScope(routing.reroute.move),
            OwnerOffline(routing.reroute.owner_offline),
        ),
        batch_from=routing.batch.from_,
    )


def _step(step: RelaxStepDoc) -> RelaxStep:
    if step.drop == "optional_skills":
        return RelaxStep(step.after, Relaxation.DROP_OPTIONAL_SKILLS)
    if step.drop == "language":
        return RelaxStep(step.after, Relaxation.DROP_LANGUAGE)
    if step.overflow is not None:
        return RelaxStep(step.after, Relaxation.OVERFLOW, step.overflow)
    return RelaxStep(step.after, Relaxation.ESCALATE)
