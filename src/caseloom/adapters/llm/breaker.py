"""A circuit breaker that tells time by our `Clock`.

pybreaker reads `datetime.now()` itself and holds its lock for the whole guarded call, which
would serialise every LLM request; purgatory is built around asyncio and its own time source.
Neither takes a clock, so this is the classic closed / open / half-open breaker by hand.
"""

from __future__ import annotations

import threading
from datetime import datetime, timedelta

from caseloom.service_layer.ports import Clock


class CircuitBreaker:
    """Opens after `failures` consecutive failed calls and stays open for `cooldown`; then lets
    one trial call through, which closes it again or opens it for another `cooldown`."""

    def __init__(self, failures: int, cooldown: timedelta, clock: Clock) -> None:
        self._failures = failures
        self._cooldown = cooldown
        self._clock = clock
        self._lock = threading.Lock()
        self._streak = 0
        self._open_until: datetime | None = None
        self._trial_under_way = False

    def refusal(self) -> str | None:
        """Why no call may be made now; None lets one through, whose end `record` must hear."""
        with self._lock:
            if self._open_until is None:
                return None
            if self._trial_under_way:
                return "circuit half-open: a trial call is under way"
            if self._clock.now() < self._open_until:
                return f"circuit open until {self._open_until.isoformat()}"
            self._trial_under_way = True
            return None

    def record(self, succeeded: bool) -> None:
        with self._lock:
            self._trial_under_way = False
            if succeeded:
                self._streak = 0
                self._open_until = None
                return
            self._streak += 1
            if self._open_until is not None or self._streak >= self._failures:
                self._open_until = self._clock.now() + self._cooldown
