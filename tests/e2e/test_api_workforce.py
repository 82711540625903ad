"""Teams, reps, technicians and customers over HTTP, and how presence moves the queues."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from fastapi.testclient import TestClient
    from httpx2 import Response

API = "/api/v1"
PROBLEM = "application/problem+json"
DESK_REPS = [
    "rep-anna",
    "rep-ben",
    "rep-chloe",
    "rep-dev",
    "rep-erin",
    "rep-farah",
    "rep-gus",
    "rep-hana",
    "rep-ivan",
    "rep-jade",
    "rep-kai",
    "rep-leo",
]
TIER1_AVAILABLE = ["rep-anna", "rep-ben", "rep-chloe", "rep-dev", "rep-erin", "rep-ivan"]
TECHNICIANS = ["tech-mo", "tech-nell", "tech-oscar", "tech-pia"]
ZOE = {
    "name": "Zoe Quinn",
    "email": "zoe@northwind.example",
    "teams": ["tier1"],
    "skills": {"broadband": 6},
    "capacity": 2,
    "presence": "available",
}
QUINN = {
    "name": "Quinn Hale",
    "email": "quinn@northwind.example",
    "team": "field-north",
    "skills": {"electrical": 7},
    "certifications": [{"name": "18th-edition-wiring", "valid_from": "2025-04-01"}],
    "equipment": ["multimeter"],
    "home": {"city": "Leeds", "country": "GB", "latitude": 53.8, "longitude": -1.55},
    "presence": "available",
}
BRIGHT_BIKES = {
    "name": "Bright Bikes",
    "tier": "gold",
    "account": "NW-10099",
    "location": {"city": "Otley", "country": "GB"},
    "contacts": [{"name": "Ola Berg", "email": "ola@brightbikes.co.uk"}],
}


def router_case(number: int) -> dict[str, Any]:
    """A medium case from someone with no account: it routes to tier 1."""
    return {
        "subject": f"Router keeps dropping the connection ({number})",
        "description": "My router drops the wifi every evening and the light flashes orange. "
        "It is faulty.",
        "contact": {"name": f"Stranger {number}", "email": f"stranger{number}@example.com"},
    }


def ok(response: Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def assert_problem(response: Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    problem: dict[str, Any] = response.json()
    assert {"type", "title", "status", "detail", "instance"} <= problem.keys()
    return problem


def set_presence(client: TestClient, rep_id: str, presence: str) -> dict[str, Any]:
    rep: dict[str, Any] = ok(
        client.put(f"{API}/reps/{rep_id}/presence", json={"presence": presence})
    )
    return rep


def teams(client: TestClient) -> dict[str, dict[str, Any]]:
    return {team["id"]: team for team in ok(client.get(f"{API}/teams"))}


# -- teams --------------------------------------------------------------------------------------


def test_teams_lists_the_demo_teams_with_members_available_and_queued_counts(
    client: TestClient,
) -> None:
    found = teams(client)

    assert list(found) == ["tier1", "tier2", "billing", "field-north"]
    assert {t: (v["members"], v["available"], v["queued"]) for t, v in found.items()} == {
        "tier1": (8, 6, 0),
        "tier2": (3, 3, 0),
        "billing": (3, 2, 0),
        "field-north": (4, found["field-north"]["available"], 0),
    }
    assert found["field-north"]["kind"] == "field"
    assert found["billing"]["manager"] == "mgr-li"


def test_a_field_team_counts_its_available_technicians(client: TestClient) -> None:
    field = teams(client)["field-north"]

    assert (field["members"], field["available"]) == (4, 3)


def test_the_open_count_of_a_team_follows_its_cases(client: TestClient) -> None:
    ok(client.post(f"{API}/cases", json=router_case(1)), 201)

    assert teams(client)["tier1"]["open"] == 1


# -- reps ---------------------------------------------------------------------------------------


def test_reps_lists_every_rep(client: TestClient) -> None:
    reps = ok(client.get(f"{API}/reps"))

    assert [r["id"] for r in reps] == DESK_REPS
    ivan = next(r for r in reps if r["id"] == "rep-ivan")
    assert ivan["teams"] == ["tier1", "tier2"]
    assert (ivan["capacity"], ivan["load"], ivan["presence"]) == (4, 0, "available")


def test_reps_can_be_filtered_by_team(client: TestClient) -> None:
    reps = ok(client.get(f"{API}/reps", params={"team": "billing"}))

    assert [r["id"] for r in reps] == ["rep-jade", "rep-kai", "rep-leo"]
    assert all("billing" in r["teams"] for r in reps)


def test_a_rep_is_read_by_id(client: TestClient) -> None:
    kai = ok(client.get(f"{API}/reps/rep-kai"))

    assert kai == {
        "id": "rep-kai",
        "name": "Kai Müller",
        "email": "kai@northwind.example",
        "teams": ["billing"],
        "skills": {"billing": 5},
        "languages": ["en", "de"],
        "capacity": 4,
        "load": 0,
        "items": 0,
        "presence": "available",
        "calendar": None,
        "certifications": [],
        "last_assigned_at": None,
    }


def test_an_unknown_rep_is_404_problem_json(client: TestClient) -> None:
    for response in (
        client.get(f"{API}/reps/rep-nobody"),
        client.put(f"{API}/reps/rep-nobody/presence", json={"presence": "available"}),
    ):
        problem = assert_problem(response, 404)
        assert "rep-nobody" in problem["detail"]


def test_a_rep_becoming_available_pulls_queued_cases_of_their_teams_up_to_capacity(
    client: TestClient,
) -> None:
    for rep_id in TIER1_AVAILABLE:
        set_presence(client, rep_id, "away")
    refs = [ok(client.post(f"{API}/cases", json=router_case(n)), 201)["ref"] for n in range(5)]
    queued = [ok(client.get(f"{API}/cases/{ref}")) for ref in refs]
    assert {(c["status"], c["team"], c["owner"]) for c in queued} == {("queued", "tier1", None)}
    assert teams(client)["tier1"]["queued"] == 5

    chloe = set_presence(client, "rep-chloe", "available")

    assert (chloe["presence"], chloe["load"], chloe["capacity"]) == ("available", 3, 3)
    owners = [ok(client.get(f"{API}/cases/{ref}"))["owner"] for ref in refs]
    assert owners == ["rep-chloe"] * 3 + [None] * 2  # oldest first
    assert teams(client)["tier1"]["queued"] == 2
    pulled = ok(client.get(f"{API}/cases/{refs[0]}/journey"))[-1]
    assert (pulled["step"], pulled["actor"]) == ("routing", "agent:routing")
    assert "rep-chloe" in pulled["reason"]


def test_a_rep_going_away_keeps_their_cases_and_takes_no_new_ones(client: TestClient) -> None:
    for rep_id in TIER1_AVAILABLE:
        set_presence(client, rep_id, "away" if rep_id != "rep-erin" else "available")
    first = ok(client.post(f"{API}/cases", json=router_case(1)), 201)
    assert first["owner"] == "rep-erin"

    erin = set_presence(client, "rep-erin", "away")
    second = ok(client.post(f"{API}/cases", json=router_case(2)), 201)

    assert erin["load"] == 1
    assert ok(client.get(f"{API}/cases/{first['ref']}"))["owner"] == "rep-erin"
    assert (second["status"], second["owner"]) == ("queued", None)


def test_put_rep_creates_a_rep(client: TestClient) -> None:
    created = ok(client.put(f"{API}/reps/rep-zoe", json=ZOE))

    assert created == ok(client.get(f"{API}/reps/rep-zoe"))
    assert (created["name"], created["teams"], created["capacity"], created["load"]) == (
        "Zoe Quinn",
        ["tier1"],
        2,
        0,
    )
    assert created["languages"] == ["en"]
    assert "rep-zoe" in [r["id"] for r in ok(client.get(f"{API}/reps", params={"team": "tier1"}))]


def test_put_rep_updates_a_rep_and_keeps_their_load(client: TestClient) -> None:
    ok(client.put(f"{API}/reps/rep-zoe", json=ZOE))
    ref = ok(client.post(f"{API}/cases", json=router_case(1)), 201)["ref"]
    ok(client.post(f"{API}/cases/{ref}/assign", json={"rep_id": "rep-zoe"}))
    changed = {**ZOE, "name": "Zoe Quinn-Hale", "teams": ["tier1", "billing"], "capacity": 5}

    updated = ok(client.put(f"{API}/reps/rep-zoe", json=changed))

    assert updated["name"] == "Zoe Quinn-Hale"
    assert updated["teams"] == ["billing", "tier1"]
    assert (updated["capacity"], updated["load"]) == (5, 1)
    billing = [r["id"] for r in ok(client.get(f"{API}/reps", params={"team": "billing"}))]
    assert "rep-zoe" in billing


def test_put_rep_keeps_a_shift_calendar_and_certifications(client: TestClient) -> None:
    certified = {"name": "gas-safe", "valid_from": "2026-01-01", "valid_until": "2027-12-31"}
    body = {**ZOE, "calendar": "uk-office", "certifications": [certified]}

    created = ok(client.put(f"{API}/reps/rep-zoe", json=body))

    assert created["calendar"] == "uk-office"
    assert created["certifications"] == [certified]
    assert ok(client.get(f"{API}/reps/rep-zoe")) == created


def test_a_phone_case_takes_two_units_of_a_tier1_reps_capacity_but_one_item(
    client: TestClient,
) -> None:
    for rep_id in TIER1_AVAILABLE:
        set_presence(client, rep_id, "away" if rep_id != "rep-erin" else "available")

    case = ok(client.post(f"{API}/cases", json={**router_case(1), "channel": "phone"}), 201)

    erin = ok(client.get(f"{API}/reps/rep-erin"))
    assert case["owner"] == "rep-erin"
    assert case["need"]["units"] == 2
    assert (erin["load"], erin["items"]) == (2, 1)


@pytest.mark.parametrize(
    ("change", "named"),
    [
        ({"calendar": "night-shift"}, "night-shift"),
        ({"certifications": [{"name": "gas-safe"}]}, "valid_from"),
        ({"teams": ["tier9"]}, "tier9"),
        ({"teams": ["field-north"]}, "field-north"),
        ({"skills": {"juggling": 4}}, "juggling"),
        ({"skills": {"broadband": 11}}, "broadband"),
    ],
)
def test_a_rep_with_an_unknown_team_or_skill_is_422_and_is_not_created(
    client: TestClient, change: dict[str, Any], named: str
) -> None:
    response = client.put(f"{API}/reps/rep-zoe", json={**ZOE, **change})

    problem = assert_problem(response, 422)
    assert named in problem["detail"]
    assert_problem(client.get(f"{API}/reps/rep-zoe"), 404)


# -- technicians --------------------------------------------------------------------------------


def test_technicians_are_listed_and_filtered_by_team(client: TestClient) -> None:
    listed = ok(client.get(f"{API}/technicians"))
    field = ok(client.get(f"{API}/technicians", params={"team": "field-north"}))

    assert [t["id"] for t in listed] == TECHNICIANS
    assert field == listed
    assert ok(client.get(f"{API}/technicians", params={"team": "tier1"})) == []


def test_a_technician_is_read_by_id(client: TestClient) -> None:
    mo = ok(client.get(f"{API}/technicians/tech-mo"))

    assert (mo["name"], mo["team"], mo["presence"]) == ("Mo Farouk", "field-north", "available")
    assert mo["certifications"][0] == {
        "name": "gas-safe",
        "valid_from": "2024-03-01",
        "valid_until": "2027-02-28",
    }
    assert mo["equipment"] == ["gas-analyser", "multimeter", "boiler-spares"]
    assert mo["home"]["city"] == "Leeds"


def test_an_unknown_technician_is_404_problem_json(client: TestClient) -> None:
    for response in (
        client.get(f"{API}/technicians/tech-nobody"),
        client.put(f"{API}/technicians/tech-nobody/presence", json={"presence": "available"}),
    ):
        problem = assert_problem(response, 404)
        assert "tech-nobody" in problem["detail"]


def test_a_technician_presence_change_is_kept(client: TestClient) -> None:
    changed = ok(client.put(f"{API}/technicians/tech-pia/presence", json={"presence": "available"}))

    assert changed["presence"] == "available"
    assert ok(client.get(f"{API}/technicians/tech-pia"))["presence"] == "available"


def test_an_unknown_presence_is_422_problem_json(client: TestClient) -> None:
    response = client.put(f"{API}/technicians/tech-pia/presence", json={"presence": "asleep"})

    assert_problem(response, 422)
    assert ok(client.get(f"{API}/technicians/tech-pia"))["presence"] == "offline"


def test_put_technician_creates_and_updates_a_technician(client: TestClient) -> None:
    created = ok(client.put(f"{API}/technicians/tech-quinn", json=QUINN))
    updated = ok(
        client.put(
            f"{API}/technicians/tech-quinn",
            json={**QUINN, "equipment": ["multimeter", "ladder"], "presence": "busy"},
        )
    )

    assert created["certifications"] == [
        {"name": "18th-edition-wiring", "valid_from": "2025-04-01", "valid_until": None}
    ]
    assert (updated["equipment"], updated["presence"]) == (["multimeter", "ladder"], "busy")
    assert ok(client.get(f"{API}/technicians/tech-quinn")) == updated


def test_a_technician_in_a_service_team_is_422(client: TestClient) -> None:
    problem = assert_problem(
        client.put(f"{API}/technicians/tech-quinn", json={**QUINN, "team": "tier1"}), 422
    )

    assert "tier1" in problem["detail"]
    assert_problem(client.get(f"{API}/technicians/tech-quinn"), 404)


# -- customers ----------------------------------------------------------------------------------


def test_a_case_from_a_registered_customers_contact_is_linked_to_that_customer(
    client: TestClient,
) -> None:
    assert ok(client.put(f"{API}/customers/bright-bikes", json=BRIGHT_BIKES), 204) is None
    body = {**router_case(1), "contact": {"name": "Ola", "email": "Ola@BrightBikes.co.uk"}}

    case = ok(client.post(f"{API}/cases", json=body), 201)

    assert case["customer_id"] == "bright-bikes"
    assert {c["policy"] for c in case["clocks"]} == {"gold"}


def test_a_customer_updated_with_new_contacts_no_longer_claims_the_old_ones(
    client: TestClient,
) -> None:
    ok(client.put(f"{API}/customers/bright-bikes", json=BRIGHT_BIKES), 204)
    moved = {**BRIGHT_BIKES, "contacts": [{"name": "Ana", "email": "ana@brightbikes.co.uk"}]}
    ok(client.put(f"{API}/customers/bright-bikes", json=moved), 204)

    old = {**router_case(1), "contact": {"email": "ola@brightbikes.co.uk"}}
    new = {**router_case(2), "contact": {"email": "ana@brightbikes.co.uk"}}

    assert ok(client.post(f"{API}/cases", json=old), 201)["customer_id"] is None
    assert ok(client.post(f"{API}/cases", json=new), 201)["customer_id"] == "bright-bikes"


def test_a_customer_with_an_undeclared_tier_is_422(client: TestClient) -> None:
    response = client.put(
        f"{API}/customers/bright-bikes", json={**BRIGHT_BIKES, "tier": "platinum"}
    )

    problem = assert_problem(response, 422)
    assert "platinum" in problem["detail"]


def test_a_contact_of_another_customer_cannot_be_claimed(client: TestClient) -> None:
    taken = {**BRIGHT_BIKES, "contacts": [{"name": "Priya", "email": "priya@acmebakery.co.uk"}]}

    problem = assert_problem(client.put(f"{API}/customers/bright-bikes", json=taken), 422)

    assert "acme-bakery" in problem["detail"]


def test_a_case_naming_an_unknown_customer_is_422(client: TestClient) -> None:
    response = client.post(f"{API}/cases", json={**router_case(1), "customer_id": "nobody-ltd"})

    problem = assert_problem(response, 422)
    assert "nobody-ltd" in problem["detail"]
