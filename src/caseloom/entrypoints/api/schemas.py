"""Request bodies. Responses are the read models in `caseloom.views.models`."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from caseloom.domain.case import Channel, MessageKind
from caseloom.domain.workforce import Presence

Text = Annotated[str, Field(max_length=100_000)]
Actor = Annotated[str, Field(min_length=1, max_length=200, examples=["rep:rep-anna"])]
Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:@-]+$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(Body):
    name: Annotated[str, Field(max_length=200)] = ""
    email: Annotated[str, Field(min_length=3, max_length=254)]


class CaseIn(Body):
    channel: Channel = Channel.API
    subject: Annotated[str, Field(min_length=1, max_length=300)]
    description: Text = ""
    contact: ContactIn
    customer_id: Id | None = None
    custom: dict[str, str | int | float | bool | None] = {}


class MessageIn(Body):
    kind: MessageKind
    author: Actor
    body: Annotated[str, Field(min_length=1, max_length=100_000)]


class ActorIn(Body):
    actor: Actor = "api"


class ReviewIn(ActorIn):
    signals: Annotated[dict[str, str | bool | None], Field(min_length=1, max_length=10)]


class AssignIn(ActorIn):
    rep_id: Id
    reason: Annotated[str, Field(max_length=1000)] = ""


class WaitIn(ActorIn):
    reason: Annotated[str, Field(max_length=1000)] = ""


class ResolveIn(ActorIn):
    resolution: Annotated[str, Field(min_length=1, max_length=10_000)]


class ReopenIn(ActorIn):
    reason: Annotated[str, Field(min_length=1, max_length=1000)]


class PresenceIn(Body):
    presence: Presence


class LocationIn(Body):
    city: str
    country: str
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)


class RepIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(min_length=3, max_length=254)]
    teams: Annotated[list[Id], Field(min_length=1)]
    skills: dict[str, int] = {}
    capacity: Annotated[int, Field(ge=1, le=1000)]
    languages: list[str] = ["en"]
    presence: Presence = Presence.OFFLINE


class CertificationIn(Body):
    name: str
    valid_from: date
    valid_until: date | None = None


class TechnicianIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(min_length=3, max_length=254)]
    team: Id
    skills: dict[str, int] = {}
    certifications: list[CertificationIn] = []
    equipment: list[str] = []
    home: LocationIn | None = None
    presence: Presence = Presence.OFFLINE


class CustomerIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    tier: Id
    account: Annotated[str, Field(min_length=1, max_length=100)]
    location: LocationIn | None = None
    contacts: list[ContactIn] = []
