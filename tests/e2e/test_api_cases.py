"""Cases over HTTP: open, read, list, move through the lifecycle, and the errors on the way."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

import pytest

from caseloom.bootstrap import Caseloom

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from httpx2 import Response

    from tests.e2e.conftest import ClientFactory

CASES = "/api/v1/cases"
PROBLEM = "application/problem+json"
OUTAGE: dict[str, Any] = {
    "channel": "email",
    "subject": "Broadband down since 9am",
    "description": "Our internet has been down all morning and the whole office can't work. "
    "Unacceptable.",
    "contact": {"name": "Priya Shah", "email": "priya@acmebakery.co.uk"},
}
BILLING: dict[str, Any] = {
    "subject": "Overcharged on my last invoice",
    "description": "I was charged twice for October. Please refund the difference.",
    "contact": {"name": "Grace Liu", "email": "grace@milllanecafe.co.uk"},
}
QUESTION: dict[str, Any] = {
    "subject": "Quick question",
    "description": "How do I find my account number on the app?",
    "contact": {"name": "Hema Patel", "email": "hema.patel@example.com"},
}
ROUTER: dict[str, Any] = {
    "subject": "Router keeps dropping the connection",
    "description": "My router drops the wifi every evening and the light flashes orange. "
    "It is faulty.",
    "contact": {"name": "Jack O'Connor", "email": "jack.oconnor@example.com"},
}


def stranger(number: int) -> dict[str, Any]:
    """A low-stakes case from someone with no account: it routes to tier 1."""
    return {
        "subject": f"Router keeps dropping the connection ({number})",
        "description": "My router drops the wifi every evening and the light flashes orange. "
        "It is faulty.",
        "contact": {"name": f"Stranger {number}", "email": f"stranger{number}@example.com"},
    }


def opened(client: TestClient, body: dict[str, Any], **headers: str) -> dict[str, Any]:
    response = client.post(CASES, json=body, headers=headers)
    assert response.status_code == 201, response.text
    case: dict[str, Any] = response.json()
    return case


def act(client: TestClient, ref: str, action: str, **body: object) -> dict[str, Any]:
    response = client.post(f"{CASES}/{ref}/{action}", json=body)
    assert response.status_code in (200, 201), response.text
    case: dict[str, Any] = response.json()
    return case


def customer_says(client: TestClient, ref: str, text: str) -> dict[str, Any]:
    return act(client, ref, "messages", kind="customer_reply", author="customer", body=text)


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= problem.keys()
    assert problem["status"] == status
    assert problem["instance"] == response.request.url.path
    return problem


def all_refs(client: TestClient) -> list[str]:
    page = client.get(CASES, params={"limit": 200}).json()
    assert page["next_cursor"] is None
    return [case["ref"] for case in page["items"]]


def walk(client: TestClient, limit: int) -> Iterator[dict[str, Any]]:
    cursor: str | None = None
    while True:
        params: dict[str, str | int] = {"limit": limit} | ({"cursor": cursor} if cursor else {})
        page = client.get(CASES, params=params).json()
        assert len(page["items"]) <= limit
        yield from page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return


# -- opening and reading ------------------------------------------------------------------------


def test_opening_a_case_returns_201_with_its_location_and_the_case_already_triaged_and_routed(
    client: TestClient,
) -> None:
    response = client.post(CASES, json=OUTAGE)

    assert response.status_code == 201
    case = response.json()
    assert re.fullmatch(r"CS-\d{6}", case["ref"])
    assert response.headers["location"] == f"{CASES}/{case['ref']}"
    assert case["status"] in ("assigned", "queued")
    assert case["team"] == "tier2"
    assert case["triage"]["signals"]["intent"]["value"] == "outage"
    assert case["customer_id"] == "acme-bakery"
    assert {c["metric"] for c in case["clocks"]} == {"first_response", "resolution"}
    assert all(c["state"] == "running" and c["due_at"] for c in case["clocks"])
    assert case["sla"] == "running"


def test_a_case_can_be_read_back_at_its_location(client: TestClient) -> None:
    created = client.post(CASES, json=OUTAGE)

    fetched = client.get(created.headers["location"])

    assert fetched.status_code == 200
    assert fetched.json() == created.json()


def test_a_new_case_journey_records_intake_triage_sla_and_routing_in_order_with_hashes(
    client: TestClient,
) -> None:
    ref = opened(client, OUTAGE)["ref"]

    response = client.get(f"{CASES}/{ref}/journey")

    assert response.status_code == 200
    entries = response.json()
    assert [e["step"] for e in entries] == ["intake", "triage", "sla", "routing"]
    assert [e["seq"] for e in entries] == [1, 2, 3, 4]
    assert [e["actor"] for e in entries][1:] == [
        "agent:triage",
        "agent:supervisor",
        "agent:routing",
    ]
    hashes = [e["hash"] for e in entries]
    assert all(re.fullmatch(r"[0-9a-f]{64}", h) for h in hashes)
    assert len(set(hashes)) == len(hashes)


# -- idempotency --------------------------------------------------------------------------------


def test_the_same_idempotency_key_sent_twice_opens_one_case(client: TestClient) -> None:
    first = client.post(CASES, json=OUTAGE, headers={"Idempotency-Key": "retry-me-1"})
    second = client.post(CASES, json=OUTAGE, headers={"Idempotency-Key": "retry-me-1"})

    assert (first.status_code, second.status_code) == (201, 201)
    assert second.json()["ref"] == first.json()["ref"]
    assert second.headers["location"] == first.headers["location"]
    assert all_refs(client) == [first.json()["ref"]]


def test_the_same_idempotency_key_with_a_different_body_is_refused_with_409(
    client: TestClient,
) -> None:
    ref = opened(client, OUTAGE, **{"Idempotency-Key": "retry-me-2"})["ref"]
    changed = {**OUTAGE, "subject": "Broadband down since 10am"}

    response = client.post(CASES, json=changed, headers={"Idempotency-Key": "retry-me-2"})

    problem = assert_problem(response, 409)
    assert "retry-me-2" in problem["detail"]
    assert ref in problem["detail"]
    assert all_refs(client) == [ref]


def test_different_idempotency_keys_open_different_cases(client: TestClient) -> None:
    first = opened(client, OUTAGE, **{"Idempotency-Key": "key-a"})
    second = opened(client, OUTAGE, **{"Idempotency-Key": "key-b"})

    assert first["ref"] != second["ref"]
    assert sorted(all_refs(client)) == sorted([first["ref"], second["ref"]])


# -- listing ------------------------------------------------------------------------------------


@pytest.fixture
def mixed_cases(client: TestClient) -> list[dict[str, Any]]:
    """Four cases across three teams and three priorities, one of them in progress."""
    cases = [opened(client, body) for body in (OUTAGE, BILLING, QUESTION, ROUTER)]
    act(client, cases[3]["ref"], "start", actor=f"rep:{cases[3]['owner']}")
    listed: list[dict[str, Any]] = client.get(CASES).json()["items"]
    return listed


@pytest.mark.parametrize("name", ["status", "team", "owner", "priority"])
def test_cases_can_be_filtered_by_status_team_owner_and_priority(
    client: TestClient, mixed_cases: list[dict[str, Any]], name: str
) -> None:
    wanted: dict[str, str | int] = {"status": "in_progress", "team": "billing", "priority": 4}
    wanted["owner"] = mixed_cases[-1]["owner"]  # the outage's rep
    value = wanted[name]
    expected = [c["ref"] for c in mixed_cases if c[name] == value]

    response = client.get(CASES, params={name: value})

    assert response.status_code == 200
    assert [c["ref"] for c in response.json()["items"]] == expected
    assert 0 < len(expected) < len(mixed_cases)


def test_filters_combine(client: TestClient, mixed_cases: list[dict[str, Any]]) -> None:
    response = client.get(CASES, params={"team": "tier1", "priority": 4})

    assert [c["subject"] for c in response.json()["items"]] == [QUESTION["subject"]]


def test_an_unknown_status_filter_is_422_problem_json(client: TestClient) -> None:
    problem = assert_problem(client.get(CASES, params={"status": "lost"}), 422)

    assert "status" in problem["detail"]


def test_pages_walk_every_case_exactly_once_newest_first(client: TestClient) -> None:
    refs = [opened(client, stranger(n))["ref"] for n in range(7)]

    walked = [case["ref"] for case in walk(client, limit=3)]

    assert walked == list(reversed(refs))


def test_the_last_page_has_no_next_cursor_even_when_it_is_full(client: TestClient) -> None:
    for n in range(4):
        opened(client, stranger(n))

    first = client.get(CASES, params={"limit": 2}).json()
    second = client.get(CASES, params={"limit": 2, "cursor": first["next_cursor"]}).json()

    assert first["next_cursor"] == first["items"][-1]["ref"]
    assert len(second["items"]) == 2
    assert second["next_cursor"] is None


# -- the lifecycle ------------------------------------------------------------------------------


def test_a_case_moves_through_its_whole_lifecycle_over_the_api(client: TestClient) -> None:
    ref = opened(client, ROUTER)["ref"]
    rep = "rep-erin"
    by = f"rep:{rep}"

    assert act(client, ref, "assign", rep_id=rep, actor="mgr-anna")["owner"] == rep
    assert act(client, ref, "start", actor=by)["status"] == "in_progress"
    waiting = act(client, ref, "wait-on-customer", actor=by, reason="asked for the router model")
    assert waiting["status"] == "waiting_on_customer"
    resumed = customer_says(client, ref, "It is the Hub 3, the white one.")
    assert resumed["status"] == "in_progress"
    assert resumed["messages"][-1]["body"] == "It is the Hub 3, the white one."
    resolved = act(client, ref, "resolve", actor=by, resolution="Firmware updated remotely.")
    assert resolved["status"] == "resolved"
    assert resolved["resolved_at"] is not None
    closed = act(client, ref, "close", actor="agent:resolution")
    assert closed["status"] == "closed"
    assert closed["closed_at"] is not None

    reopened = customer_says(client, ref, "The orange light is back.")

    assert reopened["status"] in ("assigned", "queued")
    assert reopened["team"] == "tier1"
    assert (reopened["resolved_at"], reopened["closed_at"]) == (None, None)
    steps = [e["step"] for e in client.get(f"{CASES}/{ref}/journey").json()]
    assert steps[4:] == [
        "routing",  # the manual assignment
        "work",
        "work",
        "sla",  # waiting on the customer pauses the clocks
        "message",
        "work",
        "sla",  # their reply resumes them
        "sla",  # and starts the next-response clock
        "resolution",
        "resolution",
        "message",
        "resolution",
        "sla",  # the resolution clock counts again, less the time the case was resolved
        "routing",
    ]


def test_resolving_a_case_gives_its_rep_the_capacity_back(client: TestClient) -> None:
    case = opened(client, ROUTER)
    rep = f"/api/v1/reps/{case['owner']}"
    before = client.get(rep).json()["load"]

    act(client, case["ref"], "resolve", actor="api", resolution="Fixed.")

    assert client.get(rep).json()["load"] == before - 1


def test_an_illegal_transition_is_409_problem_json_naming_both_statuses(
    client: TestClient,
) -> None:
    case = opened(client, ROUTER)
    assert case["status"] == "assigned"

    response = client.post(f"{CASES}/{case['ref']}/close", json={})

    problem = assert_problem(response, 409)
    assert "assigned" in problem["detail"]
    assert "closed" in problem["detail"]
    assert case["ref"] in problem["detail"]
    assert client.get(f"{CASES}/{case['ref']}").json()["status"] == "assigned"


def test_an_unknown_case_is_404_problem_json_wherever_it_is_named(client: TestClient) -> None:
    message = {"kind": "customer_reply", "author": "customer", "body": "hello?"}
    for method, path, body in [
        ("GET", "CS-999999", None),
        ("GET", "CS-999999/journey", None),
        ("POST", "CS-999999/start", {}),
        ("POST", "CS-999999/messages", message),
    ]:
        response = client.request(method, f"{CASES}/{path}", json=body)

        problem = assert_problem(response, 404)
        assert problem["type"] == "/problems/not-found"
        assert "CS-999999" in problem["detail"]


def test_a_malformed_case_reference_is_404_problem_json_showing_the_expected_shape(
    client: TestClient,
) -> None:
    for ref in ("nonsense", "CS-12x", "42"):
        problem = assert_problem(client.get(f"{CASES}/{ref}"), 404)

        assert ref in problem["detail"]
        assert "CS-000042" in problem["detail"]


# -- validation ---------------------------------------------------------------------------------


def test_a_case_without_a_subject_is_422_problem_json(client: TestClient) -> None:
    body = {k: v for k, v in OUTAGE.items() if k != "subject"}

    problem = assert_problem(client.post(CASES, json=body), 422)

    assert "subject" in problem["detail"]
    assert all_refs(client) == []


def test_a_blank_subject_is_422_problem_json(client: TestClient) -> None:
    problem = assert_problem(client.post(CASES, json={**OUTAGE, "subject": "   "}), 422)

    assert "subject" in problem["detail"]
    assert all_refs(client) == []


def test_a_bad_email_is_422_problem_json_from_the_domain(client: TestClient) -> None:
    body = {**OUTAGE, "contact": {"name": "Priya", "email": "priya-at-acme"}}

    problem = assert_problem(client.post(CASES, json=body), 422)

    assert problem["type"] == "/problems/invalid-input"
    assert "priya-at-acme" in problem["detail"]
    assert all_refs(client) == []


def test_an_undeclared_custom_field_is_422_naming_it(client: TestClient) -> None:
    body = {**OUTAGE, "custom": {"contract": "NW-1", "favourite_colour": "teal"}}

    problem = assert_problem(client.post(CASES, json=body), 422)

    assert "favourite_colour" in problem["detail"]
    assert all_refs(client) == []


def test_a_declared_custom_field_is_kept_on_the_case(client: TestClient) -> None:
    case = opened(client, {**OUTAGE, "custom": {"vulnerable_customer": True}})

    assert case["custom"] == {"vulnerable_customer": True}


def test_unknown_json_keys_are_422_naming_them(client: TestClient) -> None:
    body = {**OUTAGE, "urgency": "now", "contact": {**OUTAGE["contact"], "phone": "0113"}}

    problem = assert_problem(client.post(CASES, json=body), 422)

    where = {e["where"] for e in problem["errors"]}
    assert where == {"body.urgency", "body.contact.phone"}
    assert all_refs(client) == []


def test_a_body_that_is_not_json_is_422_problem_json(client: TestClient) -> None:
    response = client.post(
        CASES, content=b"{not json", headers={"content-type": "application/json"}
    )

    assert_problem(response, 422)


def test_a_request_body_over_the_limit_is_413_problem_json_and_opens_nothing(
    open_client: ClientFactory,
) -> None:
    body = {**OUTAGE, "description": "The line keeps dropping. " * 200}
    assert len(json.dumps(body)) > 2048

    with open_client(max_request_bytes=2048) as small:
        problem = assert_problem(small.post(CASES, json=body), 413)
        assert "2048" in problem["detail"]
        assert all_refs(small) == []
        assert small.post(CASES, json=OUTAGE).status_code == 201


def test_a_streamed_request_body_over_the_limit_is_413_problem_json_and_opens_nothing(
    open_client: ClientFactory,
) -> None:
    raw = json.dumps({**OUTAGE, "description": "The line keeps dropping. " * 200}).encode()

    def chunks() -> Iterator[bytes]:  # no Content-Length: only counting can catch it
        for start in range(0, len(raw), 512):
            yield raw[start : start + 512]

    with open_client(max_request_bytes=2048) as small:
        response = small.post(CASES, content=chunks(), headers={"content-type": "application/json"})
        assert all_refs(small) == []
        assert_problem(response, 413)


# -- manual assignment and capacity -------------------------------------------------------------


def test_assigning_a_case_to_a_rep_at_capacity_is_409_and_their_load_stays_within_capacity(
    client: TestClient,
) -> None:
    capacity = client.get("/api/v1/reps/rep-kai").json()["capacity"]
    refs = [opened(client, stranger(n))["ref"] for n in range(capacity + 1)]
    for ref in refs[:capacity]:
        assert act(client, ref, "assign", rep_id="rep-kai")["owner"] == "rep-kai"
    before = client.get(f"{CASES}/{refs[-1]}").json()

    response = client.post(f"{CASES}/{refs[-1]}/assign", json={"rep_id": "rep-kai"})

    problem = assert_problem(response, 409)
    assert "rep-kai" in problem["detail"]
    assert "capacity" in problem["detail"]
    rep = client.get("/api/v1/reps/rep-kai").json()
    assert rep["load"] == capacity
    after = client.get(f"{CASES}/{refs[-1]}").json()
    assert (after["owner"], after["status"], after["version"]) == (
        before["owner"],
        before["status"],
        before["version"],
    )


def test_assigning_a_case_to_an_offline_rep_is_409(client: TestClient) -> None:
    ref = opened(client, stranger(1))["ref"]

    response = client.post(f"{CASES}/{ref}/assign", json={"rep_id": "rep-leo"})

    problem = assert_problem(response, 409)
    assert "offline" in problem["detail"]
    assert client.get("/api/v1/reps/rep-leo").json()["load"] == 0


def test_a_manual_reassignment_moves_the_unit_of_capacity_to_the_new_rep(
    client: TestClient,
) -> None:
    case = opened(client, stranger(1))
    previous = case["owner"]
    loads = {r["id"]: r["load"] for r in client.get("/api/v1/reps").json()}
    target = next(r for r in ("rep-erin", "rep-dev") if r != previous)

    act(client, case["ref"], "assign", rep_id=target, reason="knows this router")

    after = {r["id"]: r["load"] for r in client.get("/api/v1/reps").json()}
    assert after[previous] == loads[previous] - 1
    assert after[target] == loads[target] + 1


def test_concurrent_assignments_never_push_a_rep_past_capacity(client: TestClient) -> None:
    capacity = client.get("/api/v1/reps/rep-kai").json()["capacity"]
    refs = [opened(client, stranger(n))["ref"] for n in range(2 * capacity)]

    with ThreadPoolExecutor(max_workers=len(refs)) as pool:
        responses = list(
            pool.map(
                lambda ref: client.post(f"{CASES}/{ref}/assign", json={"rep_id": "rep-kai"}),
                refs,
            )
        )

    assert {r.status_code for r in responses} <= {200, 409}
    assigned = [r for r in responses if r.status_code == 200]
    rep = client.get("/api/v1/reps/rep-kai").json()
    owned = client.get(CASES, params={"owner": "rep-kai"}).json()["items"]
    assert rep["load"] == len(assigned) == len(owned) <= capacity


# -- health and documentation -------------------------------------------------------------------


def test_healthz_reports_ok_and_the_policy_that_decides(client: TestClient, app: Caseloom) -> None:
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "policy": app.policy.ref, "database": "ok"}
    assert app.policy.ref == "northwind-service@3"


def test_the_openapi_document_and_the_docs_page_are_served(client: TestClient) -> None:
    spec = client.get("/openapi.json")
    docs = client.get("/docs")

    assert spec.status_code == 200
    paths = spec.json()["paths"]
    assert {"/api/v1/cases", "/api/v1/cases/{ref}", "/api/v1/cases/{ref}/journey"} <= set(paths)
    assert docs.status_code == 200
    assert "text/html" in docs.headers["content-type"]
    assert "/openapi.json" in docs.text


def test_an_unknown_route_is_404_problem_json(client: TestClient) -> None:
    assert_problem(client.get("/api/v1/nowhere"), 404)
