"""Offers over HTTP: on a copy of the demo policy where tier 1 pushes each case to the chosen rep
and waits two minutes for them to accept."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from caseloom import bootstrap
from caseloom.domain.commands import SweepRouting
from caseloom.entrypoints.api import create_app
from tests.e2e.test_api_cases import ROUTER, assert_problem, opened
from tests.factories import NOW, copy_of_demo_policy
from tests.fakes import FakeClock

CASES = "/api/v1/cases"
TIMEOUT = timedelta(minutes=2)
SELECTION = re.compile(r"^  selection:\s*(#.*)?$")
TIER1 = re.compile(r"^    tier1:\s*(\{[^#]*\})?\s*(#.*)?$")


def policy_with_offers(folder: Path) -> Path:
    """A copy of the demo policy in `folder` whose tier 1 offers cases with a 2-minute timeout.
    (Edited as text: a YAML round trip would lose the comments and read `on:` as true.)"""
    path = copy_of_demo_policy(folder)
    lines = path.read_text(encoding="utf-8").splitlines()
    selection = next(i for i, line in enumerate(lines) if SELECTION.match(line))
    at = next(i for i in range(selection, len(lines)) if TIER1.match(lines[i]))
    found = TIER1.match(lines[at])
    assert found is not None
    if found.group(1):  # tier1: {model: ...}
        lines[at] = f"    tier1: {found.group(1)[:-1]}, offer: {{timeout: 2m}}}}"
    else:
        lines.insert(at + 1, "      offer: {timeout: 2m}")
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def offering(database_url: str, clock: FakeClock, tmp_path: Path) -> Iterator[bootstrap.Caseloom]:
    config = bootstrap.settings(database_url=database_url, policy=policy_with_offers(tmp_path))
    caseloom = bootstrap.bootstrap(config, clock=clock)
    caseloom.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
    yield caseloom
    caseloom.close()


@pytest.fixture
def client(offering: bootstrap.Caseloom) -> Iterator[TestClient]:
    with TestClient(create_app(offering)) as opened_client:
        yield opened_client


def ok(response: Any) -> Any:
    assert response.status_code == 200, response.text
    return response.json()


def answer(client: TestClient, ref: str, how: str, **body: object) -> Any:
    return client.post(f"{CASES}/{ref}/offer/{how}", json=body)


def load_of(client: TestClient, rep_id: str) -> int:
    load: int = ok(client.get(f"/api/v1/reps/{rep_id}"))["load"]
    return load


def test_a_tier1_case_is_offered_to_the_chosen_rep_and_holds_their_capacity(
    client: TestClient,
) -> None:
    case = opened(client, ROUTER)

    assert (case["status"], case["team"]) == ("offered", "tier1")
    assert case["offer_expires_at"] == (NOW + TIMEOUT).isoformat().replace("+00:00", "Z")
    assert case["queued_at"] == case["opened_at"]
    assert load_of(client, case["owner"]) == 1


def test_accepting_an_offer_assigns_the_case(client: TestClient) -> None:
    case = opened(client, ROUTER)

    accepted = ok(answer(client, case["ref"], "accept", rep_id=case["owner"]))

    assert (accepted["status"], accepted["owner"]) == ("assigned", case["owner"])
    assert (accepted["offer_expires_at"], accepted["queued_at"]) == (None, None)
    assert load_of(client, case["owner"]) == 1
    entry = ok(client.get(f"{CASES}/{case['ref']}/journey"))[-1]
    assert (entry["actor"], entry["reason"]) == (
        f"rep:{case['owner']}",
        f"{case['owner']} accepted the offer",
    )


def test_a_declined_offer_goes_to_the_next_rep_and_never_back_to_the_one_who_declined(
    client: TestClient,
) -> None:
    case = opened(client, ROUTER)
    first = case["owner"]

    declined = ok(answer(client, case["ref"], "decline", rep_id=first, reason="on a long call"))

    assert declined["status"] == "offered"
    assert declined["owner"] not in (None, first)
    assert declined["need"]["declined"] == [first]
    assert declined["queued_at"] == case["queued_at"]  # it keeps its age
    assert load_of(client, first) == 0
    why = ok(client.get(f"{CASES}/{case['ref']}/routing/explain"))
    assert why["chosen"] == declined["owner"]
    assert {"rep": first, "reason": "declined this case or let the offer lapse"} in why["rejected"]
    reasons = [e["reason"] for e in ok(client.get(f"{CASES}/{case['ref']}/journey"))]
    assert f"{first} declined the offer: on a long call" in reasons


def test_an_answer_from_a_rep_the_case_is_not_offered_to_is_409(client: TestClient) -> None:
    case = opened(client, ROUTER)
    other = "rep-gus"

    for how in ("accept", "decline"):
        problem = assert_problem(answer(client, case["ref"], how, rep_id=other), 409)
        assert f"not offered to {other}" in problem["detail"]

    assert ok(client.get(f"{CASES}/{case['ref']}"))["owner"] == case["owner"]


def test_an_offer_left_unanswered_lapses_at_the_next_sweep_and_goes_to_another_rep(
    client: TestClient, offering: bootstrap.Caseloom, clock: FakeClock
) -> None:
    case = opened(client, ROUTER)
    clock.advance(timedelta(minutes=31))  # long enough for every rung, had nobody been eligible

    counts = offering.bus.handle(SweepRouting())

    assert isinstance(counts, dict)
    assert (counts["offers_lapsed"], counts["rungs_taken"]) == (1, 0)
    after = ok(client.get(f"{CASES}/{case['ref']}"))
    assert (after["team"], after["relaxed"]) == ("tier1", [])
    assert after["owner"] not in (None, case["owner"])
    assert after["need"]["declined"] == [case["owner"]]
    assert load_of(client, case["owner"]) == 0


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({}, "body.rep_id"),
        ({"rep_id": "rep gus"}, "body.rep_id"),
        ({"rep_id": "x", "why": 1}, "why"),
    ],
)
def test_an_answer_without_a_valid_rep_is_422(
    client: TestClient, body: dict[str, Any], named: str
) -> None:
    ref = opened(client, ROUTER)["ref"]

    problem = assert_problem(client.post(f"{CASES}/{ref}/offer/accept", json=body), 422)

    assert named in problem["detail"]
