"""The customer's view of their case, reached by the secret link of its status page.

Only what the customer may see: their own messages and our team's replies (never an internal
note), the files they sent, the status in their words, and the SLA promise.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, func, select

from caseloom.adapters.db.sla import clock_from_row
from caseloom.adapters.db.tables import (
    attachments,
    cases,
    idempotency_keys,
    messages,
    sla_clocks,
    status_links,
)
from caseloom.domain.case import CaseStatus, Channel, MessageKind
from caseloom.domain.mail import status_key
from caseloom.domain.sla import BusinessCalendar, SlaClock, SlaMetric
from caseloom.views.models import (
    PortalCaseView,
    PortalFileView,
    PortalMessageView,
    PortalPromiseView,
)
from caseloom.views.store import ReadStore

Calendars = Callable[[str], BusinessCalendar]
S = CaseStatus
RECEIVED = "We have your request"
WAITING = "Waiting for the next person on our team"
WORKING = "We are working on it"
STATUS_WORDS: Mapping[CaseStatus, str] = {
    S.NEW: RECEIVED,
    S.TRIAGE_REVIEW: RECEIVED,
    S.TRIAGED: RECEIVED,
    S.QUEUED: WAITING,
    S.OFFERED: WAITING,
    S.ASSIGNED: "With a member of our team",
    S.IN_PROGRESS: WORKING,
    S.WAITING_ON_CUSTOMER: "Waiting for your reply",
    S.HANDED_OFF: "With our field team, to arrange a visit",
    S.VISIT_SCHEDULED: "An engineer visit is booked",
    S.ON_SITE: "Our engineer is with you",
    S.RESOLVED: "Resolved",
    S.CLOSED: "Closed",
    S.REOPENED: "Reopened: we are looking at it again",
}
SEEN_BY = {MessageKind.CUSTOMER_REPLY: "you", MessageKind.REP_REPLY: "our team"}
PROMISED = (SlaMetric.FIRST_RESPONSE, SlaMetric.RESOLUTION)


def opened_since(store: ReadStore, email: str, since: datetime, *, form: str) -> int | None:
    """How many cases the portal opened for this e-mail address since `since`; None if the
    form with the idempotency key `form` opened one already (sending it again is no new case)."""
    count = select(func.count()).where(
        cases.c.contact_email == email.strip().lower(),
        cases.c.opened_at >= since,
        cases.c.channel == Channel.PORTAL.value,
    )
    sent = select(idempotency_keys.c.case_id).where(idempotency_keys.c.key == form)
    with store.read() as conn:
        if conn.execute(sent).first() is not None:
            return None
        return int(conn.execute(count).scalar_one())


def case_status(
    store: ReadStore, token: str, *, calendars: Calendars | None = None
) -> PortalCaseView | None:
    """The case whose status link has this token, or None (unknown and wrong look the same).
    `calendars` gives the zone to show times in (the case's business calendar); default UTC."""
    found = select(cases).join(status_links, status_links.c.case_id == cases.c.id)
    with store.read() as conn:
        row = conn.execute(found.where(status_links.c.key == status_key(token))).first()
        if row is None:
            return None
        said = _messages(conn, row.id)
        files = _files(conn, row.id)
        clocks = {
            c.metric: c
            for c in map(
                clock_from_row,
                conn.execute(
                    select(sla_clocks).where(
                        sla_clocks.c.case_id == row.id, sla_clocks.c.metric.in_(PROMISED)
                    )
                ),
            )
        }
    return _view(row, said, files, clocks, calendars)


def _messages(conn: Connection, case_id: int) -> list[PortalMessageView]:
    query = (
        select(messages.c.kind, messages.c.body, messages.c.at)
        .where(messages.c.case_id == case_id, messages.c.kind.in_(list(SEEN_BY)))
        .order_by(messages.c.id)
    )
    return [
        PortalMessageView(by=SEEN_BY[MessageKind(m.kind)], body=m.body, at=m.at)
        for m in conn.execute(query)
    ]


def _files(conn: Connection, case_id: int) -> list[PortalFileView]:
    query = (
        select(attachments.c.filename, attachments.c.size, attachments.c.dropped)
        .where(attachments.c.case_id == case_id, attachments.c.inline.is_(False))
        .order_by(attachments.c.id)
    )
    return [
        PortalFileView(filename=f.filename, size=f.size, dropped=f.dropped)
        for f in conn.execute(query)
    ]


def _view(
    row: Row[Any],
    said: list[PortalMessageView],
    files: list[PortalFileView],
    clocks: dict[str, SlaClock],
    calendars: Calendars | None,
) -> PortalCaseView:
    clock = clocks.get(SlaMetric.RESOLUTION) or clocks.get(SlaMetric.FIRST_RESPONSE)
    timezone = calendars(clock.calendar).timezone if calendars and clock else "UTC"
    return PortalCaseView(
        ref=row.ref,
        subject=row.subject,
        description=row.description,
        status=row.status,
        status_words=STATUS_WORDS.get(row.status, WORKING),
        opened_at=row.opened_at,
        timezone=timezone,
        messages=said,
        attachments=files,
        first_reply=_promise(clocks.get(SlaMetric.FIRST_RESPONSE)),
        resolution=_promise(clocks.get(SlaMetric.RESOLUTION)),
    )


def _promise(clock: SlaClock | None) -> PortalPromiseView | None:
    if clock is None:
        return None
    return PortalPromiseView(
        due_at=clock.due_at,
        met_at=clock.met_at,
        paused=clock.paused,
        stopped=clock.stopped_at is not None,
    )
