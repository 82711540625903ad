"""The shipped demo policy, and what a minimal policy defaults to."""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

from caseloom.adapters.organisation import read_organisation
from caseloom.domain.commands import RegisterRep
from caseloom.domain.policy import FieldType
from caseloom.domain.routing import (
    OwnerOffline,
    Relaxation,
    RelaxStep,
    Reroute,
    RerouteScope,
    SelectionModel,
)
from caseloom.domain.sla import SlaMetric
from caseloom.domain.workforce import TeamKind
from tests.unit.policy.writing import (
    DEMO,
    line_at,
    line_of,
    load,
    write_policy,
)

# --- the shipped demo policy ---------------------------------------------------------------


def test_the_demo_policy_loads_with_its_name_version_and_a_digest_of_its_text() -> None:
    loaded = load(DEMO)

    assert loaded.policy.ref == "northwind-service@3"
    assert re.fullmatch(r"[0-9a-f]{64}", loaded.policy.digest)
    assert loaded.source == f"# --- {DEMO}\n{DEMO.read_text('utf-8')}"


def test_the_demo_policy_brings_its_teams_with_kind_calendar_and_manager() -> None:
    teams = load(DEMO).policy.teams

    assert set(teams) == {"tier1", "tier2", "billing", "field-north"}
    assert teams["field-north"].kind is TeamKind.FIELD
    assert teams["tier1"].kind is TeamKind.SERVICE
    assert (teams["tier1"].calendar, teams["tier1"].manager) == ("uk-office", "mgr-anna")


def test_the_demo_policy_brings_its_split_shift_office_calendar_and_a_24x7_one() -> None:
    calendars = load(DEMO).policy.calendars

    office = calendars["uk-office"]
    assert office.timezone == "Europe/London"
    assert office.weekly is not None
    assert office.weekly[0] == ((8 * 60, 12 * 60 + 30), (13 * 60 + 30, 18 * 60))
    assert office.weekly[5] == ((9 * 60, 13 * 60),)
    assert office.weekly[6] == ()
    assert calendars["always"].weekly is None
    assert calendars["24x7"].weekly is None


def test_the_demo_sla_policies_keep_their_order_targets_and_the_line_of_each_condition() -> None:
    sla = load(DEMO).policy.sla

    assert [s.name for s in sla] == ["gold-high", "high-severity", "gold", "standard"]
    assert sla[0].calendar == "always"
    assert sla[0].targets == {
        SlaMetric.FIRST_RESPONSE: timedelta(hours=1),
        SlaMetric.RESOLUTION: timedelta(hours=8),
    }
    assert sla[-1].when is None
    for policy in sla[:-1]:
        assert policy.when is not None
        assert policy.when.origin.startswith(f"{DEMO}:")
        assert line_at(DEMO, policy.when.origin) == f"when: {policy.when.source}"


def test_the_demo_routing_rules_are_labelled_with_their_name_and_file_line() -> None:
    mail_to_billing, *routing = load(DEMO).policy.routing.rules

    assert mail_to_billing.label.startswith("mail to billing@northwind.example (policy.yaml:")
    assert routing[0].route == ("tier1", "field-north")
    assert routing[0].label == f"on-site outage (policy.yaml:{line_of(DEMO, 'on-site outage')})"
    billing = next(rule for rule in routing if rule.route == ("billing",))
    assert billing.skills == {"billing": 3}
    assert routing[-1].when is None
    for rule in routing:
        name = rule.label.split(" (")[0]
        assert line_at(DEMO, rule.label) == f"- name: {name}"


def test_the_demo_stamps_are_labelled_with_their_name_and_file_line() -> None:
    stamps = load(DEMO).policy.triage.stamps

    first = stamps[0]
    line = line_of(DEMO, "name: outages are high severity")
    assert first.label == f"outages are high severity (policy.yaml:{line})"
    assert first.set == {"severity": "high"}
    for stamp in stamps:
        assert stamp.when is not None
        assert line_at(DEMO, stamp.label) == f"- name: {stamp.label.split(' (')[0]}"
        assert line_at(DEMO, stamp.when.origin) == f"when: {stamp.when.source}"


def test_the_demo_policy_brings_its_triage_custom_fields_selection_and_handoff() -> None:
    policy = load(DEMO).policy

    assert policy.triage.min_confidence == 0.6
    assert "outage" in policy.triage.intents
    assert "no connection" in policy.triage.intents["outage"]
    assert policy.custom_fields["vulnerable_customer"].type is FieldType.BOOLEAN
    assert policy.customer_tiers == ("gold", "silver", "standard")
    assert "gas-safe" in policy.skills
    (handoff,) = policy.handoffs
    assert (handoff.from_team, handoff.to_team, handoff.create) == (
        "tier1",
        "field-north",
        "work_order",
    )
    assert handoff.targets == {
        SlaMetric.FIRST_RESPONSE: timedelta(hours=4),
        SlaMetric.RESOLUTION: timedelta(hours=24),
    }


def test_the_demo_routing_picks_by_best_fit_and_relaxes_by_a_timed_ladder() -> None:
    routing = load(DEMO).policy.routing

    tier1 = routing.selection_for("tier1")
    assert tier1.model is SelectionModel.BEST_FIT
    assert tier1.weights["skills"] == 0.4
    assert (tier1.units_for("phone"), tier1.units_for("email")) == (2, 1)
    assert routing.selection_for("tier2").model is SelectionModel.BEST_FIT
    assert routing.selection_for("billing").model is SelectionModel.LEAST_ACTIVE
    assert routing.relax == (
        RelaxStep(timedelta(minutes=10), Relaxation.DROP_OPTIONAL_SKILLS),
        RelaxStep(timedelta(minutes=20), Relaxation.OVERFLOW, "tier2"),
        RelaxStep(timedelta(minutes=30), Relaxation.ESCALATE),
    )
    assert routing.reroute == Reroute(move=RerouteScope.WAITING, owner_offline=OwnerOffline.REQUEUE)
    assert routing.batch_from == 10


def test_every_demo_rule_has_an_available_demo_rep_with_its_required_and_optional_skills() -> None:
    people = read_organisation(DEMO.parent / "organisation.yaml")
    available = [r for r in people if isinstance(r, RegisterRep) and r.presence == "available"]

    for rule in load(DEMO).policy.routing.rules:
        needs = {**rule.skills, **rule.optional_skills}
        assert any(
            rule.route[0] in rep.teams
            and all(rep.skills.get(skill, 0) >= level for skill, level in needs.items())
            for rep in available
        ), rule.label


# --- a minimal policy and its defaults --------------------------------------------------------


def test_a_minimal_policy_loads_with_the_documented_defaults(tmp_path: Path) -> None:
    policy = load(write_policy(tmp_path)).policy

    assert policy.ref == "test@1"
    assert set(policy.calendars) == {"24x7"}
    assert policy.teams["tier1"].calendar == "24x7"
    assert policy.customer_tiers == ("standard",)
    assert policy.triage.model == "local"
    assert policy.triage.min_confidence == 0.6
    assert "sentiment" in policy.triage.signals
    assert policy.handoffs == ()


def test_a_rule_without_a_name_is_labelled_by_its_place_and_line(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        routing="""
        routing:
          teams:
            - when: case.severity == "high"
              route: [tier2]
            - route: [tier1]
        """,
    )

    rules = load(path).policy.routing.rules

    assert rules[1].label == f"routing.teams[1] (policy.yaml:{line_of(path, 'route: [tier1]')})"


def test_the_digest_follows_the_text_so_a_stored_version_cannot_silently_change(
    tmp_path: Path,
) -> None:
    first = load(write_policy(tmp_path, name="first.yaml"))
    same = load(write_policy(tmp_path, name="same.yaml"))
    changed = load(write_policy(tmp_path, name="changed.yaml", comment="# a comment\n"))

    assert first.policy.digest == same.policy.digest
    assert changed.policy.digest != first.policy.digest
