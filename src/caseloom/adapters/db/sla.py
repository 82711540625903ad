"""SLA rows: clocks and segments as stored, durable timers, and the notification outbox.

Timers and notifications are claimed by workers with a lease: on PostgreSQL with
`FOR UPDATE SKIP LOCKED`, so many workers share the due rows without waiting on each other;
on SQLite (one worker) the same statement runs without the lock clause. A worker that dies
keeps its claim only until the lease ends; then another worker takes the row again.

A notification's lease is its next attempt: a claim moves `next_attempt_at` to the lease's end,
so the claim query reads only rows that are due, in the order of the index it scans, and never
steps over rows other workers hold.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Connection,
    Row,
    Table,
    bindparam,
    delete,
    insert,
    select,
    update,
)

from caseloom.adapters.db.appending import append, insert_into
from caseloom.adapters.db.membership import among
from caseloom.adapters.db.tables import notifications, sla_timers
from caseloom.domain.notification import Delivery, Notification, NotifyChannel
from caseloom.domain.sla import Pause, Segment, SegmentKind, SlaClock, Timer, TimerSpec


def clock_row(case_id: int, clock: SlaClock) -> dict[str, Any]:
    return {
        "case_id": case_id,
        "metric": clock.metric,
        "policy": clock.policy,
        "policy_version": clock.policy_version,
        "calendar": clock.calendar,
        "target_seconds": int(clock.target.total_seconds()),
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "met_at": clock.met_at,
        "pauses": [
            {"reason": p.reason, "from": _iso(p.started_at), "to": _iso(p.ended_at)}
            for p in clock.pauses
        ],
        "stopped_at": clock.stopped_at,
    }


def clock_from_row(row: Row[Any]) -> SlaClock:
    return SlaClock(
        row.metric,
        row.policy,
        row.policy_version,
        row.calendar,
        timedelta(seconds=row.target_seconds),
        row.started_at,
        row.due_at,
        row.met_at,
        tuple(Pause(p["reason"], _at(p["from"]), _maybe(p["to"])) for p in row.pauses),
        row.stopped_at,
    )


def segments_row(segments: Sequence[Segment]) -> list[dict[str, Any]]:
    return [
        {
            "kind": s.kind.value,
            "from": _iso(s.started_at),
            "to": _iso(s.ended_at),
            "owner": s.owner,
            "team": s.team,
        }
        for s in segments
    ]


def segments_from(rows: Sequence[Mapping[str, Any]]) -> list[Segment]:
    return [
        Segment(SegmentKind(r["kind"]), _at(r["from"]), _maybe(r["to"]), r["owner"], r["team"])
        for r in rows
    ]


_CASE_TIMERS = select(
    sla_timers.c.id, sla_timers.c.key, sla_timers.c.due_at, sla_timers.c.fired_at
).where(sla_timers.c.case_id == bindparam("case"))


class SqlTimerRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def replace(self, case_number: int, timers: Sequence[TimerSpec]) -> None:
        """Make the case's pending timers exactly `timers`, less those already fired."""
        stored = {row.key: row for row in self._conn.execute(_CASE_TIMERS, {"case": case_number})}
        wanted = {t.key: t for t in timers if not (t.key in stored and stored[t.key].fired_at)}
        stale = [row.id for key, row in stored.items() if not row.fired_at and key not in wanted]
        if stale:
            self._conn.execute(delete(sla_timers).where(among(self._conn, sla_timers.c.id, stale)))
        new = [_timer_row(case_number, t) for key, t in wanted.items() if key not in stored]
        if new:
            self._conn.execute(insert_into(sla_timers), new)
        for key, timer in wanted.items():
            row = stored.get(key)
            if row is not None and row.due_at != timer.due_at:
                self._conn.execute(
                    update(sla_timers)
                    .where(sla_timers.c.id == row.id)
                    .values(due_at=timer.due_at, lease_until=None)
                )

    def claim(self, now: datetime, limit: int, lease: timedelta, worker: str) -> list[Timer]:
        """Lease up to `limit` due timers nobody holds, earliest first."""
        free = sla_timers.c.lease_until.is_(None) | (sla_timers.c.lease_until < now)
        claimed = _claim(
            self._conn,
            sla_timers,
            sla_timers.c.fired_at.is_(None) & (sla_timers.c.due_at <= now) & free,
            sla_timers.c.due_at,
            limit=limit,
            returning=_TIMER_COLUMNS,
            lease_until=now + lease,
            claimed_by=worker,
            attempts=sla_timers.c.attempts + 1,
        )
        return sorted((Timer(*tuple(row)) for row in claimed), key=lambda t: (t.due_at, t.id))

    def fire_many(self, timer_ids: Sequence[int], at: datetime) -> set[int]:
        """Mark these fired ("fired") where still pending; the ids this call marked."""
        if not timer_ids:
            return set()
        marked = self._conn.execute(
            update(sla_timers)
            .where(among(self._conn, sla_timers.c.id, timer_ids), sla_timers.c.fired_at.is_(None))
            .values(fired_at=at, outcome="fired", lease_until=None)
            .returning(sla_timers.c.id)
        )
        return set(marked.scalars())

    def settle(self, timer_id: int, outcome: str) -> None:
        """A fired timer that did nothing: say why."""
        self._conn.execute(
            update(sla_timers).where(sla_timers.c.id == timer_id).values(outcome=outcome[:40])
        )

    def postpone(self, timer_id: int, due_at: datetime) -> None:
        """Pending again, due at `due_at` (also undoing `fire_many` in this transaction)."""
        self._conn.execute(
            update(sla_timers)
            .where(sla_timers.c.id == timer_id)
            .values(due_at=due_at, lease_until=None, fired_at=None, outcome=None)
        )

    def record(self, case_number: int, timer: TimerSpec, at: datetime, outcome: str) -> bool:
        """Store a timer fired at once (a condition escalation); False if its key already is."""
        exists = self._conn.execute(
            select(sla_timers.c.id).where(
                sla_timers.c.case_id == case_number, sla_timers.c.key == timer.key
            )
        ).first()
        if exists:
            return False
        row = _timer_row(case_number, timer) | {"fired_at": at, "outcome": outcome}
        self._conn.execute(insert(sla_timers).values(row))
        return True


class SqlNotificationOutbox:
    """New notifications are written together when the unit of work commits (`flush`)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._new: list[dict[str, Any]] = []

    def add(self, notification: Notification, case_number: int | None) -> None:
        self._new.append(
            {
                "case_id": case_number,
                "channel": notification.channel.value,
                "recipient": notification.to,
                "subject": notification.subject[:300],
                "body": notification.body,
                "payload": dict(notification.payload),
                "created_at": notification.created_at,
                "next_attempt_at": notification.created_at,
            }
        )

    @property
    def unwritten(self) -> bool:
        return bool(self._new)

    def flush(self) -> None:
        append(self._conn, notifications, self._new)
        self._new = []

    def claim(self, now: datetime, limit: int, lease: timedelta) -> list[Notification]:
        rows = _claim(
            self._conn,
            notifications,
            notifications.c.next_attempt_at <= now,
            notifications.c.next_attempt_at,
            limit=limit,
            returning=tuple(notifications.c),
            next_attempt_at=now + lease,
        )
        return [_notification(row) for row in sorted(rows, key=lambda r: r.id)]

    def settle(self, outcomes: Sequence[Delivery]) -> None:
        """Record the attempts in one statement: delivered, to retry, or given up."""
        if outcomes:
            self._conn.execute(_SETTLE, [_settled(o) for o in outcomes])


_SETTLE = (
    update(notifications)
    .where(notifications.c.id == bindparam("notification_id"))
    .values(
        attempts=notifications.c.attempts + 1,
        delivered_at=bindparam("delivered"),
        next_attempt_at=bindparam("retry_at"),
        result=bindparam("outcome"),
    )
)


def _settled(delivery: Delivery) -> dict[str, Any]:
    return {
        "notification_id": delivery.notification_id,
        "delivered": delivery.delivered_at,
        "retry_at": delivery.retry_at,
        "outcome": delivery.result[:2000],
    }


def _claim(
    conn: Connection,
    table: Table,
    free: ColumnElement[bool],
    order: ColumnElement[Any],
    *,
    limit: int,
    returning: Sequence[ColumnElement[Any]],
    **lease: Any,
) -> Sequence[Row[Any]]:
    """Lease up to `limit` rows of `table` that are `free` (due, and nobody holds them), in
    `order`, by setting the `lease` values; rows another worker has locked are skipped.

    Two statements, not `UPDATE ... WHERE id IN (SELECT ... SKIP LOCKED LIMIT n)`: in that form
    PostgreSQL re-runs the subquery each time the update meets a row another worker changed,
    and under load one claim read millions of pages."""
    ids = (
        conn.execute(
            select(table.c.id)
            .where(free)
            .order_by(order)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        .scalars()
        .all()
    )
    if not ids:
        return []
    leased = update(table).where(among(conn, table.c.id, ids)).values(**lease).returning(*returning)
    return conn.execute(leased).all()


_TIMER_COLUMNS = (
    sla_timers.c.id,
    sla_timers.c.case_id,
    sla_timers.c.key,
    sla_timers.c.metric,
    sla_timers.c.escalation,
    sla_timers.c.due_at,
    sla_timers.c.attempts,
)


def _timer_row(case_number: int, timer: TimerSpec) -> dict[str, Any]:
    return {
        "case_id": case_number,
        "key": timer.key,
        "metric": timer.metric,
        "escalation": timer.escalation,
        "due_at": timer.due_at,
    }


def _notification(row: Row[Any]) -> Notification:
    return Notification(
        channel=NotifyChannel(row.channel),
        to=row.recipient,
        subject=row.subject,
        body=row.body,
        created_at=row.created_at,
        case_ref=row.payload.get("case"),
        payload=dict(row.payload),
        id=row.id,
        attempts=row.attempts,
    )


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text)


def _maybe(text: str | None) -> datetime | None:
    return datetime.fromisoformat(text) if text else None
