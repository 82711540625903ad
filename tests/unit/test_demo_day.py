"""The demo's simulated day, night included, is always wholly in the past."""

from __future__ import annotations

from datetime import UTC, datetime

from caseloom.entrypoints.demo import NIGHT_ENDS, simulated_start


def test_the_simulated_day_and_its_night_are_over_by_now() -> None:
    thursday_evening = datetime(2026, 11, 26, 21, 50, tzinfo=UTC)
    start = simulated_start(thursday_evening)
    assert start == datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # Wednesday, 08:00 in London
    assert start + NIGHT_ENDS <= thursday_evening


def test_a_monday_morning_replays_the_friday_before() -> None:
    monday = datetime(2026, 11, 30, 7, 0, tzinfo=UTC)
    assert simulated_start(monday) == datetime(2026, 11, 27, 8, 0, tzinfo=UTC)
