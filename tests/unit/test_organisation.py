"""Reading an organisation file (customers, reps, technicians) into registration commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

import caseloom
from caseloom.adapters.organisation import read_organisation
from caseloom.domain.commands import RegisterCustomer, RegisterRep, RegisterTechnician
from caseloom.domain.customer import Location
from caseloom.domain.errors import InvalidInput
from caseloom.domain.workforce import Certification, Presence

DEMO = Path(caseloom.__file__).parent / "policies" / "demo" / "organisation.yaml"

ONE_OF_EACH = """\
customers:
  - {id: acme, name: Acme, tier: gold, account: NW-1}
reps:
  - {id: rep-a, name: Rep A, email: a@example.com, teams: [tier1], capacity: 2}
technicians:
  - {id: tech-a, name: Tech A, email: t@example.com, team: field-north}
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "organisation.yaml"
    path.write_text(text, "utf-8")
    return path


def refusal(path: Path) -> str:
    with pytest.raises(InvalidInput) as refused:
        read_organisation(path)
    return str(refused.value)


# --- the demo organisation ---------------------------------------------------------------------


def test_the_demo_organisation_registers_customers_first_then_reps_then_technicians() -> None:
    commands = read_organisation(DEMO)

    kinds = [type(command) for command in commands]
    order = [RegisterCustomer, RegisterRep, RegisterTechnician]
    assert set(kinds) == set(order)
    assert kinds == sorted(kinds, key=order.index)


def test_the_demo_customers_come_with_location_and_contacts() -> None:
    customers = [c for c in read_organisation(DEMO) if isinstance(c, RegisterCustomer)]

    acme = next(c for c in customers if c.id == "acme-bakery")
    assert (acme.name, acme.tier, acme.account) == ("Acme Bakery", "gold", "NW-10001")
    assert acme.location == Location("Leeds", "GB", 53.8008, -1.5491)
    assert acme.contacts[0] == ("Priya Shah", "priya@acmebakery.co.uk")
    assert {c.tier for c in customers} == {"gold", "silver", "standard"}


def test_the_demo_reps_come_with_teams_skills_capacity_languages_and_presence() -> None:
    reps = {c.id: c for c in read_organisation(DEMO) if isinstance(c, RegisterRep)}

    assert reps["rep-ivan"].teams == ("tier2", "tier1")
    assert reps["rep-gus"].skills["escalations"] == 6
    assert reps["rep-erin"].languages == ("en", "fr")
    assert reps["rep-anna"].languages == ("en",)
    assert reps["rep-farah"].presence is Presence.AWAY
    assert all(rep.capacity >= 1 for rep in reps.values())
    assert reps["rep-hana"].certifications == (
        Certification("gas-safe", date(2025, 1, 1), date(2028, 12, 31)),
    )
    assert all(rep.calendar is None for rep in reps.values())  # the demo runs at any hour


def test_the_demo_technicians_come_with_dated_certifications_equipment_and_home() -> None:
    technicians = {c.id: c for c in read_organisation(DEMO) if isinstance(c, RegisterTechnician)}

    mo = technicians["tech-mo"]
    assert mo.team == "field-north"
    assert mo.certifications == (
        Certification("gas-safe", date(2024, 3, 1), date(2027, 2, 28)),
        Certification("18th-edition-wiring", date(2023, 6, 15)),
    )
    assert "gas-analyser" in mo.equipment
    assert mo.home_base == Location("Leeds", "GB", 53.8008, -1.5491)


# --- small files -------------------------------------------------------------------------------


def test_one_of_each_with_only_required_fields_gets_the_defaults(tmp_path: Path) -> None:
    commands = read_organisation(write(tmp_path, ONE_OF_EACH))

    assert commands == [
        RegisterCustomer("acme", "Acme", "gold", "NW-1", None, ()),
        RegisterRep(
            "rep-a", "Rep A", "a@example.com", ("tier1",), {}, 2, ("en",), Presence.OFFLINE
        ),
        RegisterTechnician(
            "tech-a", "Tech A", "t@example.com", "field-north", {}, (), (), None, Presence.OFFLINE
        ),
    ]


def test_a_rep_may_name_a_shift_calendar_and_dated_certifications(tmp_path: Path) -> None:
    text = (
        "reps:\n"
        "  - id: rep-a\n    name: Rep A\n    email: a@example.com\n    teams: [tier1]\n"
        "    capacity: 2\n    calendar: uk-office\n    certifications:\n"
        "      - {name: gas-safe, valid_from: 2025-01-01, valid_until: 2027-01-01}\n"
        "      - {name: first-aid, valid_from: 2024-06-01}\n"
    )

    (rep,) = read_organisation(write(tmp_path, text))

    assert isinstance(rep, RegisterRep)
    assert rep.calendar == "uk-office"
    assert rep.certifications == (
        Certification("gas-safe", date(2025, 1, 1), date(2027, 1, 1)),
        Certification("first-aid", date(2024, 6, 1)),
    )


def test_customers_come_first_even_when_written_last(tmp_path: Path) -> None:
    reordered = (
        "technicians:\n  - {id: tech-a, name: Tech A, email: t@example.com, team: field-north}\n"
        "reps:\n  - {id: rep-a, name: Rep A, email: a@example.com, teams: [tier1], capacity: 2}\n"
        "customers:\n  - {id: acme, name: Acme, tier: gold, account: NW-1}\n"
    )

    commands = read_organisation(write(tmp_path, reordered))

    assert [type(c) for c in commands] == [RegisterCustomer, RegisterRep, RegisterTechnician]


def test_a_file_with_no_one_in_it_registers_no_one(tmp_path: Path) -> None:
    assert read_organisation(write(tmp_path, "customers: []\nreps: []\n")) == []


# --- invalid files -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "place", "reason"),
    [
        (
            "reps:\n  - {id: r, name: R, email: r@x, teams: [tier1], capacity: 0}\n",
            ":2: reps[0].capacity: ",
            "greater than or equal to 1",
        ),
        (
            "reps:\n  - {id: r, name: R, email: r@x, teams: [], capacity: 2}\n",
            ":2: reps[0].teams: ",
            "at least 1 item",
        ),
        (
            "reps:\n  - {id: r, name: R, email: r@x, teams: [t], capacity: 2, presence: asleep}\n",
            ":2: reps[0].presence: ",
            "'available', 'busy', 'away' or 'offline'",
        ),
        (
            "customers:\n  - id: c\n    name: C\n    tier: gold\n",
            ":2: customers[0].account: ",
            "Field required",
        ),
        (
            "technicians:\n  - id: t\n    name: T\n    email: t@x\n    team: f\n"
            "    certifications:\n      - {name: gas, valid_from: soon}\n",
            ":7: technicians[0].certifications[0].valid_from: ",
            "valid date",
        ),
        (
            "reps:\n  - {id: r, name: R, email: r@x, teams: [t], capacity: 2,\n"
            "     certifications: [{name: gas, valid_from: 2025-01-01, valid_until: later}]}\n",
            ":3: reps[0].certifications[0].valid_until: ",
            "valid date",
        ),
        ("partners: []\n", ":1: partners: ", "Extra inputs are not permitted"),
        (
            "reps:\n  - {id: r, name: R, email: r@x, teams: [t], capacity: 2,\n"
            "     skills: {gas: 1, gas: 2}}\n",
            ":3: reps[0].skills.gas: ",
            "given twice",
        ),
    ],
)
def test_an_invalid_organisation_file_is_refused_naming_file_line_and_place(
    tmp_path: Path, text: str, place: str, reason: str
) -> None:
    path = write(tmp_path, text)

    message = refusal(path)

    assert message.startswith("the organisation file is invalid:\n")
    problem = next(line for line in message.splitlines() if line.startswith(f"{path}{place}"))
    assert reason in problem


def test_every_problem_in_an_organisation_file_is_reported_at_once(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "reps:\n"
        "  - {id: r1, name: R, email: r@x, teams: [t], capacity: 0}\n"
        "  - {id: r2, name: R, email: r@x, teams: [t]}\n",
    )

    message = refusal(path)

    assert f"{path}:2: reps[0].capacity: " in message
    assert f"{path}:3: reps[1].capacity: " in message


def test_a_yaml_syntax_error_in_an_organisation_file_is_refused_with_its_line(
    tmp_path: Path,
) -> None:
    path = write(tmp_path, "customers:\n  - {id: c, name: C\nreps: []\n")

    message = refusal(path)

    assert f"{path}:3: (yaml): " in message


def test_an_account_number_with_a_leading_zero_is_refused_not_a_crash(tmp_path: Path) -> None:
    path = write(tmp_path, "customers:\n  - {id: c, name: C, tier: gold, account: 0800}\n")

    with pytest.raises(InvalidInput, match=r"organisation\.yaml:2: customers\[0\]\.account"):
        read_organisation(path)
