"""Conditions in a policy: parsed, and every field they name checked."""

from __future__ import annotations

from pathlib import Path

import pytest
import zen

from tests.unit.policy.writing import (
    line_of,
    load,
    only_problem,
    write_policy,
)

# --- conditions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("condition", "suggestion"),
    [
        ('case.sevrity == "high"', "did you mean case.severity?"),
        ('triage.sentimnet == "negative"', "did you mean triage.sentiment?"),
    ],
)
def test_a_typo_in_a_condition_field_is_refused_with_file_line_and_the_closest_field(
    tmp_path: Path, condition: str, suggestion: str
) -> None:
    path = write_policy(
        tmp_path,
        routing=f"""
        routing:
          teams:
            - route: [tier2]
              when: {condition}
            - route: [tier1]
        """,
    )

    problem = only_problem(path)

    assert (problem.file, problem.line) == (str(path), line_of(path, condition))
    assert problem.where == "routing.teams[0].when"
    assert problem.reason.endswith(suggestion)


@pytest.mark.parametrize(
    "condition",
    ['case.severity === "high"', '(case.severity == "high"', 'case.severity in ["high", "low"'],
)
def test_a_broken_expression_is_refused_with_file_line_and_the_parsers_reason(
    tmp_path: Path, condition: str
) -> None:
    path = write_policy(
        tmp_path,
        sla=f"""
        sla:
          - name: urgent
            when: '{condition}'
            targets: {{resolution: 4h}}
          - name: standard
            targets: {{resolution: 24h}}
        """,
    )

    problem = only_problem(path)

    refusal = zen.validate_expression(condition)
    assert refusal is not None
    assert (problem.file, problem.line) == (str(path), line_of(path, "when:"))
    assert problem.where == "sla[0].when"
    assert problem.reason == f"cannot parse {condition!r}: {refusal['source']}"


def test_an_unknown_root_name_in_a_condition_is_refused_naming_the_known_roots(
    tmp_path: Path,
) -> None:
    path = write_policy(
        tmp_path,
        triage="""
        triage:
          stamps:
            - when: ticket.severity == "high"
              set: {priority: 1}
        """,
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "ticket"), "triage.stamps[0].when")
    assert problem.reason.startswith("unknown name 'ticket.severity'")
    assert all(root in problem.reason for root in ("case.", "customer.", "triage."))


def test_a_handoff_condition_is_checked_like_any_other(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        handoffs="""
        handoffs:
          - from: tier1
            to: field-north
            when: case.severity == "high" and triage.on_site_requird
        """,
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "when:"), "handoffs[0].when")
    assert "did you mean triage.on_site_required?" in problem.reason


def test_a_condition_may_name_a_custom_field_the_policy_declares(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        custom_fields="custom_fields:\n  contract: {type: string}\n",
        routing="""
        routing:
          teams:
            - when: case.contract == "premium"
              route: [tier2]
            - route: [tier1]
        """,
    )

    rule = load(path).policy.routing.rules[0]

    assert rule.when is not None
    assert rule.when.source == 'case.contract == "premium"'
