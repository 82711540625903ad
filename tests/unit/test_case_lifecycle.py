"""The case lifecycle: legal moves, refused moves with reasons, and what each move records."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseloom.domain import events
from caseloom.domain.case import TRANSITIONS, Case, CaseStatus, MessageKind, case_number
from caseloom.domain.errors import IllegalTransition, InvalidInput, NotFound
from caseloom.domain.journey import verify_chain
from caseloom.domain.policy import CASE_FIELDS, CUSTOMER_FIELDS, TRIAGE_FIELDS
from caseloom.domain.routing import Need
from caseloom.domain.sla import SlaMetric, SlaState
from caseloom.domain.triage import StampOutcome
from tests.factories import NOW, by, make_case, make_clock, make_customer, triage_result

LATER = NOW + timedelta(hours=1)


def assigned_case() -> Case:
    case = make_case()
    case.apply_triage(triage_result(), StampOutcome({}, ()), 0.6, by("agent:triage"))
    case.apply_routing(
        team="tier1",
        route=("tier1",),
        need=Need(),
        owner="rep-a",
        inputs={},
        decision={},
        reason="test",
        by=by("agent:routing"),
    )
    return case


def test_a_new_case_is_numbered_and_its_opening_is_the_first_journey_entry() -> None:
    case = make_case(42)
    assert case.ref == "CS-000042"
    assert case.status is CaseStatus.NEW
    assert [e.step for e in case.new_journey] == ["intake"]
    assert case.events == [events.CaseOpened("CS-000042")]


def test_case_references_parse_back_and_nonsense_is_not_found() -> None:
    assert case_number("cs-000042") == 42
    with pytest.raises(NotFound, match="look like CS-000042"):
        case_number("42; drop table cases")


@pytest.mark.parametrize(
    ("subject", "description", "complaint"),
    [
        ("   ", "text", "the subject cannot be empty"),
        ("x" * 301, "", "the limit is 300"),
        ("ok", "y" * 100_001, "the limit is 100000"),
    ],
)
def test_a_case_with_a_blank_or_oversized_text_is_refused(
    subject: str, description: str, complaint: str
) -> None:
    with pytest.raises(InvalidInput, match=complaint):
        make_case(subject=subject, description=description)


def test_an_illegal_move_is_refused_naming_where_the_case_can_go() -> None:
    case = make_case()
    with pytest.raises(IllegalTransition) as refused:
        case.resolve("fixed", by())
    assert str(refused.value) == (
        "case CS-000001 cannot go from new to resolved; "
        "from new it can go to: triage_review, triaged"
    )
    assert case.status is CaseStatus.NEW


def test_every_status_has_somewhere_to_go() -> None:
    assert set(TRANSITIONS) == set(CaseStatus)
    assert all(TRANSITIONS[s] for s in CaseStatus)


def test_the_usual_path_ends_resolved_and_closed_with_each_move_on_the_journey() -> None:
    case = assigned_case()
    case.start_work(by("rep:rep-a"))
    case.add_message(MessageKind.REP_REPLY, "On it.", by("rep:rep-a"))
    case.wait_on_customer("need the router model", by("rep:rep-a"))
    case.add_message(MessageKind.CUSTOMER_REPLY, "It is a TP-Link.", by("customer"))
    assert case.status is CaseStatus.IN_PROGRESS
    case.resolve("Replaced the router.", by("rep:rep-a", LATER))
    case.close(by("agent:resolution", LATER))
    assert case.status is CaseStatus.CLOSED
    assert (case.resolved_at, case.closed_at) == (LATER, LATER)
    steps = [e.step for e in case.new_journey]
    assert steps == [
        "intake",
        "triage",
        "routing",
        "work",
        "message",
        "work",
        "message",
        "work",
        "resolution",
        "resolution",
    ]
    assert verify_chain(case.ref, list(enumerate(case.new_journey, 1)), case.head) is None


def test_resolving_releases_the_owners_capacity_by_event() -> None:
    case = assigned_case()
    case.events.clear()
    case.resolve("Fixed.", by())
    assert case.events == [
        events.CaseMoved(case.ref, "resolved"),
        events.CaseReleased(case.ref, "rep-a"),
    ]
    assert case.occupying_owner is None


def test_a_customer_reply_to_a_closed_case_reopens_it_and_resumes_the_resolution_clock() -> None:
    case = assigned_case()
    case.clocks = {SlaMetric.RESOLUTION: make_clock(SlaMetric.RESOLUTION, timedelta(hours=8))}
    case.resolve("Fixed.", by())
    case.close(by())
    case.events.clear()
    case.add_message(MessageKind.CUSTOMER_REPLY, "It broke again.", by("customer", LATER))
    assert case.status is CaseStatus.REOPENED
    assert (case.owner, case.closed_at) == (None, None)
    resolution = case.clocks[SlaMetric.RESOLUTION]
    assert resolution.state(LATER) is SlaState.RUNNING
    assert resolution.pauses[-1].reason == "resolved"  # the resolved time does not count
    assert resolution.due_at is None  # until the Supervisor retimes it on its calendar
    assert case.events == [
        events.CaseMoved(case.ref, "reopened"),
        events.CaseReopened(case.ref),
        events.CustomerReplied(case.ref),
    ]


def test_a_closed_case_takes_no_rep_reply_or_note() -> None:
    case = assigned_case()
    case.resolve("Fixed.", by())
    case.close(by())
    with pytest.raises(IllegalTransition, match="closed; only a customer reply reopens it"):
        case.add_message(MessageKind.INTERNAL_NOTE, "note", by("rep:rep-a"))


def test_the_first_rep_reply_meets_the_first_response_clock_once() -> None:
    case = assigned_case()
    case.clocks = {SlaMetric.FIRST_RESPONSE: make_clock(SlaMetric.FIRST_RESPONSE, LATER - NOW)}
    case.add_message(MessageKind.REP_REPLY, "Hello", by("rep:rep-a", NOW + timedelta(minutes=5)))
    case.add_message(MessageKind.REP_REPLY, "Again", by("rep:rep-a", LATER + timedelta(hours=1)))
    clock = case.clocks[SlaMetric.FIRST_RESPONSE]
    assert clock.met_at == NOW + timedelta(minutes=5)
    assert clock.state(LATER + timedelta(days=1)) is SlaState.MET


def test_a_stamped_priority_outside_one_to_four_is_refused() -> None:
    case = make_case()
    with pytest.raises(InvalidInput, match="priority is 1, 2, 3 or 4"):
        case.apply_triage(triage_result(), StampOutcome({"priority": 7}, ("bad",)), 0.6, by())


def test_conditions_see_exactly_the_fields_the_policy_loader_lets_them_name() -> None:
    for customer in (None, make_customer()):
        facts = make_case(custom={"contract": "C-1"}).facts(customer, 0.6)
        assert list(facts["case"]) == [*CASE_FIELDS, "contract"]
        assert list(facts["customer"]) == list(CUSTOMER_FIELDS)
        assert list(facts["triage"]) == list(TRIAGE_FIELDS)
