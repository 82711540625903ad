"""A worker killed with SIGKILL in the middle of firing a batch of SLA timers loses none of them
and fires none twice in effect: its leases run out and the other workers take its timers over.

Real `caseloom worker` processes on PostgreSQL. The cases are opened 13 hours ago (a frozen
clock) on a 24h round-the-clock resolution target, so each case's escalations at 30%, 40% and
50% of the window are due when the workers, on the wall clock, start.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from caseloom import bootstrap
from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.case import Channel
from caseloom.domain.workforce import Presence
from caseloom.views import journey
from tests.fakes import FakeClock

CASES = 70
SHARES = (30, 40, 50)  # one escalation per share of the resolution window, on every case
ACTIONS = ("notify manager", "notify owner")  # what each escalation does
TIMERS = CASES * len(SHARES)
BATCH = 100  # timers a worker claims at once; it fires them 50 to a transaction
LEASE_S = 3
REPS = 4

POLICY = """\
policy: timer-crash
version: 1

calendars:
  always: {{hours: 24x7}}

teams:
  tier1: {{kind: service, calendar: always, manager: mgr-anna}}

sla:
  - name: round-the-clock
    calendar: always
    targets: {{resolution: 24h}}

escalations:
{escalations}
notifications:
  sender: desk@example.test
  people:
    mgr-anna: anna@example.test

routing:
  teams:
    - route: [tier1]
"""
ESCALATION = """\
  - name: the manager and the owner hear at {share}% of the resolution window
    at: {share}%
    of: resolution
    do: [notify: manager, notify: owner]
"""

MID_BATCH = sa.text(
    """
    select claimed_by,
           count(*) filter (where fired_at is not null),
           count(*) filter (where fired_at is null and lease_until > now())
    from sla_timers where claimed_by is not null and escalation <> 'breach'
    group by claimed_by
    """
)
STRANDED = sa.text(
    """
    select id, case_id, escalation, lease_until from sla_timers
    where claimed_by = :worker and fired_at is null and escalation <> 'breach'
    """
)
FIRED_BY = sa.text(
    "select count(*) from sla_timers where claimed_by = :worker and fired_at is not null"
)
DUE = sa.text("select count(*) from sla_timers where fired_at is null and due_at <= now()")
TIMER_ROWS = sa.text(
    """
    select id, case_id, escalation, fired_at, outcome, attempts, claimed_by
    from sla_timers where escalation <> 'breach'
    """
)
ESCALATION_ENTRIES = sa.text("select case_id, decision from journey where step = 'escalation'")
NOTIFICATIONS = sa.text("select case_id, payload from notifications")
MANAGER = "mgr-anna"
Effect = tuple[int, str, str]  # case, escalation id, action


def write_policy(folder: Path) -> Path:
    path = folder / "policy.yaml"
    escalations = "".join(ESCALATION.format(share=share) for share in SHARES)
    path.write_text(POLICY.format(escalations=escalations), "utf-8")
    return path


def open_cases(app: Caseloom, count: int = CASES) -> list[str]:
    """Reps with room for every case, then the cases, through the bus: triaged, routed to a
    rep, their clocks started and their timers planned."""
    for n in range(REPS):
        app.bus.handle(
            commands.RegisterRep(
                f"rep-{n}",
                f"Rep {n}",
                f"rep{n}@example.test",
                ("tier1",),
                {},
                CASES,
                presence=Presence.AVAILABLE,
            )
        )
    return [
        str(
            app.bus.handle(
                commands.OpenCase(
                    Channel.EMAIL,
                    f"Router keeps dropping the connection ({n})",
                    "My router drops the wifi every evening. It is faulty.",
                    f"Customer {n}",
                    f"customer{n}@example.com",
                )
            )
        )
        for n in range(count)
    ]


def start_worker(url: str, policy: Path, log: Path) -> subprocess.Popen[bytes]:
    with log.open("wb") as out:
        return subprocess.Popen(
            [
                *(sys.executable, "-m", "caseloom", "worker"),
                *("--database-url", url, "--policy", str(policy)),
                *("--batch", str(BATCH), "--poll", "0.05", "--lease", str(LEASE_S)),
            ],
            stdout=out,
            stderr=subprocess.STDOUT,
            env={**os.environ, "COLUMNS": "500"},
        )


def worker_name(process: subprocess.Popen[bytes]) -> str:
    """The name a worker claims timers under (`Rhythm.name`: host and process id)."""
    return f"{socket.gethostname()}-{process.pid}"


def tail(log: Path, lines: int = 30) -> str:
    return "\n".join(log.read_text("utf-8", errors="replace").splitlines()[-lines:])


def wait_until(
    done: Callable[[], bool],
    seconds: float,
    what: str,
    workers: Iterable[tuple[subprocess.Popen[bytes], Path]],
    pause: float = 0.01,
) -> None:
    """Poll `done` until it holds; fail (with the workers' logs) after `seconds`, or as soon as a
    worker has exited."""
    deadline = time.monotonic() + seconds
    while not done():
        for process, log in workers:
            if process.poll() is not None:
                pytest.fail(f"a worker exited ({process.returncode}) before {what}:\n{tail(log)}")
        if time.monotonic() > deadline:
            logs = "\n---\n".join(tail(log) for _, log in workers)
            pytest.fail(f"no {what} within {seconds} s:\n{logs}")
        time.sleep(pause)


def rows(engine: sa.Engine, query: sa.TextClause, **params: Any) -> list[Any]:
    with engine.connect() as conn:
        return list(conn.execute(query, params))


def scalar(engine: sa.Engine, query: sa.TextClause, **params: Any) -> Any:
    with engine.connect() as conn:
        return conn.execute(query, params).scalar_one()


def effects(conn: sa.Connection) -> tuple[Counter[Effect], Counter[Effect]]:
    """What the fired timers did: journey escalation entries, and notifications, each counted by
    (case, escalation id, action)."""
    entries = Counter(
        (row.case_id, row.decision["escalation_id"], row.decision["action"])
        for row in conn.execute(ESCALATION_ENTRIES)
    )
    sent = Counter(
        (row.case_id, row.payload["escalation_id"], _notified(row.payload))
        for row in conn.execute(NOTIFICATIONS)
    )
    return entries, sent


def _notified(payload: dict[str, Any]) -> str:
    if payload["recipient"] == MANAGER:
        return "notify manager"
    return "notify owner" if payload["recipient"] == payload["owner"] else payload["recipient"]


@pytest.mark.postgres
def test_a_worker_killed_mid_batch_loses_no_timer_and_fires_none_twice(
    postgres_url: str, tmp_path: Path
) -> None:
    policy = write_policy(tmp_path)
    config = bootstrap.settings(database_url=postgres_url, policy=policy)
    app = bootstrap.bootstrap(config, clock=FakeClock(datetime.now(UTC) - timedelta(hours=13)))
    engine = sa.create_engine(postgres_url)
    started: list[tuple[subprocess.Popen[bytes], Path]] = []
    try:
        open_cases(app)
        labels = {e.id for e in app.policy.escalations}
        assert len(labels) == len(SHARES)
        assert scalar(engine, DUE) == TIMERS  # every escalation is due, no breach is yet

        # Three workers share the due timers (a batch each, the last one smaller). The first
        # caught holding a claimed batch half fired is killed.
        for name in ("a", "b", "c"):
            log = tmp_path / f"worker-{name}.log"
            started.append((start_worker(postgres_url, policy, log), log))
        by_name = {worker_name(process): process for process, _ in started}
        victims: list[str] = []

        def one_mid_batch() -> bool:
            for worker, fired, held in rows(engine, MID_BATCH):
                if worker in by_name and fired > 0 and held > 0:
                    victims.append(worker)
                    return True
            return False

        wait_until(one_mid_batch, 40, "batch caught half fired", started, pause=0.005)
        victim = by_name[victims[0]]
        os.kill(victim.pid, signal.SIGKILL)
        assert victim.wait(timeout=10) == -signal.SIGKILL
        time.sleep(0.5)  # PostgreSQL notices the dead connection and rolls its work back

        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            stranded = {row.id: row for row in conn.execute(STRANDED, {"worker": victims[0]})}
            fired_by_victim = conn.execute(FIRED_BY, {"worker": victims[0]}).scalar_one()
            fired = TIMERS - conn.execute(DUE).scalar_one()
            entries, sent = effects(conn)
        assert stranded, "the kill did not land while the worker held claimed, unfired timers"
        assert 0 < fired_by_victim < TIMERS
        # Each timer's effects are all or nothing: none for those the worker held when it died.
        assert sum(entries.values()) == sum(sent.values()) == len(ACTIONS) * fired
        held = {(t.case_id, t.escalation) for t in stranded.values()}
        assert not held & {(case, label) for case, label, _ in entries + sent}

        # The others fire the rest, and the dead worker's timers once its leases run out.
        rest = [(process, log) for process, log in started if process is not victim]
        wait_until(lambda: scalar(engine, DUE) == 0, 40, "timer left due", rest, pause=0.1)
        for process, _ in rest:
            process.send_signal(signal.SIGTERM)
        for process, log in rest:
            assert process.wait(timeout=20) == 0, tail(log)
            assert "Traceback" not in log.read_text("utf-8", errors="replace"), tail(log)

        timers = rows(engine, TIMER_ROWS)
        assert len(timers) == TIMERS
        assert all(t.fired_at is not None and t.outcome == "fired" for t in timers)
        for timer in (t for t in timers if t.id in stranded):
            assert timer.attempts >= 2
            assert timer.claimed_by != victims[0]
            assert timer.fired_at > stranded[timer.id].lease_until  # once the lease had run out
        assert any(t.attempts >= 2 for t in timers)  # so some were claimed again
        assert {t.escalation for t in timers} == labels
        with engine.connect() as conn:
            entries, sent = effects(conn)
        each_once = Counter((t.case_id, t.escalation, action) for t in timers for action in ACTIONS)
        assert entries == each_once
        assert sent == each_once
        assert journey.verify(app.store) == (CASES, [])
    finally:
        for process, _ in started:
            if process.poll() is None:
                process.kill()
            process.wait()
        engine.dispose()
        app.close()
