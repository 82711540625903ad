"""Triage over the API with the demo's trained models: the review queue a person works from,
their answer, and customers' replies read again."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient
from httpx2 import Response

from caseloom.adapters.triage_local.language import SOURCE as LANGID
from caseloom.adapters.triage_local.sentiment import SOURCE as VADER
from tests.e2e.test_api_cases import ROUTER as FAULT

API = "/api/v1"
VAGUE: dict[str, Any] = {  # the demo's intent model cannot tell what this is
    "subject": "Router lights flashing orange",
    "description": "The router shows an orange light now and then.",
    "contact": {"name": "Jack O'Connor", "email": "jack.oconnor@example.com"},
}


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def journey(client: TestClient, ref: str) -> list[dict[str, Any]]:
    return ok(client.get(f"{API}/cases/{ref}/journey"))  # type: ignore[no-any-return]


def test_a_case_no_model_is_sure_of_waits_in_the_review_queue_until_a_person_settles_it(
    client: TestClient,
) -> None:
    case = ok(client.post(f"{API}/cases", json=VAGUE), 201)
    assert case["status"] == "triage_review"
    assert case["clocks"] == []
    assert case["triage"]["signals"]["intent"]["source"] == "northwind-intent@1"

    (waiting,) = ok(client.get(f"{API}/triage/review"))
    assert (waiting["ref"], waiting["unsure"]) == (case["ref"], ["intent"])

    settled = ok(
        client.post(
            f"{API}/cases/{case['ref']}/triage",
            json={"actor": "ann", "signals": {"intent": "fault"}},
        )
    )
    assert settled["status"] == "assigned"
    assert settled["triage"]["signals"]["intent"] == {
        "value": "fault",
        "confidence": 1.0,
        "source": "person:ann",
    }
    assert {c["metric"] for c in settled["clocks"]} == {"first_response", "resolution"}
    assert ok(client.get(f"{API}/triage/review")) == []
    steps = [(e["step"], e["actor"]) for e in journey(client, case["ref"])]
    assert steps[:3] == [
        ("intake", "api-intake"),
        ("triage", "agent:triage"),
        ("triage", "person:ann"),
    ]


def test_a_review_answer_the_signal_cannot_take_is_422_naming_the_choices(
    client: TestClient,
) -> None:
    ref = ok(client.post(f"{API}/cases", json=VAGUE), 201)["ref"]
    response = client.post(
        f"{API}/cases/{ref}/triage", json={"actor": "ann", "signals": {"intent": "broken"}}
    )
    assert response.status_code == 422
    assert "intent cannot be 'broken'; it is one of outage, billing_dispute" in response.text


def test_every_signal_on_a_triaged_case_names_what_read_it(client: TestClient) -> None:
    case = ok(client.post(f"{API}/cases", json=FAULT), 201)
    sources = {name: s["source"] for name, s in case["triage"]["signals"].items()}
    assert sources == {
        "sentiment": VADER,
        "sentiment_score": VADER,
        "intent": "northwind-intent@1",
        "urgency": "northwind-urgency@1",
        "product_line": "northwind-product-line@1",
        "on_site_required": "northwind-on-site-required@1",
        "language": LANGID,
    }
    assert case["triage"]["signals"]["intent"]["value"] == "fault"


def test_a_customer_confirming_the_fix_resolves_their_case_as_the_demo_policy_says(
    client: TestClient,
) -> None:
    ref = ok(client.post(f"{API}/cases", json=FAULT), 201)["ref"]
    ok(client.post(f"{API}/cases/{ref}/start", json={"actor": "rep"}))
    case = ok(
        client.post(
            f"{API}/cases/{ref}/messages",
            json={"kind": "customer_reply", "author": "jack", "body": "It's working now, thanks!"},
        ),
        201,
    )
    assert case["status"] == "resolved"
    last = journey(client, ref)[-1]
    assert (last["actor"], last["reason"]) == ("agent:resolution", "the customer confirmed the fix")
