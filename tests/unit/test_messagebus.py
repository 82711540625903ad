"""The bus: a command returns or raises; events fan out to isolated handlers; conflicts retry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pytest

from caseloom.domain.commands import Command
from caseloom.domain.errors import ConcurrencyConflict, InvalidInput
from caseloom.domain.events import Event
from caseloom.service_layer.messagebus import MessageBus
from caseloom.service_layer.ports import UnitOfWork
from tests.fakes import FakeUnitOfWork


@dataclass(frozen=True)
class Ping(Command):
    value: int


@dataclass(frozen=True)
class Pinged(Event):
    value: int


class Emitting(FakeUnitOfWork):
    """A unit of work whose commit released `events` (once: later ones release nothing)."""

    def __init__(self, events: list[Event]) -> None:
        super().__init__()
        self._events = list(events)


def first_emits(*events: Event) -> Callable[[], FakeUnitOfWork]:
    """A unit-of-work factory whose first unit releases `events`; the rest release none."""
    made: list[FakeUnitOfWork] = []

    def factory() -> FakeUnitOfWork:
        made.append(Emitting(list(events) if not made else []))
        return made[-1]

    return factory


def test_a_command_returns_its_handlers_result_and_its_events_reach_every_subscriber() -> None:
    seen: list[str] = []

    def ping(cmd: Ping, uow: UnitOfWork) -> int:
        return cmd.value * 2

    bus = MessageBus(
        first_emits(Pinged(1)),
        {Ping: ping},
        {Pinged: [lambda e, uow: seen.append("first"), lambda e, uow: seen.append("second")]},
    )
    assert bus.handle(Ping(21)) == 42
    assert seen == ["first", "second"]


def test_a_failing_event_handler_does_not_stop_the_others(caplog: pytest.LogCaptureFixture) -> None:
    seen: list[str] = []

    def broken(event: Pinged, uow: UnitOfWork) -> None:
        raise InvalidInput("no")

    bus = MessageBus(
        first_emits(Pinged(1)),
        {Ping: lambda cmd, uow: None},
        {Pinged: [broken, lambda e, uow: seen.append("after")]},
    )
    bus.handle(Ping(1))
    assert seen == ["after"]
    assert "could not handle Pinged(value=1): no" in caplog.text


def test_a_concurrency_conflict_is_retried_with_a_fresh_unit_of_work() -> None:
    attempts: list[UnitOfWork] = []  # held, so that no two can share an id()

    def flaky(cmd: Ping, uow: UnitOfWork) -> str:
        attempts.append(uow)
        if len(attempts) < 3:
            raise ConcurrencyConflict("someone else")
        return "done"

    bus = MessageBus(FakeUnitOfWork, {Ping: flaky}, {})
    assert bus.handle(Ping(1)) == "done"
    assert len({id(uow) for uow in attempts}) == 3


def test_a_conflict_that_never_clears_is_raised_to_the_caller() -> None:
    def always(cmd: Ping, uow: UnitOfWork) -> None:
        raise ConcurrencyConflict("always")

    with pytest.raises(ConcurrencyConflict):
        MessageBus(FakeUnitOfWork, {Ping: always}, {}, attempts=2).handle(Ping(1))


def test_a_command_error_reaches_the_caller() -> None:
    def refuse(cmd: Ping, uow: UnitOfWork) -> None:
        raise InvalidInput("bad ping")

    with pytest.raises(InvalidInput, match="bad ping"):
        MessageBus(FakeUnitOfWork, {Ping: refuse}, {}).handle(Ping(1))
