"""References between sections, and first-match rules that catch every case."""

from __future__ import annotations

from pathlib import Path

from tests.unit.policy.writing import (
    line_of,
    lines_of,
    only_problem,
    problems_in,
    write_policy,
)

# --- references between sections ----------------------------------------------------------------


def test_a_route_to_an_unknown_team_is_refused_naming_the_teams(tmp_path: Path) -> None:
    path = write_policy(tmp_path, routing="routing:\n  teams:\n    - route: [tier1, field-south]\n")

    problem = only_problem(path)

    assert problem.where == "routing.teams[0].route[1]"
    assert problem.reason == "no team named 'field-south'; teams: tier1, tier2, field-north"


def test_the_first_team_of_a_route_must_be_a_service_team(tmp_path: Path) -> None:
    path = write_policy(tmp_path, routing="routing:\n  teams:\n    - route: [field-north]\n")

    problem = only_problem(path)

    assert problem.where == "routing.teams[0].route[0]"
    assert problem.reason == "team field-north is a field team; a service team is needed here"


def test_a_team_or_sla_on_an_unknown_calendar_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        teams="teams:\n  tier1: {kind: service, calendar: uk-office}\n",
        sla="sla:\n  - name: s\n    calendar: office-hours\n    targets: {resolution: 4h}\n",
    )

    problems = problems_in(path)

    assert [(p.where, p.reason) for p in problems] == [
        ("teams.tier1.calendar", "no calendar named 'uk-office'; calendars: 24x7"),
        ("sla[0].calendar", "no calendar named 'office-hours'; calendars: 24x7"),
    ]


def test_a_routing_skill_missing_from_the_skills_list_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        routing="routing:\n  teams:\n    - route: [tier1]\n      skills: {gas-safe: 3}\n",
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (
        line_of(path, "gas-safe"),
        "routing.teams[0].skills.gas-safe",
    )
    assert problem.reason == "skill 'gas-safe' is not in the policy's skills list"


def test_a_selection_for_an_unknown_team_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        routing="""
        routing:
          teams:
            - route: [tier1]
          selection:
            tier3: {model: least_active}
        """,
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "tier3"), "routing.selection.tier3")
    assert problem.reason.startswith("no team named 'tier3'")


def test_a_handoff_must_go_from_a_service_team_to_a_field_team(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        handoffs="""
        handoffs:
          - from: field-north
            to: tier2
            when: case.severity == "high"
        """,
    )

    problems = problems_in(path)

    assert [(p.line, p.where, p.reason) for p in problems] == [
        (
            line_of(path, "from:"),
            "handoffs[0].from",
            "team field-north is a field team; a service team is needed here",
        ),
        (
            line_of(path, "to:"),
            "handoffs[0].to",
            "team tier2 is a service team; a field team is needed here",
        ),
    ]


# --- first match wins: every case must match one rule ------------------------------------------


def test_the_last_sla_policy_must_have_no_when(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        sla="""
        sla:
          - name: high
            when: case.severity == "high"
            targets: {resolution: 4h}
        """,
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "name: high"), "sla[0]")
    assert problem.reason == "the last SLA policy needs no `when`, so every case matches one"


def test_the_last_routing_rule_must_have_no_when(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        routing='routing:\n  teams:\n    - when: case.severity == "high"\n      route: [tier2]\n',
    )

    problem = only_problem(path)

    assert problem.where == "routing.teams[0]"
    assert problem.reason == "the last routing rule needs no `when`, so every case matches one"


def test_a_catch_all_before_the_last_rule_is_refused_because_later_rules_never_apply(
    tmp_path: Path,
) -> None:
    path = write_policy(
        tmp_path,
        sla="""
        sla:
          - name: everyone
            targets: {resolution: 8h}
          - name: high
            when: case.severity == "high"
            targets: {resolution: 4h}
          - name: standard
            targets: {resolution: 24h}
        """,
        routing="""
        routing:
          teams:
            - route: [tier2]
            - route: [tier1]
        """,
    )

    problems = problems_in(path)

    assert [(p.line, p.where, p.reason) for p in problems] == [
        (
            line_of(path, "everyone"),
            "sla[0]",
            "this SLA policy has no `when`, so the ones after it never apply",
        ),
        (
            line_of(path, "route: [tier2]"),
            "routing.teams[0]",
            "this routing rule has no `when`, so the ones after it never apply",
        ),
    ]


def test_two_sla_policies_with_the_same_name_are_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        sla="""
        sla:
          - name: standard
            when: case.severity == "high"
            targets: {resolution: 4h}
          - name: standard
            targets: {resolution: 24h}
        """,
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (lines_of(path, "name: standard")[1], "sla[1].name")
    assert problem.reason == "another SLA policy is already named standard"
