"""The message bus: one handler per command, any number per event, each in its own unit of work.

A command's failure propagates to the caller. An event handler's failure is logged and does not
stop the others: what it changed was rolled back, and what was committed before stays.
A `ConcurrencyConflict` (someone changed the same aggregate first) is retried with fresh state,
after a short random pause so that contending workers do not collide again in step.
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from caseloom.domain.commands import Command
from caseloom.domain.errors import CaseloomError, ConcurrencyConflict
from caseloom.domain.events import Event
from caseloom.service_layer.ports import UnitOfWork

log = logging.getLogger(__name__)

RETRY_JITTER_S = 0.005  # up to this much times the attempt number, so contenders spread out

Handler = Callable[[Any, UnitOfWork], object]
Message = Command | Event


class MessageBus:
    def __init__(
        self,
        uow_factory: Callable[[], UnitOfWork],
        command_handlers: Mapping[type[Command], Handler],
        event_handlers: Mapping[type[Event], Sequence[Handler]],
        attempts: int = 5,
    ) -> None:
        self._uow_factory = uow_factory
        self._command_handlers = command_handlers
        self._event_handlers = event_handlers
        self._attempts = attempts

    def handle(self, command: Command) -> object:
        """Run `command`, then every event it leads to; return the command handler's result."""
        handler = self._command_handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        queue: deque[Event] = deque()
        result = self._run(handler, command, queue)
        while queue:
            self._dispatch(queue.popleft(), queue)
        return result

    def _dispatch(self, event: Event, queue: deque[Event]) -> None:
        for handler in self._event_handlers.get(type(event), ()):
            try:
                self._run(handler, event, queue)
            except CaseloomError as error:
                log.warning("%s could not handle %s: %s", _name(handler), event, error)
            except Exception:  # an event handler's bug must not undo what other handlers did
                log.exception("%s failed on %s", _name(handler), event)

    def _run(self, handler: Handler, message: Message, queue: deque[Event]) -> object:
        attempt = 1
        while True:
            uow = self._uow_factory()
            try:
                result = handler(message, uow)
            except ConcurrencyConflict:
                if attempt >= self._attempts:
                    raise
                log.debug("retrying %s after a concurrent change (attempt %d)", message, attempt)
                time.sleep(random.uniform(0, RETRY_JITTER_S * attempt))  # noqa: S311 - jitter
                attempt += 1
                continue
            queue.extend(uow.collect_new_events())
            return result


def _name(handler: Handler) -> str:
    target = getattr(handler, "func", handler)
    return getattr(target, "__qualname__", repr(target))
