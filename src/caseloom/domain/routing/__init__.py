"""Routing: the team by the first matching rule, the rep by the team's model, and why."""

from caseloom.domain.routing.batch import Placement, case_weight, one_by_one
from caseloom.domain.routing.decision import Rejection, RoutingDecision, decide, pick_for
from caseloom.domain.routing.ladder import due_steps
from caseloom.domain.routing.need import Need, Shifts, Waiting, rejection
from caseloom.domain.routing.scoring import Candidate, factors, rank, weighted
from caseloom.domain.routing.spec import (
    DEFAULT_WEIGHTS,
    FACTORS,
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

__all__ = [
    "DEFAULT_WEIGHTS",
    "FACTORS",
    "Candidate",
    "Need",
    "OwnerOffline",
    "Placement",
    "Rejection",
    "RelaxStep",
    "Relaxation",
    "Reroute",
    "RerouteScope",
    "RoutingDecision",
    "RoutingRule",
    "RoutingSpec",
    "Selection",
    "SelectionModel",
    "Shifts",
    "Waiting",
    "case_weight",
    "decide",
    "due_steps",
    "factors",
    "one_by_one",
    "pick_for",
    "rank",
    "rejection",
    "weighted",
]
