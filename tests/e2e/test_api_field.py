"""Field service over HTTP: the seed case handed off, offered, booked, visited and resolved;
the optimiser's dry run; and bad requests answered as problem+json."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from tests.e2e.test_api_cases import CASES, act, assert_problem, opened

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

API = "/api/v1"
SEED = {
    "channel": "email",
    "subject": "Broadband down, cable ripped off the wall",
    "description": "Our broadband has been down since 6am and the whole office can't work. "
    "The storm ripped the cable off the wall. Please send an engineer today.",
    "contact": {"name": "Hema Patel", "email": "hema.patel@example.com"},
}


def handed_off(client: TestClient) -> tuple[str, dict[str, Any]]:
    case = opened(client, SEED)
    rep = f"rep:{case['owner']}"
    act(
        client, case["ref"], "messages", kind="rep_reply", author=rep, body="An engineer is coming."
    )
    orders = client.get(f"{API}/work-orders", params={"case": case["ref"]}).json()
    assert len(orders) == 1
    return case["ref"], orders[0]


def test_the_seed_case_goes_from_email_to_a_completed_visit_over_http(client: TestClient) -> None:
    ref, order = handed_off(client)
    assert order["status"] == "scheduled"
    assert order["place"] == "Bradford, GB"
    (visit,) = order["appointments"]
    assert visit["technician"] == "tech-nell"

    schedule = client.get(f"{API}/technicians/tech-nell/schedule").json()
    assert [v["work_order"] for v in schedule["visits"]] == [order["ref"]]

    for status in ("dispatched", "travelling", "on_site", "completed"):
        response = client.post(
            f"{API}/work-orders/{order['ref']}/appointment/status",
            json={
                "status": status,
                "actor": "tech:tech-nell",
                "note": "done" * (status == "completed"),
            },
        )
        assert response.status_code == 200, response.text
    case = client.get(f"{CASES}/{ref}").json()
    assert case["status"] == "resolved"
    steps = [e["step"] for e in client.get(f"{CASES}/{ref}/journey").json()]
    assert {"handoff", "dispatch", "field", "resolution"} <= set(steps)


def test_offers_are_graded_and_a_booking_that_does_not_fit_is_409(client: TestClient) -> None:
    _, order = handed_off(client)
    offering = client.get(f"{API}/work-orders/{order['ref']}/offers", params={"limit": 3}).json()
    grades = [o["grade"] for o in offering["offers"]]
    assert len(grades) == 3
    assert grades == sorted(grades, reverse=True)
    assert offering["excluded"]["tech-mo"].startswith("missing skill broadband")

    start = offering["offers"][0]["start"]
    refused = client.post(
        f"{API}/work-orders/{order['ref']}/appointment",
        json={"technician": "tech-oscar", "start": start, "actor": "dispatcher"},
    )
    assert "tech-oscar cannot take" in assert_problem(refused, 409)["detail"]


def test_a_dry_run_of_the_optimiser_plans_without_booking(client: TestClient) -> None:
    _, order = handed_off(client)
    plan = client.post(
        f"{API}/dispatch/optimise", json={"team": "field-north", "actor": "dispatcher"}
    ).json()
    assert plan["dry_run"] is True
    assert plan["solver"].startswith("vroom")
    assert [v["work_order"] for v in plan["visits"]] == [order["ref"]]
    after = client.get(f"{API}/work-orders/{order['ref']}").json()
    assert after["appointments"] == order["appointments"]


def test_bad_field_requests_are_problems_naming_what_is_wrong(client: TestClient) -> None:
    assert_problem(client.get(f"{API}/work-orders/WO-999999"), 404)
    assert_problem(client.get(f"{API}/work-orders/not-a-ref"), 422)
    case = opened(client, SEED)
    handed = client.post(f"{CASES}/{case['ref']}/handoff", json={"actor": "rep:rep-anna"})
    assert handed.status_code == 201, handed.text
    assert handed.json()["case"] == case["ref"]
    again = client.post(f"{CASES}/{case['ref']}/handoff", json={"actor": "rep:rep-anna"})
    assert "no handoff rule leaves it" in assert_problem(again, 422)["detail"]
    bad_status = client.post(
        f"{API}/work-orders/WO-000001/appointment/status", json={"status": "lunch"}
    )
    assert_problem(bad_status, 422)
    window = client.patch(
        f"{API}/work-orders/WO-000001",
        json={"window": {"start": "2026-11-26T12:00:00Z", "end": "2026-11-26T10:00:00Z"}},
    )
    assert "must end after it starts" in assert_problem(window, 422)["detail"]
    assert_problem(
        client.post(f"{API}/dispatch/optimise", json={"team": "tier1", "actor": "x"}), 422
    )
