"""The case lifecycle: every status, and the only moves allowed between them."""

from __future__ import annotations

from collections.abc import Mapping
from enum import StrEnum

from caseloom.domain.errors import IllegalTransition
from caseloom.domain.sla.segments import SegmentKind


class CaseStatus(StrEnum):
    NEW = "new"
    TRIAGE_REVIEW = "triage_review"  # no model was sure enough: a person reads it first
    TRIAGED = "triaged"
    QUEUED = "queued"
    OFFERED = "offered"  # pushed to a rep who has not accepted yet; holds their capacity
    ASSIGNED = "assigned"
    IN_PROGRESS = "in_progress"
    WAITING_ON_CUSTOMER = "waiting_on_customer"
    HANDED_OFF = "handed_off"  # with a field team, no visit booked yet
    VISIT_SCHEDULED = "visit_scheduled"  # a technician's visit is booked
    ON_SITE = "on_site"  # the technician is there
    RESOLVED = "resolved"
    CLOSED = "closed"
    REOPENED = "reopened"


S = CaseStatus
TRANSITIONS: Mapping[CaseStatus, frozenset[CaseStatus]] = {
    S.NEW: frozenset({S.TRIAGED, S.TRIAGE_REVIEW}),
    S.TRIAGE_REVIEW: frozenset({S.TRIAGED}),
    S.TRIAGED: frozenset({S.QUEUED, S.OFFERED, S.ASSIGNED}),
    S.QUEUED: frozenset({S.QUEUED, S.OFFERED, S.ASSIGNED, S.HANDED_OFF}),
    S.OFFERED: frozenset({S.QUEUED, S.OFFERED, S.ASSIGNED}),
    S.ASSIGNED: frozenset(
        {S.IN_PROGRESS, S.QUEUED, S.OFFERED, S.ASSIGNED, S.RESOLVED, S.HANDED_OFF}
    ),
    S.IN_PROGRESS: frozenset(
        {S.WAITING_ON_CUSTOMER, S.RESOLVED, S.QUEUED, S.OFFERED, S.ASSIGNED, S.HANDED_OFF}
    ),
    S.WAITING_ON_CUSTOMER: frozenset(
        {S.IN_PROGRESS, S.RESOLVED, S.QUEUED, S.OFFERED, S.ASSIGNED, S.HANDED_OFF}
    ),
    S.HANDED_OFF: frozenset({S.VISIT_SCHEDULED, S.RESOLVED}),
    S.VISIT_SCHEDULED: frozenset({S.VISIT_SCHEDULED, S.ON_SITE, S.HANDED_OFF, S.RESOLVED}),
    S.ON_SITE: frozenset({S.RESOLVED, S.HANDED_OFF}),
    S.RESOLVED: frozenset({S.CLOSED, S.REOPENED}),
    S.CLOSED: frozenset({S.REOPENED}),
    S.REOPENED: frozenset({S.QUEUED, S.OFFERED, S.ASSIGNED}),
}

# While a rep owns (or is offered) a case in one of these, it takes the case's units of the
# rep's capacity.
OCCUPYING = frozenset({S.OFFERED, S.ASSIGNED, S.IN_PROGRESS, S.WAITING_ON_CUSTOMER})
# With field service: the desk's rep no longer holds it.
IN_THE_FIELD = frozenset({S.HANDED_OFF, S.VISIT_SCHEDULED, S.ON_SITE})
# A rep has not started on these yet: re-routing may move them.
UNSTARTED = frozenset({S.QUEUED, S.OFFERED, S.ASSIGNED})


def check_move(ref: str, current: CaseStatus, to: CaseStatus) -> None:
    allowed = TRANSITIONS[current]
    if to not in allowed:
        options = ", ".join(sorted(allowed))
        raise IllegalTransition(
            f"case {ref} cannot go from {current} to {to}; from {current} it can go to: {options}"
        )


# What kind of wait each status is, for breach attribution (`domain.sla.segments`).
SEGMENT_KINDS: Mapping[CaseStatus, SegmentKind] = {
    S.NEW: SegmentKind.TRIAGE,
    S.TRIAGE_REVIEW: SegmentKind.TRIAGE,
    S.TRIAGED: SegmentKind.QUEUED,
    S.QUEUED: SegmentKind.QUEUED,
    S.OFFERED: SegmentKind.QUEUED,
    S.REOPENED: SegmentKind.QUEUED,
    S.ASSIGNED: SegmentKind.WITH_REP,
    S.IN_PROGRESS: SegmentKind.WITH_REP,
    S.WAITING_ON_CUSTOMER: SegmentKind.WAITING_ON_CUSTOMER,
    S.HANDED_OFF: SegmentKind.HANDOFF,
    S.VISIT_SCHEDULED: SegmentKind.FIELD_DISPATCH,
    S.ON_SITE: SegmentKind.ON_SITE,
    S.RESOLVED: SegmentKind.RESOLVED,
    S.CLOSED: SegmentKind.RESOLVED,
}
