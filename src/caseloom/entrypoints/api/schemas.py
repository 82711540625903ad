"""Request bodies. Responses are the read models in `caseloom.views.models`."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal

from pydantic import (
    AwareDatetime,
    BaseModel,
    ConfigDict,
    Field,
    field_validator,
    model_validator,
)

from caseloom.domain.case import Channel, MessageKind, Severity
from caseloom.domain.sla import Action, MoveTier, Notify, RaisePriority, Reassign, Recipient
from caseloom.domain.workforce import Presence

Text = Annotated[str, Field(max_length=100_000)]
Subject = Annotated[str, Field(min_length=1, max_length=300)]
Priority = Annotated[int, Field(ge=1, le=4, description="1 is the most urgent")]
ProductLine = Annotated[str, Field(min_length=1, max_length=100)]
Custom = dict[str, str | int | float | bool | None]
Actor = Annotated[str, Field(min_length=1, max_length=200, examples=["rep:rep-anna"])]
Id = Annotated[str, Field(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_.:@-]+$")]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ContactIn(Body):
    name: Annotated[str, Field(max_length=200)] = ""
    email: Annotated[str, Field(min_length=3, max_length=254)]


class CaseIn(Body):
    channel: Channel = Channel.API
    subject: Subject
    description: Text = ""
    contact: ContactIn
    customer_id: Id | None = None
    custom: Custom = {}


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


class CertificationIn(Body):
    name: str
    valid_from: date
    valid_until: date | None = None


class RepIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(min_length=3, max_length=254)]
    teams: Annotated[list[Id], Field(min_length=1)]
    skills: dict[str, int] = {}
    capacity: Annotated[int, Field(ge=1, le=1000, description="in units")]
    languages: list[str] = ["en"]
    presence: Presence = Presence.OFFLINE
    calendar: Annotated[Id | None, Field(description="a shift calendar of the policy")] = None
    certifications: list[CertificationIn] = []


class TechnicianIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    email: Annotated[str, Field(min_length=3, max_length=254)]
    team: Id
    skills: dict[str, int] = {}
    certifications: list[CertificationIn] = []
    equipment: list[str] = []
    home: LocationIn | None = None
    presence: Presence = Presence.OFFLINE
    calendar: Id | None = None  # a shift calendar of the policy; default: the team's
    max_travel_km: Annotated[float, Field(gt=0, le=2000)] | None = None


class CustomerIn(Body):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    tier: Id
    account: Annotated[str, Field(min_length=1, max_length=100)]
    location: LocationIn | None = None
    contacts: list[ContactIn] = []


class ChangesIn(BaseModel):
    """Only the fields sent change. Any other key is a custom field the policy declares."""

    model_config = ConfigDict(extra="allow")
    __pydantic_extra__: dict[str, str | int | float | bool | None] = Field(init=False)

    severity: Severity | None = None
    priority: Priority | None = None
    product_line: ProductLine | None = None  # null clears it

    @field_validator("severity", "priority")
    @classmethod
    def _kept(cls, value: object) -> object:
        if value is None:
            raise ValueError("cannot be cleared; send a value or leave it out")
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> ChangesIn:
        if not self.model_fields_set:
            raise ValueError("name at least one field to change")
        return self

    def as_changes(self) -> dict[str, object]:
        return self.model_dump(mode="json", exclude_unset=True)


class ChangeIn(ActorIn):
    changes: ChangesIn
    reason: Annotated[str, Field(max_length=1000)] = ""


class OfferIn(Body):
    rep_id: Id


class DeclineIn(OfferIn):
    reason: Annotated[str, Field(max_length=1000)] = ""


Label = Annotated[str, Field(min_length=1, max_length=100)]


class SignalsIn(Body):
    """What triage would have read, each taken as certain."""

    intent: Label | None = Field(None, examples=["outage"])
    product_line: Label | None = None
    urgency: Label | None = None
    sentiment: Label | None = None
    sentiment_score: float | None = Field(None, ge=-1, le=1)
    on_site_required: bool | None = None
    language: Label | None = Field(None, examples=["de"])


class DryRunIn(Body):
    """A hypothetical case, routed against the reps as they are now; nothing is stored."""

    channel: Channel = Channel.API
    subject: Subject
    description: Text = ""
    customer_id: Id | None = None
    severity: Severity = Severity.MEDIUM
    priority: Priority = 3
    product_line: ProductLine | None = None
    custom: Custom = {}
    signals: SignalsIn = SignalsIn()


class EscalationActionIn(Body):
    """One action: exactly one field set, e.g. {"notify": "manager"} or {"move_tier": "tier2"}."""

    notify: Literal["owner", "manager", "team"] | None = None
    team: Label | None = None  # with notify: team, which team (default: the case's)
    raise_priority: Annotated[int, Field(ge=1, le=4)] | None = None
    reassign: bool = False  # to another rep with spare capacity (of `team`, default its own)
    move_tier: Label | None = None

    @model_validator(mode="after")
    def _one_action(self) -> EscalationActionIn:
        chosen = [
            name
            for name, on in (
                ("notify", self.notify is not None),
                ("raise_priority", self.raise_priority is not None),
                ("reassign", self.reassign),
                ("move_tier", self.move_tier is not None),
            )
            if on
        ]
        if len(chosen) != 1:
            raise ValueError("an action is one of notify, raise_priority, reassign or move_tier")
        return self

    def action(self) -> Action:
        if self.notify is not None:
            return Notify(Recipient(self.notify), self.team)
        if self.raise_priority is not None:
            return RaisePriority(self.raise_priority)
        if self.move_tier is not None:
            return MoveTier(self.move_tier)
        return Reassign(self.team)


class EscalateIn(Body):
    actor: Label
    reason: Annotated[str, Field(min_length=1, max_length=1000)]
    do: Annotated[list[EscalationActionIn], Field(min_length=1, max_length=10)]

    def actions(self) -> tuple[Action, ...]:
        return tuple(item.action() for item in self.do)


class HandOffIn(ActorIn):
    reason: Annotated[str, Field(max_length=1000)] = ""


class BookIn(ActorIn):
    technician: Id
    start: AwareDatetime
    reason: Annotated[str, Field(max_length=1000)] = ""


class VisitStatusIn(ActorIn):
    status: Literal[
        "scheduled",
        "dispatched",
        "travelling",
        "on_site",
        "completed",
        "cannot_complete",
        "cancelled",
    ]
    note: Annotated[str, Field(max_length=2000)] = ""


class WindowIn(Body):
    start: AwareDatetime
    end: AwareDatetime

    @model_validator(mode="after")
    def _ordered(self) -> WindowIn:
        if self.end <= self.start:
            raise ValueError("the window must end after it starts")
        return self


class WorkOrderChangeIn(ActorIn):
    window: WindowIn | None = None
    clear_window: bool = False
    location: LocationIn | None = None


class OptimiseIn(ActorIn):
    team: Id
    dry_run: bool = True
    horizon_hours: Annotated[int, Field(ge=1, le=24 * 14)] | None = None
