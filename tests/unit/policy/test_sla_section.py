"""The SLA, escalation and notification sections: pauses with reasons, "reach status" targets,
holidays by country, timed and conditional escalations; each mistake refused at its line."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from caseloom.domain.sla import (
    CallWebhook,
    MoveTier,
    Notify,
    RaisePriority,
    Reassign,
    Recipient,
    Threshold,
)
from tests.unit.policy.writing import line_of, load, only_problem, problems_in, write_policy

TEAMS = """\
teams:
  tier1: {kind: service, manager: mgr-anna}
  tier2: {kind: service}
  field-north: {kind: field}
"""
SLA = """\
sla:
  - name: standard
    calendar: office
    targets: {first_response: 4h, next_response: 8h, resolution: 24h}
    reach: {assigned: 30m}
    pause_when: case.status == "waiting_on_customer"
    stop_when: case.status == "closed"
"""
CALENDARS = """\
calendars:
  office:
    timezone: Europe/London
    hours: {mon-fri: ["09:00-17:00"]}
    holidays: {country: GB, subdiv: ENG, dates: [2026-12-24], open_on: [2026-12-28]}
"""
ESCALATIONS = """\
escalations:
  - at: 50%
    of: resolution
    do: [notify: owner]
  - name: manager at 75%
    at: 75%
    of: resolution
    do: [notify: manager, raise_priority]
  - before: 30m
    of: first_response
    do: [{reassign: {team: tier2, keep_skills: false}}, move_tier: tier2]
  - after: 2h
    of: next_response
    do: [{notify: {team: tier2}}, webhook: ops-chat]
  - when: case.priority == 1
    do: [notify: manager]
notifications:
  sender: desk@example.com
  people: {mgr-anna: anna@example.com}
  webhooks:
    ops-chat: {url: "http://127.0.0.1:9000/hooks", secret_env: OPS_CHAT_SECRET}
"""


def full(tmp_path: Path, **changes: str) -> Path:
    sections = {"teams": TEAMS, "sla": SLA, "calendars": CALENDARS, "escalations": ESCALATIONS}
    return write_policy(tmp_path, **{**sections, **changes})


def test_a_full_sla_section_builds_pauses_stops_reach_targets_and_holidays(
    tmp_path: Path,
) -> None:
    policy = load(full(tmp_path)).policy
    [sla] = policy.sla
    assert dict(sla.targets) == {
        "first_response": timedelta(hours=4),
        "next_response": timedelta(hours=8),
        "resolution": timedelta(hours=24),
        "reach:assigned": timedelta(minutes=30),
    }
    assert [p.reason for p in sla.pauses] == ["waiting_on_customer"]
    assert sla.stop_when is not None
    holidays = policy.calendars["office"].holidays
    assert date(2026, 12, 25) in holidays  # Christmas, from the package
    assert date(2026, 12, 24) in holidays  # an explicit extra day
    assert date(2026, 12, 28) not in holidays  # the Boxing Day substitute, open by choice


def test_escalations_build_thresholds_conditions_and_actions_in_order(tmp_path: Path) -> None:
    path = full(tmp_path)
    escalations = load(path).policy.escalations
    assert [e.threshold for e in escalations] == [
        Threshold("resolution", share=0.5),
        Threshold("resolution", share=0.75),
        Threshold("first_response", before=timedelta(minutes=30)),
        Threshold("next_response", after=timedelta(hours=2)),
        None,
    ]
    assert [e.actions for e in escalations] == [
        (Notify(Recipient.OWNER),),
        (Notify(Recipient.MANAGER), RaisePriority(1)),
        (Reassign("tier2", keep_skills=False), MoveTier("tier2")),
        (Notify(Recipient.TEAM, "tier2"), CallWebhook("ops-chat")),
        (Notify(Recipient.MANAGER),),
    ]
    assert escalations[1].label.startswith("manager at 75% (policy.yaml:")
    assert escalations[4].trigger == "case.priority == 1"
    assert load(path).policy.notifications.webhooks["ops-chat"].secret_env == "OPS_CHAT_SECRET"


@pytest.mark.parametrize(
    ("escalation", "where", "reason"),
    [
        (
            "  - {at: 120%, of: resolution, do: [notify: owner]}",
            "escalations[0].at",
            "'120%' is not a share of the window; write e.g. 75% (up to 100%)",
        ),
        (
            "  - {at: 75%, do: [notify: owner]}",
            "escalations[0]",
            "`at` needs `of`: the clock it measures, e.g. of: resolution",
        ),
        (
            "  - {at: 75%, after: 1h, of: resolution, do: [notify: owner]}",
            "escalations[0]",
            "use one of at, after or before, not at and after",
        ),
        (
            "  - {do: [notify: owner]}",
            "escalations[0]",
            "an escalation needs a time (at, after or before ... of) or a `when`",
        ),
        (
            "  - {at: 75%, of: resolution, do: [page: owner]}",
            "escalations[0].do[0].page",
            "unknown key 'page'; expected one of: notify, raise_priority, reassign, move_tier, "
            "webhook",
        ),
        (
            "  - {at: 75%, of: resolution, do: [webhook: pager]}",
            "escalations[0].do[0].webhook",
            "no webhook named 'pager' under notifications.webhooks (ops-chat)",
        ),
        (
            "  - {at: 75%, of: resolution, do: [move_tier: tier9]}",
            "escalations[0].do[0].move_tier",
            "no team named 'tier9'; teams: tier1, tier2, field-north",
        ),
    ],
)
def test_a_wrong_escalation_is_refused_at_its_line(
    tmp_path: Path, escalation: str, where: str, reason: str
) -> None:
    rest = ESCALATIONS[ESCALATIONS.index("notifications:") :]
    path = full(tmp_path, escalations=f"escalations:\n{escalation}\n{rest}")

    problem = only_problem(path)

    assert (problem.where, problem.reason) == (where, reason)
    assert problem.line == line_of(path, escalation.strip())


def test_notifying_a_manager_needs_every_managers_address(tmp_path: Path) -> None:
    escalations = ESCALATIONS.replace("people: {mgr-anna: anna@example.com}", "people: {}")
    problems = problems_in(full(tmp_path, escalations=escalations))
    assert [p.where for p in problems] == [
        "escalations[1].do[0].notify",
        "escalations[4].do[0].notify",
    ]
    assert {p.reason for p in problems} == {
        "the manager of tier1, mgr-anna, has no address under notifications.people"
    }


def test_an_escalation_of_a_metric_no_sla_measures_is_refused(tmp_path: Path) -> None:
    sla = SLA.replace("next_response: 8h, ", "")
    problem = only_problem(full(tmp_path, sla=sla))
    assert (problem.where, problem.reason) == (
        "escalations[3].of",
        "no SLA policy has a next_response target",
    )


def test_an_unknown_holiday_region_is_refused_naming_the_regions(tmp_path: Path) -> None:
    calendars = CALENDARS.replace("subdiv: ENG", "subdiv: XXX")
    problem = only_problem(full(tmp_path, calendars=calendars))
    assert problem.where == "calendars.office.holidays"
    assert "XXX" in problem.reason
    assert "ENG" in problem.reason


def test_an_escalation_keeps_its_identity_when_it_moves_in_the_file(tmp_path: Path) -> None:
    """Timers are known by an escalation's name, or by a digest of what it does, never by its
    line: a rule added above it must not make it fire again on running cases."""
    before = load(full(tmp_path)).policy.escalations
    moved = ESCALATIONS.replace(
        "escalations:\n", "escalations:\n  - {at: 10%, of: resolution, do: [notify: owner]}\n"
    )
    after = load(full(tmp_path, escalations=moved)).policy.escalations
    assert [e.id for e in after[1:]] == [e.id for e in before]
    assert after[2].id == "manager at 75%"
    assert after[1].label != before[0].label  # the label names the new line
