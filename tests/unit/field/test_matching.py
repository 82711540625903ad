"""Who may take a work order on a day, and each other technician with the reason a dispatcher
would give: team, shift, presence, skills, certification valid that day, equipment, distance."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from caseloom.domain.customer import Location
from caseloom.domain.field.matching import exclusion, match
from caseloom.domain.workforce import Certification, Presence
from tests.unit.field.orders import TODAY, order, technician

TOMORROW = TODAY + timedelta(days=1)


def reason(day: date = TOMORROW, working: bool = True, km: float | None = 20, **changes: object):
    return exclusion(
        technician(**changes), order(), day, today=TODAY, working=working, distance_km=km
    )


def test_a_certified_equipped_technician_near_enough_is_eligible() -> None:
    assert reason() is None


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"team": "field-south"}, "not in field-north"),
        ({"working": False}, "not working on 2026-12-08"),
        ({"skills": {"energy": 1}}, "missing skill energy (needs 3, has 1)"),
        ({"certifications": ()}, "no gas-safe certification"),
        ({"equipment": ("ladder",)}, "lacks equipment: gas-analyser"),
        ({"home_base": None}, "no home base on record (needed to plan their travel)"),
        ({"home_base": Location("Leeds", "GB")}, "no home base on record"),
        ({"km": 75.4}, "too far: 75 km from home base, beyond their 60 km"),
        ({"km": None}, "no home base to measure the distance from"),
    ],
)
def test_each_reason_is_named(changes: dict[str, object], expected: str) -> None:
    found = reason(**changes)
    assert found is not None
    assert found.startswith(expected)


def test_offline_counts_only_for_today() -> None:
    assert reason(day=TODAY, presence=Presence.OFFLINE) == "offline today"
    assert reason(day=TOMORROW, presence=Presence.OFFLINE) is None


def test_the_certification_must_be_valid_on_the_visit_date() -> None:
    lapsing = (Certification("gas-safe", date(2025, 1, 1), date(2026, 12, 7)),)
    assert reason(day=TODAY, certifications=lapsing) is None
    assert reason(day=TOMORROW, certifications=lapsing) == (
        "no valid gas-safe certification on 2026-12-08 (expired 2026-12-07)"
    )
    renewed = (*lapsing, Certification("gas-safe", date(2026, 12, 8), None))
    assert reason(day=TOMORROW, certifications=renewed) is None
    starting = (Certification("gas-safe", date(2026, 12, 9)),)
    assert reason(day=TOMORROW, certifications=starting) == (
        "gas-safe certification valid only from 2026-12-09"
    )


def test_every_unmet_requirement_is_listed_together() -> None:
    assert reason(skills={}, certifications=(), equipment=()) == (
        "missing skill energy (needs 3, has 0); no gas-safe certification; "
        "lacks equipment: gas-analyser"
    )


def test_no_travel_limit_means_any_distance() -> None:
    assert reason(km=500, max_travel_km=None) is None


def test_an_order_without_a_location_cannot_be_planned() -> None:
    found = exclusion(
        technician(), order(location=None), TOMORROW, today=TODAY, working=True, distance_km=None
    )
    assert found == "the work order has no location"


def test_match_sorts_who_may_and_explains_who_may_not() -> None:
    crew = [
        technician(id="tech-ola", equipment=()),
        technician(id="tech-nell"),
        technician(id="tech-mo", team="field-south"),
        technician(id="tech-pip"),
    ]
    found = match(
        order(),
        crew,
        TOMORROW,
        today=TODAY,
        working={"tech-nell": True, "tech-ola": True, "tech-mo": True},
        distance_km={"tech-nell": 12.0, "tech-ola": 30.0, "tech-pip": 5.0},
    )
    assert found.eligible == ("tech-nell",)
    assert found.explain() == {
        "day": "2026-12-08",
        "eligible": ["tech-nell"],
        "excluded": {
            "tech-mo": "not in field-north",
            "tech-ola": "lacks equipment: gas-analyser",
            "tech-pip": "not working on 2026-12-08",
        },
    }
