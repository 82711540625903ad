"""Routing under concurrency on PostgreSQL: several workers opening, routing, sweeping and
resolving at once never push a rep past capacity, and every unit of load belongs to a case."""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from caseloom import bootstrap
from caseloom.adapters.db.tables import cases, reps
from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.case import Channel
from caseloom.domain.case.lifecycle import OCCUPYING
from caseloom.domain.errors import CaseloomError
from caseloom.domain.workforce import Presence
from tests.fakes import FakeClock

WORKERS = 6
CASES_PER_WORKER = 6
REPS = {"rep-a": 2, "rep-b": 2, "rep-c": 3}


def question(n: int) -> commands.OpenCase:
    return commands.OpenCase(
        Channel.API, f"Wi-Fi question {n}", "How do I change the wifi name?", "Jo", f"jo{n}@x.test"
    )


def loads_and_owned(url: str) -> dict[str, tuple[int, int, int]]:
    """Per rep: (load, capacity, cases they own that occupy capacity), read straight from SQL."""
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            owned = dict(
                conn.execute(
                    sa.select(cases.c.owner, sa.func.count())
                    .where(cases.c.status.in_([s.value for s in OCCUPYING]))
                    .group_by(cases.c.owner)
                ).all()
            )
            rows = conn.execute(sa.select(reps.c.id, reps.c.load, reps.c.capacity)).all()
            statuses = dict(
                conn.execute(
                    sa.select(cases.c.status, sa.func.count()).group_by(cases.c.status)
                ).all()
            )
    finally:
        engine.dispose()
    assert "triaged" not in statuses, statuses  # nothing left unrouted
    return {row.id: (row.load, row.capacity, owned.get(row.id, 0)) for row in rows}


@pytest.mark.postgres
def test_many_workers_routing_at_once_never_oversubscribe_a_rep(
    postgres_url: str, clock: FakeClock
) -> None:
    config = bootstrap.settings(database_url=postgres_url, policy=bootstrap.DEMO_POLICY)
    workers = [bootstrap.bootstrap(config, clock=clock) for _ in range(WORKERS)]
    try:
        for rep_id, capacity in REPS.items():
            workers[0].bus.handle(
                commands.RegisterRep(
                    rep_id,
                    rep_id,
                    f"{rep_id}@x.test",
                    ("tier1",),
                    {"broadband": 5},
                    capacity,
                    presence=Presence.AVAILABLE,
                )
            )
        refs: list[str] = []
        lock = threading.Lock()

        def open_cases(worker: Caseloom, first: int) -> None:
            for n in range(first, first + CASES_PER_WORKER):
                ref = str(worker.bus.handle(question(n)))
                with lock:
                    refs.append(ref)

        def sweep(worker: Caseloom) -> None:
            for _ in range(5):
                worker.bus.handle(commands.SweepRouting())

        def resolve(worker: Caseloom, ref: str) -> None:
            # A queued (or already resolved) case cannot be resolved: that is fine here.
            with contextlib.suppress(CaseloomError):
                worker.bus.handle(commands.ResolveCase(ref, "rep:any", "answered"))

        jobs: list[Callable[[], None]] = [
            *(lambda w=w, i=i: open_cases(w, i * 100) for i, w in enumerate(workers)),
            *(lambda w=w: sweep(w) for w in workers[:2]),
        ]
        run_all(jobs)
        assert len(refs) == WORKERS * CASES_PER_WORKER
        middle = loads_and_owned(postgres_url)
        assert all(load <= capacity for load, capacity, _ in middle.values()), middle
        assert sum(load for load, _, _ in middle.values()) == sum(REPS.values())

        # Resolve everything at once from every worker: freed capacity pulls queued work in,
        # one by one and in batches, while the sweeps run too.
        run_all(
            [
                *(lambda r=r, w=workers[i % WORKERS]: resolve(w, r) for i, r in enumerate(refs)),
                *(lambda w=w: sweep(w) for w in workers[2:4]),
            ]
        )
        workers[0].bus.handle(commands.SweepRouting())
        after = loads_and_owned(postgres_url)
        for rep_id, (load, capacity, owned) in after.items():
            assert load <= capacity, (rep_id, after)
            assert load == owned, (rep_id, after)  # every unit belongs to a case it owns
    finally:
        for worker in workers:
            worker.close()


def run_all(jobs: list[Callable[[], None]]) -> None:
    barrier = threading.Barrier(len(jobs))

    def start(job: Callable[[], None]) -> None:
        barrier.wait()
        job()

    with ThreadPoolExecutor(len(jobs)) as pool:
        for future in [pool.submit(start, job) for job in jobs]:
            future.result()
