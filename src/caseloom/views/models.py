"""Read models: what the API returns and the CLI prints."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict


class ReadModel(BaseModel):
    model_config = ConfigDict(frozen=True)


class ContactView(ReadModel):
    name: str
    email: str


class SignalView(ReadModel):
    value: str | bool | float | None
    confidence: float
    source: str = ""  # the model, LLM or person that read it


class TriageView(ReadModel):
    model: str
    signals: dict[str, SignalView]
    llm: dict[str, object] | None = None  # the LLM call, if one was made: tokens, cost, outcome


class ReviewItem(ReadModel):
    """A case waiting for a person to settle the signals no model was sure of."""

    ref: str
    subject: str
    description: str
    opened_at: datetime
    unsure: list[str]
    triage: TriageView


class ClockView(ReadModel):
    metric: str
    policy: str
    calendar: str
    started_at: datetime
    due_at: datetime
    met_at: datetime | None
    state: str


class MessageView(ReadModel):
    kind: str
    author: str
    body: str
    at: datetime


class CaseSummary(ReadModel):
    ref: str
    channel: str
    subject: str
    status: str
    priority: int
    severity: str
    product_line: str | None
    team: str | None
    owner: str | None
    customer_id: str | None
    opened_at: datetime
    updated_at: datetime
    sla: str | None  # running, met or breached; None before the clocks start


class CaseDetail(CaseSummary):
    description: str
    contact: ContactView
    custom: dict[str, object]
    route: list[str]
    required_skills: dict[str, int]
    triage: TriageView | None
    clocks: list[ClockView]
    messages: list[MessageView]
    resolved_at: datetime | None
    closed_at: datetime | None
    policy_version: int
    version: int


class CasePage(ReadModel):
    items: list[CaseSummary]
    next_cursor: str | None  # pass as `cursor` for the next page; None on the last page


class JourneyEntryView(ReadModel):
    seq: int
    step: str
    actor: str
    inputs: dict[str, object]
    decision: dict[str, object]
    reason: str
    policy_version: int
    at: datetime
    hash: str


class RepView(ReadModel):
    id: str
    name: str
    email: str
    teams: list[str]
    skills: dict[str, int]
    languages: list[str]
    capacity: int
    load: int
    presence: str
    last_assigned_at: datetime | None


class CertificationView(ReadModel):
    name: str
    valid_from: str
    valid_until: str | None


class TechnicianView(ReadModel):
    id: str
    name: str
    email: str
    team: str
    skills: dict[str, int]
    certifications: list[CertificationView]
    equipment: list[str]
    home: dict[str, object] | None
    presence: str


class TeamView(ReadModel):
    id: str
    kind: str
    calendar: str
    manager: str | None
    members: int
    available: int
    queued: int
    open: int


class Summary(ReadModel):
    cases: int
    by_team: dict[str, int]
    by_status: dict[str, int]
    by_sla: dict[str, int]
