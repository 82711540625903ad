"""Booking a visit: graded offers for one work order, a person's choice, or the best offer
taken by the Field agent when a case reaches the field. Every booking lands on the case's
journey with the technicians left out and why."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from caseloom.domain.case import Attribution, Case, CaseStatus
from caseloom.domain.commands import BookVisit, OfferVisits
from caseloom.domain.errors import NotEligible
from caseloom.domain.field.matching import NO_SLOT, Exclusion
from caseloom.domain.field.slots import SlotOffer, Slotting, fits, offer_slots
from caseloom.domain.field.work_order import (
    ServiceAppointment,
    TimeWindow,
    WorkOrder,
)
from caseloom.domain.policy import Policy
from caseloom.domain.sla.calendar import human
from caseloom.service_layer.agents.field.board import Roster, roster
from caseloom.service_layer.ports import Clock, TravelTimes, UnitOfWork

AGENT = "agent:field"
NOT_WORKING = "not working"


@dataclass(frozen=True, slots=True)
class Offering:
    work_order: str
    offers: tuple[SlotOffer, ...]
    excluded: tuple[Exclusion, ...]  # each technician who cannot take it, with the reason

    def explain(self) -> dict[str, object]:
        return {
            "work_order": self.work_order,
            "offers": [o.describe() for o in self.offers],
            "excluded": {e.technician: e.reason for e in self.excluded},
        }


def offer_visits(
    cmd: OfferVisits, uow: UnitOfWork, *, policy: Policy, clock: Clock, travel: TravelTimes
) -> Offering:
    with uow:
        order = uow.work_orders.get(cmd.work_order)
        return offering(order, uow, policy, travel, now=clock.now(), limit=cmd.limit)


def offering(
    order: WorkOrder,
    uow: UnitOfWork,
    policy: Policy,
    travel: TravelTimes,
    *,
    now: datetime,
    limit: int | None = None,
) -> Offering:
    spec = policy.field_service
    team = roster(uow, order, policy, travel, now=now, horizon=spec.horizon)
    eligible, excluded = _who(order, team, spec.horizon)
    if order.location is None or not eligible:
        return Offering(order.ref, (), tuple(excluded))
    days = [d for d in team.days if (d.technician, d.day) in eligible and d.hours]
    offers, full = offer_slots(_slotting(order, team, policy), days, limit or spec.offers)
    ahead = f"{NO_SLOT} in the next {human(spec.horizon)}"
    return Offering(order.ref, tuple(offers), (*excluded, *(Exclusion(t, ahead) for t in full)))


def book_visit(
    cmd: BookVisit, uow: UnitOfWork, *, policy: Policy, clock: Clock, travel: TravelTimes
) -> int:
    """Book the technician at `start` if they match on that day and it fits their day."""
    now = clock.now()
    with uow:
        order = uow.work_orders.get(cmd.work_order)
        order.check_bookable()
        horizon = max(policy.field_service.horizon, cmd.start + order.duration - now)
        team = roster(uow, order, policy, travel, now=now, horizon=horizon)
        day = team.day_at(cmd.technician, cmd.start)
        if day is None:
            raise NotEligible(f"{cmd.technician} is not working at {cmd.start.isoformat()}")
        matched = team.matching(order, day.day)
        reason = next((e.reason for e in matched.excluded if e.technician == cmd.technician), None)
        if reason:
            raise NotEligible(f"{cmd.technician} cannot take {order.ref}: {reason}")
        if not fits(_slotting(order, team, policy), day, cmd.start):
            raise NotEligible(
                f"{cmd.technician} has no room for {order.ref} at {cmd.start.isoformat()}: "
                "travel and the visits before and after it do not leave the time"
            )
        window = policy.field_service.arrival_window
        offer = SlotOffer(
            cmd.technician,
            TimeWindow(cmd.start, cmd.start + window),
            cmd.start,
            cmd.start + order.duration,
            timedelta(0),
            0,
            order.due_by is None or cmd.start + order.duration <= order.due_by,
        )
        by = Attribution(cmd.actor, now, policy.version)
        case = uow.cases.get(order.case_ref)
        booked = book(order, case, offer, by, reason=cmd.reason or f"booked by {cmd.actor}")
        uow.commit()
        return booked.id


def book(
    order: WorkOrder,
    case: Case,
    offer: SlotOffer,
    by: Attribution,
    *,
    reason: str,
    explanation: dict[str, object] | None = None,
) -> ServiceAppointment:
    """Book the offer on the work order; the case follows, on the journey."""
    appointment = ServiceAppointment(0, offer.technician, offer.arrival, offer.start, offer.end)
    replaced = order.book(appointment, by.at)
    if case.status in (CaseStatus.HANDED_OFF, CaseStatus.VISIT_SCHEDULED):
        case.follow_visit(
            CaseStatus.VISIT_SCHEDULED,
            offer.technician,
            step="dispatch",
            decision={
                "work_order": order.ref,
                "appointment": appointment.describe(),
                "replaced": replaced.describe() if replaced else None,
                "within_sla": offer.within_sla,
                "due_by": order.due_by.isoformat() if order.due_by else None,
                **(explanation or {}),
            },
            reason=reason,
            by=by,
        )
    return appointment


def _who(
    order: WorkOrder, team: Roster, horizon: timedelta
) -> tuple[set[tuple[str, date]], list[Exclusion]]:
    """The (technician, day) pairs that match, and the technicians who match on no day with a
    reason about them (missing skill, too far...) in preference to the days they do not work."""
    eligible: set[tuple[str, date]] = set()
    reasons: dict[str, str] = {}
    for day in sorted({d.day for d in team.days}):
        matched = team.matching(order, day)
        eligible.update((technician, day) for technician in matched.eligible)
        for e in matched.excluded:
            if reasons.get(e.technician, NOT_WORKING).startswith(NOT_WORKING):
                reasons[e.technician] = e.reason
    absent = f"{NOT_WORKING} in the next {human(horizon)}"
    someday = {technician for technician, _ in eligible}
    return eligible, [
        Exclusion(t, absent if reasons[t].startswith(NOT_WORKING) else reasons[t])
        for t in sorted(set(reasons) - someday)
    ]


def _slotting(order: WorkOrder, team: Roster, policy: Policy) -> Slotting:
    place = team.orders[order.ref]
    window = policy.field_service.arrival_window
    return Slotting(order, team.travel.durations, place, team.now, window)
