"""The handoffs' work-order rules and the field section: what they build, and each mistake
refused at its line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from caseloom.adapters.conditions import ZenConditionEngine
from caseloom.domain.field.spec import FieldSpec, TravelModel, TravelSpec, VisitSpec
from caseloom.domain.field.work_order import Requirements
from tests.unit.policy.writing import (
    DEMO,
    line_of,
    load,
    only_problem,
    problems_in,
    write_policy,
)

SKILLS = "skills: [energy, broadband]\n"
HANDOFF = """\
handoffs:
  - name: on-site energy faults
    from: tier1
    to: field-north
    when: triage.on_site_required
    on: request
    sla: {response: 4h, resolution: 1d}
    work_order:
      - name: a gas visit
        when: triage.product_line == "energy"
        skills: {energy: 3}
        certifications: [gas-safe]
        equipment: [gas-analyser]
        duration: 2h
      - name: anything else
        duration: 45m
"""


def test_work_order_rules_say_what_each_visit_needs(tmp_path: Path) -> None:
    path = write_policy(tmp_path, skills=SKILLS, handoffs=HANDOFF)
    (handoff,) = load(path).policy.handoffs
    gas, other = handoff.visits
    assert not handoff.automatic  # `on: request`: only when a person asks
    assert handoff.label.startswith("on-site energy faults (policy.yaml:")
    assert gas.label.startswith("a gas visit (policy.yaml:")
    assert gas.requirements == Requirements({"energy": 3}, ("gas-safe",), ("gas-analyser",))
    assert gas.duration == timedelta(hours=2)
    assert other == VisitSpec(other.label, None, Requirements(), timedelta(minutes=45))

    matches = ZenConditionEngine().matches
    energy = {"triage": {"product_line": "energy"}}
    assert handoff.visit_for(energy, matches) is gas
    assert handoff.visit_for({"triage": {"product_line": "broadband"}}, matches) is other


def test_without_a_field_section_the_defaults_apply(tmp_path: Path) -> None:
    assert load(write_policy(tmp_path)).policy.field_service == FieldSpec()


def test_the_field_section_sets_travel_offers_and_the_optimiser(tmp_path: Path) -> None:
    field = """\
        field:
          travel: {model: osrm, url: "http://127.0.0.1:5000", profile: driving, timeout: 3s}
          appointments: {arrival_window: 4h, offers: 8, auto_book: false}
          optimise: {horizon: 1d, time_limit: 2s, solver: ortools, emergency_priority: 2}
        """
    spec = load(write_policy(tmp_path, field=field)).policy.field_service
    assert spec == FieldSpec(
        travel=TravelSpec(
            TravelModel.OSRM, 40.0, "http://127.0.0.1:5000", "driving", timedelta(seconds=3)
        ),
        arrival_window=timedelta(hours=4),
        offers=8,
        auto_book=False,
        horizon=timedelta(days=1),
        time_limit=timedelta(seconds=2),
        solver="ortools",
        emergency_priority=2,
    )


def test_the_demo_field_service_sends_gas_visits_with_certified_equipment() -> None:
    policy = load(DEMO).policy
    (handoff,) = policy.handoffs
    assert handoff.automatic
    assert [v.label.split(" (")[0] for v in handoff.visits] == [
        "a broadband line repair",
        "a gas or heating visit",
        "any other visit",
    ]
    assert handoff.visits[1].requirements.certifications == ("gas-safe",)
    assert policy.field_service.solver == "vroom"


def test_a_routing_server_model_needs_its_url(tmp_path: Path) -> None:
    path = write_policy(tmp_path, field="field:\n  travel: {model: valhalla}\n")
    problem = only_problem(path)
    assert problem.where == "field.travel.url"
    assert problem.reason == "the valhalla model needs the server's url"


def test_an_unknown_solver_is_refused_at_its_line(tmp_path: Path) -> None:
    path = write_policy(tmp_path, field="field:\n  optimise:\n    solver: pyvrp\n")
    problem = only_problem(path)
    assert (problem.line, problem.where) == (line_of(path, "solver:"), "field.optimise.solver")
    assert "vroom" in problem.reason
    assert "ortools" in problem.reason


def test_an_unknown_skill_in_a_work_order_rule_is_refused(tmp_path: Path) -> None:
    path = write_policy(tmp_path, skills="skills: [broadband]\n", handoffs=HANDOFF)
    problem = only_problem(path)
    assert problem.where.startswith("handoffs[0].work_order[0].skills")
    assert "energy" in problem.reason
    assert problem.line == line_of(path, "skills: {energy: 3}")


def test_a_rule_without_when_must_come_last(tmp_path: Path) -> None:
    swapped = HANDOFF.replace(
        """      - name: anything else
        duration: 45m
""",
        "",
    ).replace("work_order:\n", "work_order:\n      - {name: anything else, duration: 45m}\n")
    path = write_policy(tmp_path, skills=SKILLS, handoffs=swapped)
    first, last = problems_in(path)
    assert first.where == "handoffs[0].work_order[0]"
    assert first.reason == "this work-order rule has no `when`, so the ones after it never apply"
    assert last.where == "handoffs[0].work_order[1]"
    assert last.reason == "the last work-order rule needs no `when`, so every case matches one"


def test_a_visit_longer_than_a_working_day_is_refused(tmp_path: Path) -> None:
    path = write_policy(tmp_path, skills=SKILLS, handoffs=HANDOFF.replace("2h", "13h"))
    problem = only_problem(path)
    assert problem.where == "handoffs[0].work_order[0].duration"
    assert "13h is longer than the 12h allowed" in problem.reason
    assert problem.line == line_of(path, "duration: 13h")


def test_a_routing_server_url_must_be_http(tmp_path: Path) -> None:
    path = write_policy(tmp_path, field="field:\n  travel: {model: osrm, url: osrm-host}\n")
    assert only_problem(path).where == "field.travel.url"
