"""The routing section: rules with optional skills and certifications, selection models, the
relaxation ladder, re-routing and batches; and each mistake refused at its file and line."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from caseloom.domain.routing import (
    DEFAULT_WEIGHTS,
    OwnerOffline,
    Relaxation,
    RelaxStep,
    Reroute,
    RerouteScope,
    Selection,
    SelectionModel,
)
from tests.unit.policy.writing import line_of, load, only_problem, problems_in, write_policy

FULL = """
routing:
  teams:
    - name: gas work
      when: triage.product_line == "energy"
      route: [tier1]
      skills: {energy: 3}
      optional_skills: {gas-safe: 2}
      certifications: [gas-safe, 18th-edition-wiring]
      language: any
    - route: [tier2]
  selection:
    tier1:
      model: best_fit
      weights: {skills: 0.4, spare_capacity: 0.3, sla_urgency: 0.3}
      capacity: {email: 1, phone: 2}
      offer: {timeout: 2m}
    tier2: {model: least_active}
  relax:
    - after: 10m
      drop: optional_skills
    - after: 15m
      drop: language
    - after: 20m
      overflow: tier2
    - after: 1h
      escalate: manager
  reroute:
    on: [severity, contract]
    move: unstarted
    owner_offline: keep
  batch:
    from: 25
"""
SKILLS = "skills: [energy, gas-safe, billing]\n"
CONTRACT = "custom_fields:\n  contract: {type: string}\n"


def routing(*lines: str) -> str:
    """A routing section with one catch-all rule to tier1 and `lines` after it."""
    return "routing:\n  teams:\n    - route: [tier1]\n" + "".join(f"{line}\n" for line in lines)


# --- what a full section builds -----------------------------------------------------------------


def test_a_full_routing_section_builds_rules_selection_ladder_reroute_and_batch(
    tmp_path: Path,
) -> None:
    path = write_policy(tmp_path, skills=SKILLS, custom_fields=CONTRACT, routing=FULL)

    spec = load(path).policy.routing

    gas = spec.rules[0]
    assert gas.label == f"gas work (policy.yaml:{line_of(path, 'gas work')})"
    assert (gas.route, gas.skills, gas.optional_skills) == (
        ("tier1",),
        {"energy": 3},
        {"gas-safe": 2},
    )
    assert gas.certifications == ("gas-safe", "18th-edition-wiring")
    assert gas.language is False
    assert spec.rules[1].language is True
    assert spec.selection["tier1"] == Selection(
        SelectionModel.BEST_FIT,
        {"skills": 0.4, "spare_capacity": 0.3, "sla_urgency": 0.3, "continuity": 0, "fairness": 0},
        {"email": 1, "phone": 2},
        timedelta(minutes=2),
    )
    assert spec.selection["tier1"].units_for("portal") == 1
    assert spec.selection["tier2"] == Selection(SelectionModel.LEAST_ACTIVE, DEFAULT_WEIGHTS)
    assert spec.relax == (
        RelaxStep(timedelta(minutes=10), Relaxation.DROP_OPTIONAL_SKILLS),
        RelaxStep(timedelta(minutes=15), Relaxation.DROP_LANGUAGE),
        RelaxStep(timedelta(minutes=20), Relaxation.OVERFLOW, "tier2"),
        RelaxStep(timedelta(hours=1), Relaxation.ESCALATE),
    )
    assert spec.reroute == Reroute(
        ("severity", "contract"), RerouteScope.UNSTARTED, OwnerOffline.KEEP
    )
    assert spec.batch_from == 25


def test_a_section_with_only_rules_gets_the_documented_defaults(tmp_path: Path) -> None:
    spec = load(write_policy(tmp_path)).policy.routing

    (rule,) = spec.rules
    assert (rule.optional_skills, rule.certifications, rule.language) == ({}, (), True)
    assert spec.selection == {}
    assert spec.selection_for("tier1") == Selection(SelectionModel.LEAST_ACTIVE)
    assert spec.relax == ()
    assert spec.reroute == Reroute(
        ("severity", "priority", "product_line"), RerouteScope.WAITING, OwnerOffline.REQUEUE
    )
    assert spec.batch_from == 10


@pytest.mark.parametrize("model", list(SelectionModel))
def test_every_selection_model_can_be_chosen(tmp_path: Path, model: SelectionModel) -> None:
    path = write_policy(tmp_path, routing=routing("  selection:", f"    tier1: {{model: {model}}}"))

    assert load(path).policy.routing.selection_for("tier1").model is model


# --- selection refused --------------------------------------------------------------------------


def test_an_unknown_selection_model_is_refused_naming_the_models(tmp_path: Path) -> None:
    path = write_policy(tmp_path, routing=routing("  selection:", "    tier1: {model: fastest}"))

    problem = only_problem(path)

    assert (problem.line, problem.where) == (
        line_of(path, "fastest"),
        "routing.selection.tier1.model",
    )
    assert problem.reason == (
        "unknown selection model 'fastest'; "
        "models: round_robin, least_active, most_available, best_fit"
    )


@pytest.mark.parametrize(
    ("model", "setting", "key", "reason"),
    [
        (
            "least_active",
            "weights: {skills: 1}",
            "weights",
            "weights apply to the best_fit model only; tier1 picks by least_active",
        ),
        (
            "best_fit",
            "weights: {skills: 0.5, speed: 0.5}",
            "weights",
            "unknown factor 'speed'; "
            "factors: skills, spare_capacity, sla_urgency, continuity, fairness",
        ),
        (
            "least_active",
            "capacity: {phone: 2, fax: 3}",
            "capacity",
            "unknown channel 'fax'; channels: email, portal, api, phone",
        ),
    ],
)
def test_a_wrong_selection_setting_is_refused_at_its_line(
    tmp_path: Path, model: str, setting: str, key: str, reason: str
) -> None:
    """Weights on a model that takes none, an unknown factor, capacity for an unknown channel."""
    path = write_policy(
        tmp_path,
        routing=routing("  selection:", "    tier1:", f"      model: {model}", f"      {setting}"),
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (
        line_of(path, f"{key}:"),
        f"routing.selection.tier1.{key}",
    )
    assert problem.reason == reason


@pytest.mark.parametrize(
    ("weights", "where", "reason"),
    [
        ("{skills: 0, fairness: 0}", "", "at least one factor needs a weight above 0"),
        ("{skills: -0.5, fairness: 1}", ".skills", "Input should be greater than or equal to 0"),
        ("{skills: true}", ".skills", "Input should be a valid number"),
    ],
)
def test_weights_are_never_negative_and_not_all_zero(
    tmp_path: Path, weights: str, where: str, reason: str
) -> None:
    path = write_policy(
        tmp_path,
        routing=routing("  selection:", f"    tier1: {{model: best_fit, weights: {weights}}}"),
    )

    problem = only_problem(path)

    assert problem.where == f"routing.selection.tier1.weights{where}"
    assert problem.reason == reason


@pytest.mark.parametrize(
    ("units", "reason"),
    [
        ("0", "Input should be greater than or equal to 1"),
        ("101", "Input should be less than or equal to 100"),
        ("true", "Input should be a valid integer"),
    ],
)
def test_a_channel_takes_a_whole_number_of_units_from_1_to_100(
    tmp_path: Path, units: str, reason: str
) -> None:
    selection = f"    tier1: {{model: most_available, capacity: {{phone: {units}}}}}"
    path = write_policy(tmp_path, routing=routing("  selection:", selection))

    problem = only_problem(path)

    assert problem.where == "routing.selection.tier1.capacity.phone"
    assert problem.reason == reason


def test_an_offer_needs_its_timeout(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        routing=routing("  selection:", "    tier1: {model: round_robin, offer: {}}"),
    )

    problem = only_problem(path)

    assert problem.where == "routing.selection.tier1.offer.timeout"
    assert problem.reason == "missing required key 'timeout'"


# --- rules refused ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("certifications", "index", "shown"),
    [
        ("[gas-safe, 3]", 1, "3"),
        ('[""]', 0, "''"),
        ("[{name: gas-safe}]", 0, "{'name': 'gas-safe'}"),
    ],
)
def test_a_rule_names_its_certifications(
    tmp_path: Path, certifications: str, index: int, shown: str
) -> None:
    rule = f"    - route: [tier1]\n      certifications: {certifications}"
    path = write_policy(tmp_path, routing=f"routing:\n  teams:\n{rule}\n")

    problem = only_problem(path)

    assert (problem.line, problem.where) == (
        line_of(path, "certifications:"),
        f"routing.teams[0].certifications[{index}]",
    )
    assert problem.reason == f"write a certification by its name, e.g. gas-safe; {shown} is not one"


def test_optional_skills_come_from_the_skills_list_and_are_not_also_required(
    tmp_path: Path,
) -> None:
    path = write_policy(
        tmp_path,
        routing="""
        routing:
          teams:
            - route: [tier1]
              skills: {billing: 2}
              optional_skills:
                billing: 4
                networking: 3
        """,
    )

    problems = problems_in(path)

    assert [(p.line, p.where, p.reason) for p in problems] == [
        (
            line_of(path, "billing: 4"),
            "routing.teams[0].optional_skills.billing",
            "skill 'billing' is also required; list it under skills or here, not both",
        ),
        (
            line_of(path, "networking"),
            "routing.teams[0].optional_skills.networking",
            "skill 'networking' is not in the policy's skills list",
        ),
    ]


def test_language_is_match_or_any(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path, routing="routing:\n  teams:\n    - route: [tier1]\n      language: fr\n"
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "language"), "routing.teams[0].language")
    assert problem.reason == "Input should be 'match' or 'any'"


# --- the relaxation ladder refused --------------------------------------------------------------


def test_each_step_of_the_ladder_must_come_later_than_the_ones_above_it(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        routing=routing(
            "  relax:",
            "    - {after: 30m, drop: optional_skills}",
            "    - {after: 10m, drop: language}",
            "    - {after: 30m, escalate: manager}",
            "    - {after: 1h30m, overflow: tier2}",
        ),
    )

    problems = problems_in(path)

    assert [(p.line, p.where, p.reason) for p in problems] == [
        (
            line_of(path, "after: 10m"),
            "routing.relax[1].after",
            "each step must come later than the ones above it: 10m is not after 30m",
        ),
        (
            line_of(path, "escalate"),
            "routing.relax[2].after",
            "each step must come later than the ones above it: 30m is not after 30m",
        ),
    ]


@pytest.mark.parametrize(
    ("overflow", "reason"),
    [
        ("tier9", "no team named 'tier9'; teams: tier1, tier2, field-north"),
        ("field-north", "team field-north is a field team; a service team is needed here"),
    ],
)
def test_a_case_overflows_only_to_a_service_team(
    tmp_path: Path, overflow: str, reason: str
) -> None:
    path = write_policy(
        tmp_path, routing=routing("  relax:", "    - after: 20m", f"      overflow: {overflow}")
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (
        line_of(path, "overflow:"),
        "routing.relax[0].overflow",
    )
    assert problem.reason == reason


@pytest.mark.parametrize(
    ("step", "reason"),
    [
        ("{after: 10m}", "a step takes one action: drop, overflow or escalate"),
        (
            "{after: 10m, drop: language, escalate: manager}",
            "a step takes one action: drop, overflow or escalate; this one has drop and escalate",
        ),
    ],
)
def test_a_step_of_the_ladder_takes_exactly_one_action(
    tmp_path: Path, step: str, reason: str
) -> None:
    path = write_policy(tmp_path, routing=routing("  relax:", f"    - {step}"))

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "after: 10m"), "routing.relax[0]")
    assert problem.reason == reason


@pytest.mark.parametrize(
    ("step", "where", "reason"),
    [
        ("{after: 10m, drop: skills}", "drop", "Input should be 'optional_skills' or 'language'"),
        ("{after: 10m, escalate: director}", "escalate", "Input should be 'manager'"),
        (
            "{after: 10m, drop: language, wait: 5m}",
            "wait",
            "unknown key 'wait'; expected one of: after, drop, overflow, escalate",
        ),
        ("{after: soon, drop: language}", "after", "'soon' is not a duration; write e.g. 30s, "),
    ],
)
def test_a_step_says_what_it_drops_and_whom_it_escalates_to(
    tmp_path: Path, step: str, where: str, reason: str
) -> None:
    path = write_policy(tmp_path, routing=routing("  relax:", f"    - {step}"))

    problem = only_problem(path)

    assert problem.where == f"routing.relax[0].{where}"
    assert problem.reason.startswith(reason)


# --- re-routing and batches refused -------------------------------------------------------------


def test_rerouting_on_an_unknown_field_is_refused_naming_the_fields(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        custom_fields=CONTRACT,
        routing=routing("  reroute:", "    on: [severity, contract, colour]"),
    )

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "colour"), "routing.reroute.on[2]")
    assert problem.reason == (
        "unknown field 'colour'; a change to one of these re-routes: "
        "severity, priority, product_line, contract"
    )


def test_reroute_says_which_cases_move_and_what_an_owner_going_offline_does(
    tmp_path: Path,
) -> None:
    path = write_policy(
        tmp_path, routing=routing("  reroute:", "    move: sometimes", "    owner_offline: keep")
    )

    problem = only_problem(path)

    assert problem.where == "routing.reroute.move"
    assert problem.reason == "Input should be 'never', 'waiting', 'unstarted' or 'always'"


def test_a_batch_starts_from_at_least_two_waiting_cases(tmp_path: Path) -> None:
    path = write_policy(tmp_path, routing=routing("  batch:", "    from: 1"))

    problem = only_problem(path)

    assert (problem.line, problem.where) == (line_of(path, "from: 1"), "routing.batch.from")
    assert problem.reason == "Input should be greater than or equal to 2"
