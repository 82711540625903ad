"""Events: facts that happened, named in the past tense. Any number of handlers may react."""

from __future__ import annotations

from dataclasses import dataclass


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
class CaseReleased(Event):
    """The rep no longer owns the case as active work: one unit of capacity is free again."""

    ref: str
    rep_id: str


@dataclass(frozen=True, slots=True)
class CaseReopened(Event):
    ref: str


@dataclass(frozen=True, slots=True)
class RepBecameAvailable(Event):
    rep_id: str
