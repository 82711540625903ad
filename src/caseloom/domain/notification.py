"""Notifications: what an escalation tells people and systems, kept in an outbox until sent.

An escalation writes its notifications in the same transaction as its journey entries; a worker
delivers them later through a `Notifier`, retrying with back-off. A crash between the two loses
nothing, and a notification is sent at least once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

RETRY_AFTER = (
    timedelta(seconds=30),
    timedelta(minutes=2),
    timedelta(minutes=10),
    timedelta(hours=1),
)
MAX_ATTEMPTS = 8  # then it is given up, and stays visible as failed


class NotifyChannel(StrEnum):
    EMAIL = "email"
    WEBHOOK = "webhook"


@dataclass(frozen=True, slots=True)
class Notification:
    channel: NotifyChannel
    to: str  # an e-mail address, or the name of a webhook declared in the policy
    subject: str
    body: str  # plain text, for people
    created_at: datetime
    case_ref: str | None = None
    payload: Mapping[str, object] = field(default_factory=dict)  # JSON, for systems
    id: int | None = None  # set once stored
    attempts: int = 0  # delivery attempts so far

    def retry_at(self, now: datetime) -> datetime | None:
        """When to try again after a failed attempt; None once it is time to give up."""
        if self.attempts + 1 >= MAX_ATTEMPTS:
            return None
        return now + RETRY_AFTER[min(self.attempts, len(RETRY_AFTER) - 1)]


@dataclass(frozen=True, slots=True)
class Delivery:
    """The outcome of one attempt: delivered at, or to retry at, or given up (neither)."""

    notification_id: int
    result: str  # what the far end said, or the error
    delivered_at: datetime | None = None
    retry_at: datetime | None = None
