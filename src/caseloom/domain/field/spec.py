"""What operations staff configure for field service: the visit a handoff creates, travel,
appointment offers and the optimiser."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from caseloom.domain.conditions import Condition
from caseloom.domain.field.work_order import Requirements

DEFAULT_VISIT = timedelta(hours=1)


@dataclass(frozen=True, slots=True)
class VisitSpec:
    """A work-order rule: what a visit needs, for the cases its condition matches."""

    label: str
    when: Condition | None  # None matches every case
    requirements: Requirements = field(default_factory=Requirements)
    duration: timedelta = DEFAULT_VISIT


class TravelModel(StrEnum):
    HAVERSINE = "haversine"  # straight-line distance at an average speed, no network
    OSRM = "osrm"  # an OSRM server's table service
    VALHALLA = "valhalla"  # a Valhalla server's sources_to_targets


@dataclass(frozen=True, slots=True)
class TravelSpec:
    model: TravelModel = TravelModel.HAVERSINE
    speed_kmh: float = 40.0
    url: str | None = None  # the routing server, for osrm and valhalla
    profile: str | None = None  # the server's profile or costing, e.g. driving, auto
    timeout: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class FieldSpec:
    travel: TravelSpec = TravelSpec()
    arrival_window: timedelta = timedelta(hours=2)  # what the customer is promised
    offers: int = 5  # slot offers shown for one booking
    auto_book: bool = True  # the Field agent books the best offer when a visit is needed
    horizon: timedelta = timedelta(days=2)  # how far ahead booking and optimising look
    time_limit: timedelta = timedelta(seconds=5)  # the optimiser's budget per run
    solver: str = "vroom"  # or "ortools"
    emergency_priority: int = 1  # a work order this urgent re-plans the rest of the day
