"""The whole skeleton flow on a real database: intake to resolution, every step on the journey."""

from __future__ import annotations

from datetime import timedelta

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.case import Channel, MessageKind
from caseloom.views import cases, journey
from tests.fakes import FakeClock

OUTAGE = commands.OpenCase(
    Channel.EMAIL,
    "Broadband down since 9am",
    "Our internet has been down all morning and the whole office can't work. Unacceptable.",
    "Priya Shah",
    "priya@acmebakery.co.uk",
)


def test_a_case_flows_from_intake_to_resolution_with_every_step_on_its_journey(
    app: Caseloom, clock: FakeClock
) -> None:
    ref = str(app.bus.handle(OUTAGE))
    opened = cases.get_case(app.store, ref, clock.now())
    assert (opened.status, opened.team, opened.severity, opened.priority) == (
        "assigned",
        "tier2",
        "high",
        1,
    )
    assert opened.customer_id == "acme-bakery"
    assert {c.policy for c in opened.clocks} == {"gold-high"}

    owner = f"rep:{opened.owner}"
    clock.advance(timedelta(minutes=10))
    app.bus.handle(commands.StartWork(ref, owner))
    app.bus.handle(commands.AddMessage(ref, MessageKind.REP_REPLY, owner, "Looking into it now."))
    clock.advance(timedelta(hours=2))
    app.bus.handle(commands.ResolveCase(ref, owner, "Line fault cleared at the exchange."))

    resolved = cases.get_case(app.store, ref, clock.now())
    assert resolved.status == "resolved"
    assert resolved.sla == "met"
    steps = [e.step for e in journey.case_journey(app.store, ref)]
    assert steps == ["intake", "triage", "sla", "routing", "work", "message", "resolution"]
    assert journey.verify(app.store, ref) == (1, [])


def test_a_customer_reply_reopens_a_resolved_case_and_routes_it_again(
    app: Caseloom, clock: FakeClock
) -> None:
    ref = str(app.bus.handle(OUTAGE))
    owner = f"rep:{cases.get_case(app.store, ref, clock.now()).owner}"
    app.bus.handle(commands.ResolveCase(ref, owner, "Fixed."))
    app.bus.handle(commands.AddMessage(ref, MessageKind.CUSTOMER_REPLY, "customer", "Down again."))

    reopened = cases.get_case(app.store, ref, clock.now())
    assert reopened.status == "assigned"
    assert [e.step for e in journey.case_journey(app.store, ref)][-4:] == [
        "message",
        "resolution",
        "sla",  # the resolution clock counts again, less the time the case was resolved
        "routing",
    ]
