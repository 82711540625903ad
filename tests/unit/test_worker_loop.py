"""`caseloom worker`'s loops: notifications go out while timers are held up, and a loop that
breaks stops the worker instead of leaving it half alive."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any, cast

import pytest

from caseloom.bootstrap import Caseloom
from caseloom.domain.commands import Command, DeliverNotifications, FireTimers, SweepRouting
from caseloom.entrypoints import worker

RHYTHM = worker.Rhythm(poll=0.01, batch=10, name="test-worker")


@dataclass
class StubBus:
    """Counts what it is asked; firing waits for `release` (a stuck database, say)."""

    release: threading.Event = field(default_factory=threading.Event)
    delivered_while_firing: threading.Event = field(default_factory=threading.Event)
    firing: threading.Event = field(default_factory=threading.Event)
    broken_delivery: bool = False

    def handle(self, command: Command) -> dict[str, int]:
        if isinstance(command, FireTimers):
            self.firing.set()
            self.release.wait(5)
            self.firing.clear()
            return {"claimed": 0}
        if isinstance(command, DeliverNotifications):
            if self.broken_delivery:
                raise RuntimeError("the notifier's connection pool is gone")
            if self.firing.is_set():
                self.delivered_while_firing.set()
            return {"delivered": 1}
        assert isinstance(command, SweepRouting)
        return {}


def app(bus: StubBus) -> Caseloom:
    return cast("Any", Caseloom)(bus, None, None, None, {}, lambda: None)


def test_notifications_go_out_while_firing_timers_is_held_up() -> None:
    bus, stop = StubBus(), threading.Event()
    running = threading.Thread(target=worker.run, args=(app(bus), RHYTHM, stop))
    running.start()
    try:
        assert bus.delivered_while_firing.wait(5)
    finally:
        stop.set()
        bus.release.set()
        running.join(5)
    assert not running.is_alive()


def test_a_broken_delivery_loop_stops_the_worker_with_its_error() -> None:
    bus = StubBus(broken_delivery=True)
    bus.release.set()
    with pytest.raises(RuntimeError, match="connection pool is gone"):
        worker.run(app(bus), RHYTHM, threading.Event())
