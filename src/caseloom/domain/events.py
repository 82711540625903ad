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
