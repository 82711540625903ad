"""The seed scenario on a real database: an e-mailed outage that needs an engineer on site is
triaged, routed to tier 1, handed to field service, booked with a certified technician who
carries the equipment, visited and resolved, every step on the journey."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.case import Channel, MessageKind
from caseloom.domain.errors import IllegalTransition, InvalidInput, NotEligible
from caseloom.views import cases, field, journey
from tests.fakes import FakeClock

SEED = commands.OpenCase(
    Channel.EMAIL,
    "Broadband down, cable ripped off the wall",
    "Our broadband has been down since 6am and the whole office can't work. The storm ripped "
    "the cable off the wall. Please send an engineer today.",
    "Hema Patel",
    "hema.patel@example.com",
)


def handed_off(app: Caseloom, clock: FakeClock) -> str:
    ref = str(app.bus.handle(SEED))
    owner = f"rep:{cases.get_case(app.store, ref, clock.now()).owner}"
    clock.advance(timedelta(minutes=12))
    app.bus.handle(commands.StartWork(ref, owner))
    app.bus.handle(
        commands.AddMessage(ref, MessageKind.REP_REPLY, owner, "We are sending an engineer.")
    )
    return ref


def test_the_seed_case_is_handed_off_booked_visited_and_resolved(
    app: Caseloom, clock: FakeClock
) -> None:
    ref = handed_off(app, clock)

    case = cases.get_case(app.store, ref, clock.now())
    assert (case.status, case.team, case.owner) == ("visit_scheduled", "field-north", "tech-nell")
    (order,) = field.list_work_orders(app.store, case=ref)
    assert order.requirements == {
        "skills": {"broadband": 5},
        "certifications": ["fibre-splicing"],
        "equipment": ["fusion-splicer"],
    }
    assert order.place == "Bradford, GB"
    assert order.due_by == clock.now() + timedelta(hours=24)
    (visit,) = order.appointments
    assert visit.technician == "tech-nell"
    assert visit.end <= order.due_by  # inside the field SLA

    steps = [e.step for e in journey.case_journey(app.store, ref)]
    assert steps[-3:] == ["message", "handoff", "dispatch"]
    handoff = journey.case_journey(app.store, ref)[-2]
    assert handoff.inputs["held_on"] == {
        "case.severity": "high",
        "triage.on_site_required": True,
    }
    dispatch = journey.case_journey(app.store, ref)[-1]
    excluded = dispatch.decision["excluded"]
    assert excluded["tech-mo"].startswith("missing skill broadband")
    assert "tech-pia" not in excluded  # offline today, so only offered from tomorrow
    pia = [o["start"] for o in dispatch.decision["offers"] if o["technician"] == "tech-pia"]
    assert pia
    assert all(start[:10] > clock.now().date().isoformat() for start in pia)

    for status in ("dispatched", "travelling", "on_site"):
        app.bus.handle(commands.MoveVisit(order.ref, status, "tech:tech-nell"))
    assert cases.get_case(app.store, ref, clock.now()).status == "on_site"
    clock.advance(timedelta(hours=2))
    app.bus.handle(
        commands.MoveVisit(order.ref, "completed", "tech:tech-nell", "cable re-terminated")
    )

    resolved = cases.get_case(app.store, ref, clock.now())
    assert resolved.status == "resolved"
    assert field.get_work_order(app.store, order.ref).status == "completed"
    assert [e.step for e in journey.case_journey(app.store, ref)][-5:] == [
        "dispatch",
        "field",
        "field",
        "field",
        "resolution",
    ]
    assert journey.verify(app.store, ref) == (1, [])


def test_a_visit_that_cannot_complete_is_booked_again(app: Caseloom, clock: FakeClock) -> None:
    ref = handed_off(app, clock)
    (order,) = field.list_work_orders(app.store, case=ref)
    for status in ("dispatched", "on_site"):
        app.bus.handle(commands.MoveVisit(order.ref, status, "tech:tech-nell"))
    app.bus.handle(
        commands.MoveVisit(order.ref, "cannot_complete", "tech:tech-nell", "needs a new duct")
    )

    again = field.get_work_order(app.store, order.ref)
    assert [a.status for a in again.appointments] == ["cannot_complete", "scheduled"]
    assert cases.get_case(app.store, ref, clock.now()).status == "visit_scheduled"


def test_a_case_resolved_before_its_visit_calls_the_visit_off(
    app: Caseloom, clock: FakeClock
) -> None:
    ref = handed_off(app, clock)
    (order,) = field.list_work_orders(app.store, case=ref)

    app.bus.handle(commands.ResolveCase(ref, "rep:rep-ana", "The cable was only unplugged."))

    called_off = field.get_work_order(app.store, order.ref)
    assert called_off.status == "cancelled"
    assert [a.status for a in called_off.appointments] == ["cancelled"]
    assert field.list_work_orders(app.store, status="scheduled") == []
    last = journey.case_journey(app.store, ref)[-1]
    assert (last.step, last.actor) == ("field", "agent:field")
    assert last.reason == (
        f"{order.ref} cancelled: the case was resolved; tech-nell's visit is called off"
    )
    assert journey.verify(app.store, ref) == (1, [])


def test_offers_are_graded_best_first_and_a_booking_must_fit(
    app: Caseloom, clock: FakeClock
) -> None:
    ref = handed_off(app, clock)
    (order,) = field.list_work_orders(app.store, case=ref)
    offering = app.bus.handle(commands.OfferVisits(order.ref))
    grades = [o.grade for o in offering.offers]  # type: ignore[attr-defined]
    assert grades == sorted(grades, reverse=True)
    assert len(grades) == 5
    booked = field.get_work_order(app.store, order.ref).appointments[0]

    with pytest.raises(NotEligible, match=r"tech-mo cannot take .*missing skill broadband"):
        app.bus.handle(commands.BookVisit(order.ref, "tech-mo", booked.start, "dispatcher"))
    with pytest.raises(NotEligible, match="not working"):
        app.bus.handle(
            commands.BookVisit(order.ref, "tech-nell", booked.start.replace(hour=2), "dispatcher")
        )
    with pytest.raises(NotEligible, match="no room"):  # she is home in York, 72 minutes away
        app.bus.handle(
            commands.BookVisit(
                order.ref, "tech-nell", booked.start.replace(hour=13, minute=30), "x"
            )
        )
    later = offering.offers[1].start  # type: ignore[attr-defined]
    assert later > booked.start
    app.bus.handle(
        commands.BookVisit(order.ref, "tech-nell", later, "dispatcher", "customer asked")
    )
    visits = field.get_work_order(app.store, order.ref).appointments
    assert [(v.status, v.start) for v in visits] == [
        ("cancelled", booked.start),
        ("scheduled", later),
    ]


def test_a_dispatched_visit_cannot_be_rebooked_and_statuses_are_checked(
    app: Caseloom, clock: FakeClock
) -> None:
    ref = handed_off(app, clock)
    (order,) = field.list_work_orders(app.store, case=ref)
    app.bus.handle(commands.MoveVisit(order.ref, "dispatched", "dispatcher"))
    start = order.appointments[0].start + timedelta(hours=2)
    with pytest.raises(IllegalTransition, match="only a visit not yet dispatched"):
        app.bus.handle(commands.BookVisit(order.ref, "tech-nell", start, "dispatcher"))
    with pytest.raises(InvalidInput, match="'lunch' is not a visit status"):
        app.bus.handle(commands.MoveVisit(order.ref, "lunch", "dispatcher"))
    with pytest.raises(IllegalTransition, match="dispatched; it can go to"):
        app.bus.handle(commands.MoveVisit(order.ref, "completed", "dispatcher"))


def test_the_optimiser_keeps_dispatched_visits_and_a_dry_run_changes_nothing(
    app: Caseloom, clock: FakeClock
) -> None:
    first = handed_off(app, clock)
    (order,) = field.list_work_orders(app.store, case=first)
    app.bus.handle(commands.MoveVisit(order.ref, "dispatched", "dispatcher"))
    before = field.get_work_order(app.store, order.ref).appointments

    dry = app.bus.handle(commands.OptimiseDispatch("field-north", "dispatcher"))
    explained = dry.explain()  # type: ignore[attr-defined]
    assert explained["dry_run"] is True
    (kept,) = [v for v in explained["visits"] if v["work_order"] == order.ref]
    assert kept["pinned"] is True
    assert kept["technician"] == "tech-nell"
    assert field.get_work_order(app.store, order.ref).appointments == before

    with pytest.raises(InvalidInput, match="'tier1' is not a field team"):
        app.bus.handle(commands.OptimiseDispatch("tier1", "dispatcher"))
