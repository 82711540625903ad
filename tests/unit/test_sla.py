"""Business calendars and SLA clocks."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from caseloom.domain.errors import InvalidInput
from caseloom.domain.sla import (
    ALWAYS,
    BusinessCalendar,
    SlaClock,
    SlaMetric,
    SlaState,
    overall_state,
)
from tests.factories import NOW, make_clock

WEEKDAY = ((8 * 60, 12 * 60 + 30), (13 * 60 + 30, 18 * 60))
UK_OFFICE = BusinessCalendar("uk-office", "Europe/London", (WEEKDAY,) * 5 + ((), ()))


def london(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=ZoneInfo("Europe/London")).astimezone(UTC)


def test_a_24x7_calendar_adds_elapsed_time() -> None:
    assert ALWAYS.add(NOW, timedelta(hours=30)) == NOW + timedelta(hours=30)


def test_office_hours_skip_lunch_the_night_and_the_weekend() -> None:
    friday_4pm = london("2026-11-27T16:00")
    # 2h to 18:00 Friday, then Monday 08:00-10:00 for the other two hours
    assert UK_OFFICE.add(friday_4pm, timedelta(hours=4)) == london("2026-11-30T10:00")
    # 12:00 + 1h: half an hour before lunch, half an hour after
    assert UK_OFFICE.add(london("2026-11-26T12:00"), timedelta(hours=1)) == london(
        "2026-11-26T14:00"
    )


def test_a_start_outside_hours_counts_from_the_next_opening() -> None:
    saturday = london("2026-11-28T10:00")
    assert UK_OFFICE.add(saturday, timedelta(0)) == london("2026-11-30T08:00")
    assert UK_OFFICE.add(saturday, timedelta(minutes=30)) == london("2026-11-30T08:30")


def test_open_time_is_counted_in_real_hours_across_the_spring_clock_change() -> None:
    night = BusinessCalendar("nights", "Europe/London", (((0, 24 * 60),),) * 7)
    # 29 March 2026: 01:00 GMT jumps to 02:00 BST, so the local day has 23 real hours
    start = london("2026-03-29T00:00")
    assert night.add(start, timedelta(hours=23)) == london("2026-03-30T00:00")


def test_a_negative_duration_is_refused() -> None:
    with pytest.raises(InvalidInput, match="cannot be negative"):
        UK_OFFICE.add(NOW, timedelta(minutes=-1))


def test_a_calendar_that_is_never_open_is_refused() -> None:
    with pytest.raises(InvalidInput, match="never open"):
        BusinessCalendar("closed", "UTC", ((),) * 7)


instants = st.datetimes(
    min_value=datetime(2025, 1, 1), max_value=datetime(2028, 12, 31), timezones=st.just(UTC)
)
durations = st.timedeltas(min_value=timedelta(0), max_value=timedelta(hours=200))


def is_open(calendar: BusinessCalendar, instant: datetime) -> bool:
    local_day = instant.astimezone(ZoneInfo(calendar.timezone)).date()
    return any(
        opens <= instant <= closes
        for day in (local_day - timedelta(days=1), local_day)
        for opens, closes in calendar.open_intervals(day)
    )


@given(instants, durations, durations)
def test_adding_more_business_time_never_gives_an_earlier_deadline(
    start: datetime, a: timedelta, b: timedelta
) -> None:
    shorter, longer = sorted((a, b))
    assert UK_OFFICE.add(start, shorter) <= UK_OFFICE.add(start, longer)


@given(instants, durations)
def test_a_deadline_is_never_before_its_start_and_always_falls_in_open_hours(
    start: datetime, duration: timedelta
) -> None:
    deadline = UK_OFFICE.add(start, duration)
    assert deadline >= start
    assert is_open(UK_OFFICE, deadline)


@given(instants, durations, durations)
def test_adding_in_two_steps_equals_adding_once(
    start: datetime, a: timedelta, b: timedelta
) -> None:
    if a == timedelta(0):
        return  # zero moves to the next opening, which is not a pure addition
    assert UK_OFFICE.add(UK_OFFICE.add(start, a), b) == UK_OFFICE.add(start, a + b)


def clock(due_in: timedelta, met_after: timedelta | None = None) -> SlaClock:
    met = NOW + met_after if met_after is not None else None
    return make_clock(SlaMetric.RESOLUTION, due_in, met=met)


def test_a_clock_is_running_before_its_deadline_and_breached_after() -> None:
    open_clock = clock(timedelta(hours=1))
    assert open_clock.state(NOW) is SlaState.RUNNING
    assert open_clock.state(NOW + timedelta(hours=2)) is SlaState.BREACHED


def test_a_clock_met_late_stays_breached() -> None:
    assert clock(timedelta(hours=1), timedelta(hours=2)).state(NOW) is SlaState.BREACHED
    assert (
        clock(timedelta(hours=1), timedelta(minutes=5)).state(NOW + timedelta(days=9))
        is SlaState.MET
    )


def test_a_case_is_breached_if_any_clock_is_and_met_only_when_all_are() -> None:
    met, running = clock(timedelta(hours=1), timedelta(0)), clock(timedelta(hours=1))
    assert overall_state([met, running], NOW) is SlaState.RUNNING
    assert overall_state([met, running], NOW + timedelta(hours=2)) is SlaState.BREACHED
    assert overall_state([met], NOW) is SlaState.MET
    assert overall_state([], NOW) is None
