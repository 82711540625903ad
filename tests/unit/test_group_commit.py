"""Group commit on the bus: many commands and their events in one batch, each command's result
or error in its place; batched handlers take every queued event of their type at once."""

from __future__ import annotations

from dataclasses import dataclass
from types import TracebackType
from typing import Self, cast

import pytest

from caseloom.domain.errors import InvalidInput
from caseloom.domain.events import Event
from caseloom.service_layer.messagebus import Batched, Handler, MessageBus
from caseloom.service_layer.ports import UnitOfWork
from tests.fakes import FakeUnitOfWork
from tests.unit.test_messagebus import Ping, Pinged


@dataclass(frozen=True)
class Ponged(Event):
    value: int


class Announcing(FakeUnitOfWork):
    """A unit of work whose commit releases the events its handler announced."""

    def __init__(self) -> None:
        super().__init__()
        self.announced: list[Event] = []

    def commit(self) -> None:
        super().commit()
        self._events.extend(self.announced)
        self.announced.clear()


def announce(uow: UnitOfWork, event: Event) -> None:
    """Commit a block of `uow` that releases `event`."""
    with uow:
        cast(Announcing, uow).announced.append(event)
        uow.commit()


class FakeBatch:
    """One transaction under every unit of work of the batch: `uow` is shared by all handlers;
    `commit` fails when told to, as a database may at the end."""

    def __init__(self, fail: bool) -> None:
        self.uow = Announcing()
        self.fail, self.committed = fail, False

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        pass

    def commit(self) -> None:
        if self.fail:
            raise OSError("disk full")
        self.committed = True


def ping(cmd: Ping, uow: UnitOfWork) -> int:
    """Announce Pinged and return double; refuse 2."""
    if cmd.value == 2:
        raise InvalidInput("no twos")
    announce(uow, Pinged(cmd.value))
    return cmd.value * 2


@dataclass
class Bench:
    """A bus with a batch factory (unless `batched` is false); every unit of work its handlers
    were given and every batch it made are kept to be looked at."""

    event_handlers: dict[type[Event], list[Handler]]
    batch_fails: bool = False
    batched: bool = True
    command: Handler = ping

    def __post_init__(self) -> None:
        self.uows: list[UnitOfWork] = []
        self.batches: list[FakeBatch] = []
        self.bus = MessageBus(
            Announcing,
            {Ping: self._command},
            self.event_handlers,
            batch=self._batch if self.batched else None,
        )

    def _batch(self) -> FakeBatch:
        self.batches.append(FakeBatch(self.batch_fails))
        return self.batches[-1]

    def _command(self, cmd: Ping, uow: UnitOfWork) -> object:
        self.uows.append(uow)
        return self.command(cmd, uow)


def outcomes(results: list[object]) -> list[object]:
    """Results, with an error shown as its type and message."""
    return [f"{type(r).__name__}: {r}" if isinstance(r, Exception) else r for r in results]


def test_results_come_in_order_with_a_failing_commands_error_in_its_place() -> None:
    bench = Bench({})
    results = bench.bus.handle_all([Ping(1), Ping(2), Ping(3)])
    assert outcomes(results) == [2, "InvalidInput: no twos", 6]
    (batch,) = bench.batches
    assert batch.committed
    assert all(uow is batch.uow for uow in bench.uows)  # every handler in the one transaction


def test_the_events_of_every_command_reach_their_handlers() -> None:
    seen: list[Event] = []
    bench = Bench({Pinged: [lambda e, uow: seen.append(e)]})
    bench.bus.handle_all([Ping(1), Ping(3)])
    assert seen == [Pinged(1), Pinged(3)]


def test_a_batched_handler_gets_all_events_of_its_type_at_once_and_others_each_event() -> None:
    lists: list[list[Event]] = []
    each: list[Event] = []
    bench = Bench(
        {Pinged: [Batched(lambda es, uow: lists.append(es)), lambda e, _: each.append(e)]}
    )
    bench.bus.handle_all([Ping(1), Ping(3), Ping(5)])
    assert lists == [[Pinged(1), Pinged(3), Pinged(5)]]
    assert each == [Pinged(1), Pinged(3), Pinged(5)]


def test_a_failing_batched_call_is_retried_per_event_and_the_good_ones_are_handled(
    caplog: pytest.LogCaptureFixture,
) -> None:
    calls: list[list[int]] = []
    handled: list[int] = []

    def picky(events: list[Pinged], uow: UnitOfWork) -> None:
        calls.append([e.value for e in events])
        if any(e.value == 3 for e in events):
            raise InvalidInput("no threes")
        handled.extend(e.value for e in events)

    Bench({Pinged: [Batched(picky)]}).bus.handle_all([Ping(1), Ping(3), Ping(5)])
    assert calls == [[1, 3, 5], [1], [3], [5]]
    assert handled == [1, 5]
    assert "could not handle [Pinged(value=3)]: no threes" in caplog.text


def pong_each(done: set[int]) -> Handler:
    """Like the Triage agent: each event in a block of its own that announces Ponged, an event
    done already skipped when it comes again; 3 fails."""

    def handler(events: list[Pinged], uow: UnitOfWork) -> None:
        for event in events:
            if event.value in done:
                continue
            if event.value == 3:
                raise InvalidInput("no threes")
            announce(uow, Ponged(event.value))
            done.add(event.value)

    return Batched(handler)


def test_in_a_batch_what_a_batched_handler_committed_before_it_failed_is_heard_of() -> None:
    heard: list[Event] = []
    bench = Bench({Pinged: [pong_each(set())], Ponged: [lambda e, uow: heard.append(e)]})
    bench.bus.handle_all([Ping(1), Ping(3), Ping(5)])
    assert heard == [Ponged(1), Ponged(5)]


def test_alone_what_a_batched_handler_committed_before_it_failed_is_heard_of() -> None:
    """One command that leads to several events (as a mailbox poll opens several cases), run
    by `handle`, where each call of a handler has a fresh unit of work."""

    def ping_many(cmd: Ping, uow: UnitOfWork) -> None:
        for value in (1, 3, 5):
            announce(uow, Pinged(value))

    heard: list[Event] = []
    handlers: dict[type[Event], list[Handler]] = {
        Pinged: [pong_each(set())],
        Ponged: [lambda e, uow: heard.append(e)],
    }
    Bench(handlers, command=ping_many).bus.handle(Ping(0))
    assert heard == [Ponged(1), Ponged(5)]


def test_when_the_batch_cannot_commit_each_command_is_handled_alone() -> None:
    seen: list[Event] = []
    bench = Bench({Pinged: [lambda e, uow: seen.append(e)]}, batch_fails=True)
    results = bench.bus.handle_all([Ping(1), Ping(2), Ping(3)])
    assert outcomes(results) == [2, "InvalidInput: no twos", 6]
    (batch,) = bench.batches
    alone = [uow for uow in bench.uows if uow is not batch.uow]
    assert len(alone) == 3  # one unit of work per command run again
    assert seen == [Pinged(1), Pinged(3)] * 2  # in the batch that was lost, then alone


def test_without_a_batch_factory_the_results_are_those_of_handle() -> None:
    bench = Bench({}, batched=False)
    commands = [Ping(1), Ping(2), Ping(3)]
    results = bench.bus.handle_all(commands)
    assert outcomes(results) == [2, "InvalidInput: no twos", 6]
    assert bench.bus.handle(Ping(3)) == results[2]
    with pytest.raises(InvalidInput):
        bench.bus.handle(Ping(2))


def test_a_single_command_is_handled_in_a_batch_too() -> None:
    """All it leads to shares one transaction: a mailbox poll takes many messages."""
    heard: list[UnitOfWork] = []
    bench = Bench({Pinged: [lambda event, uow: heard.append(uow)]})
    assert bench.bus.handle_all([Ping(4)]) == [8]
    (batch,) = bench.batches
    assert batch.committed
    assert bench.uows == heard == [batch.uow]


def test_no_commands_make_no_batch() -> None:
    bench = Bench({})
    assert bench.bus.handle_all([]) == []
    assert bench.batches == []
