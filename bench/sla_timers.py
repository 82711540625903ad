"""SLA timers under load: with 1,000,000 timers pending, how late due timers fire and how many
escalation actions per second the workers sustain, on PostgreSQL.

The issue's target: with 1,000,000 pending timers, due timers fire with p99 lag ≤ 1 s while
sustaining ≥ 2,000 escalation actions/s.

A database of its own (`caseloom_bench_timers`, dropped before and after) is migrated by
`bootstrap` with a small policy: one SLA policy on the 24x7 calendar (first response 4h,
resolution 24h) and two escalations, at 75% of resolution (notify the manager) and at 90%
(notify the owner and the manager). Notify actions only, so the figures are the timer path's,
not routing's.

Seeding (COPY, not the bus): 250 cases per 1,000 timers, assigned to reps of the team, each
with its running clocks and the four timers `plan` gives them (first response breach, 75%,
90%, resolution breach), none due for hours: the pending timers stay pending throughout.

Each run starts W worker processes, each `bootstrap` and `entrypoints.worker.run` with the wall
clock, exactly as `caseloom worker` runs. Then a stream of cases is added whose 90% timer comes
due at `rate` per second for `seconds` seconds (their 75% timer fired hours ago; their first
response was met), one timer per case. After the stream the run waits until every due timer
has fired (or `drain` seconds more), stops the workers and reads the figures from the
database. A deferred constraint trigger notes the time each timer's firing transaction
commits, so lag is the time from due to committed, not to the worker's earlier `fired_at`.
"""

from __future__ import annotations

import argparse
import math
import multiprocessing
import random
import shutil
import subprocess
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import UTC, datetime, timedelta
from multiprocessing.context import SpawnProcess
from multiprocessing.synchronize import Event as ProcessEvent
from pathlib import Path
from typing import Any, LiteralString

import psycopg
from psycopg import sql
from sqlalchemy.engine import make_url

from bench import machine
from bench.databases import POSTGRES_URL
from bench.report import Outcome, markdown_table
from caseloom import bootstrap
from caseloom.adapters.clock import SystemClock
from caseloom.adapters.db.engine import make_engine
from caseloom.adapters.db.sla import clock_row
from caseloom.adapters.db.unit_of_work import SqlUnitOfWork
from caseloom.domain.case import case_ref
from caseloom.domain.commands import RegisterRep
from caseloom.domain.journey import EMPTY_CHAIN
from caseloom.domain.policy import Policy
from caseloom.domain.sla import BREACH, Escalation, SlaClock, SlaMetric, TimerSpec, plan
from caseloom.domain.workforce import Presence
from caseloom.entrypoints import worker

NAME = "sla_timers"
DATABASE = "caseloom_bench_timers"
TARGETS = {"lag_p99_seconds": 1.0, "actions_per_second": 2000.0}
TIMERS_PER_CASE_ARGUMENT = 1000  # `python -m bench --cases 1000` means 1,000,000 pending timers
TIMERS_PER_CASE = 4  # what `plan` gives a case with both clocks running
SEED = 20261126
REPS = 50
BACKGROUND_AGE = timedelta(hours=2)  # background clocks started up to this long before seeding
FIRST_RESPONSE_MET_AFTER = timedelta(minutes=20)  # the stream cases' first response
CHUNK = 10_000  # cases per COPY round while seeding
CHECK_EVERY = 1000  # every so many seeded cases are also built the slow way, and compared
REFERENCE = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)  # the start each kind of case is planned at
READY_SECONDS = 180.0  # the longest a worker may take to start
POLICY = """\
policy: bench-sla-timers
version: 1

teams:
  desk: {kind: service, calendar: 24x7, manager: mgr-bench}

skills: [general]

customer_tiers: [standard]

triage:
  model: local
  min_confidence: 0.6
  intents:
    question: [question]

sla:
  - name: round-the-clock
    calendar: 24x7
    targets: {first_response: 4h, resolution: 24h}

escalations:
  - name: the manager hears at 75% of the resolution window
    at: 75%
    of: resolution
    do: [notify: manager]
  - name: the owner and the manager hear at 90% of the resolution window
    at: 90%
    of: resolution
    do: [notify: owner, notify: manager]

notifications:
  sender: desk@bench.example
  people:
    mgr-bench: manager@bench.example

routing:
  teams:
    - name: everything
      route: [desk]
"""

# The moment each timer's firing transaction commits: a deferred trigger runs at COMMIT.
FIRED_AT_COMMIT = """
create table bench_fired (timer_id bigint not null, committed_at timestamptz not null);
create function bench_note_fired() returns trigger language plpgsql as $$
begin
  insert into bench_fired values (new.id, clock_timestamp());
  return null;
end $$;
create constraint trigger bench_fired_at_commit after update on sla_timers
  deferrable initially deferred for each row
  when (old.fired_at is null and new.fired_at is not null)
  execute function bench_note_fired();
"""

CASE_COLUMNS = (
    "id",
    "ref",
    "channel",
    "subject",
    "description",
    "contact_name",
    "contact_email",
    "priority",
    "severity",
    "team",
    "owner",
    "status",
    "custom",
    "required_skills",
    "route",
    "policy_version",
    "opened_at",
    "updated_at",
    "journey_seq",
    "journey_head",
    "version",
    "need",
    "relaxed",
    "next_due_at",
    "segments",
)
CLOCK_COLUMNS = (
    "case_id",
    "metric",
    "policy",
    "policy_version",
    "calendar",
    "target_seconds",
    "started_at",
    "due_at",
    "met_at",
    "pauses",
    "stopped_at",
)
TIMER_COLUMNS = ("case_id", "key", "metric", "escalation", "due_at", "fired_at", "outcome")
VACUUMED = ("sla_timers", "cases", "sla_clocks", "notifications", "journey", "bench_fired")


class BenchmarkFailed(Exception):
    """The firing did not do what it must (a timer fired twice, or not as planned)."""


@dataclass(frozen=True, slots=True)
class Setup:
    pending: int = 1_000_000  # timers pending, none due during the runs
    rate: float = 1200.0  # stream timers coming due per second
    seconds: float = 30.0  # how long the stream lasts
    workers: tuple[int, ...] = (1, 2, 4)  # one run per worker count
    poll: float = 0.1  # Rhythm.poll
    batch: int = 200  # Rhythm.batch (the `caseloom worker` default)
    drain: float = 15.0  # the longest wait after the stream for due timers still unfired
    profile: Path | None = None  # py-spy raw profiles of each worker go here, if set


# -- the run ------------------------------------------------------------------------------------


def run(cases: int) -> Outcome:
    """1,000 pending timers per case asked for: 1,000,000 at the default of 1,000 cases."""
    return measure(Setup(pending=cases * TIMERS_PER_CASE_ARGUMENT))


def measure(setup: Setup) -> Outcome:
    began = time.perf_counter()
    server = make_url(POSTGRES_URL)
    try:
        version = _server_version(_conninfo(POSTGRES_URL))
    except psycopg.Error as error:
        reason = f"PostgreSQL is unreachable: {' '.join(str(error).split())}"
        skipped = {"benchmark": NAME, "status": "skipped", "reason": reason}
        return Outcome(NAME, skipped, f"### SLA timers\n\nskipped: {reason}\n")
    host = machine.describe(version)
    url = server.set(database=DATABASE).render_as_string(hide_password=False)
    with tempfile.TemporaryDirectory(prefix="caseloom-bench-timers-") as directory:
        policy_path = Path(directory) / "policy.yaml"
        policy_path.write_text(POLICY, encoding="utf-8")
        with _database(POSTGRES_URL, DATABASE):
            policy = _prepare(url, policy_path)
            with psycopg.connect(_conninfo(url), autocommit=True) as conn:
                conn.execute(FIRED_AT_COMMIT)
                settings = _server_settings(conn)
                seeder = Seeder(conn, url, policy)
                print(f"{NAME}: seeding {setup.pending:,} pending timers", flush=True)
                seeding = seeder.background(setup.pending)
                seeding["verified_cases"] = seeder.verify()
                print(f"{NAME}: seeded in {seeding['seconds']:.1f} s", flush=True)
                runs = [
                    _one_run(conn, seeder, url, policy_path, setup, count)
                    for count in setup.workers
                ]
    figures: dict[str, Any] = {
        "benchmark": NAME,
        "status": "measured",
        "machine": host | {"load_average_after": machine.load_average()},
        "postgresql_settings": settings,
        "setup": _setup(setup, policy),
        "seeding": seeding,
        "runs": runs,
        "targets": TARGETS,
        "wall_seconds": round(time.perf_counter() - began, 1),
    }
    return Outcome(NAME, figures, _table(figures))


def _prepare(url: str, policy_path: Path) -> Policy:
    """Migrate, store the policy and register the reps, all through the application."""
    config = bootstrap.Settings(database_url=url, policy=policy_path, smtp_url=None)
    app = bootstrap.bootstrap(config, SystemClock())
    try:
        for n in range(REPS):
            app.bus.handle(
                RegisterRep(
                    _rep(n),
                    f"Rep {n}",
                    f"{_rep(n)}@bench.example",
                    ("desk",),
                    {"general": 5},
                    capacity=10_000,
                    presence=Presence.AVAILABLE,
                )
            )
        _escalations(app.policy)  # refuse early if the policy is not the one assumed here
        return app.policy
    finally:
        app.close()


def _one_run(
    conn: psycopg.Connection[Any],
    seeder: Seeder,
    url: str,
    policy_path: Path,
    setup: Setup,
    count: int,
) -> dict[str, Any]:
    print(
        f"{NAME}: {count} worker(s), {setup.rate:,.0f} timers/s for {setup.seconds:g} s", flush=True
    )
    stop = multiprocessing.get_context("spawn").Event()
    processes = _start_workers(url, policy_path, setup, count, stop)
    profilers: list[subprocess.Popen[bytes]] = []
    try:
        stream = seeder.stream(setup.rate, setup.seconds)
        profilers = _profile(processes, setup, stream.first_due + setup.seconds + setup.drain)
        _sleep_until(stream.first_due + setup.seconds)
        unfired = _drain(conn, stream, setup.drain)
    finally:
        stopped_at = time.time()
        stop.set()
        for process in processes:
            process.join(timeout=60)
            if process.is_alive():
                process.terminate()
                process.join()
        for profiler in profilers:
            try:
                profiler.wait(timeout=30)
            except subprocess.TimeoutExpired:
                profiler.terminate()
    figures = _figures(conn, seeder, stream, stopped_at, count)
    figures["unfired_when_stopped"] = unfired
    figures["left_over"] = _settle_leftovers(conn, stream)
    _vacuum(conn)
    print(f"{NAME}: {_summary(figures)}", flush=True)
    return figures


# -- workers ------------------------------------------------------------------------------------


def _start_workers(
    url: str, policy_path: Path, setup: Setup, count: int, stop: ProcessEvent
) -> list[SpawnProcess]:
    context = multiprocessing.get_context("spawn")
    readiness = [context.Event() for _ in range(count)]
    processes = [
        context.Process(
            target=_work,
            args=(
                url,
                str(policy_path),
                setup.poll,
                setup.batch,
                f"bench-{count}w-{i}",
                ready,
                stop,
            ),
            daemon=True,
        )
        for i, ready in enumerate(readiness)
    ]
    for process in processes:
        process.start()
    deadline = time.monotonic() + READY_SECONDS
    for process, ready in zip(processes, readiness, strict=True):
        if not ready.wait(max(0.0, deadline - time.monotonic())):
            stop.set()
            raise BenchmarkFailed(f"worker {process.pid} did not start in {READY_SECONDS:g} s")
    return processes


def _work(
    url: str,
    policy_path: str,
    poll: float,
    batch: int,
    name: str,
    ready: ProcessEvent,
    stop: ProcessEvent,
) -> None:
    """One worker process: the application as `caseloom worker` builds it, then its loop."""
    config = bootstrap.Settings(database_url=url, policy=Path(policy_path), smtp_url=None)
    app = bootstrap.bootstrap(config, SystemClock())
    stopping = threading.Event()

    def relay() -> None:
        stop.wait()
        stopping.set()

    threading.Thread(target=relay, daemon=True).start()
    try:
        ready.set()
        worker.run(app, worker.Rhythm(poll=poll, batch=batch, name=name), stopping)
    finally:
        app.close()


def _profile(
    processes: Sequence[SpawnProcess], setup: Setup, until: float
) -> list[subprocess.Popen[bytes]]:
    """py-spy, if asked for: one profile per worker (collapsed stacks, idle time included) from
    now until `until` (epoch seconds) or the worker's end."""
    if setup.profile is None:
        return []
    spy = shutil.which("py-spy") or str(Path(__file__).resolve().parents[1] / ".venv/bin/py-spy")
    setup.profile.mkdir(parents=True, exist_ok=True)
    duration = max(1, math.ceil(until - time.time()))
    return [
        subprocess.Popen(
            [
                spy,
                "record",
                "--pid",
                str(process.pid),
                "--duration",
                str(duration),
                "--rate",
                "200",
                "--idle",
                "--format",
                "raw",
                "--output",
                str(setup.profile / f"{len(processes)}w-{i}.txt"),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        for i, process in enumerate(processes)
    ]


def _sleep_until(epoch: float) -> None:
    while (left := epoch - time.time()) > 0:
        time.sleep(min(left, 0.5))


def _drain(conn: psycopg.Connection[Any], stream: Stream, most: float) -> int:
    """Wait until every stream timer has fired, or `most` seconds; how many are left."""
    deadline = time.time() + most
    while True:
        left: int = _scalar(
            conn,
            "select count(*) from sla_timers where case_id between %s and %s "
            "and escalation = %s and fired_at is null",
            (stream.first_case, stream.last_case, stream.escalation),
        )
        if left == 0 or time.time() >= deadline:
            return left
        time.sleep(0.25)


# -- seeding ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Stream:
    first_case: int
    last_case: int
    escalation: str  # what the timers that come due are stored as (the escalation's id)
    actions: int  # escalation actions each of them carries out
    first_due: float  # epoch seconds
    rate: float
    seconds: float
    seeded_seconds: float  # how long the COPY took
    lead_seconds: float  # from the end of seeding to the first due timer

    @property
    def timers(self) -> int:
        return self.last_case - self.first_case + 1


class Seeder:
    """Cases, clocks and timers written with COPY, as the repositories would store them.

    The clocks are the domain's (`SlaClock.start`, `meet`) and the timers `plan`'s. To seed a
    million timers in seconds, `plan` runs once per kind of case for a reference start, and each
    case shifts that shape to its own start (the 24x7 calendar counts every second). Every
    `CHECK_EVERY`th case is built the slow way too, and must come out the same.
    """

    def __init__(self, conn: psycopg.Connection[Any], url: str, policy: Policy) -> None:
        self._conn, self._url, self._policy = conn, url, policy
        self._sla = policy.sla[0]
        self._calendar = policy.calendar(self._sla.calendar)
        self._early, self._late = _escalations(policy)
        # What the timers of each are stored as: whatever `plan` writes in their column.
        self._early_timer, self._late_timer = (
            self._stored_as(e) for e in (self._early, self._late)
        )
        self._shapes = {met: self._shape(met) for met in (False, True)}
        self._rng = random.Random(SEED)
        self._next = 1
        self._seconds_per_case = 0.001
        self.background_cases = self.background_timers = 0

    def background(self, timers: int) -> dict[str, Any]:
        """Cases with both clocks running and `plan`'s four timers each, none due for hours."""
        count = math.ceil(timers / TIMERS_PER_CASE)
        now = datetime.now(UTC)
        began = time.perf_counter()
        with _indexes_built_after(self._conn, ("cases", "sla_clocks", "sla_timers")) as rebuilt:
            self._seed(
                (n, now - self._rng.random() * BACKGROUND_AGE, False)
                for n in range(self._next, self._next + count)
            )
            copied = time.perf_counter() - began
        indexed = time.perf_counter() - began - copied
        self._next += count
        self.background_cases = count
        self.background_timers = count * TIMERS_PER_CASE
        self._seconds_per_case = copied / count
        vacuum_began = time.perf_counter()
        _vacuum(self._conn)
        pending = _scalar(self._conn, "select count(*) from sla_timers where fired_at is null")
        if pending != count * TIMERS_PER_CASE:
            raise BenchmarkFailed(f"seeded {pending:,} pending timers, not {count * 4:,}")
        return {
            "cases": count,
            "clocks": count * len(self._sla.targets),
            "pending_timers": pending,
            "copy_seconds": round(copied, 1),
            "index_seconds": round(indexed, 1),
            "indexes_built_after_copy": rebuilt,
            "vacuum_analyze_seconds": round(time.perf_counter() - vacuum_began, 1),
            "seconds": round(time.perf_counter() - began, 1),
        }

    def stream(self, rate: float, seconds: float) -> Stream:
        """Cases whose timer of the late escalation comes due at `rate` per second, from a moment
        far enough ahead for this COPY to have committed. Their first response was met, and
        their timer of the early escalation fired hours ago."""
        count = round(rate * seconds)
        lead = max(3.0, 4 * count * self._seconds_per_case + 2.0)  # stream COPYs are slower
        first_due = time.time() + lead
        assert self._late.threshold is not None
        goal = self._late.threshold.goal(self._sla.targets[SlaMetric.RESOLUTION])
        began = time.perf_counter()
        self._seed(
            (n, datetime.fromtimestamp(first_due + i / rate, UTC) - goal, True)
            for i, n in enumerate(range(self._next, self._next + count))
        )
        seeded = time.perf_counter() - began
        left = first_due - time.time()
        if left < 0.5:
            raise BenchmarkFailed(f"seeding the stream took {seeded:.1f} s, past its first timer")
        stream = Stream(
            self._next,
            self._next + count - 1,
            self._late_timer,
            len(self._late.actions),
            first_due,
            rate,
            seconds,
            round(seeded, 2),
            round(left, 2),
        )
        self._next += count
        return stream

    def verify(self, sample: int = 200) -> int:
        """Load a sample of the seeded cases through the application's repository and check that
        `plan` on their clocks gives exactly the pending timers stored for them."""
        engine = make_engine(self._url)
        numbers = sorted(self._rng.sample(range(1, self._next), min(sample, self._next - 1)))
        stored: dict[int, set[tuple[str, datetime]]] = {n: set() for n in numbers}
        for number, key, due in self._conn.execute(
            "select case_id, key, due_at from sla_timers "
            "where case_id = any(%s) and fired_at is null",
            (numbers,),
        ):
            stored[number].add((key, due))
        try:
            with SqlUnitOfWork(engine, SystemClock()) as uow:
                cases = uow.cases.by_numbers(numbers)
        finally:
            engine.dispose()
        if len(cases) != len(numbers):
            raise BenchmarkFailed(f"loaded {len(cases)} of {len(numbers)} seeded cases")
        for case in cases:
            running = list(case.clocks.values())
            planned = plan(running, self._policy.escalations, self._policy.calendars)
            # The stream's cases (first response met) had their early escalation fire already.
            met = any(c.met_at is not None for c in running)
            fired = {t.key for t in planned if met and t.escalation == self._early_timer}
            wanted = {(t.key, t.due_at) for t in planned if t.key not in fired}
            if wanted != stored[case.number] or case.head != EMPTY_CHAIN:
                raise BenchmarkFailed(
                    f"{case.ref} does not load as seeded: plan {sorted(wanted)}, "
                    f"stored {sorted(stored[case.number])}, journey head {case.head}"
                )
        return len(cases)

    def _seed(self, cases: Iterable[tuple[int, datetime, bool]]) -> None:
        """COPY the cases, CHUNK at a time, in one transaction."""
        chunk: list[tuple[int, datetime, bool]] = []
        with self._conn.transaction():
            for case in cases:
                chunk.append(case)
                if len(chunk) == CHUNK:
                    self._copy(chunk)
                    chunk = []
            if chunk:
                self._copy(chunk)

    def _copy(self, chunk: Sequence[tuple[int, datetime, bool]]) -> None:
        rows = [self._rows(number, started, met) for number, started, met in chunk]
        cursor = self._conn.cursor()
        for table, columns, index in (
            ("cases", CASE_COLUMNS, 0),
            ("sla_clocks", CLOCK_COLUMNS, 1),
            ("sla_timers", TIMER_COLUMNS, 2),
        ):
            with cursor.copy(_copy_statement(table, columns)) as copy:
                for case in rows:
                    for row in case[index]:
                        copy.write_row(row)
        last = chunk[-1][0]
        self._conn.execute(
            "update counters set value = greatest(value, %s) where name = 'case'", (last,)
        )

    def _rows(self, number: int, started: datetime, met: bool) -> Rows:
        """The case's rows, its shape shifted to `started`; now and then checked the slow way."""
        shape = self._shapes[met]
        case = _case_row(number, started, started + shape.updated, started + shape.next_due)
        clocks = [
            (
                number,
                c.metric,
                c.policy,
                c.policy_version,
                c.calendar,
                int(c.target.total_seconds()),
                started,
                None if c.due_at is None else started + (c.due_at - REFERENCE),
                None if c.met_at is None else started + (c.met_at - REFERENCE),
                "[]",
                None,
            )
            for c in shape.clocks
        ]
        start = started.isoformat()
        timers = [
            (
                number,
                f"{t.escalation}|{t.metric}|{start}",
                t.metric,
                t.escalation,
                started + (t.due_at - REFERENCE),
                started + (t.due_at - REFERENCE) if t.key in shape.fired else None,
                "fired" if t.key in shape.fired else None,
            )
            for t in shape.timers
        ]
        rows = Rows([case], clocks, timers)
        if number % CHECK_EVERY == 0 and rows != self._slow(number, started, met):
            raise BenchmarkFailed(f"case {number} seeds other rows than the domain makes")
        return rows

    def _stored_as(self, escalation: Escalation) -> str:
        clocks, _ = self._planned(REFERENCE, met=False)
        planned = plan(clocks, [escalation], self._policy.calendars)
        return next(t.escalation for t in planned if t.escalation != BREACH)

    def _shape(self, met: bool) -> Shape:
        clocks, timers = self._planned(REFERENCE, met)
        fired = frozenset(t.key for t in timers if met and t.escalation == self._early_timer)
        running = [c.due_at for c in clocks if c.running and c.due_at]
        updated = FIRST_RESPONSE_MET_AFTER if met else timedelta(0)
        return Shape(clocks, timers, fired, updated, min(running) - REFERENCE)

    def _planned(self, started: datetime, met: bool) -> tuple[list[SlaClock], list[TimerSpec]]:
        """A case's clocks started at `started` (the first response met 20 minutes later if
        `met`), and the timers `plan` gives them."""
        clocks = [
            SlaClock.start(
                metric,
                policy=self._sla.name,
                version=self._policy.version,
                calendar=self._calendar,
                target=target,
                at=started,
            )
            for metric, target in self._sla.targets.items()
        ]
        if met:
            clocks = [
                c.meet(started + FIRST_RESPONSE_MET_AFTER) if c.metric == "first_response" else c
                for c in clocks
            ]
        return clocks, plan(clocks, self._policy.escalations, self._policy.calendars)

    def _slow(self, number: int, started: datetime, met: bool) -> Rows:
        """The same rows, straight from the domain and the repository's `clock_row`."""
        clocks, timers = self._planned(started, met)
        fired = {t.key for t in timers if met and t.escalation == self._early_timer}
        updated = started + FIRST_RESPONSE_MET_AFTER if met else started
        next_due = min(c.due_at for c in clocks if c.running and c.due_at)
        clock_rows = []
        for clock in clocks:
            row = clock_row(number, clock) | {"pauses": "[]"}
            clock_rows.append(tuple(row[column] for column in CLOCK_COLUMNS))
        timer_rows = [
            (
                number,
                t.key,
                t.metric,
                t.escalation,
                t.due_at,
                t.due_at if t.key in fired else None,
                "fired" if t.key in fired else None,
            )
            for t in timers
        ]
        return Rows([_case_row(number, started, updated, next_due)], clock_rows, timer_rows)


@dataclass(frozen=True, slots=True)
class Shape:
    """A kind of case as the domain makes it for a start at REFERENCE."""

    clocks: list[SlaClock]
    timers: list[TimerSpec]
    fired: frozenset[str]  # keys of the timers stored as fired already
    updated: timedelta  # after the start
    next_due: timedelta  # after the start


@dataclass(frozen=True, slots=True)
class Rows:
    cases: list[tuple[Any, ...]]
    clocks: list[tuple[Any, ...]]
    timers: list[tuple[Any, ...]]

    def __getitem__(self, index: int) -> list[tuple[Any, ...]]:
        return (self.cases, self.clocks, self.timers)[index]


def _case_row(
    number: int, opened: datetime, updated: datetime, next_due: datetime
) -> tuple[Any, ...]:
    """An assigned case of team desk, owned by one of the reps, with an empty journey."""
    return (
        number,
        case_ref(number),
        "email",
        f"Bench case {number}",
        "A case seeded by the SLA timers benchmark.",
        "Bench Customer",
        f"customer-{number}@bench.example",
        3,
        "medium",
        "desk",
        _rep(number % REPS),
        "assigned",
        "{}",
        "{}",
        '["desk"]',
        1,
        opened,
        updated,
        EMPTY_CHAIN.seq,
        EMPTY_CHAIN.hash,
        1,
        "{}",
        "[]",
        next_due,
        "[]",
    )


def _copy_statement(table: str, columns: Sequence[str]) -> sql.Composed:
    return sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )


def _escalations(policy: Policy) -> tuple[Escalation, Escalation]:
    """The policy's two escalations (75% and 90% of resolution), by the labels the loader gave."""
    early, late = policy.escalations
    if early.threshold is None or late.threshold is None:
        raise BenchmarkFailed("the benchmark's policy needs two timed escalations")
    return early, late


def _rep(n: int) -> str:
    return f"rep-{n:03d}"


# -- figures ------------------------------------------------------------------------------------


def _figures(
    conn: psycopg.Connection[Any], seeder: Seeder, stream: Stream, stopped_at: float, count: int
) -> dict[str, Any]:
    span = (stream.first_case, stream.last_case)
    rows = conn.execute(
        """
        select extract(epoch from t.due_at)::float8, extract(epoch from t.fired_at)::float8,
               t.outcome, t.attempts, t.claimed_by, count(f.timer_id),
               extract(epoch from min(f.committed_at))::float8
        from sla_timers t left join bench_fired f on f.timer_id = t.id
        where t.case_id between %s and %s and t.escalation = %s
        group by t.id
        """,
        (*span, stream.escalation),
    ).fetchall()
    fired = [r for r in rows if r[1] is not None]
    outcomes = Counter(r[2] for r in fired)
    twice = sum(1 for r in rows if r[5] > 1)
    if twice or set(outcomes) - {"fired"} or any(r[5] == 0 for r in fired):
        raise BenchmarkFailed(
            f"{twice} timers fired more than once; outcomes {dict(outcomes)} (all must be fired)"
        )
    first_due = min(r[0] for r in rows)
    committed = [r[6] for r in fired]
    last = max(committed, default=first_due)
    # An unfired timer was at least this late when the workers stopped.
    lags = [r[6] - r[0] for r in fired] + [stopped_at - r[0] for r in rows if r[1] is None]
    stamped_lags = [r[1] - r[0] for r in fired]
    journey = _journey(conn, span, stream)
    if journey["cases_with_other_counts"]:
        raise BenchmarkFailed(
            f"{journey['cases_with_other_counts']} cases have a number of escalation entries "
            f"other than {stream.actions}: an escalation fired twice or only in part"
        )
    notifications = _notifications(conn, span, stream.actions)
    pending = _pending(conn, seeder, span)
    wanted = len(fired) * stream.actions
    if (
        journey["entries"] != wanted
        or notifications["queued"] != wanted
        or notifications["cases_with_other_counts"]
    ):
        raise BenchmarkFailed(
            f"{len(fired)} timers fired {journey['entries']} escalation entries and "
            f"{notifications['queued']} notifications, not {wanted} of each"
        )
    others = _scalar(
        conn,
        "select count(*) from bench_fired f join sla_timers t on t.id = f.timer_id "
        "where t.case_id between %s and %s and t.escalation <> %s",
        (*span, stream.escalation),
    )
    if others:
        raise BenchmarkFailed(f"{others} timers of the stream's cases fired that were not due")
    if pending["background"] != seeder.background_timers or pending["background_fired"]:
        raise BenchmarkFailed(f"the timers that were not due changed: {pending}")
    window = sum(1 for at in committed if at <= first_due + stream.seconds)
    elapsed = max(last - first_due, 1e-9)
    return {
        "workers": count,
        "stream": asdict(stream) | {"timers": stream.timers},
        "fired": len(fired),
        "outcomes": dict(outcomes),
        "claims_per_timer": dict(Counter(r[3] for r in rows)),
        "fired_by_worker": dict(sorted(Counter(r[4] for r in fired).items())),
        "seconds_first_due_to_last_commit": round(last - first_due, 3),
        "timers_per_second": round(len(fired) / elapsed, 1),
        "actions_per_second": round(journey["entries"] / elapsed, 1),
        "timers_per_second_in_stream_window": round(window / stream.seconds, 1),
        "lag_to_commit_seconds": _percentiles(lags),
        "lag_to_fired_at_seconds": _percentiles(stamped_lags) if stamped_lags else None,
        "lag_is_a_lower_bound": len(fired) < len(rows),
        "journey": journey,
        "notifications": notifications,
        "pending_after": pending,
    }


def _journey(
    conn: psycopg.Connection[Any], span: tuple[int, int], stream: Stream
) -> dict[str, int]:
    row = conn.execute(
        """
        select count(*), count(distinct case_id) from journey
        where case_id between %s and %s and step = 'escalation'
        """,
        span,
    ).fetchone()
    assert row is not None
    uneven = _scalar(
        conn,
        """
        select count(*) from (
          select case_id from journey where case_id between %s and %s and step = 'escalation'
          group by case_id having count(*) <> %s) uneven
        """,
        (*span, stream.actions),
    )
    return {"entries": row[0], "cases": row[1], "cases_with_other_counts": uneven}


def _notifications(
    conn: psycopg.Connection[Any], span: tuple[int, int], actions: int
) -> dict[str, Any]:
    rows = conn.execute(
        """
        select extract(epoch from delivered_at - created_at)::float8 from notifications
        where case_id between %s and %s
        """,
        span,
    ).fetchall()
    delivered = [r[0] for r in rows if r[0] is not None]
    uneven = _scalar(
        conn,
        """
        select count(*) from (
          select case_id from notifications where case_id between %s and %s
          group by case_id having count(*) <> %s) uneven
        """,
        (*span, actions),
    )
    return {
        "queued": len(rows),
        "cases_with_other_counts": uneven,
        "delivered": len(delivered),
        "undelivered_when_stopped": len(rows) - len(delivered),
        "delivery_after_firing_seconds": _percentiles(delivered) if delivered else None,
    }


def _pending(
    conn: psycopg.Connection[Any], seeder: Seeder, span: tuple[int, int]
) -> dict[str, int]:
    background = seeder.background_cases
    return {
        "all": _scalar(conn, "select count(*) from sla_timers where fired_at is null"),
        "background": _scalar(
            conn,
            "select count(*) from sla_timers where case_id <= %s and fired_at is null",
            (background,),
        ),
        "background_fired": _scalar(
            conn,
            "select count(*) from sla_timers where case_id <= %s and fired_at is not null",
            (background,),
        ),
        "stream_cases_not_due": _scalar(
            conn,
            "select count(*) from sla_timers where case_id between %s and %s "
            "and fired_at is null and due_at > now()",
            span,
        ),
    }


def _settle_leftovers(conn: psycopg.Connection[Any], stream: Stream) -> dict[str, int]:
    """What the workers left undone is settled here, so the next run starts clean."""
    timers = conn.execute(
        "update sla_timers set fired_at = now(), outcome = 'bench: left unfired', "
        "lease_until = null where case_id between %s and %s and fired_at is null "
        "and due_at <= now()",
        (stream.first_case, stream.last_case),
    ).rowcount
    notifications = conn.execute(
        "update notifications set next_attempt_at = null, result = 'bench: left undelivered' "
        "where next_attempt_at is not null"
    ).rowcount
    return {"timers": timers, "notifications": notifications}


def _percentiles(values: Sequence[float]) -> dict[str, float]:
    ordered = sorted(values)

    def rank(percentile: int) -> float:
        return ordered[max(math.ceil(percentile / 100 * len(ordered)) - 1, 0)]

    figures = {f"p{p}": rank(p) for p in (50, 95, 99)}
    figures |= {"max": ordered[-1], "mean": sum(ordered) / len(ordered)}
    return {key: round(seconds, 3) for key, seconds in figures.items()}


def _summary(run: dict[str, Any]) -> str:
    lag = run["lag_to_commit_seconds"]
    return (
        f"{run['workers']} worker(s): {run['fired']:,}/{run['stream']['timers']:,} fired, "
        f"{run['timers_per_second']:,.0f} timers/s, {run['actions_per_second']:,.0f} actions/s, "
        f"lag p50 {lag['p50']:.3f} s, p99 {lag['p99']:.3f} s, max {lag['max']:.3f} s"
    )


def _setup(setup: Setup, policy: Policy) -> dict[str, Any]:
    early, late = _escalations(policy)
    return {
        "pending_timers": setup.pending,
        "stream_rate_per_second": setup.rate,
        "stream_seconds": setup.seconds,
        "offered_actions_per_second": setup.rate * len(late.actions),
        "worker_counts": list(setup.workers),
        "rhythm": {"poll": setup.poll, "batch": setup.batch, "lease": worker.Rhythm().lease},
        "drain_seconds": setup.drain,
        "policy": POLICY,
        "escalations": {e.label: [a.describe() for a in e.actions] for e in (early, late)},
        "reps": REPS,
        "seed": SEED,
    }


# -- Markdown -----------------------------------------------------------------------------------

HEADERS = (
    "workers",
    "due timers",
    "fired",
    "timers/s",
    "actions/s (≥ 2,000)",
    "lag p50 s",
    "p95 s",
    "p99 s (≤ 1)",
    "max s",
    "notifications delivered",
    "delivery p99 s",
    "still pending",
)


def _table(figures: dict[str, Any]) -> str:
    host, setup = figures["machine"], figures["setup"]
    caption = (
        f"### SLA timers\n\n{setup['pending_timers']:,} timers pending; a stream of "
        f"{setup['stream_rate_per_second']:,.0f} timers/s for {setup['stream_seconds']:g} s, "
        f"each {setup['offered_actions_per_second'] / setup['stream_rate_per_second']:g} "
        f"notify actions ({setup['offered_actions_per_second']:,.0f} actions/s offered); "
        f"poll {setup['rhythm']['poll']:g} s, batch {setup['rhythm']['batch']}.\n"
        f"{host['date']}: {host['cpu']}, {host['cores']} cores, {host['platform']}, "
        f"PostgreSQL {host['postgresql']}, load average {host['load_average_before'][0]} "
        f"before, {host['load_average_after'][0]} after.\n\n"
    )
    rows = [_row(run) for run in figures["runs"]]
    legend = (
        "\ntimers/s and actions/s: fired from the first timer's due time to the last commit. "
        "Lag: from due to the commit of the firing transaction; ≥ when some had not fired "
        "when the workers stopped (they count as late as the stop). Notifications: delivered "
        "(to the log notifier) before the workers stopped, from a thread of each worker; delivery "
        "is from queued to delivered. Still pending: of the "
        f"{figures['seeding']['pending_timers']:,} timers not due, those still pending.\n"
    )
    return caption + markdown_table(HEADERS, rows) + legend


def _row(run: dict[str, Any]) -> list[str]:
    lag = run["lag_to_commit_seconds"]
    bound = "≥ " if run["lag_is_a_lower_bound"] else ""
    sent = run["notifications"]
    delivery = sent["delivery_after_firing_seconds"]
    return [
        str(run["workers"]),
        f"{run['stream']['timers']:,}",
        f"{run['fired']:,}",
        f"{run['timers_per_second']:,.0f}",
        f"{run['actions_per_second']:,.0f}",
        *(f"{bound}{lag[key]:.3f}" for key in ("p50", "p95", "p99", "max")),
        f"{sent['delivered']:,} of {sent['queued']:,}",
        f"{delivery['p99']:.3f}" if delivery else "-",
        f"{run['pending_after']['background']:,}",
    ]


# -- the database -------------------------------------------------------------------------------


@contextmanager
def _database(server_url: str, name: str) -> Iterator[None]:
    """A database of our own, dropped first if a failed run left it, and dropped afterwards."""
    drop = sql.SQL("drop database if exists {} with (force)").format(sql.Identifier(name))
    with psycopg.connect(_conninfo(server_url), autocommit=True) as admin:
        admin.execute(drop)
        admin.execute(sql.SQL("create database {}").format(sql.Identifier(name)))
    try:
        yield
    finally:
        with psycopg.connect(_conninfo(server_url), autocommit=True) as admin:
            admin.execute(drop)


@contextmanager
def _indexes_built_after(
    conn: psycopg.Connection[Any], tables: Sequence[str]
) -> Iterator[list[str]]:
    """Bulk loading as PostgreSQL's manual advises: the tables' secondary indexes, unique and
    foreign key constraints are dropped, then made again afterwards from their own definitions
    in the catalog (so the schema ends exactly as the migrations left it, and the constraints
    check the seeded rows)."""
    constraints = conn.execute(
        "select (select relname from pg_class where oid = conrelid), conname, "
        "pg_get_constraintdef(oid) from pg_constraint "
        "where conrelid = any(%s::regclass[]) and contype in ('u', 'f')",
        (list(tables),),
    ).fetchall()
    indexes = conn.execute(
        "select (select relname from pg_class where oid = indexrelid), pg_get_indexdef(indexrelid) "
        "from pg_index "
        "where indrelid = any(%s::regclass[]) and not indisprimary "
        "and indexrelid not in (select conindid from pg_constraint where contype = 'u')",
        (list(tables),),
    ).fetchall()
    for table, name, _ in constraints:
        conn.execute(
            sql.SQL("alter table {} drop constraint {}").format(
                sql.Identifier(table), sql.Identifier(name)
            )
        )
    for index, _ in indexes:
        conn.execute(sql.SQL("drop index {}").format(sql.Identifier(index)))
    yield [name for _, name, _ in constraints] + [index for index, _ in indexes]
    conn.execute("set maintenance_work_mem = '256MB'")
    for _, definition in indexes:
        conn.execute(sql.SQL(definition))
    for table, name, definition in constraints:
        conn.execute(
            sql.SQL("alter table {} add constraint {} {}").format(
                sql.Identifier(table),
                sql.Identifier(name),
                sql.SQL(definition),
            )
        )


def _conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql").render_as_string(hide_password=False)


def _server_version(conninfo: str) -> str:
    with psycopg.connect(conninfo, connect_timeout=3) as conn:
        return str(_scalar(conn, "show server_version"))


def _server_settings(conn: psycopg.Connection[Any]) -> dict[str, str]:
    names = ("shared_buffers", "synchronous_commit", "fsync", "autovacuum", "max_connections")
    return {name: str(_scalar(conn, "select current_setting(%s)", (name,))) for name in names}


def _vacuum(conn: psycopg.Connection[Any]) -> None:
    """The server's autovacuum may be off; vacuum and analyse what the runs write. Then a
    checkpoint, so that a run does not pay for the seeding's writes (the full-page images after
    a checkpoint that the seeding's WAL would start in the middle of the run)."""
    conn.execute(
        sql.SQL("vacuum (analyze) {}").format(sql.SQL(", ").join(map(sql.Identifier, VACUUMED)))
    )
    conn.execute("checkpoint")


def _scalar(conn: psycopg.Connection[Any], query: LiteralString, params: Sequence[Any] = ()) -> Any:
    row = conn.execute(query, params).fetchone()
    return None if row is None else row[0]


# -- `python -m bench.sla_timers` ---------------------------------------------------------------


def main() -> None:
    defaults = Setup()
    parser = argparse.ArgumentParser(prog="python -m bench.sla_timers", description=__doc__)
    parser.add_argument("--pending", type=int, default=defaults.pending)
    parser.add_argument("--rate", type=float, default=defaults.rate)
    parser.add_argument("--seconds", type=float, default=defaults.seconds)
    parser.add_argument("--workers", type=int, nargs="+", default=list(defaults.workers))
    parser.add_argument("--poll", type=float, default=defaults.poll)
    parser.add_argument("--batch", type=int, default=defaults.batch)
    parser.add_argument("--drain", type=float, default=defaults.drain)
    parser.add_argument("--profile", type=Path, help="write py-spy profiles of the workers here")
    parser.add_argument("--save", action="store_true", help="save to bench/results")
    arguments = parser.parse_args()
    outcome = measure(
        Setup(
            arguments.pending,
            arguments.rate,
            arguments.seconds,
            tuple(arguments.workers),
            arguments.poll,
            arguments.batch,
            arguments.drain,
            arguments.profile,
        )
    )
    print(f"\n{outcome.table}")
    if arguments.save:
        print(f"saved {', '.join(str(path) for path in outcome.save())}")


if __name__ == "__main__":
    main()
