"""An organisation file (customers, reps, technicians) read into registration commands."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from caseloom.adapters import yaml_source
from caseloom.domain.commands import Command, RegisterCustomer, RegisterRep, RegisterTechnician
from caseloom.domain.customer import Location
from caseloom.domain.errors import InvalidInput
from caseloom.domain.workforce import Certification, Presence


class _Doc(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Place(_Doc):
    city: str
    country: str
    latitude: float | None = None
    longitude: float | None = None

    def location(self) -> Location:
        return Location(self.city, self.country, self.latitude, self.longitude)


class _Contact(_Doc):
    name: str
    email: str


class _Customer(_Doc):
    id: str
    name: str
    tier: str
    account: str
    location: _Place | None = None
    contacts: list[_Contact] = []


class _Certification(_Doc):
    name: str
    valid_from: date
    valid_until: date | None = None

    def certification(self) -> Certification:
        return Certification(self.name, self.valid_from, self.valid_until)


class _Rep(_Doc):
    id: str
    name: str
    email: str
    teams: list[str] = Field(min_length=1)
    skills: dict[str, int] = {}
    capacity: int = Field(ge=1)
    languages: list[str] = ["en"]
    presence: Presence = Presence.OFFLINE
    calendar: str | None = Field(None, min_length=1)  # a shift calendar in the policy
    certifications: list[_Certification] = []


class _Technician(_Doc):
    id: str
    name: str
    email: str
    team: str
    skills: dict[str, int] = {}
    certifications: list[_Certification] = []
    equipment: list[str] = []
    home: _Place | None = None
    presence: Presence = Presence.OFFLINE
    calendar: str | None = Field(None, min_length=1)  # a shift calendar; default: the team's
    max_travel_km: float | None = Field(None, gt=0)  # how far from home they go


class _Organisation(_Doc):
    customers: list[_Customer] = []
    reps: list[_Rep] = []
    technicians: list[_Technician] = []


def read_organisation(path: Path) -> list[Command]:
    """The commands that register everyone in the file, customers first."""
    source = yaml_source.read(path)
    if not source.problems:
        try:
            doc = _Organisation.model_validate(source.data)
        except ValidationError as error:
            for item in error.errors():
                source.problem(tuple(item["loc"]), item["msg"])
    if source.problems:
        raise InvalidInput(
            "the organisation file is invalid:\n" + "\n".join(map(str, source.problems))
        )
    return [
        *(
            RegisterCustomer(
                c.id,
                c.name,
                c.tier,
                c.account,
                c.location.location() if c.location else None,
                tuple((p.name, p.email) for p in c.contacts),
            )
            for c in doc.customers
        ),
        *(
            RegisterRep(
                r.id,
                r.name,
                r.email,
                tuple(r.teams),
                r.skills,
                r.capacity,
                tuple(r.languages),
                r.presence,
                r.calendar,
                tuple(c.certification() for c in r.certifications),
            )
            for r in doc.reps
        ),
        *(
            RegisterTechnician(
                t.id,
                t.name,
                t.email,
                t.team,
                t.skills,
                tuple(c.certification() for c in t.certifications),
                tuple(t.equipment),
                t.home.location() if t.home else None,
                t.presence,
                t.calendar,
                t.max_travel_km,
            )
            for t in doc.technicians
        ),
    ]
