"""Breach attribution: where a clock's time went.

A case's life is cut into segments, one per stretch with the same kind of wait, owner and team
(queued in tier 1, with rep Dev, waiting on the customer...). Laid over a clock, each segment
shows how much open time it counted towards the target and how much passed while paused, so a
missed SLA names where the time went and who held the case then.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from caseloom.domain.sla.calendar import ZERO, BusinessCalendar
from caseloom.domain.sla.clock import SlaClock


class SegmentKind(StrEnum):
    TRIAGE = "triage"  # being read, or waiting for a person to settle its triage
    QUEUED = "queued"  # waiting for a rep (or offered to one who has not accepted)
    WITH_REP = "with_rep"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    HANDOFF = "handoff"  # handed to field service, no visit planned yet
    FIELD_DISPATCH = "field_dispatch"  # a visit is planned, the technician not there yet
    ON_SITE = "on_site"
    RESOLVED = "resolved"


@dataclass(frozen=True, slots=True)
class Segment:
    kind: SegmentKind
    started_at: datetime
    ended_at: datetime | None  # None: it goes on
    owner: str | None
    team: str | None

    def same_stretch(self, kind: SegmentKind, owner: str | None, team: str | None) -> bool:
        return (self.kind, self.owner, self.team) == (kind, owner, team)


@dataclass(frozen=True, slots=True)
class Share:
    """One segment as one clock saw it."""

    segment: Segment
    counted: timedelta  # open time counted towards the target
    paused: timedelta  # open time that passed while the clock was paused


def attribute(
    clock: SlaClock, segments: Sequence[Segment], calendar: BusinessCalendar, now: datetime
) -> list[Share]:
    """Each segment that overlaps the clock's life, with the open time it counted and paused."""
    end = min(now, clock.ended_at or now)
    windows = [(a, min(b or end, end)) for a, b in clock.windows()]
    shares = []
    for segment in segments:
        begin = max(segment.started_at, clock.started_at)
        until = min(segment.ended_at or end, end)
        if until <= begin:
            continue
        total = calendar.between(begin, until)
        counted = sum((calendar.between(max(begin, a), min(until, b)) for a, b in windows), ZERO)
        shares.append(Share(segment, counted, total - counted))
    return shares


def where_the_time_went(shares: Sequence[Share]) -> dict[SegmentKind, timedelta]:
    """Counted open time by kind of segment, largest first."""
    totals: dict[SegmentKind, timedelta] = {}
    for share in shares:
        totals[share.segment.kind] = totals.get(share.segment.kind, ZERO) + share.counted
    return dict(sorted(totals.items(), key=lambda item: item[1], reverse=True))
