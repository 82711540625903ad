"""The Routing agent on the bus: offers and their answers, the relaxation ladder, re-routing when
facts change or the owner goes offline, batch assignment, capacity units, and the dry run."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from caseloom.domain import commands
from caseloom.domain.case import CaseStatus, Channel
from caseloom.domain.errors import IllegalTransition, InvalidInput
from caseloom.domain.routing import (
    OwnerOffline,
    Relaxation,
    RelaxStep,
    Reroute,
    RerouteScope,
    Selection,
)
from caseloom.domain.sla import SlaMetric
from caseloom.domain.triage import StampOutcome
from caseloom.domain.workforce import Presence, Team, TeamKind
from tests.factories import by, make_case, make_clock, make_rep, triage_result
from tests.world import POLICY, World

TIER1 = POLICY.routing.rules[1]  # everything else -> tier1
TO_TIER2 = POLICY.routing.rules[0]  # high severity -> tier2


def world(**routing: object) -> World:
    """A world whose policy routes as given; cases read as questions, so they go to tier1."""
    spec = replace(POLICY.routing, **routing)
    teams = {**POLICY.teams, "tier1": Team("tier1", TeamKind.SERVICE, "24x7", "mgr-anna")}
    return World(replace(POLICY, routing=spec, teams=teams), intent="question")


def offering(timeout: timedelta = timedelta(minutes=2)) -> dict[str, Selection]:
    return {"tier1": Selection(offer_timeout=timeout)}


def entries(w: World, ref: str) -> list[str]:
    return [e.reason for e in w.store.journey[ref] if e.step == "routing"]


def test_an_offer_holds_the_reps_capacity_until_they_accept() -> None:
    w = world(selection=offering())
    w.rep(make_rep("rep-a"))
    ref = w.open()
    case = w.case(ref)
    assert (case.status, case.owner) == (CaseStatus.OFFERED, "rep-a")
    assert case.offer_expires_at == w.clock.now() + timedelta(minutes=2)
    assert w.store.reps["rep-a"].load == 1
    w.bus.handle(commands.AcceptOffer(ref, "rep-a"))
    case = w.case(ref)
    assert (case.status, case.owner, case.offer_expires_at) == (CaseStatus.ASSIGNED, "rep-a", None)
    assert w.store.reps["rep-a"].load == 1


def test_a_declined_offer_goes_to_the_next_rep_keeping_its_age_and_skipping_the_decliner() -> None:
    w = world(selection=offering())
    w.rep(make_rep("rep-a"))
    w.rep(make_rep("rep-b", load=1))
    ref = w.open()
    queued_at = w.case(ref).queued_at
    w.clock.advance(timedelta(seconds=30))
    w.bus.handle(commands.DeclineOffer(ref, "rep-a", "on a call"))
    case = w.case(ref)
    assert (case.status, case.owner, case.queued_at) == (CaseStatus.OFFERED, "rep-b", queued_at)
    assert case.need.declined == frozenset({"rep-a"})
    assert (w.store.reps["rep-a"].load, w.store.reps["rep-b"].load) == (0, 2)
    assert "rep-a declined the offer: on a call" in entries(w, ref)
    with pytest.raises(IllegalTransition, match=f"case {ref} is not offered to rep-a"):
        w.bus.handle(commands.AcceptOffer(ref, "rep-a"))


def test_an_unanswered_offer_lapses_on_the_sweep_and_waits_when_nobody_else_fits() -> None:
    w = world(selection=offering())
    w.rep(make_rep("rep-a"))
    ref = w.open()
    w.clock.advance(timedelta(minutes=1))
    assert w.bus.handle(commands.SweepRouting())["offers_lapsed"] == 0  # type: ignore[index]
    w.clock.advance(timedelta(minutes=2))
    assert w.bus.handle(commands.SweepRouting())["offers_lapsed"] == 1  # type: ignore[index]
    case = w.case(ref)
    assert (case.status, case.owner, case.team) == (CaseStatus.QUEUED, None, "tier1")
    assert w.store.reps["rep-a"].load == 0
    assert "the offer to rep-a lapsed unanswered" in entries(w, ref)


def test_the_ladder_drops_optional_skills_then_overflows_then_escalates_each_on_the_journey() -> (
    None
):
    rule = replace(TIER1, optional_skills={"networking": 3})
    ladder = (
        RelaxStep(timedelta(minutes=10), Relaxation.DROP_OPTIONAL_SKILLS),
        RelaxStep(timedelta(minutes=20), Relaxation.OVERFLOW, "tier2"),
        RelaxStep(timedelta(minutes=30), Relaxation.ESCALATE),
    )
    w = world(rules=(TO_TIER2, rule), relax=ladder)
    w.rep(make_rep("rep-a", skills={"broadband": 5}, presence=Presence.AWAY))
    ref = w.open()
    assert w.case(ref).status is CaseStatus.QUEUED

    w.clock.advance(timedelta(minutes=11))
    assert w.bus.handle(commands.SweepRouting())["rungs_taken"] == 1  # type: ignore[index]
    case = w.case(ref)
    assert (case.need.optional_skills, case.relaxed) == ({}, ("drop_optional_skills",))
    assert case.status is CaseStatus.QUEUED  # still nobody available

    w.clock.advance(timedelta(minutes=25))  # 36 minutes: both remaining rungs are due
    assert w.bus.handle(commands.SweepRouting())["rungs_taken"] == 2  # type: ignore[index]
    case = w.case(ref)
    assert (case.team, case.priority) == ("tier2", 2)
    assert case.relaxed == ("drop_optional_skills", "overflow", "escalate")
    relaxations = [
        (e.decision["relaxation"], e.decision["escalated_to"])
        for e in w.store.journey[ref]
        if "relaxation" in e.decision
    ]
    assert relaxations == [
        ("drop_optional_skills", None),
        ("overflow", None),
        ("escalate", "the tier2 team's lead"),
    ]


def test_a_rep_freed_by_a_dropped_requirement_takes_the_case_at_once() -> None:
    rule = replace(TIER1, optional_skills={"networking": 3})
    ladder = (RelaxStep(timedelta(minutes=10), Relaxation.DROP_OPTIONAL_SKILLS),)
    w = world(rules=(TO_TIER2, rule), relax=ladder)
    w.rep(make_rep("rep-a", skills={"broadband": 5}))
    ref = w.open()
    assert w.case(ref).status is CaseStatus.QUEUED
    w.clock.advance(timedelta(minutes=10))
    w.bus.handle(commands.SweepRouting())
    assert (w.case(ref).status, w.case(ref).owner) == (CaseStatus.ASSIGNED, "rep-a")


def test_a_waiting_case_moves_when_its_new_severity_matches_another_rule() -> None:
    w = world()
    w.rep(make_rep("rep-t2", teams=("tier2",)))
    ref = w.open()
    assert (w.case(ref).status, w.case(ref).team) == (CaseStatus.QUEUED, "tier1")
    w.bus.handle(commands.ChangeCase(ref, "lead:mgr-anna", {"severity": "high"}, "outage"))
    case = w.case(ref)
    assert (case.team, case.owner, case.rule) == ("tier2", "rep-t2", TO_TIER2.label)
    assert entries(w, ref)[-1].startswith(
        f"severity changed, so {TO_TIER2.label} now matches instead of {TIER1.label}; "
    )


def test_the_reroute_scope_decides_whether_a_case_with_a_rep_moves() -> None:
    for scope, team in ((RerouteScope.WAITING, "tier1"), (RerouteScope.UNSTARTED, "tier2")):
        w = world(reroute=Reroute(move=scope))
        w.rep(make_rep("rep-a"))
        ref = w.open()
        assert w.case(ref).status is CaseStatus.ASSIGNED
        w.bus.handle(commands.ChangeCase(ref, "lead:mgr-anna", {"severity": "high"}))
        assert w.case(ref).team == team, scope
        assert w.store.reps["rep-a"].load == (1 if team == "tier1" else 0)


def test_a_priority_change_under_the_same_rule_stays_put() -> None:
    w = world()
    ref = w.open()
    w.bus.handle(commands.ChangeCase(ref, "lead:mgr-anna", {"priority": 1}))
    case = w.case(ref)
    assert (case.team, case.priority, case.status) == ("tier1", 1, CaseStatus.QUEUED)


def test_the_cases_an_offline_rep_had_not_started_go_back_to_routing() -> None:
    w = world()
    w.rep(make_rep("rep-a", capacity=3))
    first, second = w.open(), w.open()
    w.bus.handle(commands.StartWork(second, "rep:rep-a"))
    w.rep(make_rep("rep-b"))
    w.bus.handle(commands.SetRepPresence("rep-a", Presence.OFFLINE))
    assert (w.case(first).owner, w.case(first).status) == ("rep-b", CaseStatus.ASSIGNED)
    assert w.case(second).owner == "rep-a"  # started: it stays
    assert (w.store.reps["rep-a"].load, w.store.reps["rep-b"].load) == (1, 1)
    assert entries(w, first)[-1].startswith("rep-a went offline before starting it; ")


def test_an_offline_rep_keeps_their_cases_when_the_policy_says_keep() -> None:
    w = world(reroute=Reroute(owner_offline=OwnerOffline.KEEP))
    w.rep(make_rep("rep-a"))
    ref = w.open()
    w.bus.handle(commands.SetRepPresence("rep-a", Presence.OFFLINE))
    assert (w.case(ref).owner, w.case(ref).status) == ("rep-a", CaseStatus.ASSIGNED)


def test_a_long_queue_is_assigned_as_one_batch_when_capacity_frees_up() -> None:
    w = world(batch_from=2)
    w.rep(make_rep("rep-a", capacity=2, presence=Presence.AWAY))
    w.rep(make_rep("rep-b", capacity=1, presence=Presence.AWAY))
    refs = [w.open() for _ in range(4)]
    w.bus.handle(commands.SetRepPresence("rep-a", Presence.AVAILABLE))
    owners = [w.case(ref).owner for ref in refs]
    assert owners == ["rep-a", "rep-a", None, None]
    batch = w.store.journey[refs[0]][-1].decision["batch"]
    assert batch == {"waiting": 4, "reps": 1, "placed": 2}


def test_a_phone_case_takes_the_units_the_teams_capacity_model_gives_it() -> None:
    w = world(selection={"tier1": Selection(units={"phone": 2})})
    w.rep(make_rep("rep-a", capacity=3))
    phone = str(
        w.bus.handle(
            commands.OpenCase(Channel.PHONE, "Call", "Slow wifi", "Priya", "priya@example.com")
        )
    )
    email = w.open()
    again = str(
        w.bus.handle(
            commands.OpenCase(Channel.PHONE, "Call", "Slow wifi", "Priya", "priya@example.com")
        )
    )
    assert [w.case(r).owner for r in (phone, email, again)] == ["rep-a", "rep-a", None]
    rep = w.store.reps["rep-a"]
    assert (rep.load, rep.items) == (3, 2)
    w.bus.handle(commands.ResolveCase(phone, "rep:rep-a", "fixed"))
    assert w.case(again).owner == "rep-a"  # two units freed: the waiting phone case fits


def test_a_dry_run_explains_the_decision_and_changes_nothing() -> None:
    w = world()
    w.rep(make_rep("rep-t2", teams=("tier2",)))
    explained = w.bus.handle(
        commands.DryRunRouting(Channel.EMAIL, "Outage", severity="high", customer_id="acme")
    )
    assert explained["team"] == "tier2"  # type: ignore[index]
    assert explained["chosen"] == "rep-t2"  # type: ignore[index]
    assert explained["rule"] == TO_TIER2.label  # type: ignore[index]
    assert (w.store.cases, w.store.reps["rep-t2"].load) == ({}, 0)
    with pytest.raises(InvalidInput, match="no customer 'nobody'"):
        w.bus.handle(commands.DryRunRouting(Channel.EMAIL, "x", customer_id="nobody"))


def test_only_declared_fields_can_be_changed() -> None:
    w = world()
    ref = w.open()
    with pytest.raises(InvalidInput, match="owner cannot be changed here; changeable: "):
        w.bus.handle(commands.ChangeCase(ref, "lead:mgr-anna", {"owner": "rep-a"}))


def test_a_case_in_a_language_triage_is_sure_of_goes_to_a_rep_who_speaks_it() -> None:
    w = world()
    w.model.result = triage_result(intent=("question", 0.9), language=("de", 0.97))
    w.rep(make_rep("rep-en", skills={"broadband": 9}))
    w.rep(make_rep("rep-de", languages=("en", "de")))
    case = w.case(w.open())
    assert (case.need.language, case.owner) == ("de", "rep-de")
    rejected = w.store.journey[case.ref][-1].decision["rejected"]
    assert rejected == [{"rep": "rep-en", "reason": "does not speak de"}]


def test_the_sweep_routes_a_case_whose_routing_event_was_lost() -> None:
    w = world()
    w.rep(make_rep("rep-a"))
    case = make_case(1)
    case.apply_triage(triage_result(), StampOutcome({}, ()), 0.6, by())
    case.start_clocks(
        [make_clock(SlaMetric.FIRST_RESPONSE, timedelta(hours=1), policy="p")], "p", by()
    )
    case.events.clear()  # SlaStarted never reached the Routing agent
    w.store.cases[1] = case
    assert w.bus.handle(commands.SweepRouting())["unrouted_routed"] == 1  # type: ignore[index]
    assert (w.case(case.ref).status, w.case(case.ref).owner) == (CaseStatus.ASSIGNED, "rep-a")
