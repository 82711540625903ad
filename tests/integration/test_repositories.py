"""Repositories map aggregates to rows and back exactly, and refuse lost updates."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from caseloom.adapters.db.unit_of_work import SqlUnitOfWork
from caseloom.domain.case import Case, CaseStatus
from caseloom.domain.customer import Contact, Customer, Location
from caseloom.domain.errors import ConcurrencyConflict, InvalidInput, NotFound
from caseloom.domain.routing import Need
from caseloom.domain.sla import SlaMetric
from caseloom.domain.triage import StampOutcome
from caseloom.domain.workforce import Presence
from tests.factories import NOW, by, make_case, make_clock, make_rep, triage_result
from tests.fakes import FakeClock


def uow(engine: sa.Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine, FakeClock(NOW))


def stored_case(engine: sa.Engine) -> str:
    with uow(engine) as unit:
        unit.customers.add(
            Customer(
                "acme",
                "Acme",
                "gold",
                "NW-1",
                Location("Leeds", "GB", 53.8, -1.5),
                (Contact("Priya", "priya@acme.test"),),
            )
        )
        case = make_case(unit.cases.next_number(), customer_id="acme", custom={"contract": "C-9"})
        case.apply_triage(
            triage_result(intent=("outage", 0.91), sentiment=("negative", 0.7)),
            StampOutcome({"severity": "high", "priority": 1}, ("r1",)),
            0.6,
            by(),
        )
        case.start_clocks(
            [make_clock(SlaMetric.RESOLUTION, timedelta(hours=8), policy="gold")],
            "gold",
            by(),
        )
        unit.cases.add(case, idempotency=(f"key-{case.number}", "digest-1"))
        unit.commit()
        return case.ref


def queue_with(case: Case, team: str) -> None:
    case.apply_routing(
        team=team,
        route=(team,),
        need=Need(skills={"broadband": 3}, language="de", units=2),
        owner=None,
        inputs={},
        decision={},
        reason=f"queued with {team}",
        by=by(),
    )


def test_a_case_comes_back_exactly_as_it_was_stored(engine: sa.Engine) -> None:
    ref = stored_case(engine)
    with uow(engine) as unit:
        case = unit.cases.get(ref)
    assert (case.ref, case.status, case.severity, case.priority) == (
        ref,
        CaseStatus.TRIAGED,
        "high",
        1,
    )
    assert case.custom == {"contract": "C-9"}
    assert case.triage is not None
    assert case.triage.signals["intent"].value == "outage"
    assert case.triage.signals["intent"].confidence == 0.91
    assert case.clocks[SlaMetric.RESOLUTION].due_at == NOW + timedelta(hours=8)
    assert case.opened_at == NOW
    assert case.opened_at.tzinfo is not None
    assert (case.head.seq, case.version) == (3, 1)
    with uow(engine) as unit:
        assert unit.cases.by_idempotency_key("key-1") == (ref, "digest-1")
        customer = unit.customers.by_contact("PRIYA@acme.test")
        assert customer is not None
        assert customer.location == Location("Leeds", "GB", 53.8, -1.5)


def test_case_numbers_follow_each_other_and_an_unknown_case_is_not_found(engine: sa.Engine) -> None:
    first, second = stored_case(engine), stored_case(engine)
    assert (first, second) == ("CS-000001", "CS-000002")
    with uow(engine) as unit, pytest.raises(NotFound, match="no case CS-000099"):
        unit.cases.get("CS-000099")


def test_an_uncommitted_change_is_not_stored(engine: sa.Engine) -> None:
    ref = stored_case(engine)
    with uow(engine) as unit:
        queue_with(unit.cases.get(ref), "tier1")
    with uow(engine) as unit:
        assert unit.cases.get(ref).status is CaseStatus.TRIAGED


def test_two_writers_of_the_same_case_cannot_both_win(engine: sa.Engine) -> None:
    ref = stored_case(engine)
    with uow(engine) as first:
        queue_with(first.cases.get(ref), "tier1")
        first.commit()
    with uow(engine) as second:
        stale = second.cases.get(ref)
        stale.version = 1  # as read before the first writer committed
        stale.status = CaseStatus.TRIAGED
        queue_with(stale, "tier2")
        with pytest.raises(ConcurrencyConflict, match=f"{ref} was changed by someone else"):
            second.commit()
    with uow(engine) as unit:
        assert unit.cases.get(ref).team == "tier1"


def test_a_rep_comes_back_with_teams_skills_load_and_presence(engine: sa.Engine) -> None:
    with uow(engine) as unit:
        unit.reps.add(make_rep("rep-a", teams=("tier1", "billing"), skills={"billing": 4}, load=2))
        unit.commit()
    with uow(engine) as unit:
        rep = unit.reps.get("rep-a")
        assert (rep.teams, dict(rep.skills), rep.load, rep.presence) == (
            ("billing", "tier1"),
            {"billing": 4},
            2,
            Presence.AVAILABLE,
        )
        rep.teams = ("tier2",)
        unit.commit()
    with uow(engine) as unit:
        assert [r.id for r in unit.reps.in_team("tier2")] == ["rep-a"]
        assert unit.reps.in_team("tier1") == []
        assert unit.reps.find("nobody") is None


def test_rep_addresses_are_read_together_and_a_rep_changed_meanwhile_answers_for_itself(
    engine: sa.Engine,
) -> None:
    with uow(engine) as unit:
        for rep_id in ("rep-a", "rep-b"):
            unit.reps.add(make_rep(rep_id))
        unit.commit()
    with uow(engine) as unit:
        unit.reps.get("rep-b").email = "b.new@example.test"
        assert unit.reps.addresses(["rep-a", "nobody", "rep-b", "rep-a"]) == {
            "rep-a": "rep-a@example.com",
            "rep-b": "b.new@example.test",
        }


def test_a_contact_cannot_belong_to_two_customers(engine: sa.Engine) -> None:
    with uow(engine) as unit:
        unit.customers.add(Customer("a", "A", "gold", "1", None, (Contact("P", "p@x.test"),)))
        unit.commit()
    with (
        uow(engine) as unit,
        pytest.raises(InvalidInput, match=r"p@x\.test is already a contact of customer a"),
    ):
        unit.customers.add(Customer("b", "B", "gold", "2", None, (Contact("P", "p@x.test"),)))
