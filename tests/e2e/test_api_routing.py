"""Routing over HTTP on the demo policy: why a case went where it did, dry runs, and changes to
a case that move it in its queue or to another team."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

from tests.e2e.test_api_cases import ROUTER, assert_problem, opened
from tests.e2e.test_api_triage import VAGUE
from tests.e2e.test_api_workforce import TIER1_AVAILABLE, ZOE, router_case, set_presence

if TYPE_CHECKING:
    from fastapi.testclient import TestClient

API = "/api/v1"
CASES = f"{API}/cases"
FACTORS = {"skills", "spare_capacity", "sla_urgency", "continuity", "fairness"}
BILLING_DISPUTE: dict[str, Any] = {
    "channel": "email",
    "subject": "Charged twice for October",
    "description": "My direct debit was taken twice this month. Please refund one.",
    "customer_id": "mill-lane-cafe",
    "signals": {"intent": "billing_dispute", "language": "de"},  # stamped product line billing
}


def ok(response: Any, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


def explain(client: TestClient, ref: str) -> dict[str, Any]:
    return ok(client.get(f"{CASES}/{ref}/routing/explain"))  # type: ignore[no-any-return]


def change(client: TestClient, ref: str, **changes: object) -> dict[str, Any]:
    body = {"actor": "mgr-anna", "reason": "the customer called back", "changes": changes}
    return ok(client.patch(f"{CASES}/{ref}", json=body))  # type: ignore[no-any-return]


def loads(client: TestClient) -> dict[str, tuple[int, int]]:
    return {r["id"]: (r["load"], r["items"]) for r in ok(client.get(f"{API}/reps"))}


@pytest.fixture
def tier1_away(client: TestClient) -> None:
    """Nobody in tier 1 can take work: its cases wait in the queue."""
    for rep_id in TIER1_AVAILABLE:
        set_presence(client, rep_id, "away")


# -- explain ------------------------------------------------------------------------------------


def test_explain_shows_the_chosen_rep_first_in_the_ranking_with_every_factor(
    client: TestClient,
) -> None:
    case = opened(client, ROUTER)

    why = explain(client, case["ref"])

    assert (why["ref"], why["team"], why["chosen"]) == (case["ref"], "tier1", case["owner"])
    assert why["ranked"][0]["rep"] == why["chosen"]
    assert why["ranked_total"] == len(why["ranked"]) == len(TIER1_AVAILABLE)
    assert all(ranked.keys() >= FACTORS for ranked in why["ranked"])
    assert all(0 <= ranked[f] <= 1 for ranked in why["ranked"] for f in FACTORS)
    scores = [ranked["score"] for ranked in why["ranked"]]
    assert scores == sorted(scores, reverse=True)
    assert why["rule"].startswith("broadband goes to someone who knows broadband")
    assert (why["model"], why["route"]) == ("best_fit", ["tier1"])
    assert (why["need"]["skills"], why["need"]["units"]) == ({"broadband": 3}, 1)
    assert (why["actor"], why["policy_version"]) == ("agent:routing", 3)
    assert why["at"] == case["opened_at"]
    assert why["chosen"] in why["reason"]


def test_explain_gives_the_reason_each_unavailable_rep_was_passed_over(
    client: TestClient,
) -> None:
    ref = opened(client, ROUTER)["ref"]

    why = explain(client, ref)

    assert {r["rep"]: r["reason"] for r in why["rejected"]} == {
        "rep-farah": "not available (away)",
        "rep-leo": "not available (offline)",
    }
    assert why["rejected_total"] == 2
    assert why["rejected_by_reason"] == {
        "not available (away)": 1,
        "not available (offline)": 1,
    }


def test_explain_of_a_case_waiting_in_the_queue_rejects_everyone(
    client: TestClient, tier1_away: None
) -> None:
    case = opened(client, ROUTER)

    why = explain(client, case["ref"])

    assert (case["status"], why["chosen"], why["ranked"]) == ("queued", None, [])
    assert why["rejected_by_reason"]["not available (away)"] == len(TIER1_AVAILABLE) + 1
    assert "waits in the queue" in why["reason"]


def test_explain_follows_a_persons_assignment(client: TestClient) -> None:
    ref = opened(client, ROUTER)["ref"]
    body = {"rep_id": "rep-kai", "actor": "mgr-anna", "reason": "knows this customer"}
    ok(client.post(f"{CASES}/{ref}/assign", json=body))

    why = explain(client, ref)

    assert (why["chosen"], why["model"], why["actor"]) == ("rep-kai", "manual", "mgr-anna")
    assert why["reason"] == "knows this customer"
    assert why["skill_gaps"] == ["missing skill broadband (needs 3, has 0)"]  # noted, allowed


def test_explain_of_an_unknown_case_is_404_problem_json(client: TestClient) -> None:
    problem = assert_problem(client.get(f"{CASES}/CS-999999/routing/explain"), 404)

    assert "CS-999999" in problem["detail"]


def test_explain_of_a_case_not_yet_routed_is_409_saying_so(client: TestClient) -> None:
    case = opened(client, VAGUE)
    assert case["status"] == "triage_review"

    problem = assert_problem(client.get(f"{CASES}/{case['ref']}/routing/explain"), 409)

    assert "not been routed yet" in problem["detail"]
    assert "triage_review" in problem["detail"]


# -- dry run ------------------------------------------------------------------------------------


def test_a_dry_run_of_a_billing_dispute_goes_to_billing_and_changes_nothing(
    client: TestClient,
) -> None:
    ref = opened(client, ROUTER)["ref"]
    before = (ok(client.get(CASES)), loads(client))

    decision = ok(client.post(f"{API}/routing/dry-run", json=BILLING_DISPUTE))

    assert (decision["team"], decision["route"]) == ("billing", ["billing"])
    assert decision["rule"].startswith("billing")
    assert decision["need"]["skills"] == {"billing": 3}
    assert decision["chosen"] == decision["ranked"][0]["rep"] == "rep-kai"  # speaks German
    assert {r["rep"]: r["reason"] for r in decision["rejected"]} == {
        "rep-jade": "does not speak de",
        "rep-leo": "not available (offline)",
    }
    assert "billing" in decision["reason"]
    assert decision["stamps"] == {"product_line": "billing"}
    assert [r.split(" (")[0] for r in decision["stamp_rules"]] == [
        "billing disputes belong to billing"
    ]
    assert decision["policy_version"] == 3
    assert (ok(client.get(CASES)), loads(client)) == before
    assert [c["ref"] for c in before[0]["items"]] == [ref]


def test_a_dry_run_of_an_on_site_outage_plans_the_field_handoff(client: TestClient) -> None:
    body = {
        "subject": "No power at the bakery",
        "severity": "high",
        "priority": 2,
        "signals": {"intent": "outage", "on_site_required": True},
    }

    decision = ok(client.post(f"{API}/routing/dry-run", json=body))

    assert decision["route"] == ["tier1", "field-north"]
    assert decision["team"] == "tier1"
    assert decision["chosen"] is not None


@pytest.mark.parametrize(
    ("body", "named", "kind"),
    [
        ({"severity": "urgent"}, "body.severity", "validation"),
        ({"priority": 7}, "body.priority", "validation"),
        ({"signals": {"mood": "grumpy"}}, "body.signals.mood", "validation"),
        ({"signals": {"on_site_required": "perhaps"}}, "on_site_required", "validation"),
        ({"channel": "fax"}, "body.channel", "validation"),
        ({"subject": ""}, "body.subject", "validation"),
        ({"custom": {"favourite_colour": "teal"}}, "favourite_colour", "invalid-input"),
        ({"customer_id": "nobody-ltd"}, "nobody-ltd", "invalid-input"),
    ],
)
def test_an_invalid_dry_run_is_422_problem_json_naming_the_field(
    client: TestClient, body: dict[str, Any], named: str, kind: str
) -> None:
    response = client.post(f"{API}/routing/dry-run", json={"subject": "What if", **body})

    problem = assert_problem(response, 422)
    assert problem["type"] == f"/problems/{kind}"
    assert named in problem["detail"]


# -- changing a case ----------------------------------------------------------------------------


def test_priority_one_moves_a_waiting_tier1_case_to_tier2(
    client: TestClient, tier1_away: None
) -> None:
    case = opened(client, ROUTER)
    assert (case["status"], case["team"]) == ("queued", "tier1")

    changed = change(client, case["ref"], priority=1)

    assert (changed["priority"], changed["team"], changed["status"]) == (1, "tier2", "assigned")
    assert changed["owner"] in ("rep-gus", "rep-hana")  # tier 2 reps with escalations
    assert "priority one" in changed["routing_rule"]
    assert changed["need"]["skills"] == {"escalations": 2}
    why = explain(client, case["ref"])
    assert why["reason"].startswith("priority changed")
    assert why["chosen"] == changed["owner"]
    steps = [(e["step"], e["actor"]) for e in ok(client.get(f"{CASES}/{case['ref']}/journey"))]
    assert steps[-2:] == [("change", "mgr-anna"), ("routing", "agent:routing")]


def test_a_case_a_rep_has_taken_stays_with_them_when_its_priority_changes(
    client: TestClient,
) -> None:
    case = opened(client, ROUTER)
    assert case["status"] == "assigned"

    changed = change(client, case["ref"], priority=1)

    assert (changed["priority"], changed["team"], changed["owner"]) == (
        1,
        "tier1",
        case["owner"],
    )
    assert explain(client, case["ref"])["seq"] == 4  # the first decision still stands


def test_a_higher_priority_moves_a_case_up_its_queue(client: TestClient, tier1_away: None) -> None:
    first, second = (opened(client, router_case(n))["ref"] for n in (1, 2))
    assert change(client, second, priority=2)["team"] == "tier1"  # the same rule still decides
    ok(client.put(f"{API}/reps/rep-zoe", json={**ZOE, "capacity": 1, "presence": "offline"}))

    set_presence(client, "rep-zoe", "available")

    taken = {ref: ok(client.get(f"{CASES}/{ref}"))["owner"] for ref in (first, second)}
    assert taken == {first: None, second: "rep-zoe"}


def test_a_change_is_on_the_journey_with_the_values_before_and_after(client: TestClient) -> None:
    case = opened(client, ROUTER)

    changed = change(client, case["ref"], severity="high", vulnerable_customer=True)

    assert (changed["severity"], changed["custom"]) == ("high", {"vulnerable_customer": True})
    journey = ok(client.get(f"{CASES}/{case['ref']}/journey"))
    entry = next(e for e in reversed(journey) if e["step"] == "change")
    after = [e["step"] for e in journey[journey.index(entry) :]]
    assert "sla" in after  # high severity has an SLA policy of its own
    assert "escalation" in after  # and a vulnerable customer is the manager's business
    assert (entry["step"], entry["actor"], entry["reason"]) == (
        "change",
        "mgr-anna",
        "the customer called back",
    )
    assert entry["inputs"]["before"] == {"severity": case["severity"], "vulnerable_customer": None}
    assert entry["decision"]["after"] == {"severity": "high", "vulnerable_customer": True}


@pytest.mark.parametrize(
    ("changes", "named", "kind"),
    [
        ({"status": "closed"}, "status", "invalid-input"),
        ({"favourite_colour": "teal"}, "favourite_colour", "invalid-input"),
        ({"vulnerable_customer": "yes"}, "vulnerable_customer", "invalid-input"),
        ({"severity": "urgent"}, "body.changes.severity", "validation"),
        ({"priority": 0}, "body.changes.priority", "validation"),
        ({"priority": None}, "body.changes.priority", "validation"),
        ({}, "body.changes", "validation"),
    ],
)
def test_an_invalid_change_is_422_naming_the_field_and_changes_nothing(
    client: TestClient, changes: dict[str, Any], named: str, kind: str
) -> None:
    case = opened(client, ROUTER)

    response = client.patch(f"{CASES}/{case['ref']}", json={"changes": changes})

    problem = assert_problem(response, 422)
    assert problem["type"] == f"/problems/{kind}"
    assert named in problem["detail"]
    assert ok(client.get(f"{CASES}/{case['ref']}"))["version"] == case["version"]


def test_changing_an_unknown_case_is_404(client: TestClient) -> None:
    assert_problem(client.patch(f"{CASES}/CS-999999", json={"changes": {"priority": 1}}), 404)


# -- offers on the demo policy, which assigns directly ------------------------------------------


@pytest.mark.parametrize("answer", ["accept", "decline"])
def test_answering_an_offer_that_was_never_made_is_409_and_changes_nothing(
    client: TestClient, answer: str
) -> None:
    case = opened(client, ROUTER)

    response = client.post(f"{CASES}/{case['ref']}/offer/{answer}", json={"rep_id": case["owner"]})

    problem = assert_problem(response, 409)
    assert problem["type"] == "/problems/illegal-transition"
    assert f"not offered to {case['owner']}" in problem["detail"]
    assert ok(client.get(f"{CASES}/{case['ref']}"))["version"] == case["version"]


def test_the_routing_endpoints_are_in_the_openapi_document(client: TestClient) -> None:
    paths = ok(client.get("/openapi.json"))["paths"]

    assert {
        "/api/v1/cases/{ref}/routing/explain",
        "/api/v1/routing/dry-run",
        "/api/v1/cases/{ref}/offer/accept",
        "/api/v1/cases/{ref}/offer/decline",
    } <= paths.keys()
    assert "patch" in paths["/api/v1/cases/{ref}"]
