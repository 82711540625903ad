"""`caseloom worker`: fires due SLA timers, delivers notifications, sweeps routing, and polls
the IMAP mailbox into cases when one is set (`CASELOOM_IMAP_URL`), at the routing sweep's pace.

Any number of workers may run against one PostgreSQL database: each claims different timers
(`FOR UPDATE SKIP LOCKED`) under a lease, so a worker that dies loses nothing; its timers fire
from another worker once the lease runs out. Notifications go out from a thread of their own,
so a slow mail server or webhook never holds up an escalation.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

from caseloom.bootstrap import Caseloom
from caseloom.domain.commands import (
    Command,
    DeliverNotifications,
    FireTimers,
    PollMailbox,
    SweepRouting,
)
from caseloom.domain.errors import CaseloomError

log = logging.getLogger("caseloom.worker")


@dataclass(frozen=True, slots=True)
class Rhythm:
    sweep_every: float = 5.0  # seconds between routing sweeps
    poll: float = 0.2  # seconds between looks for due timers when there were none
    batch: int = 200  # timers claimed at once
    lease: float = 30.0  # seconds a claim holds if this worker dies
    name: str = f"{socket.gethostname()}-{os.getpid()}"

    @property
    def deliveries(self) -> int:
        """Notifications claimed at once: two for each timer (an escalation tells two, say)."""
        return 2 * self.batch


def run_once(caseloom: Caseloom, rhythm: Rhythm, *, sweep: bool = True) -> dict[str, int]:
    """One round: fire due timers, deliver due notifications, sweep routing (if `sweep`)."""
    work = [_firing(rhythm), _delivering(rhythm)]
    if sweep:
        work += _sweeps(caseloom)
    return _handle(caseloom, work)


def _sweeps(caseloom: Caseloom) -> list[tuple[str, Command]]:
    """What runs at the routing sweep's pace: the sweep, and the mailbox if one is set."""
    work: list[tuple[str, Command]] = [("routing", SweepRouting())]
    if caseloom.polls_mail:
        work.append(("mail", PollMailbox()))
    return work


def _firing(rhythm: Rhythm) -> tuple[str, Command]:
    return "timers", FireTimers(rhythm.name, rhythm.batch, rhythm.lease)


def _delivering(rhythm: Rhythm) -> tuple[str, Command]:
    return "notifications", DeliverNotifications(limit=rhythm.deliveries)


def _handle(caseloom: Caseloom, work: list[tuple[str, Command]]) -> dict[str, int]:
    """Each command in turn (one refused does not stop the others); their counts, prefixed and
    logged."""
    counts: dict[str, int] = {}
    for prefix, command in work:
        try:
            done = cast("Mapping[str, int]", _run(caseloom, command))
        except CaseloomError as error:
            log.warning("%s was refused: %s", type(command).__name__, error)
            continue
        counts.update({f"{prefix} {name}": count for name, count in done.items()})
    if any(counts.values()):
        log.info(" ".join(f"{name}={count}" for name, count in counts.items() if count))
    return counts


def _run(caseloom: Caseloom, command: Command) -> object:
    """A mailbox poll goes in one transaction with all it leads to (group commit): a backlog is
    taken in batches, not message by message. Timers and sweeps keep their own transactions."""
    if not isinstance(command, PollMailbox):
        return caseloom.bus.handle(command)
    (outcome,) = caseloom.bus.handle_all([command])
    if isinstance(outcome, Exception):
        raise outcome
    return outcome


def run(caseloom: Caseloom, rhythm: Rhythm, stop: threading.Event) -> None:
    """Until `stop` is set: fire due timers and sweep routing in this thread, deliver
    notifications in another. If either fails, both stop and the failure is raised."""
    failed: list[BaseException] = []

    def deliver() -> None:
        try:
            _deliver_until(caseloom, rhythm, stop)
        except BaseException as error:
            failed.append(error)
            log.exception("notification delivery stopped the worker")
            stop.set()

    courier = threading.Thread(target=deliver, name="caseloom-notifications", daemon=True)
    courier.start()
    try:
        _fire_until(caseloom, rhythm, stop)
    finally:
        stop.set()
        courier.join()
    if failed:
        raise failed[0]


def _fire_until(caseloom: Caseloom, rhythm: Rhythm, stop: threading.Event) -> None:
    """Look for due timers every `poll` seconds (at once again after a full batch); sweep
    routing every `sweep_every` seconds."""
    next_sweep = 0.0
    while not stop.is_set():
        work = [_firing(rhythm)]
        if time.monotonic() >= next_sweep:
            next_sweep = time.monotonic() + rhythm.sweep_every
            work += _sweeps(caseloom)
        counts = _handle(caseloom, work)
        if counts.get("timers claimed", 0) < rhythm.batch:  # nothing more is due yet
            stop.wait(rhythm.poll)


def _deliver_until(caseloom: Caseloom, rhythm: Rhythm, stop: threading.Event) -> None:
    """Send due notifications every `poll` seconds (at once again after a full batch)."""
    while not stop.is_set():
        counts = _handle(caseloom, [_delivering(rhythm)])
        if sum(counts.values()) < rhythm.deliveries:  # nothing more is due yet
            stop.wait(rhythm.poll)
