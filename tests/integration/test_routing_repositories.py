"""What routing stores and asks of the database: a case's need and queue state, the queue in
SLA order, lapsed offers, long waits, a customer's previous owners, and a team's roster."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from caseloom.adapters.db.unit_of_work import SqlUnitOfWork
from caseloom.domain.case import CaseStatus
from caseloom.domain.routing import Need
from caseloom.domain.sla import SlaMetric
from caseloom.domain.triage import StampOutcome
from caseloom.domain.workforce import Certification, Presence
from tests.factories import NOW, by, make_case, make_clock, make_customer, make_rep, triage_result
from tests.fakes import FakeClock

NEED = Need(
    skills={"broadband": 3},
    optional_skills={"networking": 2},
    certifications=("gas-safe",),
    language="de",
    units=2,
    declined=frozenset({"rep-z"}),
)


def uow(engine: sa.Engine) -> SqlUnitOfWork:
    return SqlUnitOfWork(engine, FakeClock(NOW))


def routed(
    engine: sa.Engine,
    *,
    priority: int = 3,
    due_in: timedelta | None = None,
    owner: str | None = None,
    offer_for: timedelta | None = None,
    at: timedelta = timedelta(0),
    customer: str | None = None,
) -> str:
    """A triaged case routed to tier1: queued, assigned to `owner`, or offered to them."""
    with uow(engine) as unit:
        if customer and unit.customers.find(customer) is None:
            unit.customers.add(make_customer(customer, email=f"{customer}@x.test"))
        case = make_case(unit.cases.next_number(), customer_id=customer)
        case.apply_triage(triage_result(), StampOutcome({"priority": priority}, ()), 0.6, by())
        if due_in:
            case.start_clocks([make_clock(SlaMetric.FIRST_RESPONSE, due_in, policy="p")], "p", by())
        case.apply_routing(
            team="tier1",
            route=("tier1",),
            need=NEED,
            owner=owner,
            rule="everything else",
            offer_expires_at=NOW + at + offer_for if offer_for else None,
            inputs={},
            decision={},
            reason="test",
            by=by(at=NOW + at),
        )
        unit.cases.add(case)
        unit.commit()
        return case.ref


def test_a_routed_case_comes_back_with_its_need_rule_and_queue_state(engine: sa.Engine) -> None:
    ref = routed(engine, owner="rep-a", offer_for=timedelta(minutes=2))
    with uow(engine) as unit:
        case = unit.cases.get(ref)
    assert case.status is CaseStatus.OFFERED
    assert case.need == NEED
    assert (case.rule, case.owner, case.queued_at) == ("everything else", "rep-a", NOW)
    assert case.offer_expires_at == NOW + timedelta(minutes=2)


def test_the_queue_is_in_priority_then_sla_deadline_then_queue_age_order(
    engine: sa.Engine,
) -> None:
    late_deadline = routed(engine, priority=2, due_in=timedelta(hours=4))
    no_deadline = routed(engine, priority=2)
    soon = routed(engine, priority=2, due_in=timedelta(minutes=30), at=timedelta(minutes=5))
    urgent = routed(engine, priority=1, at=timedelta(minutes=9))
    low = routed(engine, priority=4, due_in=timedelta(minutes=1))
    with uow(engine) as unit:
        order = [c.ref for c in unit.cases.queued(["tier1"], 10)]
        counts = unit.cases.teams_waiting()
    assert order == [urgent, soon, late_deadline, no_deadline, low]
    assert counts == {"tier1": 5}


def test_lapsed_offers_and_long_waits_are_found_by_time(engine: sa.Engine) -> None:
    lapsed = routed(engine, owner="rep-a", offer_for=timedelta(minutes=1))
    routed(engine, owner="rep-a", offer_for=timedelta(minutes=10))
    old = routed(engine)
    routed(engine, at=timedelta(minutes=30))
    with uow(engine) as unit:
        expired = [c.ref for c in unit.cases.offers_expired(NOW + timedelta(minutes=2), 10)]
        waiting = [c.ref for c in unit.cases.waiting_since(NOW + timedelta(minutes=10), 10)]
        offered = unit.cases.owned_by("rep-a", (CaseStatus.OFFERED,))
    assert (expired, waiting, len(offered)) == ([lapsed], [old], 2)


def test_a_customers_previous_owners_come_most_recent_first_each_once(engine: sa.Engine) -> None:
    routed(engine, owner="rep-a", customer="acme")
    routed(engine, owner="rep-b", customer="acme", at=timedelta(minutes=1))
    routed(engine, owner="rep-a", customer="acme", at=timedelta(minutes=2))
    routed(engine, owner="rep-c", customer="other", at=timedelta(minutes=3))
    with uow(engine) as unit:
        assert unit.cases.recent_owners(["acme", "other", None]) == {
            "acme": ("rep-a", "rep-b"),
            "other": ("rep-c",),
        }
        assert unit.cases.recent_owners([None, "nobody"]) == {}


def test_the_roster_loads_ready_reps_in_full_and_the_rest_as_sketches(engine: sa.Engine) -> None:
    gas = Certification("gas-safe", date(2025, 1, 1), date(2027, 1, 1))
    with uow(engine) as unit:
        unit.reps.add(
            make_rep(
                "rep-a",
                skills={"broadband": 5},
                capacity=4,
                load=2,
                items=1,
                calendar="uk-office",
                certifications=(gas,),
            )
        )
        unit.reps.add(make_rep("rep-full", capacity=2, load=1))
        unit.reps.add(make_rep("rep-away", presence=Presence.AWAY))
        unit.commit()
    with uow(engine) as unit:
        ready, others = unit.reps.roster("tier1", 2)
    assert [r.id for r in ready] == ["rep-a"]
    rep = ready[0]
    assert (rep.load, rep.items, rep.calendar, rep.certifications) == (2, 1, "uk-office", (gas,))
    assert dict(rep.skills) == {"broadband": 5}
    assert sorted((r.id, r.presence, r.load, r.capacity) for r in others) == [
        ("rep-away", Presence.AWAY, 0, 3),
        ("rep-full", Presence.AVAILABLE, 1, 2),
    ]


def test_a_case_released_by_a_rep_gives_back_its_units(engine: sa.Engine) -> None:
    with uow(engine) as unit:
        rep = make_rep("rep-a", capacity=4)
        rep.take("CS-000001", NOW, units=3)
        unit.reps.add(rep)
        unit.commit()
    with uow(engine) as unit:
        rep = unit.reps.get("rep-a")
        assert (rep.load, rep.items) == (3, 1)
        rep.release(3)
        unit.commit()
    with uow(engine) as unit:
        rep = unit.reps.get("rep-a")
        assert (rep.load, rep.items, rep.spare_capacity) == (0, 0, 4)
