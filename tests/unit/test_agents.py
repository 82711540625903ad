"""The agents' handlers on fakes: each reads, decides by policy, applies and commits."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseloom.domain import commands
from caseloom.domain.case import CaseStatus
from caseloom.domain.errors import IdempotencyConflict, InvalidInput, NotEligible
from caseloom.domain.sla import SlaMetric
from caseloom.domain.workforce import Presence
from tests.factories import NOW, make_rep
from tests.world import World


def test_an_outage_from_a_gold_customer_is_stamped_high_timed_by_gold_sla_and_routed_to_tier2() -> (
    None
):
    world = World()
    world.rep(make_rep("rep-t2", teams=("tier2",)))
    case = world.case(world.open())
    assert (case.status, case.severity, case.customer_id) == (CaseStatus.ASSIGNED, "high", "acme")
    assert (case.team, case.owner) == ("tier2", "rep-t2")
    assert case.clocks[SlaMetric.RESOLUTION].due_at == NOW + timedelta(hours=8)
    assert world.store.reps["rep-t2"].load == 1
    assert [e.step for e in world.store.journey[case.ref]] == ["intake", "triage", "sla", "routing"]


def test_a_low_confidence_intent_is_not_trusted_so_no_stamp_fires() -> None:
    world = World(confidence=0.3)
    case = world.case(world.open())
    assert case.severity == "medium"
    triage_entry = world.store.journey[case.ref][1]
    assert triage_entry.decision["unknown_below_threshold"] == ["intent"]


def test_with_nobody_eligible_the_case_is_queued_and_a_rep_coming_online_takes_it() -> None:
    world = World(intent="question")
    world.rep(make_rep("rep-a", presence=Presence.AWAY))
    ref = world.open()
    assert world.case(ref).status is CaseStatus.QUEUED
    world.bus.handle(commands.SetRepPresence("rep-a", Presence.AVAILABLE))
    assert (world.case(ref).status, world.case(ref).owner) == (CaseStatus.ASSIGNED, "rep-a")


def test_resolving_frees_capacity_that_goes_straight_to_the_next_queued_case() -> None:
    world = World(intent="question")
    world.rep(make_rep("rep-a", capacity=1))
    first, second = world.open(), world.open()
    assert world.case(second).status is CaseStatus.QUEUED
    world.bus.handle(commands.ResolveCase(first, "rep:rep-a", "Fixed."))
    assert world.case(second).owner == "rep-a"
    assert world.store.reps["rep-a"].load == 1


def test_a_manual_assignment_to_a_full_rep_is_refused_and_changes_nothing() -> None:
    world = World(intent="question")
    world.rep(make_rep("rep-a", capacity=1))
    world.rep(make_rep("rep-b", capacity=1))
    first, second = world.open(), world.open()
    with pytest.raises(NotEligible, match="at capacity"):
        world.bus.handle(commands.AssignCase(second, "rep-a", "person:mgr-anna"))
    assert world.store.reps["rep-a"].load == 1
    assert world.case(first).owner == "rep-a"


def test_a_manual_reassignment_moves_the_capacity_from_one_rep_to_the_other() -> None:
    world = World(intent="question")
    world.rep(make_rep("rep-a"))
    world.rep(make_rep("rep-b", last_assigned_at=NOW))
    ref = world.open()
    assert world.case(ref).owner == "rep-a"
    world.bus.handle(commands.AssignCase(ref, "rep-b", "person:mgr-anna", "customer asked for Bo"))
    assert (world.store.reps["rep-a"].load, world.store.reps["rep-b"].load) == (0, 1)
    assert world.store.journey[ref][-1].reason == "customer asked for Bo"


def test_the_same_idempotency_key_returns_the_first_case_and_opens_no_other() -> None:
    world = World()
    first = world.open(idempotency_key="k-1", request_digest="abc")
    again = world.open(idempotency_key="k-1", request_digest="abc")
    assert first == again
    assert len(world.store.cases) == 1


def test_the_same_idempotency_key_for_a_different_request_is_refused() -> None:
    world = World()
    world.open(idempotency_key="k-1", request_digest="abc")
    with pytest.raises(IdempotencyConflict, match="already used for a different request"):
        world.open(idempotency_key="k-1", request_digest="xyz")


def test_an_unknown_customer_or_undeclared_custom_field_is_refused_and_nothing_stored() -> None:
    world = World()
    with pytest.raises(InvalidInput, match="no customer 'nobody'"):
        world.open(customer_id="nobody")
    with pytest.raises(InvalidInput, match="custom field 'colour' is not declared"):
        world.open(custom={"colour": "red"})
    with pytest.raises(InvalidInput, match="must be a string"):
        world.open(custom={"contract": 7})
    assert world.store.cases == {}


def test_a_sender_who_is_no_known_contact_opens_a_case_without_a_customer() -> None:
    world = World(intent="question")
    assert world.case(world.open("someone@elsewhere.org")).customer_id is None


def test_registering_a_rep_in_an_undeclared_team_or_with_an_undeclared_skill_is_refused() -> None:
    world = World()
    with pytest.raises(InvalidInput, match="team 'sales' is not declared"):
        world.bus.handle(commands.RegisterRep("r", "R", "r@x.io", ("sales",), {}, 2))
    with pytest.raises(InvalidInput, match="skills juggling are not declared"):
        world.bus.handle(commands.RegisterRep("r", "R", "r@x.io", ("tier1",), {"juggling": 3}, 2))
    with pytest.raises(InvalidInput, match="field is a field team, not a service team"):
        world.bus.handle(commands.RegisterRep("r", "R", "r@x.io", ("field",), {}, 2))


def test_re_registering_a_rep_updates_the_profile_and_keeps_their_load() -> None:
    world = World()
    world.rep(make_rep("rep-a", load=2))
    world.bus.handle(
        commands.RegisterRep("rep-a", "Anna K", "anna@x.io", ("tier1",), {"billing": 4}, 5)
    )
    rep = world.store.reps["rep-a"]
    assert (rep.name, rep.capacity, rep.load, dict(rep.skills)) == ("Anna K", 5, 2, {"billing": 4})


def test_a_stamp_rule_is_recorded_by_its_label_on_the_triage_entry() -> None:
    world = World()
    case = world.case(world.open())
    entry = world.store.journey[case.ref][1]
    assert entry.decision["rules"] == ["outages are high"]
    assert entry.reason == "stamped by outages are high"
    assert world.model.texts == ["Broadband down\n\nNo internet at all."]
