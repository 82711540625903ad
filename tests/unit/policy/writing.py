"""Writing small policy files for loader tests, and reading back what was refused."""

from __future__ import annotations

from pathlib import Path
from textwrap import dedent

import pytest

import caseloom
from caseloom.adapters.conditions import ZenConditionEngine
from caseloom.adapters.policy import LoadedPolicy, YamlPolicyLoader
from caseloom.domain.errors import PolicyError, PolicyProblem

DEMO = Path(caseloom.__file__).parent / "policies" / "demo" / "policy.yaml"

# A minimal valid policy, one section per entry; tests replace a section or add new ones.
SECTIONS = {
    "header": "policy: test\nversion: 1\n",
    "teams": """\
        teams:
          tier1: {kind: service}
          tier2: {kind: service}
          field-north: {kind: field}
        """,
    "skills": "skills: [billing]\n",
    "sla": """\
        sla:
          - name: standard
            targets: {first_response: 4h, resolution: 24h}
        """,
    "routing": """\
        routing:
          teams:
            - route: [tier1]
        """,
}


def write_policy(tmp_path: Path, name: str = "policy.yaml", **sections: str) -> Path:
    """The minimal policy with `sections` replacing its own; unknown sections are appended."""
    merged = {**SECTIONS, **sections}
    path = tmp_path / name
    path.write_text("".join(dedent(text).lstrip("\n") for text in merged.values()), "utf-8")
    return path


def load(path: Path) -> LoadedPolicy:
    return YamlPolicyLoader(ZenConditionEngine()).load(path)


def problems_in(path: Path) -> tuple[PolicyProblem, ...]:
    with pytest.raises(PolicyError) as refused:
        load(path)
    return refused.value.problems


def only_problem(path: Path) -> PolicyProblem:
    problems = problems_in(path)
    assert len(problems) == 1, problems
    return problems[0]


def lines_of(path: Path, text: str) -> list[int]:
    """The numbers of the lines of `path` that contain `text`."""
    lines = path.read_text("utf-8").splitlines()
    return [number for number, line in enumerate(lines, start=1) if text in line]


def line_of(path: Path, text: str) -> int:
    """The number of the one line of `path` that contains `text`."""
    found = lines_of(path, text)
    assert len(found) == 1, f"{text!r} is on lines {found}"
    return found[0]


def line_at(path: Path, origin: str) -> str:
    """The text on the line an origin such as "policy.yaml:42" names, without its comment."""
    number = int(origin.rsplit(":", 1)[1].rstrip(")"))
    return path.read_text("utf-8").splitlines()[number - 1].split("#")[0].strip()


def calendar(hours: str, timezone: str = "Europe/London") -> dict[str, str]:
    """Sections adding an `office` calendar with these hours, used by tier1."""
    return {
        "calendars": f"calendars:\n  office:\n    timezone: {timezone}\n    hours:\n{hours}",
        "teams": "teams:\n  tier1: {kind: service, calendar: office}\n",
    }
