"""A work order's visits: booking, rebooking before dispatch, the appointment's status machine,
and what a finished work order refuses."""

from __future__ import annotations

from datetime import timedelta

import pytest

from caseloom.domain import events
from caseloom.domain.errors import IllegalTransition, InvalidInput
from caseloom.domain.field.geo import Point
from caseloom.domain.field.work_order import (
    AppointmentStatus,
    ServiceAppointment,
    TimeWindow,
    WorkOrderStatus,
    work_order_number,
    work_order_ref,
)
from tests.unit.field.orders import NOW, order

HOUR = timedelta(hours=1)
S = AppointmentStatus


def visit(technician: str = "tech-nell", hours_from_now: int = 2) -> ServiceAppointment:
    start = NOW + hours_from_now * HOUR
    return ServiceAppointment(
        0, technician, TimeWindow(start, start + 2 * HOUR), start, start + HOUR
    )


def test_references_read_and_write_both_ways() -> None:
    assert work_order_ref(42) == "WO-000042"
    assert work_order_number(" wo-000042 ") == 42
    with pytest.raises(InvalidInput, match="'CS-000042' is not a work order reference"):
        work_order_number("CS-000042")


def test_a_visit_must_last_and_a_window_must_end_after_it_starts() -> None:
    with pytest.raises(InvalidInput, match="WO-000001: a visit lasts more than 0"):
        order(duration=timedelta(0))
    with pytest.raises(InvalidInput, match="at most 12:00:00, not 13:00:00"):
        order(duration=13 * HOUR)
    with pytest.raises(InvalidInput, match="a time window must end after it starts"):
        TimeWindow(NOW, NOW)
    with pytest.raises(InvalidInput, match="is not a place"):
        Point(91, 0)


def test_booking_schedules_the_order_and_says_so() -> None:
    work = order()
    replaced = work.book(visit(), NOW)
    assert replaced is None
    assert work.status is WorkOrderStatus.SCHEDULED
    assert work.appointment is not None
    assert work.appointment.technician == "tech-nell"
    assert work.events == [events.VisitBooked("WO-000001", "CS-000001", "tech-nell")]


def test_rebooking_before_dispatch_cancels_the_earlier_visit() -> None:
    work = order()
    first = visit("tech-nell")
    work.book(first, NOW)
    replaced = work.book(visit("tech-ola", hours_from_now=5), NOW)
    assert replaced is first
    assert first.status is S.CANCELLED
    assert work.appointment is not None
    assert work.appointment.technician == "tech-ola"
    assert [a.status for a in work.appointments] == [S.CANCELLED, S.SCHEDULED]


def test_a_dispatched_visit_is_pinned_and_cannot_be_rebooked() -> None:
    work = order()
    work.book(visit(), NOW)
    assert not work.pinned
    work.move(S.DISPATCHED, "", NOW)
    assert work.pinned
    with pytest.raises(IllegalTransition, match="the visit by tech-nell is dispatched"):
        work.book(visit("tech-ola"), NOW)


def test_the_visit_walks_to_completion_and_completes_the_order() -> None:
    work = order()
    work.book(visit(), NOW)
    for status in (S.DISPATCHED, S.TRAVELLING, S.ON_SITE, S.COMPLETED):
        work.move(status, "", NOW)
    assert work.status is WorkOrderStatus.COMPLETED
    assert work.appointment is None  # a completed visit is no longer live
    assert events.VisitMoved("WO-000001", "CS-000001", "completed") in work.events
    with pytest.raises(IllegalTransition, match="work order WO-000001 is completed"):
        work.book(visit(), NOW)
    with pytest.raises(IllegalTransition, match="is completed"):
        work.set_window(None, NOW)


def test_a_visit_that_cannot_complete_leaves_the_order_open_for_another() -> None:
    work = order()
    work.book(visit(), NOW)
    for status in (S.DISPATCHED, S.ON_SITE):
        work.move(status, "", NOW)
    work.move(S.CANNOT_COMPLETE, "the boiler part is out of stock", NOW)
    assert work.status is WorkOrderStatus.OPEN
    assert work.appointments[0].note == "the boiler part is out of stock"
    work.book(visit("tech-ola", hours_from_now=26), NOW)
    assert work.status is WorkOrderStatus.SCHEDULED


def test_an_illegal_move_names_where_the_visit_can_go() -> None:
    work = order()
    with pytest.raises(IllegalTransition, match="WO-000001 has no visit booked"):
        work.move(S.DISPATCHED, "", NOW)
    work.book(visit(), NOW)
    with pytest.raises(
        IllegalTransition, match="the visit for WO-000001 is scheduled; it can go to: cancelled, "
    ):
        work.move(S.ON_SITE, "", NOW)


def test_window_and_location_change_while_the_order_is_open() -> None:
    work = order()
    window = TimeWindow(NOW + 24 * HOUR, NOW + 28 * HOUR)
    work.set_window(window, NOW)
    work.set_location(Point(53.5, -2.2), "", NOW)
    assert work.window == window
    assert work.location == Point(53.5, -2.2)
    assert work.place == ""  # an empty name keeps the one it had
    work.set_location(Point(53.5, -2.2), "Manchester, GB", NOW)
    assert work.place == "Manchester, GB"


def test_the_journey_sees_what_the_visit_needs_and_its_sla() -> None:
    work = order(respond_by=NOW + 4 * HOUR, place="Bradford, GB")
    assert work.describe() == {
        "work_order": "WO-000001",
        "team": "field-north",
        "requirements": {
            "skills": {"energy": 3},
            "certifications": ["gas-safe"],
            "equipment": ["gas-analyser"],
        },
        "duration_minutes": 60,
        "place": "Bradford, GB",
        "priority": 2,
        "respond_by": "2026-12-07T12:00:00+00:00",
        "due_by": None,
    }


def test_cancelling_calls_off_a_visit_not_yet_dispatched_and_nothing_more_is_booked() -> None:
    work = order()
    booked = visit()
    work.book(booked, NOW)

    assert work.cancel("the case was resolved", NOW + HOUR) is booked

    assert (work.status, booked.status, booked.note) == (
        WorkOrderStatus.CANCELLED,
        S.CANCELLED,
        "the case was resolved",
    )
    assert work.appointment is None
    with pytest.raises(IllegalTransition, match="WO-000001 is cancelled"):
        work.book(visit(), NOW)
    with pytest.raises(IllegalTransition, match="WO-000001 is cancelled"):
        work.cancel("again", NOW)


def test_a_visit_under_way_is_not_called_off() -> None:
    work = order()
    work.book(visit(), NOW)
    work.move(S.DISPATCHED, "", NOW)
    with pytest.raises(IllegalTransition, match="is dispatched; only a visit not yet dispatched"):
        work.cancel("the case was resolved", NOW)
    assert work.status is WorkOrderStatus.SCHEDULED
