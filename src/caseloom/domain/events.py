"""Events: facts that happened, named in the past tense. Any number of handlers may react."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


class Event:
    """Base class of every event."""


@dataclass(frozen=True, slots=True)
class CaseOpened(Event):
    ref: str


@dataclass(frozen=True, slots=True)
class CaseTriaged(Event):
    ref: str


@dataclass(frozen=True, slots=True)
class TriageReviewRequested(Event):
    """No model read these signals surely enough; the case waits for a person."""

    ref: str
    signals: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ReplyInterpreted(Event):
    """A customer's reply changed what we know: e.g. ("confirmed_fixed",) or ("urgency_rise",)."""

    ref: str
    changes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class SlaStarted(Event):
    ref: str


@dataclass(frozen=True, slots=True)
class CaseQueued(Event):
    ref: str
    team: str


@dataclass(frozen=True, slots=True)
class CaseAssigned(Event):
    ref: str
    rep_id: str
    team: str


@dataclass(frozen=True, slots=True)
class CaseOffered(Event):
    """Pushed to a rep, who accepts or declines before `expires_at`; it holds their capacity."""

    ref: str
    rep_id: str
    team: str
    expires_at: datetime


@dataclass(frozen=True, slots=True)
class CaseReleased(Event):
    """The rep no longer owns the case as active work: its units of capacity are free again."""

    ref: str
    rep_id: str
    units: int = 1


@dataclass(frozen=True, slots=True)
class CaseRequeued(Event):
    """Back in the queue (an offer declined or lapsed, a rung of the ladder taken): route again."""

    ref: str
    reason: str


@dataclass(frozen=True, slots=True)
class CaseFactsChanged(Event):
    """Severity, priority, product line or a custom field changed after triage."""

    ref: str
    fields: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CaseEscalated(Event):
    """The relaxation ladder (or the Supervisor) escalated the case to a person."""

    ref: str
    to: str
    reason: str


@dataclass(frozen=True, slots=True)
class ResolvedInTheField(Event):
    """The case was resolved while the field team had it (handed off, a visit scheduled, or on
    site): its work order may no longer need a visit."""

    ref: str


@dataclass(frozen=True, slots=True)
class CaseReopened(Event):
    ref: str


@dataclass(frozen=True, slots=True)
class RepBecameAvailable(Event):
    rep_id: str


@dataclass(frozen=True, slots=True)
class RepWentOffline(Event):
    rep_id: str


@dataclass(frozen=True, slots=True)
class CaseMoved(Event):
    """The case's status changed: SLA pause and stop conditions may hold now."""

    ref: str
    status: str


@dataclass(frozen=True, slots=True)
class CustomerReplied(Event):
    """A customer's reply: the next-response clock starts again."""

    ref: str


@dataclass(frozen=True, slots=True)
class SlaRetimed(Event):
    """A case's deadlines moved (a pause, a resume, another SLA policy)."""

    ref: str


@dataclass(frozen=True, slots=True)
class CaseHandedOff(Event):
    ref: str
    work_order: str
    team: str


@dataclass(frozen=True, slots=True)
class VisitBooked(Event):
    work_order: str
    ref: str  # the case
    technician: str


@dataclass(frozen=True, slots=True)
class VisitMoved(Event):
    work_order: str
    ref: str  # the case
    status: str


@dataclass(frozen=True, slots=True)
class RepReplied(Event):
    ref: str
    body: str = ""  # what the rep wrote, for the customer
    seq: int = 0  # the journey entry of the reply: what makes its e-mail unique
