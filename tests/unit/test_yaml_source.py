"""Reading YAML as plain data with the file and line of every value, includes merged."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

from caseloom.adapters import yaml_source
from caseloom.domain.errors import PolicyProblem

POLICY = """\
policy: test
teams:
  tier1: {kind: service}
  field-north:
    kind: field
sla:
  - name: gold
    when: customer.tier == "gold"
  - name: standard
"""


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(dedent(text), "utf-8")
    return path


def value_of(tmp_path: Path, scalar: str) -> object:
    source = yaml_source.read(write(tmp_path / "value.yaml", f"value: {scalar}\n"))
    assert source.problems == []
    return source.data["value"]


# --- lines ------------------------------------------------------------------------------------


def test_the_data_is_plain_dicts_lists_and_scalars(tmp_path: Path) -> None:
    source = yaml_source.read(write(tmp_path / "policy.yaml", POLICY))

    assert source.data == {
        "policy": "test",
        "teams": {"tier1": {"kind": "service"}, "field-north": {"kind": "field"}},
        "sla": [{"name": "gold", "when": 'customer.tier == "gold"'}, {"name": "standard"}],
    }
    assert source.problems == []


def test_every_key_remembers_the_file_and_line_it_is_written_on(tmp_path: Path) -> None:
    path = write(tmp_path / "policy.yaml", POLICY)

    source = yaml_source.read(path)

    assert source.where[("policy",)] == (str(path), 1)
    assert source.where[("teams",)] == (str(path), 2)
    assert source.where[("teams", "tier1", "kind")] == (str(path), 3)
    assert source.where[("teams", "field-north")] == (str(path), 4)
    assert source.where[("teams", "field-north", "kind")] == (str(path), 5)


def test_every_list_item_remembers_the_line_it_starts_on(tmp_path: Path) -> None:
    path = write(tmp_path / "policy.yaml", POLICY)

    source = yaml_source.read(path)

    assert source.where[("sla", 0)] == (str(path), 7)
    assert source.where[("sla", 0, "when")] == (str(path), 8)
    assert source.where[("sla", 1)] == (str(path), 9)


def test_a_path_that_was_never_written_is_located_at_its_deepest_written_part(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "policy.yaml", POLICY)

    source = yaml_source.read(path)

    assert source.locate(("sla", 1, "targets", "resolution")) == (str(path), 9)
    assert source.locate(("routing", "teams")) == (str(path), 1)
    assert source.locate(()) == (str(path), 1)


def test_a_problem_is_recorded_with_file_line_and_the_dotted_path(tmp_path: Path) -> None:
    path = write(tmp_path / "policy.yaml", POLICY)
    source = yaml_source.read(path)

    source.problem(("sla", 0, "when"), "unknown field")

    assert source.problems == [PolicyProblem(str(path), 8, "sla[0].when", "unknown field")]


@pytest.mark.parametrize(
    ("path", "text"),
    [
        (("routing", "teams", 2, "when"), "routing.teams[2].when"),
        (("teams", "field-north", "kind"), "teams.field-north.kind"),
        (("sla", 0), "sla[0]"),
        ((0,), "[0]"),
        ((), "(top level)"),
    ],
)
def test_a_dotted_path_reads_like_the_policy(path: tuple[str | int, ...], text: str) -> None:
    assert yaml_source.dotted(path) == text


def test_the_text_of_every_file_is_kept_as_read(tmp_path: Path) -> None:
    path = write(tmp_path / "policy.yaml", "policy: test\ninclude: teams.yaml\n")
    teams = write(tmp_path / "teams.yaml", "teams: {}  # none yet\n")

    source = yaml_source.read(path)

    assert source.texts == {
        str(path): "policy: test\ninclude: teams.yaml\n",
        str(teams): "teams: {}  # none yet\n",
    }


# --- problems in the YAML itself ----------------------------------------------------------------


def test_a_key_given_twice_is_a_problem_naming_the_first_line(tmp_path: Path) -> None:
    path = write(
        tmp_path / "policy.yaml",
        """\
        teams:
          tier1: {kind: service}
          tier2: {kind: service}
          tier1: {kind: field}
        """,
    )

    source = yaml_source.read(path)

    assert source.problems == [
        PolicyProblem(str(path), 4, "teams.tier1", "tier1 is given twice (first at line 2)")
    ]


def test_a_syntax_error_is_a_problem_at_the_line_the_parser_stopped(tmp_path: Path) -> None:
    path = write(
        tmp_path / "policy.yaml", "policy: test\nteams:\n  tier1: {kind: service\nsla: []\n"
    )

    (problem,) = yaml_source.read(path).problems

    assert (problem.file, problem.line, problem.where) == (str(path), 4, "(yaml)")
    assert "expected ',' or '}'" in problem.reason


def test_a_tab_used_for_indentation_is_a_problem_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "policy.yaml", "policy: test\nteams:\n\ttier1: {kind: service}\n")

    (problem,) = yaml_source.read(path).problems

    assert (problem.line, problem.where) == (3, "(yaml)")
    assert "'\\t'" in problem.reason


@pytest.mark.parametrize("text", ["", "# only a comment\n", "- a\n- b\n", "words\n", "42\n"])
def test_a_file_that_is_not_a_mapping_is_a_problem(tmp_path: Path, text: str) -> None:
    path = write(tmp_path / "policy.yaml", text)

    source = yaml_source.read(path)

    assert source.problems == [
        PolicyProblem(
            str(path), 1, "(top level)", "the file must be a mapping of `key: value` sections"
        )
    ]
    assert source.data == {}


def test_a_missing_file_is_a_problem_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"

    (problem,) = yaml_source.read(path).problems

    assert (problem.file, problem.line, problem.where) == (str(path), 1, "(file)")
    assert problem.reason.startswith(f"cannot read {problem.file}: No such file")


def test_a_file_that_is_not_utf8_is_a_problem(tmp_path: Path) -> None:
    path = tmp_path / "latin1.yaml"
    path.write_bytes("policy: café\n".encode("latin-1"))

    (problem,) = yaml_source.read(path).problems

    assert (problem.file, problem.where) == (str(path), "(file)")
    assert "utf-8" in problem.reason


# --- include -----------------------------------------------------------------------------------


def test_an_include_merges_the_sections_of_another_file_with_their_own_lines(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "policy.yaml", "policy: test\ninclude: teams.yaml\n")
    teams = write(tmp_path / "teams.yaml", "# the desk\nteams:\n  tier1: {kind: service}\n")

    source = yaml_source.read(path)

    assert source.data == {"policy": "test", "teams": {"tier1": {"kind": "service"}}}
    assert source.where[("policy",)] == (str(path), 1)
    assert source.where[("teams", "tier1")] == (str(teams), 3)
    assert "include" not in source.data


def test_an_include_may_be_a_list_and_includes_may_include_more(tmp_path: Path) -> None:
    path = write(tmp_path / "policy.yaml", "include: [parts/teams.yaml, skills.yaml]\n")
    write(tmp_path / "parts" / "teams.yaml", "teams: {}\ninclude: calendars.yaml\n")
    write(tmp_path / "parts" / "calendars.yaml", "calendars: {}\n")
    write(tmp_path / "skills.yaml", "skills: [billing]\n")

    source = yaml_source.read(path)

    assert source.problems == []
    assert source.data == {"teams": {}, "calendars": {}, "skills": ["billing"]}


def test_a_problem_in_an_included_file_names_that_file_and_line(tmp_path: Path) -> None:
    path = write(tmp_path / "policy.yaml", "policy: test\ninclude: teams.yaml\n")
    teams = write(tmp_path / "teams.yaml", "teams:\n  tier1: {}\n  tier1: {}\n")

    source = yaml_source.read(path)

    assert source.problems == [
        PolicyProblem(str(teams), 3, "teams.tier1", "tier1 is given twice (first at line 2)")
    ]


def test_a_section_defined_in_two_files_is_a_problem_and_the_first_one_is_kept(
    tmp_path: Path,
) -> None:
    path = write(tmp_path / "policy.yaml", "skills: [billing]\ninclude: more.yaml\n")
    write(tmp_path / "more.yaml", "skills: [gas-safe]\n")

    source = yaml_source.read(path)

    (problem,) = source.problems
    assert (problem.file, problem.line, problem.where) == (str(tmp_path / "more.yaml"), 1, "skills")
    assert problem.reason == f"section skills is already defined at {path}:1"
    assert source.data["skills"] == ["billing"]


@pytest.mark.parametrize(
    "files",
    [
        {"policy.yaml": "include: policy.yaml\npolicy: x\n"},
        {
            "policy.yaml": "include: a.yaml\n",
            "a.yaml": "include: b.yaml\n",
            "b.yaml": "include: a.yaml\n",
        },
    ],
)
def test_an_include_cycle_is_a_problem_not_an_endless_loop(
    tmp_path: Path, files: dict[str, str]
) -> None:
    for name, text in files.items():
        write(tmp_path / name, text)

    (problem,) = yaml_source.read(tmp_path / "policy.yaml").problems

    assert problem.where == "include"
    assert problem.reason.endswith("includes itself (a cycle)")


# --- YAML 1.2 scalars ---------------------------------------------------------------------------


@pytest.mark.parametrize("scalar", ["NO", "no", "No", "yes", "YES", "on", "off", "y", "n"])
def test_yes_no_on_and_off_stay_strings_so_norway_is_not_false(tmp_path: Path, scalar: str) -> None:
    assert value_of(tmp_path, scalar) == scalar


@pytest.mark.parametrize("scalar", ["12:30", "08:00", "1:30:00", "08:00-12:30"])
def test_a_time_of_day_stays_a_string_not_a_base_60_number(tmp_path: Path, scalar: str) -> None:
    assert value_of(tmp_path, scalar) == scalar


@pytest.mark.parametrize(
    ("scalar", "value"),
    [("true", True), ("True", True), ("TRUE", True), ("false", False), ("FALSE", False)],
)
def test_true_and_false_are_booleans(tmp_path: Path, scalar: str, value: bool) -> None:
    assert value_of(tmp_path, scalar) is value


@pytest.mark.parametrize(
    ("scalar", "value"),
    [("42", 42), ("-3", -3), ("+7", 7), ("0", 0), ("1.5", 1.5), (".5", 0.5), ("2.5e3", 2500.0)],
)
def test_decimal_numbers_are_numbers(tmp_path: Path, scalar: str, value: float) -> None:
    result = value_of(tmp_path, scalar)

    assert result == value
    assert type(result) is type(value)


@pytest.mark.parametrize("scalar", ["~", "null"])
def test_null_is_none(tmp_path: Path, scalar: str) -> None:
    assert value_of(tmp_path, scalar) is None


@pytest.mark.parametrize("scalar", ["1_000", "4h", "90m", "1h30m"])
def test_underscored_numbers_and_durations_stay_strings(tmp_path: Path, scalar: str) -> None:
    assert value_of(tmp_path, scalar) == scalar


@pytest.mark.parametrize(("scalar", "value"), [("012", 12), ("08", 8)])
def test_a_number_with_a_leading_zero_is_decimal_as_in_yaml_1_2(
    tmp_path: Path, scalar: str, value: int
) -> None:
    assert value_of(tmp_path, scalar) == value


def test_a_number_with_an_exponent_and_no_dot_is_a_float_as_in_yaml_1_2(tmp_path: Path) -> None:
    assert value_of(tmp_path, "1e3") == 1000.0


def test_a_self_referencing_alias_is_a_problem_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path / "policy.yaml", "skills: &skills [billing, *skills]\n")

    source = yaml_source.read(path)

    assert source.problems
