"""Notifiers: e-mail over SMTP, webhooks over HTTP, and a log-only stand-in for e-mail."""

from __future__ import annotations

import logging
from typing import Protocol, runtime_checkable

from caseloom.adapters.notify.smtp import SmtpNotifier, smtp_notifier
from caseloom.adapters.notify.webhook import WebhookNotifier, WebhookTarget
from caseloom.domain.notification import Notification, NotifyChannel
from caseloom.service_layer.ports import Notifier

__all__ = [
    "ChannelNotifier",
    "LogNotifier",
    "SmtpNotifier",
    "WebhookNotifier",
    "WebhookTarget",
    "smtp_notifier",
]


@runtime_checkable
class _Closeable(Protocol):
    def close(self) -> None: ...


class LogNotifier:
    """Logs each notification instead of sending it: e-mail when no SMTP server is set."""

    def __init__(self, logger_name: str = "caseloom.notify") -> None:
        self._logger = logging.getLogger(logger_name)

    def send(self, notification: Notification) -> str:
        self._logger.info(
            "%s notification to %s: %s",
            notification.channel,
            notification.to,
            notification.subject,
        )
        return "logged (no SMTP server configured)"


class ChannelNotifier:
    """Sends each notification through the notifier of its channel."""

    def __init__(self, email: Notifier, webhook: Notifier) -> None:
        self._by_channel = {NotifyChannel.EMAIL: email, NotifyChannel.WEBHOOK: webhook}

    def send(self, notification: Notification) -> str:
        return self._by_channel[notification.channel].send(notification)

    def close(self) -> None:
        for notifier in {id(n): n for n in self._by_channel.values()}.values():
            if isinstance(notifier, _Closeable):
                notifier.close()
