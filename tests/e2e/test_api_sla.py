"""SLAs over HTTP, on the demo policy: a standard customer's clocks count the uk-office hours
(split day, Saturday morning, English bank holidays) and pause while waiting on the customer."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from caseloom.bootstrap import Caseloom
from caseloom.domain.commands import DeliverNotifications, FireTimers
from tests.e2e.test_api_cases import ROUTER, act, assert_problem, opened
from tests.fakes import FakeClock

CASES = "/api/v1/cases"


def sla(client: TestClient, ref: str) -> dict[str, object]:
    response = client.get(f"{CASES}/{ref}/sla")
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


def clocks(view: dict[str, object]) -> dict[str, dict[str, object]]:
    return {c["metric"]: c for c in view["clocks"]}  # type: ignore[attr-defined, index]


def test_a_case_shows_its_clocks_due_in_open_hours_with_its_timers(client: TestClient) -> None:
    case = opened(client, ROUTER)  # Thursday 26 November 2026, 09:00 in London

    view = sla(client, case["ref"])

    assert view["state"] == "running"
    by_metric = clocks(view)
    # 8 open hours: 09:00-12:30 and 13:30-18:00 on Thursday
    assert by_metric["first_response"]["due_at"] == "2026-11-26T18:00:00Z"
    # 40 open hours: Thu 8 + Fri 9 + Sat 4 + Mon 9 + Tue 9, and the last hour on Wednesday
    assert by_metric["resolution"]["due_at"] == "2026-12-02T09:00:00Z"
    assert (by_metric["resolution"]["calendar"], by_metric["resolution"]["used"]) == (
        "uk-office",
        0.0,
    )
    escalations = {t["escalation"].split(" (")[0] for t in view["timers"]}  # type: ignore[attr-defined]
    assert "the manager hears at 75% of the resolution window" in escalations


def test_waiting_on_the_customer_pauses_the_clocks_with_the_reason_and_the_time_went_to_the_rep(
    client: TestClient, clock: FakeClock
) -> None:
    case = opened(client, ROUTER)
    ref, rep = case["ref"], f"rep:{case['owner']}"
    act(client, ref, "start", actor=rep)
    clock.advance(timedelta(hours=1))
    act(client, ref, "wait-on-customer", actor=rep, reason="asked for the router's model")
    clock.advance(timedelta(hours=2))

    resolution = clocks(sla(client, ref))["resolution"]

    assert (resolution["state"], resolution["due_at"]) == ("paused", None)
    assert [p["reason"] for p in resolution["pauses"]] == ["waiting_on_customer"]  # type: ignore[attr-defined]
    assert resolution["counted_minutes"] == 60.0
    kinds = {s["kind"]: s for s in resolution["segments"]}  # type: ignore[attr-defined]
    assert kinds["with_rep"]["counted_minutes"] == 60.0
    assert kinds["waiting_on_customer"]["paused_minutes"] == 120.0


def test_at_risk_lists_open_cases_nearest_their_deadline_first(
    client: TestClient, clock: FakeClock
) -> None:
    first = opened(client, ROUTER)
    clock.advance(timedelta(hours=1))
    second = opened(client, {**ROUTER, "subject": "Router dropping again"})
    clock.advance(timedelta(hours=6))  # 16:00: first responses due 18:00 and Friday 09:00

    page = client.get("/api/v1/sla/at-risk", params={"within_minutes": 24 * 60}).json()

    firsts = [i["ref"] for i in page["items"] if i["metric"] == "first_response"]
    assert firsts[:2] == [first["ref"], second["ref"]]
    assert page["items"][0]["minutes_left"] == 120.0
    none = client.get("/api/v1/sla/at-risk", params={"within_minutes": 60}).json()
    assert none["items"] == []


def test_a_person_escalates_by_hand_and_the_manager_is_notified(
    client: TestClient, app: Caseloom
) -> None:
    case = opened(client, ROUTER)
    response = client.post(
        f"{CASES}/{case['ref']}/escalate",
        json={
            "actor": "mgr-li",
            "reason": "customer is a journalist",
            "do": [{"notify": "manager"}],
        },
    )
    assert response.status_code == 200, response.text
    journey = client.get(f"{CASES}/{case['ref']}/journey").json()
    entry = journey[-1]
    assert (entry["step"], entry["actor"]) == ("escalation", "mgr-li")
    assert entry["decision"]["sent"] == ["mgr-anna <anna.price@northwind.example>"]
    [waiting] = sla(client, case["ref"])["notifications"]  # type: ignore[misc]
    assert (waiting["to"], waiting["delivered_at"]) == ("anna.price@northwind.example", None)
    app.bus.handle(DeliverNotifications())  # no SMTP server is set: the log takes it
    [sent] = sla(client, case["ref"])["notifications"]  # type: ignore[misc]
    assert sent["result"] == "logged (no SMTP server configured)"
    assert sent["delivered_at"] is not None


def test_an_escalation_action_must_be_exactly_one_thing(client: TestClient) -> None:
    case = opened(client, ROUTER)
    response = client.post(
        f"{CASES}/{case['ref']}/escalate",
        json={
            "actor": "mgr-li",
            "reason": "x",
            "do": [{"notify": "manager", "move_tier": "tier2"}],
        },
    )
    assert_problem(response, 422)


def test_an_unknown_case_has_no_sla(client: TestClient) -> None:
    assert_problem(client.get(f"{CASES}/CS-999999/sla"), 404)


def test_a_due_timer_fires_the_escalation_on_the_journey(
    client: TestClient, app: Caseloom, clock: FakeClock
) -> None:
    case = opened(client, ROUTER)
    clock.advance(timedelta(hours=7))  # 16:00: 75% of the 8 open hours to first response is 15:00

    counts = app.bus.handle(FireTimers("test"))

    assert counts["escalations"] == 1  # type: ignore[index]
    journey = client.get(f"{CASES}/{case['ref']}/journey").json()
    assert journey[-1]["decision"]["trigger"] == "75% of first_response"
