"""Graded slot offers for one work order: travel before and after, the customer's window,
booked visits and breaks, and the field SLA."""

from __future__ import annotations

from datetime import datetime, timedelta

from caseloom.domain.field.days import Busy, Gap, WorkDay
from caseloom.domain.field.slots import Slotting, arrival_window, fits, offer_slots
from caseloom.domain.field.work_order import TimeWindow
from tests.unit.field.orders import NOW, TODAY, order

HOUR = timedelta(hours=1)
# Places: 0 home, 1 the work order, 2 a visit already booked. Seconds of driving.
TRAVEL = ((0, 1800, 1200), (1800, 0, 600), (1200, 600, 0))
DAY = ((NOW, NOW + 8 * HOUR),)  # 08:00-16:00


def at(hours: float) -> datetime:
    return NOW + timedelta(hours=hours)


def slotting(**changes: object) -> Slotting:
    return Slotting(order(**changes), TRAVEL, 1, NOW, 2 * HOUR)


def day(hours=DAY, busy: tuple[Busy, ...] = (), technician: str = "tech-nell") -> WorkDay:
    return WorkDay(technician, TODAY, hours, 0, busy)


def test_an_empty_day_offers_arrivals_one_window_apart_after_the_drive() -> None:
    offers, full = offer_slots(slotting(), [day()], limit=5)
    assert full == []
    assert [o.start for o in offers] == [at(0.5), at(2.5), at(4.5)]
    first = offers[0]
    assert first.arrival == TimeWindow(at(0.5), at(2.5))
    assert first.detour == HOUR  # there and back
    # 100 - 0.2 per minute of driving (60) - 1.5 per hour from now (0.5)
    assert first.grade == 87
    assert first.within_sla
    assert [o.grade for o in offers] == sorted((o.grade for o in offers), reverse=True)


def test_the_last_offer_leaves_time_to_work_and_drive_home() -> None:
    short = ((NOW, NOW + 3 * HOUR),)  # 08:00-11:00: start by 09:30 at the latest
    offers, _ = offer_slots(slotting(), [day(short)], limit=5)
    assert [o.start for o in offers] == [at(0.5)]
    assert fits(slotting(), day(short), at(1.5))
    assert not fits(slotting(), day(short), at(1.75))
    assert not fits(slotting(), day(short), at(0.25))  # cannot be there yet


def test_a_booked_visit_splits_the_day_and_shortens_the_detour() -> None:
    booked = Busy("WO-000009", at(3), at(4), place=2)
    gaps = list(day(busy=(booked,)).gaps())
    assert gaps == [Gap(0, at(0), 2, at(3)), Gap(2, at(4), 0, at(8))]
    offers, _ = offer_slots(slotting(), [day(busy=(booked,))], limit=10)
    before = [o for o in offers if o.start < at(3)]
    after = [o for o in offers if o.start >= at(4)]
    assert [o.start for o in before] == [at(0.5)]  # 08:30-09:30, then 10 min to the next
    assert after[0].start == at(4) + timedelta(minutes=15)  # 10 min away, on the quarter
    assert after[0].detour == timedelta(seconds=600 + 1800 - 1200)
    assert not fits(slotting(), day(busy=(booked,)), at(2))


def test_a_break_is_taken_where_the_technician_is() -> None:
    split = ((NOW, at(4)), (at(5), at(8)))  # lunch 12:00-13:00
    gaps = list(day(split).gaps())
    assert gaps == [Gap(0, at(0), None, at(4)), Gap(0, at(5), 0, at(8))]
    # Before lunch the visit may run up to 12:00 with no drive back first.
    assert fits(slotting(), day(split), at(3))
    assert not fits(slotting(), day(split), at(4.5))


def test_the_customer_window_bounds_the_offers() -> None:
    window = TimeWindow(at(5), at(6))
    offers, _ = offer_slots(slotting(window=window), [day()], limit=5)
    assert [o.start for o in offers] == [at(5)]
    assert not fits(slotting(window=window), day(), at(0.5))


def test_missing_the_field_sla_costs_grade_and_is_flagged() -> None:
    offers, _ = offer_slots(slotting(respond_by=at(1), due_by=at(5)), [day()], limit=5)
    kept, late, later = offers
    assert kept.within_sla
    assert not late.within_sla  # arrives 10:30, after 09:00
    assert kept.grade - late.grade == 23  # 20 for arriving late, 3 for two hours later
    assert later.start == at(4.5)
    assert not later.within_sla
    assert late.grade - later.grade == 43  # 40 more for finishing after 13:00


def test_technicians_with_no_free_slot_are_named() -> None:
    full_day = Busy("WO-000009", at(0.5), at(7.5), place=2)
    offers, full = offer_slots(
        slotting(), [day(busy=(full_day,), technician="tech-ola"), day()], limit=2
    )
    assert full == ["tech-ola"]
    assert {o.technician for o in offers} == {"tech-nell"}
    assert len(offers) == 2


def test_a_day_already_under_way_offers_from_now() -> None:
    later = Slotting(order(), TRAVEL, 1, at(2) + timedelta(minutes=7), 2 * HOUR)
    offers, _ = offer_slots(later, [day()], limit=1)
    assert offers[0].start == at(2.25)  # 10:07 rounded up to the quarter


def test_the_customer_is_told_a_window_from_the_quarter_hour_before_the_start() -> None:
    assert arrival_window(at(5.49), 2 * HOUR) == TimeWindow(at(5.25), at(7.25))
    assert arrival_window(at(5), timedelta(minutes=5)) == TimeWindow(at(5), at(5.25))
