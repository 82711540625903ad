"""Stamps turn trusted signals into case fields; reps and technicians guard their own rules."""

from __future__ import annotations

from datetime import date

import pytest

from caseloom.domain import events
from caseloom.domain.conditions import Facts
from caseloom.domain.errors import InvalidInput, NotEligible
from caseloom.domain.triage import apply_stamps
from caseloom.domain.workforce import Certification, Presence, Technician
from tests.factories import NOW, make_rep, stamp, triage_result

FACTS: Facts = {"case": {"severity": "medium", "priority": 3}, "customer": {}, "triage": {}}


def matches(condition: object, facts: Facts) -> bool:
    source = condition.source
    field, _, value = source.partition(" == ")
    root, _, name = field.partition(".")
    return str(facts[root].get(name)) == value.strip('"')


def test_every_matching_stamp_applies_in_order_and_later_ones_see_earlier_changes() -> None:
    stamps = (
        stamp("outage is high", 'case.severity == "medium"', severity="high"),
        stamp("high is priority 2", 'case.severity == "high"', priority=2),
        stamp("never", 'case.severity == "low"', priority=4),
    )
    outcome = apply_stamps(stamps, FACTS, matches)
    assert outcome.changes == {"severity": "high", "priority": 2}
    assert outcome.fired == ("outage is high", "high is priority 2")


def test_a_stamp_without_a_condition_always_applies() -> None:
    assert apply_stamps((stamp("always", None, severity="low"),), FACTS, matches).changes == {
        "severity": "low"
    }


def test_a_signal_below_the_threshold_is_unknown_to_conditions_never_guessed() -> None:
    result = triage_result(intent=("outage", 0.9), sentiment=("negative", 0.4))
    assert result.facts(0.6) == {"intent": "outage", "sentiment": None}
    assert result.below(0.6) == ("sentiment",)


def test_taking_a_case_counts_against_capacity_and_at_capacity_is_refused() -> None:
    rep = make_rep(capacity=1)
    rep.take("CS-000001", NOW)
    assert (rep.load, rep.last_assigned_at) == (1, NOW)
    with pytest.raises(NotEligible, match="at capacity \\(1 of 1 units; needs 1\\)"):
        rep.take("CS-000002", NOW)
    rep.release()
    assert rep.spare_capacity == 1


def test_an_offline_rep_cannot_be_given_work() -> None:
    with pytest.raises(NotEligible, match="offline"):
        make_rep(presence=Presence.OFFLINE).take("CS-000001", NOW)


def test_becoming_available_is_an_event_and_staying_available_is_not() -> None:
    rep = make_rep(presence=Presence.AWAY)
    rep.set_presence(Presence.AVAILABLE)
    rep.set_presence(Presence.AVAILABLE)
    assert rep.events == [events.RepBecameAvailable(rep.id)]


@pytest.mark.parametrize("level", [0, 11])
def test_skill_levels_outside_one_to_ten_are_refused(level: int) -> None:
    with pytest.raises(InvalidInput, match="levels run from 1 to 10"):
        make_rep(skills={"billing": level})


def test_a_rep_needs_a_team_and_some_capacity() -> None:
    with pytest.raises(InvalidInput, match="at least one team"):
        make_rep(teams=())
    with pytest.raises(InvalidInput, match="capacity must be at least 1"):
        make_rep(capacity=0)


def test_a_certification_is_valid_only_between_its_dates() -> None:
    gas = Certification("gas-safe", date(2024, 3, 1), date(2027, 2, 28))
    technician = Technician("tech-mo", "Mo", "mo@example.com", "field", {}, (gas,))
    assert technician.certified_on("gas-safe", date(2026, 11, 26))
    assert not technician.certified_on("gas-safe", date(2027, 3, 1))
    assert not technician.certified_on("fibre-splicing", date(2026, 11, 26))
