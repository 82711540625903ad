"""Stamps, custom fields, and YAML read the way operations staff expect."""

from __future__ import annotations

from pathlib import Path

import pytest

from caseloom.domain.errors import PolicyProblem
from tests.unit.policy.writing import (
    calendar,
    line_of,
    load,
    only_problem,
    write_policy,
)

# --- stamps and custom fields ------------------------------------------------------------------

CUSTOM_FIELDS = """
custom_fields:
  contract: {type: string}
  vulnerable: {type: boolean}
  spend: {type: number}
  region: {type: string, choices: [north, south]}
"""


def stamping(values: str) -> dict[str, str]:
    return {
        "custom_fields": CUSTOM_FIELDS,
        "triage": f"""
        triage:
          product_lines:
            broadband: [router]
          stamps:
            - when: triage.intent == "outage"
              set: {values}
        """,
    }


@pytest.mark.parametrize(
    ("values", "where", "reason"),
    [
        (
            "{severity: urgent}",
            "severity",
            "severity is one of low, medium, high, critical, not 'urgent'",
        ),
        ("{priority: 7}", "priority", "priority is 1, 2, 3 or 4 (1 is the most urgent), not 7"),
        ("{priority: '1'}", "priority", "priority is 1, 2, 3 or 4 (1 is the most urgent), not '1'"),
        (
            "{status: closed}",
            "status",
            "'status' cannot be stamped; stampable: "
            "contract, priority, product_line, region, severity, spend, vulnerable",
        ),
        (
            "{product_line: energy}",
            "product_line",
            "no product line 'energy'; product lines: broadband",
        ),
        ("{contract: 5}", "contract", "custom field contract must be a string, not 5"),
        (
            "{vulnerable: 'yes'}",
            "vulnerable",
            "custom field vulnerable must be a boolean, not 'yes'",
        ),
        ("{spend: true}", "spend", "custom field spend must be a number, not True"),
        ("{region: east}", "region", "custom field region must be one of north, south, not 'east'"),
    ],
)
def test_a_stamp_value_the_field_cannot_hold_is_refused(
    tmp_path: Path, values: str, where: str, reason: str
) -> None:
    path = write_policy(tmp_path, **stamping(values))

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "set:"), f"triage.stamps[0].set.{where}")
    assert problem.reason == reason


def test_a_stamp_may_set_built_in_and_custom_fields_to_values_of_their_type(
    tmp_path: Path,
) -> None:
    values = (
        "{severity: critical, priority: 1, product_line: broadband,"
        " vulnerable: true, spend: 2.5, region: north}"
    )
    path = write_policy(tmp_path, **stamping(values))

    (stamp,) = load(path).policy.triage.stamps

    assert stamp.set == {
        "severity": "critical",
        "priority": 1,
        "product_line": "broadband",
        "vulnerable": True,
        "spend": 2.5,
        "region": "north",
    }


@pytest.mark.parametrize("name", ["severity", "status", "Contract"])
def test_a_custom_field_named_like_a_built_in_case_field_or_not_lower_case_is_refused(
    tmp_path: Path, name: str
) -> None:
    path = write_policy(tmp_path, custom_fields=f"custom_fields:\n  {name}: {{type: string}}\n")

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, f"{name}:"), f"custom_fields.{name}")
    assert problem.reason == (
        f"{name!r} must be a lower-case identifier that is not a built-in case field"
    )


def test_only_string_custom_fields_take_choices(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path, custom_fields="custom_fields:\n  spend: {type: number, choices: [a]}\n"
    )

    problem = only_problem(path)

    assert (problem.where, problem.reason) == (
        "custom_fields.spend.choices",
        "only string fields take choices",
    )


# --- YAML itself ------------------------------------------------------------------------------


def test_a_key_given_twice_in_one_mapping_is_refused_naming_the_first_line(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        teams="""
        teams:
          tier1: {kind: service}
          field-north: {kind: field}
          tier1: {kind: service, calendar: office}
        """,
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "calendar: office"), "teams.tier1")
    assert (
        problem.reason
        == f"tier1 is given twice (first at line {line_of(path, 'tier1: {kind: service}')})"
    )


def test_a_yaml_syntax_error_is_refused_with_its_line(tmp_path: Path) -> None:
    path = write_policy(tmp_path, skills="skills: [billing\n  broadband: 3\n")

    problem = only_problem(path)

    assert (problem.file, problem.where) == (str(path), "(yaml)")
    assert problem.line == line_of(path, "broadband: 3")
    assert problem.reason == "expected ',' or ']', but got ':'"


@pytest.mark.parametrize("text", ["", "# nothing yet\n", "- tier1\n- tier2\n", "just words\n"])
def test_an_empty_or_non_mapping_file_is_refused_as_not_a_mapping_of_sections(
    tmp_path: Path, text: str
) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(text, "utf-8")

    problem = only_problem(path)

    assert problem == PolicyProblem(
        str(path), 1, "(top level)", "the file must be a mapping of `key: value` sections"
    )


def test_a_missing_policy_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere.yaml"

    problem = only_problem(path)

    assert (problem.file, problem.line, problem.where) == (str(path), 1, "(file)")
    assert problem.reason.startswith(f"cannot read {path}: No such file")


def test_an_office_hour_written_without_quotes_stays_a_time_range(tmp_path: Path) -> None:
    path = write_policy(tmp_path, **calendar("      mon-fri: [08:00-12:30, 13:30-18:00]\n"))

    office = load(path).policy.calendars["office"]

    assert office.weekly is not None
    assert office.weekly[0] == ((480, 750), (810, 1080))


def test_a_version_written_with_a_leading_zero_is_read_as_a_decimal_number(
    tmp_path: Path,
) -> None:
    path = write_policy(tmp_path, header="policy: test\nversion: 08\n")

    assert load(path).policy.version == 8
