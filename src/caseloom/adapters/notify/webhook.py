"""Webhook notifications: a JSON POST to a URL the policy names, signed when it has a secret.

The signature is `sha256=<hex HMAC-SHA256>` of the exact body bytes, so a receiver can check the
request came from us. Error messages name the webhook and its host, never the full URL, which
often carries a token.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx2

from caseloom.domain.errors import DeliveryFailed
from caseloom.domain.notification import Notification, NotifyChannel

_TRANSIENT_STATUS = frozenset({408, 429})  # and every 5xx


@dataclass(frozen=True, slots=True)
class WebhookTarget:
    url: str
    secret: str | None = field(default=None, repr=False)


class WebhookNotifier:
    """POSTs each notification to the webhook named by `notification.to`."""

    def __init__(
        self,
        targets: Mapping[str, WebhookTarget],
        *,
        timeout: float = 10.0,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self._targets = dict(targets)
        self._timeout = timeout
        self._client = httpx2.Client(
            timeout=timeout, transport=transport, headers={"User-Agent": "caseloom"}
        )

    def send(self, notification: Notification) -> str:
        target = self._target(notification)
        where = _where(notification.to, target.url)
        body = _body(notification)
        try:
            response = self._client.post(
                target.url, content=body, headers=_headers(notification, body, target.secret)
            )
        except httpx2.TimeoutException:
            raise DeliveryFailed(f"{where} did not answer within {self._timeout} s") from None
        except (httpx2.UnsupportedProtocol, httpx2.InvalidURL) as error:
            raise DeliveryFailed(f"{where} has an unusable URL: {error}", permanent=True) from None
        except httpx2.TransportError as error:
            raise DeliveryFailed(f"could not reach {where}: {error}") from None
        return _outcome(where, response)

    def close(self) -> None:
        self._client.close()

    def _target(self, notification: Notification) -> WebhookTarget:
        if notification.channel is not NotifyChannel.WEBHOOK:
            raise DeliveryFailed(
                f"a webhook notifier cannot send {notification.channel} notifications",
                permanent=True,
            )
        target = self._targets.get(notification.to)
        if target is None:
            known = ", ".join(sorted(self._targets)) or "none"
            raise DeliveryFailed(
                f"no webhook named {notification.to!r} (known: {known})", permanent=True
            )
        return target


def signature(body: bytes, secret: str) -> str:
    """The `X-Caseloom-Signature` value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _body(notification: Notification) -> bytes:
    document = {
        "case": notification.case_ref,
        "subject": notification.subject,
        "body": notification.body,
        "created_at": notification.created_at.isoformat(),
        "notification_id": notification.id,
        **notification.payload,
    }
    try:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    except (TypeError, ValueError) as error:
        raise DeliveryFailed(f"the payload is not JSON: {error}", permanent=True) from None


def _headers(notification: Notification, body: bytes, secret: str | None) -> dict[str, str]:
    headers = {
        "Content-Type": "application/json",
        "X-Caseloom-Delivery": "" if notification.id is None else str(notification.id),
    }
    if secret is not None:
        headers["X-Caseloom-Signature"] = signature(body, secret)
    return headers


def _outcome(where: str, response: httpx2.Response) -> str:
    status = response.status_code
    if 200 <= status < 300:
        return f"HTTP {status}"
    transient = status in _TRANSIENT_STATUS or status >= 500
    text = response.text.strip()[:200]
    detail = f": {text}" if text else ""
    answer = f"{where} answered HTTP {status} {response.reason_phrase}{detail}"
    raise DeliveryFailed(answer, permanent=not transient)


def _where(name: str, url: str) -> str:
    try:
        host = httpx2.URL(url).host
    except httpx2.InvalidURL:
        host = ""
    return f"webhook {name!r} ({host})" if host else f"webhook {name!r}"
