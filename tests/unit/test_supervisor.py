"""The Supervisor agent: clocks that pause and move, durable timers, escalations, breaches."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

from caseloom.domain import commands
from caseloom.domain.case import MessageKind
from caseloom.domain.conditions import Condition
from caseloom.domain.policy import NotificationSpec, PauseRule, SlaPolicy
from caseloom.domain.sla import (
    Escalation,
    Notify,
    RaisePriority,
    Recipient,
    SlaMetric,
    SlaState,
    Threshold,
)
from caseloom.domain.workforce import Team, TeamKind
from caseloom.service_layer.messagebus import MessageBus
from tests.factories import NOW, make_clock, make_rep
from tests.fakes import FakeUnitOfWork
from tests.world import CONDITIONS, POLICY, World

WAITING = 'case.status == "waiting_on_customer"'
VULNERABLE = "case.vulnerable_customer == true"
CONDITIONS.predicates[WAITING] = lambda f: f["case"]["status"] == "waiting_on_customer"
CONDITIONS.predicates[VULNERABLE] = lambda f: f["case"].get("vulnerable_customer") is True

STANDARD = SlaPolicy(
    "standard",
    None,
    "24x7",
    {SlaMetric.FIRST_RESPONSE: timedelta(hours=4), SlaMetric.RESOLUTION: timedelta(hours=24)},
    (PauseRule("waiting_on_customer", Condition(WAITING, "test")),),
)
AT_75 = Escalation(
    "manager at 75%",
    Threshold(SlaMetric.RESOLUTION, share=0.75),
    None,
    (Notify(Recipient.MANAGER), RaisePriority()),
    name="manager at 75%",
)
SUPERVISED = replace(
    POLICY,
    sla=(POLICY.sla[0], STANDARD),
    teams={**POLICY.teams, "tier1": Team("tier1", TeamKind.SERVICE, "24x7", "mgr-anna")},
    escalations=(AT_75,),
    notifications=NotificationSpec(people={"mgr-anna": "anna@example.com"}),
)


def world() -> World:
    w = World(SUPERVISED, intent="question")
    w.rep(make_rep("rep-a", capacity=5))
    return w


def fire(w: World) -> dict[str, int]:
    return w.bus.handle(commands.FireTimers("test"))  # type: ignore[return-value]


def pending(w: World, ref: str) -> dict[str, object]:
    number = int(ref[3:])
    return {
        key.split("|")[0]: row.spec.due_at
        for (n, key), row in w.store.timers.items()
        if n == number and row.fired_at is None
    }


def test_starting_the_clocks_plans_a_timer_for_each_threshold_and_each_breach() -> None:
    w = world()
    w.open(email="someone@example.com")
    planned = sorted((r.spec.due_at, r.spec.escalation) for r in w.store.timers.values())
    assert planned == [
        (NOW + timedelta(hours=4), "breach"),  # first response
        (NOW + timedelta(hours=18), "manager at 75%"),  # 75% of the 24h resolution window
        (NOW + timedelta(hours=24), "breach"),
    ]


def test_waiting_on_the_customer_pauses_the_clocks_and_moves_every_timer_later() -> None:
    w = world()
    ref = w.open(email="someone@example.com")
    w.bus.handle(commands.StartWork(ref, "rep:rep-a"))
    w.clock.advance(timedelta(hours=1))
    w.bus.handle(commands.WaitOnCustomer(ref, "rep:rep-a", "need the router's serial"))
    paused = w.case(ref).clocks[SlaMetric.RESOLUTION]
    assert paused.state(w.clock.now()) is SlaState.PAUSED
    assert paused.pauses[-1].reason == "waiting_on_customer"
    assert pending(w, ref) == {}  # nothing is due while nobody knows when it resumes

    w.clock.advance(timedelta(hours=3))
    w.bus.handle(commands.AddMessage(ref, MessageKind.CUSTOMER_REPLY, "customer", "It is ABC123."))
    resumed = w.case(ref).clocks[SlaMetric.RESOLUTION]
    assert resumed.due_at == NOW + timedelta(hours=24 + 3)  # three paused hours added
    assert pending(w, ref)["manager at 75%"] == NOW + timedelta(hours=18 + 3)
    reasons = [e.reason for e in w.store.journey[ref] if e.step == "sla"]
    assert any("paused: waiting_on_customer" in r for r in reasons)
    assert any("resumed after waiting_on_customer" in r for r in reasons)


def test_a_due_timer_fires_its_actions_once_each_on_the_journey_with_its_trigger() -> None:
    w = world()
    ref = w.open(email="someone@example.com")
    priority = w.case(ref).priority
    w.clock.advance(timedelta(hours=18, seconds=1))

    counts = fire(w)

    assert counts["escalations"] == 1
    assert counts["actions"] == 2
    entries = [e for e in w.store.journey[ref] if e.step == "escalation"]
    assert [e.decision["action"] for e in entries] == ["notify manager", "raise priority by 1"]
    assert {e.decision["trigger"] for e in entries} == {"75% of resolution"}
    assert w.case(ref).priority == priority - 1
    [sent] = [r.notification for r in w.store.outbox]
    assert (sent.to, sent.case_ref) == ("anna@example.com", ref)
    assert fire(w).get("escalations", 0) == 0  # fired once, never again


def test_a_timer_found_early_is_moved_to_the_clocks_deadline_not_fired() -> None:
    w = world()
    ref = w.open(email="someone@example.com")
    row = next(r for r in w.store.timers.values() if r.spec.escalation == "manager at 75%")
    row.spec = replace(row.spec, due_at=NOW)  # as if a re-plan after a pause had been missed
    w.clock.advance(timedelta(minutes=1))

    assert fire(w) == {"claimed": 1, "moved": 1}

    assert pending(w, ref)["manager at 75%"] == NOW + timedelta(hours=18)
    assert not [e for e in w.store.journey[ref] if e.step == "escalation"]


def test_a_breach_names_where_the_time_went() -> None:
    w = world()
    ref = w.open(email="someone@example.com")
    w.bus.handle(commands.StartWork(ref, "rep:rep-a"))
    w.clock.advance(timedelta(hours=4, minutes=1))

    assert fire(w)["breaches"] == 1

    breach = next(e for e in w.store.journey[ref] if e.decision.get("breached"))
    assert breach.decision["breached"] == "first_response"
    assert breach.decision["where"] == {"with_rep": "4h"}
    assert breach.decision["held_by"] == ["rep-a"]
    assert "first_response SLA breached" in breach.reason


def test_a_clock_met_before_its_timer_settles_the_timer_without_acting() -> None:
    w = world()
    ref = w.open(email="someone@example.com")
    w.bus.handle(commands.AddMessage(ref, MessageKind.REP_REPLY, "rep:rep-a", "On it."))
    w.clock.advance(timedelta(hours=5))
    counts = fire(w)
    assert counts.get("breaches", 0) == 0
    assert counts["settled"] == 1


def test_a_condition_escalation_fires_once_when_it_first_holds() -> None:
    vulnerable = Escalation(
        "vulnerable", None, Condition(VULNERABLE, "t"), (Notify(Recipient.MANAGER),)
    )
    policy = replace(SUPERVISED, escalations=(vulnerable,), custom_fields=POLICY.custom_fields)
    w = World(policy, intent="question")
    ref = w.open(email="someone@example.com")
    w.bus.handle(commands.ChangeCase(ref, "mgr-anna", {"contract": "x"}))
    assert not [e for e in w.store.journey[ref] if e.step == "escalation"]
    w.store.cases[int(ref[3:])].custom["vulnerable_customer"] = True
    w.bus.handle(commands.ChangeCase(ref, "mgr-anna", {"contract": "y"}))
    w.bus.handle(commands.ChangeCase(ref, "mgr-anna", {"contract": "z"}))
    entries = [e for e in w.store.journey[ref] if e.step == "escalation"]
    assert [e.decision["escalation"] for e in entries] == ["vulnerable"]


def test_a_person_can_escalate_by_hand_and_it_is_logged_as_theirs() -> None:
    w = world()
    ref = w.open(email="someone@example.com")
    done = w.bus.handle(
        commands.EscalateCase(ref, "mgr-anna", (Notify(Recipient.MANAGER),), "VIP called")
    )
    assert done == 1
    entry = w.store.journey[ref][-1]
    assert (entry.step, entry.actor) == ("escalation", "mgr-anna")
    assert entry.decision["trigger"] == "by mgr-anna: VIP called"


def test_notifications_are_delivered_and_a_failure_is_retried_later() -> None:
    w = world()
    ref = w.open(email="someone@example.com")
    w.bus.handle(commands.EscalateCase(ref, "mgr-anna", (Notify(Recipient.MANAGER),), "now"))
    w.notifier.fail("connection refused")

    assert w.bus.handle(commands.DeliverNotifications()) == {"to retry": 1}
    assert w.bus.handle(commands.DeliverNotifications()) == {}  # not due again yet
    w.clock.advance(timedelta(minutes=1))
    assert w.bus.handle(commands.DeliverNotifications()) == {"delivered": 1}
    assert [n.to for n in w.notifier.sent] == ["anna@example.com"]


def test_a_permanent_delivery_failure_is_given_up_and_kept_with_its_error() -> None:
    w = world()
    ref = w.open(email="someone@example.com")
    w.bus.handle(commands.EscalateCase(ref, "mgr-anna", (Notify(Recipient.MANAGER),), "now"))
    w.notifier.fail("550 no such user", permanent=True)
    assert w.bus.handle(commands.DeliverNotifications()) == {"given up": 1}
    [row] = w.store.outbox
    assert (row.next_attempt_at, row.result) == (None, "550 no such user")


def test_a_higher_severity_retargets_the_clocks_and_keeps_the_paused_time() -> None:
    w = world()
    ref = w.open(email="priya@example.com")  # gold customer, standard SLA until it is high
    w.bus.handle(commands.StartWork(ref, "rep:rep-a"))
    w.clock.advance(timedelta(hours=1))
    w.bus.handle(commands.WaitOnCustomer(ref, "rep:rep-a", ""))
    w.clock.advance(timedelta(hours=2))
    w.bus.handle(commands.AddMessage(ref, MessageKind.CUSTOMER_REPLY, "customer", "Back."))
    w.bus.handle(commands.ChangeCase(ref, "mgr-anna", {"severity": "high"}, "escalated by phone"))
    clock = w.case(ref).clocks[SlaMetric.RESOLUTION]
    assert (clock.policy, clock.target) == ("gold-high", timedelta(hours=8))
    assert [p.reason for p in clock.pauses] == ["waiting_on_customer"]
    assert clock.due_at == NOW + timedelta(hours=8 + 2)


class MeddlingUnitOfWork(FakeUnitOfWork):
    """Someone else changes every case this transaction read, just before it commits, once."""

    meddled = False

    def commit(self) -> None:
        if self.cases.seen and not MeddlingUnitOfWork.meddled:
            MeddlingUnitOfWork.meddled = True
            for number in self.cases.seen:
                self.store.cases[number].version += 1
        super().commit()


def test_a_chunk_that_meets_a_concurrent_change_fires_and_counts_each_timer_once() -> None:
    w = world()
    refs = [w.open(email="someone@example.com") for _ in range(3)]
    w.clock.advance(timedelta(hours=18, seconds=1))
    MeddlingUnitOfWork.meddled = False
    bus = MessageBus(lambda: MeddlingUnitOfWork(w.store), *w.wiring)

    counts = bus.handle(commands.FireTimers("test"))

    assert MeddlingUnitOfWork.meddled
    assert counts == {"claimed": 6, "breaches": 3, "escalations": 3, "actions": 6}
    for ref in refs:
        entries = [e for e in w.store.journey[ref] if e.step == "escalation"]
        assert len(entries) == 2  # notify manager, raise priority: once each


def test_a_clock_whose_calendar_a_new_version_dropped_counts_round_the_clock() -> None:
    calendar = SUPERVISED.calendar("gone-office")
    assert (calendar.name, calendar.always_open) == ("gone-office", True)
    clock = make_clock(SlaMetric.RESOLUTION, timedelta(hours=8))
    moved = (
        replace(clock, calendar="gone-office")
        .pause("waiting", NOW)
        .resume(NOW + timedelta(hours=1), calendar)
    )
    assert moved.due_at == NOW + timedelta(hours=9)
