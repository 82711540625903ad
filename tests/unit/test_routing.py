"""Choosing a rep: eligibility with reasons, least-active ranking, and the queue."""

from __future__ import annotations

from datetime import timedelta

from caseloom.domain.policy import SelectionModel
from caseloom.domain.routing import (
    Rejection,
    RoutingDecision,
    decide,
    fill_from_queue,
    queue_key,
)
from caseloom.domain.workforce import Presence, Rep
from tests.factories import NOW, make_case, make_rep

LEAST = SelectionModel.LEAST_ACTIVE


def route(reps: list[Rep], skills: dict[str, int] | None = None) -> RoutingDecision:
    return decide(reps, team="tier1", skills=skills or {}, model=LEAST, rule="everything else")


def test_a_rep_at_capacity_is_rejected_with_the_reason() -> None:
    rep = make_rep(capacity=2, load=2)
    decision = route([rep])
    assert decision.chosen is None
    assert decision.rejected == (Rejection(rep.id, "at capacity (2 of 2 units)"),)


def test_a_rep_who_is_not_available_is_rejected_with_their_presence() -> None:
    decision = route([make_rep("rep-away", presence=Presence.AWAY)])
    assert decision.rejected == (Rejection("rep-away", "not available (away)"),)


def test_a_rep_missing_a_skill_or_its_level_is_rejected_with_each_gap() -> None:
    rep = make_rep(skills={"billing": 1})
    decision = route([rep], skills={"billing": 3, "gas-safe": 2})
    assert decision.rejected == (
        Rejection(
            rep.id,
            "missing skill billing (needs 3, has 1); missing skill gas-safe (needs 2, has 0)",
        ),
    )


def test_the_least_active_eligible_rep_is_chosen_and_all_are_ranked() -> None:
    busy, idle = make_rep("rep-busy", load=2), make_rep("rep-idle", load=0)
    decision = route([busy, idle])
    assert decision.chosen is not None
    assert decision.chosen.rep_id == "rep-idle"
    assert [c.rep_id for c in decision.ranked] == ["rep-idle", "rep-busy"]
    assert decision.chosen.factors == {"open_items": 0.0, "spare_capacity": 3.0}


def test_a_tie_goes_to_the_rep_who_has_waited_longest_since_their_last_case() -> None:
    recent = make_rep("rep-recent", last_assigned_at=NOW)
    earlier = make_rep("rep-earlier", last_assigned_at=NOW - timedelta(hours=1))
    never = make_rep("rep-never")
    decision = route([recent, earlier, never])
    assert [c.rep_id for c in decision.ranked] == ["rep-never", "rep-earlier", "rep-recent"]


def test_with_nobody_eligible_the_decision_says_the_case_waits() -> None:
    decision = route([make_rep(presence=Presence.OFFLINE)])
    assert decision.chosen is None
    assert "none of its 1 reps is eligible now, so the case waits in the queue" in decision.reason()


def test_the_explanation_names_the_rule_the_model_and_every_rep() -> None:
    decision = route([make_rep("rep-a"), make_rep("rep-b", capacity=1, load=1)])
    explained = decision.explain()
    assert explained["rule"] == "everything else"
    assert explained["model"] == "least_active"
    assert explained["chosen"] == "rep-a"
    assert explained["rejected"] == [{"rep": "rep-b", "reason": "at capacity (1 of 1 units)"}]


def test_queue_order_is_priority_then_age() -> None:
    old_low = make_case(1, priority=3, opened_at=NOW)
    new_urgent = make_case(2, priority=1, opened_at=NOW + timedelta(hours=1))
    newer_low = make_case(3, priority=3, opened_at=NOW + timedelta(hours=2))
    assert sorted([newer_low, old_low, new_urgent], key=queue_key) == [
        new_urgent,
        old_low,
        newer_low,
    ]


def test_a_freed_rep_takes_queued_cases_they_are_skilled_for_up_to_spare_capacity() -> None:
    rep = make_rep(skills={"broadband": 5}, capacity=3, load=1)
    queue = [
        make_case(1, required_skills={"billing": 3}),
        make_case(2, required_skills={"broadband": 4}),
        make_case(3),
        make_case(4),
    ]
    assert [c.number for c in fill_from_queue(rep, queue)] == [2, 3]


def test_an_unavailable_rep_takes_nothing_from_the_queue() -> None:
    assert fill_from_queue(make_rep(presence=Presence.AWAY), [make_case()]) == []
