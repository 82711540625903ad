"""The shape of a policy: keys, durations, hours and time zones."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from caseloom.domain.sla import SlaMetric
from tests.unit.policy.writing import (
    calendar,
    line_of,
    load,
    only_problem,
    write_policy,
)

# --- the shape of the document -----------------------------------------------------------------


def test_an_unknown_top_level_key_is_refused_naming_the_expected_keys(tmp_path: Path) -> None:
    path = write_policy(tmp_path, extra="escalation: []\n")

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "escalation"), "escalation")
    assert problem.reason.startswith("unknown key 'escalation'; expected one of: policy, version")
    assert "routing" in problem.reason
    assert "handoffs" in problem.reason


@pytest.mark.parametrize(
    ("section", "text", "where", "expected"),
    [
        (
            "teams",
            "teams:\n  tier1: {kind: service, colour: red}\n",
            "teams.tier1.colour",
            "kind, calendar, manager",
        ),
        (
            "sla",
            "sla:\n  - name: s\n    targets: {resolution: 4h}\n    target: {resolution: 4h}\n",
            "sla[0].target",
            "name, when, calendar, targets, reach, pause_when, stop_when",
        ),
        (
            "routing",
            "routing:\n  teams:\n    - team: tier1\n      route: [tier1]\n",
            "routing.teams[0].team",
            "name, when, route, skills, optional_skills, certifications, language",
        ),
        (
            "handoffs",
            "handoffs:\n  - {from: tier1, to: field-north, when: 'true', then: x}\n",
            "handoffs[0].then",
            "name, from, to, when, create, sla, work_order, on",
        ),
        (
            "calendars",
            "calendars:\n  office: {hours: 24x7, closed: [2026-12-25]}\n",
            "calendars.office.closed",
            "timezone, hours, holidays",
        ),
        (
            "triage",
            "triage:\n  stamps:\n    - {if: x, set: {priority: 1}}\n",
            "triage.stamps[0].if",
            "name, when, set",
        ),
    ],
)
def test_an_unknown_key_inside_a_section_is_refused_naming_that_sections_keys(
    tmp_path: Path, section: str, text: str, where: str, expected: str
) -> None:
    path = write_policy(tmp_path, **{section: text})

    problem = only_problem(path)

    key = where.rsplit(".", 1)[-1]
    assert problem.where == where
    assert problem.line == line_of(path, f"{key}:")
    assert problem.reason == f"unknown key {key!r}; expected one of: {expected}"


@pytest.mark.parametrize(
    ("sections", "where"),
    [
        ({"header": "policy: test\n"}, "version"),
        ({"sla": "sla:\n  - targets: {resolution: 4h}\n"}, "sla[0].name"),
        ({"routing": ""}, "routing"),
        ({"handoffs": "handoffs:\n  - {from: tier1, to: field-north}\n"}, "handoffs[0].when"),
    ],
)
def test_a_missing_required_key_is_refused_naming_it(
    tmp_path: Path, sections: dict[str, str], where: str
) -> None:
    problem = only_problem(write_policy(tmp_path, **sections))

    assert problem.where == where
    assert problem.reason == f"missing required key {where.rsplit('.', 1)[-1]!r}"


# --- durations, hours and time zones --------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "duration"),
    [
        ("90m", timedelta(minutes=90)),
        ("4h", timedelta(hours=4)),
        ("2d", timedelta(days=2)),
        ("1h30m", timedelta(hours=1, minutes=30)),
        ("1d 2h", timedelta(days=1, hours=2)),
    ],
)
def test_a_duration_is_written_in_days_hours_and_minutes(
    tmp_path: Path, text: str, duration: timedelta
) -> None:
    path = write_policy(tmp_path, sla=f"sla:\n  - name: s\n    targets: {{resolution: {text}}}\n")

    (sla,) = load(path).policy.sla

    assert sla.targets == {SlaMetric.RESOLUTION: duration}


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("4 hours", "'4 hours' is not a duration; write e.g. 30s, 90m, 4h, 2d or 1h30m"),
        ("1.5h", "'1.5h' is not a duration; write e.g. 30s, 90m, 4h, 2d or 1h30m"),
        ("30", "30 is not a duration; write e.g. 30s, 90m, 4h, 2d or 1h30m"),
        ("0m", "a duration must be longer than zero"),
    ],
)
def test_a_duration_that_is_not_days_hours_minutes_or_is_zero_is_refused(
    tmp_path: Path, text: str, reason: str
) -> None:
    path = write_policy(
        tmp_path,
        sla=f"sla:\n  - name: s\n    targets:\n      first_response: 1h\n"
        f"      resolution: {text}\n",
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (
        line_of(path, "resolution"),
        "sla[0].targets.resolution",
    )
    assert problem.reason == reason


def test_split_shift_hours_on_a_day_range_are_accepted(tmp_path: Path) -> None:
    hours = '      mon-fri: ["08:00-12:30", "13:30-18:00"]\n      sat: ["09:00-13:00"]\n'
    path = write_policy(tmp_path, **calendar(hours))

    office = load(path).policy.calendars["office"]

    assert office.timezone == "Europe/London"
    assert office.weekly is not None
    assert office.weekly[:5] == (((480, 750), (810, 1080)),) * 5
    assert office.weekly[5:] == (((540, 780),), ())


@pytest.mark.parametrize(
    ("hours", "reason"),
    [
        ('      mon-fri: ["08:00-12:30", "12:00-18:00"]\n', "the hours on mon overlap"),
        (
            '      mon-fri: ["08:00-12:00"]\n      fri: ["11:00-13:00"]\n',
            "the hours on fri overlap",
        ),
        (
            '      mon-fri: ["08:00-25:00"]\n',
            "'08:00-25:00' must start before it ends, within one day (up to 24:00)",
        ),
        (
            '      mon-fri: ["18:00-08:00"]\n',
            "'18:00-08:00' must start before it ends, within one day (up to 24:00)",
        ),
        (
            '      mon-fri: ["8am-5pm"]\n',
            "'8am-5pm' is not a time range; write e.g. \"08:00-12:30\"",
        ),
        (
            '      monday-friday: ["08:00-12:00"]\n',
            "'monday-friday' is not a day or day range; write e.g. mon-fri, sat or mon,wed",
        ),
        ("      mon-fri: []\n", "the calendar is never open"),
    ],
)
def test_hours_that_overlap_run_past_midnight_or_name_no_day_are_refused(
    tmp_path: Path, hours: str, reason: str
) -> None:
    path = write_policy(tmp_path, **calendar(hours))

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "hours:"), "calendars.office.hours")
    assert problem.reason == reason


def test_an_unknown_time_zone_is_refused(tmp_path: Path) -> None:
    path = write_policy(tmp_path, **calendar('      mon-fri: ["08:00-18:00"]\n', "Europe/Leeds"))

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "timezone"), "calendars.office.timezone")
    assert problem.reason == "'Europe/Leeds' is not a time zone; write e.g. Europe/London"
