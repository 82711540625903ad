"""Every problem at once, includes, and where each problem is placed."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from caseloom.domain.errors import PolicyError
from tests.unit.policy.writing import (
    line_of,
    load,
    only_problem,
    problems_in,
    write_policy,
)

# --- every problem at once ----------------------------------------------------------------


def test_every_semantic_problem_is_reported_at_once_sorted_by_line(tmp_path: Path) -> None:
    path = tmp_path / "policy.yaml"
    path.write_text(
        dedent(
            """\
            policy: test
            version: 1
            routing:
              teams:
                - when: triage.sentimnet == "negative"
                  route: [tier2]
                - route: [tier3]
            teams:
              tier1: {kind: service, calendar: office}
              tier2: {kind: service}
            sla:
              - name: standard
                targets: {resolution: 24h}
            """
        ),
        "utf-8",
    )

    with pytest.raises(PolicyError) as refused:
        load(path)

    assert [(p.line, p.where) for p in refused.value.problems] == [
        (5, "routing.teams[0].when"),
        (7, "routing.teams[1].route[0]"),
        (9, "teams.tier1.calendar"),
    ]
    assert str(refused.value).splitlines() == [
        "the policy has 3 problems:",
        *(str(problem) for problem in refused.value.problems),
    ]
    assert str(refused.value.problems[0]).startswith(f"{path}:5: routing.teams[0].when: ")


def test_schema_problems_across_sections_are_all_reported_at_once(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        header="policy: test\nversion: 0\n",
        teams="teams:\n  tier1: {kind: desk}\n",
        sla="sla:\n  - name: s\n    targets: {resolution: 4 hours}\n",
    )

    problems = problems_in(path)

    assert [p.where for p in problems] == [
        "version",
        "teams.tier1.kind",
        "sla[0].targets.resolution",
    ]
    assert [p.line for p in problems] == sorted(p.line for p in problems)


# --- include ------------------------------------------------------------------------------


def test_an_include_merges_sections_from_another_file(tmp_path: Path) -> None:
    (tmp_path / "teams.yaml").write_text(
        "teams:\n  tier1: {kind: service}\n  field-north: {kind: field}\n", "utf-8"
    )
    path = write_policy(tmp_path, teams="include: teams.yaml\n")

    loaded = load(path)

    assert set(loaded.policy.teams) == {"tier1", "field-north"}
    assert f"# --- {tmp_path / 'teams.yaml'}\n" in loaded.source
    assert f"# --- {path}\n" in loaded.source


def test_includes_are_read_relative_to_the_file_that_includes_them(tmp_path: Path) -> None:
    (tmp_path / "parts").mkdir()
    (tmp_path / "parts" / "people.yaml").write_text("include: [skills.yaml]\n", "utf-8")
    (tmp_path / "parts" / "skills.yaml").write_text("skills: [billing, gas-safe]\n", "utf-8")
    path = write_policy(tmp_path, skills="include: [parts/people.yaml]\n")

    assert load(path).policy.skills == {"billing", "gas-safe"}


def test_a_problem_inside_an_included_file_names_that_file_and_its_line(tmp_path: Path) -> None:
    included = tmp_path / "routing.yaml"
    included.write_text(
        "# routing, kept apart\nrouting:\n  teams:\n"
        '    - when: case.sevrity == "high"\n      route: [tier2]\n    - route: [tier1]\n',
        "utf-8",
    )
    path = write_policy(tmp_path, routing="include: routing.yaml\n")

    problem = only_problem(path)

    assert (problem.file, problem.line) == (str(included), 4)
    assert problem.reason.endswith("did you mean case.severity?")


def test_a_schema_problem_inside_an_included_file_names_that_file_and_its_line(
    tmp_path: Path,
) -> None:
    included = tmp_path / "teams.yaml"
    included.write_text("teams:\n  tier1: {kind: service}\n  field-north: {kind: feild}\n", "utf-8")
    path = write_policy(tmp_path, teams="include: teams.yaml\n")

    problem = only_problem(path)

    assert (problem.file, problem.line, problem.where) == (
        str(included),
        3,
        "teams.field-north.kind",
    )


def test_problems_from_several_files_are_sorted_by_file_then_line(tmp_path: Path) -> None:
    (tmp_path / "b-teams.yaml").write_text(
        "teams:\n  tier1: {kind: service, calendar: nine-to-five}\n", "utf-8"
    )
    path = write_policy(
        tmp_path,
        name="a-policy.yaml",
        teams="include: b-teams.yaml\n",
        routing="routing:\n  teams:\n    - route: [tier9]\n",
    )

    problems = problems_in(path)

    assert [(Path(p.file).name, p.where) for p in problems] == [
        ("a-policy.yaml", "routing.teams[0].route[0]"),
        ("b-teams.yaml", "teams.tier1.calendar"),
    ]


def test_a_section_defined_in_two_files_is_refused(tmp_path: Path) -> None:
    (tmp_path / "more.yaml").write_text("skills: [gas-safe]\n", "utf-8")
    path = write_policy(tmp_path, include="include: more.yaml\n")

    problem = only_problem(path)

    assert (problem.file, problem.where) == (str(tmp_path / "more.yaml"), "skills")
    assert problem.reason.startswith("section skills is already defined at ")


def test_a_section_defined_in_two_files_is_refused_naming_both_places(tmp_path: Path) -> None:
    other = tmp_path / "more.yaml"
    other.write_text("# more skills\nskills: [gas-safe]\n", "utf-8")
    path = write_policy(tmp_path, include="include: more.yaml\n")

    problem = only_problem(path)

    named = {f"{problem.file}:{problem.line}", problem.reason.rsplit(" ", 1)[-1]}
    assert named == {f"{path}:{line_of(path, 'skills:')}", f"{other}:2"}


def test_an_include_cycle_is_refused(tmp_path: Path) -> None:
    (tmp_path / "a.yaml").write_text("include: b.yaml\nskills: [billing]\n", "utf-8")
    (tmp_path / "b.yaml").write_text("include: a.yaml\ncustomer_tiers: [gold]\n", "utf-8")
    path = write_policy(tmp_path, skills="include: a.yaml\n")

    problem = only_problem(path)

    assert (problem.file, problem.line, problem.where) == (str(tmp_path / "b.yaml"), 1, "include")
    assert problem.reason == f"{tmp_path / 'a.yaml'} includes itself (a cycle)"


def test_a_missing_included_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = write_policy(tmp_path, include="include: teams.yaml\n")

    problem = only_problem(path)

    assert (problem.file, problem.line) == (str(path), line_of(path, "include:"))
    assert problem.where == "include"
    assert problem.reason.startswith(f"cannot read {tmp_path / 'teams.yaml'}: No such file")


# --- where a problem is, in the policy's own words ----------------------------------------


@pytest.mark.parametrize(
    ("sections", "where"),
    [
        ({"calendars": "calendars:\n  office: {hours: 9-5}\n"}, "calendars.office.hours"),
        ({"sla": "sla:\n  - name: s\n    targets: {response: 4h}\n"}, "sla[0].targets.response"),
    ],
)
def test_a_problem_is_placed_by_a_path_that_exists_in_the_policy(
    tmp_path: Path, sections: dict[str, str], where: str
) -> None:
    problems = problems_in(write_policy(tmp_path, **sections))

    assert {problem.where for problem in problems} == {where}
