"""The notification outbox: claims are leases, due first; concurrent claims never share a row;
the migration that made the lease the next attempt keeps a held notification held."""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

import pytest
import sqlalchemy as sa

from caseloom.adapters.db.engine import make_engine, migrate
from caseloom.adapters.db.tables import UtcDateTime, notifications
from caseloom.adapters.db.unit_of_work import SqlUnitOfWork
from caseloom.domain.notification import Delivery, Notification, NotifyChannel
from tests.factories import NOW
from tests.fakes import FakeClock

LEASE = timedelta(minutes=2)


def queue(engine: sa.Engine, count: int, *, first_at: datetime = NOW) -> None:
    with SqlUnitOfWork(engine, FakeClock(NOW)) as uow:
        for n in range(count):
            at = first_at + timedelta(seconds=n)
            uow.outbox.add(
                Notification(NotifyChannel.EMAIL, f"p{n}@x.test", f"subject {n}", "body", at),
                None,
            )
        uow.commit()


def claim(engine: sa.Engine, limit: int, at: datetime = NOW) -> list[str]:
    with SqlUnitOfWork(engine, FakeClock(at)) as uow:
        claimed = uow.outbox.claim(at, limit, LEASE)
        uow.commit()
    return [n.subject for n in claimed]


def test_claims_take_the_earliest_due_and_hold_them_for_the_lease(engine: sa.Engine) -> None:
    queue(engine, 3, first_at=NOW - timedelta(seconds=10))
    assert claim(engine, 2) == ["subject 0", "subject 1"]
    assert claim(engine, 5) == ["subject 2"]  # the first two are held
    assert claim(engine, 5, NOW + LEASE - timedelta(seconds=1)) == []
    # their worker died: once the lease is over they are due again, in order
    assert claim(engine, 5, NOW + LEASE) == ["subject 0", "subject 1", "subject 2"]


def test_a_settled_notification_is_not_claimed_again_unless_it_is_to_be_retried(
    engine: sa.Engine,
) -> None:
    queue(engine, 3, first_at=NOW - timedelta(seconds=10))
    with SqlUnitOfWork(engine, FakeClock(NOW)) as uow:
        sent, retried, failed = (n.id or 0 for n in uow.outbox.claim(NOW, 3, LEASE))
        uow.outbox.settle(
            [
                Delivery(sent, "250 OK", delivered_at=NOW),
                Delivery(retried, "451 try later", retry_at=NOW + timedelta(minutes=5)),
                Delivery(failed, "550 no such user"),
            ]
        )
        uow.commit()
    assert claim(engine, 5, NOW + timedelta(hours=1)) == ["subject 1"]
    with engine.connect() as conn:
        rows = conn.execute(
            sa.select(notifications.c.attempts, notifications.c.result).order_by(notifications.c.id)
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, "250 OK"),
        (1, "451 try later"),
        (1, "550 no such user"),
    ]


@pytest.mark.postgres
def test_workers_claiming_at_once_never_share_a_notification(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        migrate(engine)
        queue(engine, 600, first_at=NOW - timedelta(hours=1))
        claimed: list[list[str]] = [[] for _ in range(4)]
        start = threading.Barrier(4)

        def work(mine: list[str]) -> None:
            start.wait()
            while batch := claim(engine, 25):
                mine.extend(batch)

        threads = [threading.Thread(target=work, args=(mine,)) for mine in claimed]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        everything = [subject for mine in claimed for subject in mine]
        assert sorted(everything) == sorted(f"subject {n}" for n in range(600))
        assert all(claimed), "every worker got a share"
    finally:
        engine.dispose()


def test_the_migration_keeps_a_held_notification_held_until_its_lease_ends(
    database_url: str,
) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine, "0003")
        as_of_0003 = sa.table(
            "notifications",
            *(sa.column(name) for name in ("channel", "recipient", "subject", "body", "payload")),
            *(sa.column(name, UtcDateTime) for name in _TIMES),
        )
        with engine.begin() as conn:
            conn.execute(
                sa.insert(as_of_0003),
                [
                    _row("held", lease_until=NOW + LEASE),
                    _row("free", lease_until=None),
                ],
            )
        migrate(engine)
        assert claim(engine, 5, NOW + timedelta(seconds=1)) == ["free"]
        assert claim(engine, 5, NOW + LEASE) == ["held"]
    finally:
        engine.dispose()


_TIMES = ("created_at", "next_attempt_at", "lease_until")


def _row(subject: str, lease_until: datetime | None) -> dict[str, object]:
    return {
        "channel": "email",
        "recipient": f"{subject}@x.test",
        "subject": subject,
        "body": "b",
        "payload": "{}",
        "created_at": NOW,
        "next_attempt_at": NOW,
        "lease_until": lease_until,
    }
