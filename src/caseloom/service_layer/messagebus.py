"""The message bus: one handler per command, any number per event, each in its own unit of work.

A command's failure propagates to the caller. An event handler's failure is logged and does not
stop the others: what it changed was rolled back, and what was committed before stays.
A `ConcurrencyConflict` (someone changed the same aggregate first) is retried with fresh state,
after a short random pause so that contending workers do not collide again in step.

`handle_all` is group commit: many commands and everything they lead to in one transaction, each
handler in a savepoint of it, so a failing handler still undoes only its own changes. Events are
handled breadth first, and a handler marked `Batched` takes all queued events of its type at
once (the Triage agent reads a batch of cases in one call to its model). If the transaction
cannot be committed, each command runs again on its own, so a batch never loses what `handle`
would have kept.
"""

from __future__ import annotations

import logging
import random
import time
from collections import deque
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from caseloom.domain.commands import Command
from caseloom.domain.errors import CaseloomError, ConcurrencyConflict
from caseloom.domain.events import Event
from caseloom.service_layer.ports import Batch, UnitOfWork

log = logging.getLogger(__name__)

RETRY_JITTER_S = 0.005  # up to this much times the attempt number, so contenders spread out

Handler = Callable[[Any, UnitOfWork], object]
Message = Command | Event
UowFactory = Callable[[], UnitOfWork]


@dataclass(frozen=True, slots=True)
class Batched:
    """An event handler that takes a list: every queued event of its type at once."""

    handler: Handler

    def __call__(self, events: list[Event], uow: UnitOfWork) -> object:
        return self.handler(events, uow)


class MessageBus:
    def __init__(
        self,
        uow_factory: UowFactory,
        command_handlers: Mapping[type[Command], Handler],
        event_handlers: Mapping[type[Event], Sequence[Handler]],
        attempts: int = 5,
        batch: Callable[[], Batch] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._command_handlers = command_handlers
        self._event_handlers = event_handlers
        self._attempts = attempts
        self._batch = batch

    def handle(self, command: Command) -> object:
        """Run `command`, then every event it leads to; return the command handler's result."""
        queue: deque[Event] = deque()
        result = self._run(self._handler_of(command), command, queue, self._uow_factory)
        self._drain(queue, self._uow_factory)
        return result

    def handle_all(self, commands: Sequence[Command]) -> list[object]:
        """Run `commands` and all they lead to in one transaction; each one's result, or the
        exception it raised (as `handle` would have), in order. One command alone is worth a
        batch too: all it leads to shares its transaction (a mailbox poll takes many
        messages)."""
        if self._batch is None or not commands:
            return [self._outcome(command) for command in commands]
        try:
            with self._batch() as batch:
                results = self._handle_in(batch.uow, commands)
                batch.commit()
        except Exception:
            log.exception("a batch of %d commands failed; running each alone", len(commands))
            return [self._outcome(command) for command in commands]
        return results

    def _handle_in(self, uow: UnitOfWork, commands: Sequence[Command]) -> list[object]:
        shared: UowFactory = lambda: uow  # noqa: E731 - every handler in the batch's transaction
        queue: deque[Event] = deque()
        results: list[object] = []
        for command in commands:
            try:
                results.append(self._run(self._handler_of(command), command, queue, shared))
            except Exception as error:  # that command's outcome; the others go on
                results.append(error)
        self._drain(queue, shared)
        return results

    def _outcome(self, command: Command) -> object:
        try:
            return self.handle(command)
        except Exception as error:
            return error

    def _handler_of(self, command: Command) -> Handler:
        handler = self._command_handlers.get(type(command))
        if handler is None:
            raise LookupError(f"no handler for {type(command).__name__}")
        return handler

    def _drain(self, queue: deque[Event], uows: UowFactory) -> None:
        while queue:
            event = queue.popleft()
            handlers = self._event_handlers.get(type(event), ())
            batched = any(isinstance(h, Batched) for h in handlers)
            events = [event, *_alike(event, queue)] if batched else [event]
            for handler in handlers:
                if not isinstance(handler, Batched):
                    for one in events:
                        self._dispatch(handler, one, queue, uows)
                elif not self._dispatch(handler, events, queue, uows) and len(events) > 1:
                    for one in events:  # so that one event's failure keeps no other back
                        self._dispatch(handler, [one], queue, uows)

    def _dispatch(
        self, handler: Handler, message: Event | list[Event], queue: deque[Event], uows: UowFactory
    ) -> bool:
        try:
            self._run(handler, message, queue, uows)
        except CaseloomError as error:
            log.warning("%s could not handle %s: %s", _name(handler), message, error)
        except Exception:  # an event handler's bug must not undo what other handlers did
            log.exception("%s failed on %s", _name(handler), message)
        else:
            return True
        return False

    def _run(self, handler: Handler, message: Any, queue: deque[Event], uows: UowFactory) -> object:
        attempt = 1
        while True:
            uow = uows()
            try:
                return handler(message, uow)
            except ConcurrencyConflict:
                if attempt >= self._attempts:
                    raise
                log.debug("retrying %s after a concurrent change (attempt %d)", message, attempt)
                time.sleep(random.uniform(0, RETRY_JITTER_S * attempt))  # noqa: S311 - jitter
                attempt += 1
            finally:  # what it committed is announced, even if a later block of it failed
                queue.extend(uow.collect_new_events())


def _alike(event: Event, queue: deque[Event]) -> list[Event]:
    """Take the events of `event`'s type out of `queue`, in order."""
    kind = type(event)
    alike = [e for e in queue if type(e) is kind]
    if alike:
        remaining = [e for e in queue if type(e) is not kind]
        queue.clear()
        queue.extend(remaining)
    return alike


def _name(handler: Handler) -> str:
    target = handler.handler if isinstance(handler, Batched) else handler
    target = getattr(target, "func", target)
    return getattr(target, "__qualname__", repr(target))
