"""Delivering the notifications escalations left in the outbox."""

from __future__ import annotations

from collections import Counter
from datetime import timedelta

from caseloom.domain.commands import DeliverNotifications
from caseloom.domain.errors import DeliveryFailed
from caseloom.domain.notification import Delivery, Notification
from caseloom.service_layer.ports import Clock, Notifier, UnitOfWork

NOTIFICATION_LEASE = timedelta(minutes=2)


def deliver_notifications(
    cmd: DeliverNotifications, uow: UnitOfWork, *, notifier: Notifier, clock: Clock
) -> dict[str, int]:
    """Send what is due, then record every outcome in one transaction: a failure is retried
    with back-off, a permanent one is given up. A crash before the record sends again (at least
    once), never loses one."""
    with uow:
        claimed = uow.outbox.claim(clock.now(), cmd.limit, NOTIFICATION_LEASE)
        uow.commit()
    outcomes = [_attempt(notifier, n, clock) for n in claimed]
    with uow:
        uow.outbox.settle(outcomes)
        uow.commit()
    counts = Counter(
        "delivered" if o.delivered_at else "to retry" if o.retry_at else "given up"
        for o in outcomes
    )
    return dict(counts)


def _attempt(notifier: Notifier, notification: Notification, clock: Clock) -> Delivery:
    """Send it; a transient failure is tried again later, a permanent one is given up."""
    assert notification.id is not None
    try:
        result = notifier.send(notification)
    except DeliveryFailed as failure:
        retry_at = None if failure.permanent else notification.retry_at(clock.now())
        return Delivery(notification.id, str(failure), retry_at=retry_at)
    return Delivery(notification.id, result, delivered_at=clock.now())
