"""SLA views: one case's clocks with where their time went, and the cases closest to breach."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import select

from caseloom.adapters.db.sla import clock_from_row, segments_from
from caseloom.adapters.db.tables import cases, notifications, sla_clocks, sla_timers
from caseloom.domain.case import case_number
from caseloom.domain.errors import NotFound
from caseloom.domain.sla import (
    BusinessCalendar,
    Segment,
    SlaClock,
    attribute,
    overall_state,
    where_the_time_went,
)
from caseloom.views.cases import clocks_of
from caseloom.views.models import (
    AtRisk,
    AtRiskPage,
    ClockDetail,
    NotificationView,
    PauseView,
    ShareView,
    SlaView,
    TimerView,
)
from caseloom.views.store import ReadStore

Calendars = Callable[[str], BusinessCalendar]
MAX_AT_RISK = 500
OPEN = ("resolved", "closed")


def case_sla(store: ReadStore, ref: str, now: datetime, calendars: Calendars) -> SlaView:
    number = case_number(ref)
    with store.read() as conn:
        row = conn.execute(
            select(cases.c.ref, cases.c.segments).where(cases.c.id == number)
        ).first()
        if row is None:
            raise NotFound(f"no case {ref}")
        clocks = clocks_of(conn, [number])[number]
        timers = conn.execute(
            select(sla_timers).where(sla_timers.c.case_id == number).order_by(sla_timers.c.due_at)
        ).all()
        sent = conn.execute(
            select(notifications)
            .where(notifications.c.case_id == number)
            .order_by(notifications.c.id)
        ).all()
    segments = segments_from(row.segments)
    return SlaView(
        ref=row.ref,
        now=now,
        state=overall_state(clocks, now),
        clocks=[_clock(c, segments, calendars(c.calendar), now) for c in clocks],
        timers=[
            TimerView(
                escalation=t.escalation,
                metric=t.metric,
                due_at=t.due_at,
                fired_at=t.fired_at,
                outcome=t.outcome,
                attempts=t.attempts,
            )
            for t in timers
        ],
        notifications=[
            NotificationView(
                channel=n.channel,
                to=n.recipient,
                subject=n.subject,
                created_at=n.created_at,
                attempts=n.attempts,
                delivered_at=n.delivered_at,
                next_attempt_at=n.next_attempt_at,
                result=n.result,
            )
            for n in sent
        ],
    )


def _clock(
    clock: SlaClock, segments: list[Segment], calendar: BusinessCalendar, now: datetime
) -> ClockDetail:
    shares = attribute(clock, segments, calendar, now)
    return ClockDetail(
        metric=clock.metric,
        policy=clock.policy,
        policy_version=clock.policy_version,
        calendar=clock.calendar,
        started_at=clock.started_at,
        due_at=clock.due_at,
        met_at=clock.met_at,
        stopped_at=clock.stopped_at,
        state=clock.state(now),
        target_minutes=_minutes(clock.target),
        counted_minutes=_minutes(clock.counted(calendar, now)),
        used=round(clock.used(calendar, now), 4),
        pauses=[
            PauseView(reason=p.reason, started_at=p.started_at, ended_at=p.ended_at)
            for p in clock.pauses
        ],
        segments=[
            ShareView(
                kind=s.segment.kind,
                owner=s.segment.owner,
                team=s.segment.team,
                started_at=s.segment.started_at,
                ended_at=s.segment.ended_at,
                counted_minutes=_minutes(s.counted),
                paused_minutes=_minutes(s.paused),
            )
            for s in shares
        ],
        where_the_time_went={str(k): _minutes(v) for k, v in where_the_time_went(shares).items()},
    )


def at_risk(
    store: ReadStore,
    now: datetime,
    calendars: Calendars,
    *,
    within: timedelta,
    team: str | None = None,
    limit: int = 100,
) -> AtRiskPage:
    """Running clocks of open cases due by `now + within` (breached ones first), nearest first."""
    query = (
        select(
            sla_clocks,
            cases.c.ref,
            cases.c.subject,
            cases.c.status,
            cases.c.priority,
            cases.c.team,
            cases.c.owner,
        )
        .join(cases, cases.c.id == sla_clocks.c.case_id)
        .where(
            sla_clocks.c.met_at.is_(None),
            sla_clocks.c.stopped_at.is_(None),
            sla_clocks.c.due_at.is_not(None),
            sla_clocks.c.due_at <= now + within,
            cases.c.status.not_in(OPEN),
        )
        .order_by(sla_clocks.c.due_at, cases.c.priority)
        .limit(min(limit, MAX_AT_RISK))
    )
    if team:
        query = query.where(cases.c.team == team)
    with store.read() as conn:
        rows = conn.execute(query).all()
    items = []
    for row in rows:
        clock = clock_from_row(row)
        assert clock.due_at is not None
        items.append(
            AtRisk(
                ref=row.ref,
                subject=row.subject,
                status=row.status,
                priority=row.priority,
                team=row.team,
                owner=row.owner,
                metric=clock.metric,
                due_at=clock.due_at,
                minutes_left=_minutes(clock.due_at - now),
                used=round(clock.used(calendars(clock.calendar), now), 4),
            )
        )
    return AtRiskPage(now=now, items=items)


def _minutes(span: timedelta) -> float:
    return round(span.total_seconds() / 60, 1)
