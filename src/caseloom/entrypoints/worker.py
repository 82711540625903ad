"""`caseloom worker`: fires due SLA timers, delivers notifications, sweeps routing.

Any number of workers may run against one PostgreSQL database: each claims different timers
(`FOR UPDATE SKIP LOCKED`) under a lease, so a worker that dies loses nothing; its timers fire
from another worker once the lease runs out.
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
from caseloom.domain.commands import Command, DeliverNotifications, FireTimers, SweepRouting
from caseloom.domain.errors import CaseloomError

log = logging.getLogger("caseloom.worker")


@dataclass(frozen=True, slots=True)
class Rhythm:
    sweep_every: float = 5.0  # seconds between routing sweeps
    poll: float = 0.2  # seconds between looks for due timers when there were none
    batch: int = 200  # timers claimed at once
    lease: float = 30.0  # seconds a claim holds if this worker dies
    name: str = f"{socket.gethostname()}-{os.getpid()}"


def run_once(caseloom: Caseloom, rhythm: Rhythm, *, sweep: bool = True) -> dict[str, int]:
    """One round: fire due timers, deliver due notifications, sweep routing (if `sweep`)."""
    counts: dict[str, int] = {}
    work: list[tuple[str, Command]] = [
        ("timers", FireTimers(rhythm.name, rhythm.batch, rhythm.lease)),
        ("notifications", DeliverNotifications(limit=2 * rhythm.batch)),
    ]
    if sweep:
        work.append(("routing", SweepRouting()))
    for prefix, command in work:
        try:
            done = cast("Mapping[str, int]", caseloom.bus.handle(command))
        except CaseloomError as error:
            log.warning("%s was refused: %s", type(command).__name__, error)
            continue
        counts.update({f"{prefix} {name}": count for name, count in done.items()})
    return counts


def run(caseloom: Caseloom, rhythm: Rhythm, stop: threading.Event) -> None:
    """Until `stop` is set: look for due timers every `poll` seconds (at once again after a
    full batch), sweep routing every `sweep_every` seconds."""
    next_sweep = 0.0
    while not stop.is_set():
        sweep = time.monotonic() >= next_sweep
        if sweep:
            next_sweep = time.monotonic() + rhythm.sweep_every
        counts = run_once(caseloom, rhythm, sweep=sweep)
        if any(counts.values()):
            log.info(" ".join(f"{name}={count}" for name, count in counts.items() if count))
        behind = (
            counts.get("timers claimed", 0) >= rhythm.batch
            or sum(n for name, n in counts.items() if name.startswith("notifications"))
            >= 2 * rhythm.batch
        )
        if not behind:  # nothing more is due: look again after a pause
            stop.wait(rhythm.poll)
