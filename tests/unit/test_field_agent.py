"""The Field agent on the bus: the handoff at the desk's first reply (or when a person asks),
the field SLA, booking the best offer, the optimiser for emergencies, "nobody can take it" on
the journey, and batch dispatch applied."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

import pytest

from caseloom.domain import commands
from caseloom.domain.case import CaseStatus, MessageKind
from caseloom.domain.customer import Location
from caseloom.domain.errors import InvalidInput
from caseloom.domain.field.spec import FieldSpec, VisitSpec
from caseloom.domain.field.work_order import Requirements, WorkOrder, WorkOrderStatus
from caseloom.domain.policy import Handoff, Policy
from caseloom.domain.sla import SlaMetric
from caseloom.domain.workforce import Certification, Presence, Team, TeamKind, Technician
from tests.factories import make_customer, make_rep, when
from tests.world import HIGH, POLICY, World

GAS = Requirements({"gas-safe": 2}, ("gas-safe",), ("gas-analyser",))
HANDOFF = Handoff(
    "tier1",
    "field",
    when(HIGH),
    "work_order",
    {SlaMetric.FIRST_RESPONSE: timedelta(hours=4), SlaMetric.RESOLUTION: timedelta(hours=24)},
    (VisitSpec("a gas visit", None, GAS, timedelta(hours=2)),),
    "on-site faults",
)


def field_policy(handoff: Handoff = HANDOFF, **spec: object) -> Policy:
    everything_to_tier1 = replace(POLICY.routing, rules=POLICY.routing.rules[1:])
    teams = {**POLICY.teams, "field": Team("field", TeamKind.FIELD, "24x7")}
    return replace(
        POLICY,
        teams=teams,
        routing=everything_to_tier1,
        handoffs=(handoff,),
        field_service=FieldSpec(**spec),  # type: ignore[arg-type]
    )


def technician(tech_id: str, latitude: float = 53.80, **changes: object) -> Technician:
    made = Technician(
        tech_id,
        tech_id.title(),
        f"{tech_id}@example.com",
        "field",
        {"gas-safe": 3},
        (Certification("gas-safe", date(2026, 1, 1), date(2027, 12, 31)),),
        ("gas-analyser",),
        Location("Leeds", "GB", latitude, -1.55),
        Presence.AVAILABLE,
        version=1,
    )
    return replace(made, **changes)


def world(*technicians: Technician, policy: Policy | None = None) -> World:
    w = World(policy or field_policy())
    w.rep(make_rep("rep-a"))
    w.store.customers["acme"] = replace(
        make_customer(), location=Location("Bradford", "GB", 53.79, -1.75)
    )
    for tech in technicians or (technician("tech-nell"),):
        w.store.technicians[tech.id] = tech
    return w


def replied(w: World) -> str:
    """An outage (so high severity) opened, picked up and answered by rep-a."""
    ref = w.open()
    w.bus.handle(commands.StartWork(ref, "rep:rep-a"))
    w.bus.handle(commands.AddMessage(ref, MessageKind.REP_REPLY, "rep:rep-a", "On our way."))
    return ref


def order_of(w: World, ref: str) -> WorkOrder:
    (order,) = [o for o in w.store.work_orders.values() if o.case_ref == ref]
    return order


def journey(w: World, ref: str, step: str) -> list[str]:
    return [e.reason for e in w.store.journey[ref] if e.step == step]


def test_the_first_reply_hands_the_case_off_and_books_a_certified_technician() -> None:
    w = world()
    ref = replied(w)

    case, order = w.case(ref), order_of(w, ref)
    assert (case.status, case.team, case.owner) == (
        CaseStatus.VISIT_SCHEDULED,
        "field",
        "tech-nell",
    )
    assert w.store.reps["rep-a"].load == 0  # the desk's capacity is freed
    assert order.requirements == GAS
    assert order.duration == timedelta(hours=2)
    assert order.place == "Bradford, GB"
    assert order.context["subject"] == "Broadband down"
    now = w.clock.now()
    assert (order.respond_by, order.due_by) == (now + timedelta(hours=4), now + timedelta(hours=24))
    visit = order.appointment
    assert visit is not None
    assert visit.end <= order.due_by

    (handoff,) = [e for e in w.store.journey[ref] if e.step == "handoff"]
    assert handoff.inputs["rule"] == "on-site faults"
    assert handoff.inputs["held_on"] == {"case.severity": "high"}
    assert handoff.decision["work_order_rule"] == "a gas visit"
    assert handoff.decision["respond_by"] == order.respond_by.isoformat()  # type: ignore[union-attr]
    (booked,) = journey(w, ref, "dispatch")
    assert booked.startswith("the best of ")
    assert "tech-nell, inside the field SLA" in booked


def test_the_best_offer_goes_to_the_nearer_technician() -> None:
    w = world(technician("tech-far", latitude=54.30), technician("tech-near", latitude=53.80))
    ref = replied(w)
    assert w.case(ref).owner == "tech-near"


def test_nobody_fitting_is_explained_on_the_journey_and_the_order_waits() -> None:
    lapsed = (Certification("gas-safe", date(2020, 1, 1), date(2025, 12, 31)),)
    w = world(
        technician("tech-nell", certifications=lapsed),
        technician("tech-ola", equipment=()),
        technician("tech-pip", team="field-south"),
    )
    ref = replied(w)

    assert w.case(ref).status is CaseStatus.HANDED_OFF
    assert order_of(w, ref).status is WorkOrderStatus.OPEN
    (note,) = journey(w, ref, "dispatch")
    assert note == (
        "nobody can take it: tech-nell: no valid gas-safe certification on 2026-11-26 "
        "(expired 2025-12-31); tech-ola: lacks equipment: gas-analyser"
    )  # tech-pip is in another team, so not on this team's roster at all


def test_an_emergency_has_the_optimiser_plan_the_team_around_it() -> None:
    w = world(policy=field_policy(emergency_priority=4))
    ref = replied(w)
    assert w.case(ref).status is CaseStatus.VISIT_SCHEDULED
    (planned,) = journey(w, ref, "dispatch")
    assert planned == f"the optimiser planned it (emergency {order_of(w, ref).ref})"


def test_an_emergency_nobody_can_take_still_says_why() -> None:
    w = world(technician("tech-nell", equipment=()), policy=field_policy(emergency_priority=4))
    ref = replied(w)
    assert w.case(ref).status is CaseStatus.HANDED_OFF
    (note,) = journey(w, ref, "dispatch")
    assert note == "nobody can take it: tech-nell: lacks equipment: gas-analyser"


def test_without_auto_book_the_order_waits_for_a_dispatcher() -> None:
    w = world(policy=field_policy(auto_book=False))
    ref = replied(w)
    assert w.case(ref).status is CaseStatus.HANDED_OFF
    assert order_of(w, ref).appointment is None
    assert journey(w, ref, "dispatch") == []


def test_a_handoff_on_request_waits_for_a_person_to_ask() -> None:
    w = world(policy=field_policy(replace(HANDOFF, automatic=False)))
    ref = replied(w)
    assert w.case(ref).status is CaseStatus.IN_PROGRESS
    assert w.store.work_orders == {}

    order_ref = w.bus.handle(commands.HandOffCase(ref, "rep:rep-a", "needs a gas engineer"))
    assert order_ref == "WO-000001"
    assert w.case(ref).status is CaseStatus.VISIT_SCHEDULED
    assert journey(w, ref, "handoff") == ["needs a gas engineer"]


def test_a_handoff_nobody_asked_for_names_the_rules_tried() -> None:
    w = world(policy=field_policy(replace(HANDOFF, automatic=False)))
    w.model.result = replace(w.model.result, signals={})  # no outage: not high severity
    ref = w.open()
    with pytest.raises(
        InvalidInput, match=rf"{ref} cannot be handed off from tier1: no rule holds"
    ):
        w.bus.handle(commands.HandOffCase(ref, "rep:rep-a"))


def test_batch_dispatch_books_every_open_order_and_the_journeys_say_so() -> None:
    w = world(
        technician("tech-nell"),
        technician("tech-ola", latitude=53.70),
        policy=field_policy(auto_book=False),
    )
    refs = [replied(w) for _ in range(3)]

    dry = w.bus.handle(commands.OptimiseDispatch("field", "dispatcher"))
    assert dry.dry_run  # type: ignore[attr-defined]
    assert all(order_of(w, ref).appointment is None for ref in refs)

    w.clock.advance(timedelta(seconds=37, microseconds=5))
    done = w.bus.handle(commands.OptimiseDispatch("field", "dispatcher", dry_run=False))
    assert sorted(done.changed) == sorted(order_of(w, ref).ref for ref in refs)  # type: ignore[attr-defined]
    for ref in refs:
        assert w.case(ref).status is CaseStatus.VISIT_SCHEDULED
        assert journey(w, ref, "dispatch") == ["the optimiser planned it"]
        visit = order_of(w, ref).appointment
        assert visit is not None
        assert visit.start > w.clock.now()
        assert (visit.start.second, visit.start.microsecond) == (0, 0)  # a whole minute
        assert visit.arrival.start <= visit.start < visit.arrival.end
        assert visit.arrival.start.minute % 15 == 0


def test_resolving_a_case_calls_off_its_visit_not_yet_dispatched() -> None:
    """Nobody drives out to a case that is resolved, and the technician's time is free again."""
    w = world()
    ref = replied(w)
    booked = order_of(w, ref).appointment
    assert booked is not None

    w.bus.handle(commands.ResolveCase(ref, "rep:rep-a", "The customer relit the pilot light."))

    order = order_of(w, ref)
    assert order.status is WorkOrderStatus.CANCELLED
    assert order.appointment is None
    assert [a.status.value for a in order.appointments] == ["cancelled"]
    assert w.case(ref).status is CaseStatus.RESOLVED
    assert journey(w, ref, "field") == [
        f"{order.ref} cancelled: the case was resolved; tech-nell's visit is called off"
    ]


def test_resolving_a_case_cancels_its_work_order_waiting_for_a_visit() -> None:
    w = world(policy=field_policy(auto_book=False))
    ref = replied(w)

    w.bus.handle(commands.ResolveCase(ref, "rep:rep-a", "Fixed over the phone."))

    order = order_of(w, ref)
    assert order.status is WorkOrderStatus.CANCELLED
    assert journey(w, ref, "field") == [f"{order.ref} cancelled: the case was resolved"]


def test_a_visit_under_way_is_left_to_the_technician_when_the_case_is_resolved() -> None:
    w = world()
    ref = replied(w)
    w.bus.handle(commands.MoveVisit(order_of(w, ref).ref, "dispatched", "dispatcher"))

    w.bus.handle(commands.ResolveCase(ref, "rep:rep-a", "The customer relit the pilot light."))

    order = order_of(w, ref)
    assert order.status is WorkOrderStatus.SCHEDULED
    assert journey(w, ref, "field")[-1] == (
        "the case was resolved; tech-nell's visit is dispatched: left to the technician"
    )


def test_a_completed_visit_resolves_the_case_and_leaves_the_work_order_completed() -> None:
    w = world()
    ref = replied(w)
    order_ref = order_of(w, ref).ref
    for status in ("dispatched", "travelling", "on_site", "completed"):
        w.bus.handle(commands.MoveVisit(order_ref, status, "tech:tech-nell"))

    assert w.case(ref).status is CaseStatus.RESOLVED
    assert order_of(w, ref).status is WorkOrderStatus.COMPLETED
    assert not any("cancelled" in reason for reason in journey(w, ref, "field"))


def test_a_replan_cancels_the_visit_of_a_case_resolved_without_calling_it_off() -> None:
    """Data from before resolving called visits off: the optimiser cancels such a visit and
    leaves its case where it is, instead of failing the plan for every other case."""
    w = world()
    ref = replied(w)
    w.case(ref).status = CaseStatus.CLOSED  # as such data was left
    w.store.technicians["tech-nell"] = technician("tech-nell", equipment=())  # no room left

    w.bus.handle(commands.OptimiseDispatch("field", "dispatcher", dry_run=False))

    assert order_of(w, ref).status is WorkOrderStatus.CANCELLED
    assert w.case(ref).status is CaseStatus.CLOSED
