"""Work orders and technicians for the field-service unit tests."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

from caseloom.domain.customer import Location
from caseloom.domain.field.geo import Point
from caseloom.domain.field.work_order import Requirements, WorkOrder
from caseloom.domain.workforce import Certification, Presence, Technician

NOW = datetime(2026, 12, 7, 8, 0, tzinfo=UTC)  # a Monday
TODAY = NOW.date()
GAS = Requirements({"energy": 3}, ("gas-safe",), ("gas-analyser",))


def order(**changes: Any) -> WorkOrder:
    made = WorkOrder(
        number=1,
        case_ref="CS-000001",
        team="field-north",
        requirements=GAS,
        duration=timedelta(hours=1),
        location=Point(53.79, -1.75),
        priority=2,
        created_at=NOW,
    )
    return replace(made, **changes)


def technician(**changes: Any) -> Technician:
    made = Technician(
        id="tech-nell",
        name="Nell",
        email="nell@example.com",
        team="field-north",
        skills={"energy": 4},
        certifications=(Certification("gas-safe", date(2026, 1, 1), date(2027, 12, 31)),),
        equipment=("gas-analyser", "ladder"),
        home_base=Location("Leeds", "GB", 53.80, -1.55),
        presence=Presence.AVAILABLE,
        max_travel_km=60,
    )
    return replace(made, **changes)
