"""The handoffs and field sections: the checks their schema cannot make, and what they build."""

from __future__ import annotations

from caseloom.adapters.policy.places import condition, label, origin
from caseloom.adapters.policy.routing import Checks
from caseloom.adapters.policy.schema import FieldDoc, PolicyDoc, VisitDoc
from caseloom.adapters.yaml_source import Path_, Source
from caseloom.domain.conditions import Condition
from caseloom.domain.field.spec import FieldSpec, TravelModel, TravelSpec, VisitSpec
from caseloom.domain.field.work_order import Requirements
from caseloom.domain.policy import Handoff
from caseloom.domain.sla import SlaMetric

_METRICS = {"response": SlaMetric.FIRST_RESPONSE, "resolution": SlaMetric.RESOLUTION}


def check(checks: Checks, doc: PolicyDoc) -> None:
    for index, handoff in enumerate(doc.handoffs):
        path: Path_ = ("handoffs", index)
        checks.team((*path, "from"), handoff.from_team, "service")
        checks.team((*path, "to"), handoff.to, "field")
        checks.condition((*path, "when"), handoff.when)
        for number, visit in enumerate(handoff.work_order):
            place = (*path, "work_order", number)
            checks.condition((*place, "when"), visit.when)
            checks.skills((*place, "skills"), visit.skills)
        checks.catch_all((*path, "work_order"), handoff.work_order, "work-order rule")
    travel = doc.field.travel
    if travel.model != "haversine" and not travel.url:
        checks.fail(("field", "travel", "url"), f"the {travel.model} model needs the server's url")


def handoffs(source: Source, doc: PolicyDoc) -> tuple[Handoff, ...]:
    return tuple(
        Handoff(
            h.from_team,
            h.to,
            Condition(h.when, origin(source, ("handoffs", i, "when"))),
            h.create,
            {_METRICS[k]: v for k, v in h.sla.items()},
            tuple(
                _visit(source, ("handoffs", i, "work_order", n), v)
                for n, v in enumerate(h.work_order)
            ),
            label(source, ("handoffs", i), h.name),
            automatic=h.on == "first_reply",
        )
        for i, h in enumerate(doc.handoffs)
    )


def _visit(source: Source, path: Path_, doc: VisitDoc) -> VisitSpec:
    return VisitSpec(
        label(source, path, doc.name),
        condition(source, (*path, "when"), doc.when),
        Requirements(dict(doc.skills), tuple(doc.certifications), tuple(doc.equipment)),
        doc.duration,
    )


def field_spec(doc: FieldDoc) -> FieldSpec:
    travel, optimise = doc.travel, doc.optimise
    return FieldSpec(
        travel=TravelSpec(
            TravelModel(travel.model), travel.speed_kmh, travel.url, travel.profile, travel.timeout
        ),
        arrival_window=doc.appointments.arrival_window,
        offers=doc.appointments.offers,
        auto_book=doc.appointments.auto_book,
        horizon=optimise.horizon,
        time_limit=optimise.time_limit,
        solver=optimise.solver,
        emergency_priority=optimise.emergency_priority,
    )
