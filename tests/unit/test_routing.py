"""Choosing a rep: eligibility with a reason for every rejection, the four selection models, the
best-fit factors, the queue order, a freed rep's picks, the ladder and the plain batch."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from caseloom.domain.routing import (
    Need,
    Relaxation,
    RelaxStep,
    RoutingDecision,
    Selection,
    SelectionModel,
    Shifts,
    Waiting,
    decide,
    due_steps,
    factors,
    one_by_one,
    pick_for,
    rejection,
)
from caseloom.domain.sla import BusinessCalendar
from caseloom.domain.workforce import Certification, Presence, Rep
from tests.factories import NOW, make_rep

# Open Monday to Friday 08:00-12:30 and 13:30-18:00 UTC; NOW is Thursday 09:00.
WEEKDAY = ((480, 750), (810, 1080))
OFFICE = BusinessCalendar("office", "UTC", (WEEKDAY,) * 5 + ((),) * 2)
CALENDARS = {"office": OFFICE}


def waiting(
    ref: str = "CS-000001", need: Need | None = None, priority: int = 3, **fields: object
) -> Waiting:
    return Waiting(ref, need or Need(), priority, NOW, **fields)  # type: ignore[arg-type]


def route(
    reps: list[Rep],
    need: Need | None = None,
    model: SelectionModel = SelectionModel.LEAST_ACTIVE,
    case: Waiting | None = None,
) -> RoutingDecision:
    return decide(
        reps,
        case or waiting(need=need),
        team="tier1",
        selection=Selection(model),
        rule="everything else",
        now=NOW,
        calendars=CALENDARS,
    )


def reasons(decision: RoutingDecision) -> dict[str, str]:
    return {r.rep_id: r.reason for r in decision.rejected}


def test_every_ineligible_rep_is_rejected_with_the_first_reason_a_lead_would_check() -> None:
    gas = Certification("gas-safe", date(2020, 1, 1), date(2026, 1, 1))  # lapsed
    reps = [
        make_rep("rep-away", presence=Presence.AWAY),
        make_rep("rep-off-shift", calendar="weekend-only"),
        make_rep("rep-full", capacity=2, load=1),
        make_rep("rep-declined"),
        make_rep("rep-unskilled", skills={"broadband": 1}),
        make_rep("rep-lapsed", skills={"broadband": 5}, certifications=(gas,)),
        make_rep("rep-english", skills={"broadband": 5}, certifications=(gas,)),
    ]
    weekend = BusinessCalendar("weekend-only", "UTC", ((),) * 5 + (((0, 1440),),) * 2)
    calendars = {"weekend-only": weekend}
    need = Need(
        skills={"broadband": 3},
        certifications=("gas-safe",),
        language="de",
        units=2,
        declined=frozenset({"rep-declined"}),
    )
    decision = decide(
        reps,
        waiting(need=need),
        team="tier1",
        selection=Selection(),
        rule="r",
        now=NOW,
        calendars=calendars,
    )
    assert decision.chosen is None
    assert reasons(decision) == {
        "rep-away": "not available (away)",
        "rep-off-shift": "off shift (weekend-only calendar)",
        "rep-full": "at capacity (1 of 2 units; needs 2)",
        "rep-declined": "declined this case or let the offer lapse",
        "rep-unskilled": "missing skill broadband (needs 3, has 1); no valid gas-safe "
        "certification; does not speak de",
        "rep-lapsed": "no valid gas-safe certification; does not speak de",
        "rep-english": "no valid gas-safe certification; does not speak de",
    }


def test_a_rep_on_shift_with_what_the_case_needs_is_eligible() -> None:
    gas = Certification("gas-safe", date(2025, 1, 1), None)
    rep = make_rep(
        skills={"broadband": 5, "networking": 2},
        calendar="office",
        certifications=(gas,),
        languages=("en", "de"),
    )
    need = Need(
        skills={"broadband": 3},
        optional_skills={"networking": 2},
        certifications=("gas-safe",),
        language="de",
    )
    decision = route([rep], need)
    assert decision.chosen is not None
    assert decision.chosen.rep_id == rep.id
    assert decision.rejected == ()


def test_optional_skills_are_required_until_dropped() -> None:
    rep = make_rep(skills={"broadband": 5})
    need = Need(skills={"broadband": 3}, optional_skills={"networking": 2})
    assert reasons(route([rep], need)) == {rep.id: "missing skill networking (needs 2, has 0)"}
    assert route([rep], need.without_optional_skills()).chosen is not None


def test_round_robin_takes_the_rep_longest_since_their_last_assignment() -> None:
    reps = [
        make_rep("rep-recent", last_assigned_at=NOW - timedelta(minutes=5)),
        make_rep("rep-earlier", last_assigned_at=NOW - timedelta(minutes=40)),
        make_rep("rep-busy-but-rested", load=2, last_assigned_at=NOW - timedelta(hours=3)),
    ]
    decision = route(reps, model=SelectionModel.ROUND_ROBIN)
    assert [c.rep_id for c in decision.ranked] == [
        "rep-busy-but-rested",
        "rep-earlier",
        "rep-recent",
    ]


def test_least_active_takes_the_fewest_open_items_and_most_available_the_most_spare_units() -> None:
    few_items_little_room = make_rep("rep-a", capacity=2, load=1, items=1)
    many_items_much_room = make_rep("rep-b", capacity=10, load=3, items=3)
    reps = [few_items_little_room, many_items_much_room]
    assert route(reps, model=SelectionModel.LEAST_ACTIVE).ranked[0].rep_id == "rep-a"
    assert route(reps, model=SelectionModel.MOST_AVAILABLE).ranked[0].rep_id == "rep-b"


def test_best_fit_factors_for_one_pair() -> None:
    rep = make_rep(
        skills={"broadband": 8, "networking": 4},
        capacity=4,
        load=1,
        last_assigned_at=NOW - timedelta(minutes=30),
    )
    case = waiting(
        need=Need(skills={"broadband": 3}, optional_skills={"networking": 2}),
        urgency=0.5,
        previous_owners=("rep-other", rep.id),
    )
    assert factors(rep, case, NOW) == {
        "skills": pytest.approx(0.6),  # (8 + 4) / 20
        "spare_capacity": 0.75,
        "sla_urgency": pytest.approx(0.3),
        "continuity": 0.5,  # an earlier owner, not the latest
        "fairness": 0.5,  # half an hour of the one-hour horizon
    }


def test_best_fit_keeps_a_calm_case_with_its_owner_and_gives_a_pressing_one_the_expert() -> None:
    expert = make_rep("rep-expert", skills={"broadband": 9}, load=1)
    novice = make_rep("rep-novice", skills={"broadband": 3})
    owner = make_rep("rep-owner", skills={"broadband": 5})
    reps = [novice, expert, owner]

    def ranking(urgency: float) -> RoutingDecision:
        case = waiting(
            need=Need(skills={"broadband": 3}), urgency=urgency, previous_owners=("rep-owner",)
        )
        return route(reps, model=SelectionModel.BEST_FIT, case=case)

    calm, pressing = ranking(0.0), ranking(0.9)
    assert [c.rep_id for c in calm.ranked] == ["rep-owner", "rep-expert", "rep-novice"]
    assert [c.rep_id for c in pressing.ranked] == ["rep-expert", "rep-owner", "rep-novice"]
    assert calm.explain()["ranked"][0] == {  # type: ignore[index]
        "rep": "rep-owner",
        "score": 0.55,  # 0.3 x 0.5 + 0.2 x 1 + 0.3 x 0 + 0.1 x 1 + 0.1 x 1
        "skills": 0.5,
        "spare_capacity": 1.0,
        "sla_urgency": 0.0,
        "continuity": 1.0,
        "fairness": 1.0,
    }


def test_the_explanation_counts_rejections_by_reason_and_keeps_the_first_fifty() -> None:
    reps = [make_rep(f"rep-{n:03d}", presence=Presence.OFFLINE) for n in range(60)]
    reps += [make_rep("rep-x", skills={"billing": 1})]
    explained = route(reps, Need(skills={"billing": 3})).explain()
    assert explained["rejected_total"] == 61
    assert len(explained["rejected"]) == 50  # type: ignore[arg-type]
    assert explained["rejected_by_reason"] == {
        "not available (offline)": 60,
        "missing skill billing": 1,
    }
    assert explained["need"] == {
        "skills": {"billing": 3},
        "optional_skills": {},
        "certifications": [],
        "language": None,
        "units": 1,
        "declined": [],
    }


def test_with_nobody_eligible_the_decision_says_the_case_waits() -> None:
    decision = route([make_rep(presence=Presence.OFFLINE)])
    assert decision.chosen is None
    assert decision.reason() == (
        "everything else chose team tier1; none of its 1 reps is eligible now, "
        "so the case waits in the queue"
    )


def test_queue_order_is_priority_then_time_to_breach_then_age_in_the_queue() -> None:
    old_low = waiting("low", priority=3, queued_at=NOW - timedelta(hours=2))
    urgent = waiting("urgent", priority=1, queued_at=NOW)
    due_soon = waiting("due-soon", priority=3, due_at=NOW + timedelta(minutes=10))
    due_later = waiting("due-later", priority=3, due_at=NOW + timedelta(hours=1))
    ordered = sorted([old_low, due_later, urgent, due_soon], key=lambda w: w.queue_key)
    assert [w.ref for w in ordered] == ["urgent", "due-soon", "due-later", "low"]


def test_a_freed_rep_takes_the_cases_they_fit_in_queue_order_up_to_spare_units() -> None:
    rep = make_rep(skills={"broadband": 5}, capacity=4, load=1)
    queue = [
        waiting("billing", Need(skills={"billing": 3}), priority=1),
        waiting("big", Need(units=2), priority=2),
        waiting("broadband", Need(skills={"broadband": 4}), priority=3),
        waiting("small", Need(), priority=4),
    ]
    assert [w.ref for w in pick_for(rep, queue, now=NOW, calendars={})] == ["big", "broadband"]
    assert pick_for(make_rep(presence=Presence.AWAY), queue, now=NOW, calendars={}) == []


def test_the_ladder_gives_the_rungs_due_after_the_ones_taken() -> None:
    ladder = (
        RelaxStep(timedelta(minutes=10), Relaxation.DROP_OPTIONAL_SKILLS),
        RelaxStep(timedelta(minutes=20), Relaxation.OVERFLOW, "tier2"),
        RelaxStep(timedelta(minutes=30), Relaxation.ESCALATE),
    )
    assert due_steps(ladder, 0, timedelta(minutes=5)) == []
    assert due_steps(ladder, 0, timedelta(minutes=25)) == list(ladder[:2])
    assert due_steps(ladder, 2, timedelta(minutes=45)) == [ladder[2]]
    assert ladder[1].describe() == "after 20m waiting, the case overflows to tier2"


def test_one_by_one_places_in_queue_order_and_never_past_capacity() -> None:
    reps = [make_rep("rep-a", capacity=1), make_rep("rep-b", capacity=1)]
    queue = [waiting(f"CS-{n}", priority=4 - n) for n in range(3)]
    placements = one_by_one(queue, reps, selection=Selection(), now=NOW, calendars={})
    assert [(p.ref, p.rep_id) for p in placements] == [("CS-2", "rep-a"), ("CS-1", "rep-b")]
    assert [r.load for r in reps] == [0, 0]  # the reps given are not changed


def test_a_teams_reasons_are_each_reps_own_reason() -> None:
    """`decide` checks a whole team in one fast loop; it must say what `rejection` says."""
    gas = Certification("gas-safe", date(2025, 1, 1), None)
    reps = [
        make_rep(
            f"rep-{n:02d}",
            skills={"broadband": 1 + n % 7, "networking": 1 + n % 4},
            capacity=1 + n % 3,
            load=n % 2,
            presence=(Presence.AVAILABLE, Presence.BUSY)[n % 5 == 0],
            calendar=("office", None)[n % 2],
            certifications=(gas,) if n % 3 else (),
            languages=("en", "de") if n % 4 else ("en",),
        )
        for n in range(40)
    ]
    need = Need(
        skills={"broadband": 3},
        optional_skills={"networking": 2},
        certifications=("gas-safe",),
        language="de",
        declined=frozenset({"rep-07"}),
    )
    decision = route(reps, need)
    shifts = Shifts(CALENDARS, NOW)
    expected = {rep.id: rejection(rep, need, shifts) for rep in reps}
    assert reasons(decision) == {k: v for k, v in expected.items() if v is not None}
    assert {c.rep_id for c in decision.ranked} == {k for k, v in expected.items() if v is None}
    assert decision.ranked  # the mix leaves some eligible
