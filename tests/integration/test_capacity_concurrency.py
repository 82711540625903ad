"""Capacity under concurrency: many workers assigning at once never oversubscribe a rep."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from caseloom import bootstrap
from caseloom.domain import commands
from caseloom.domain.case import Channel
from caseloom.domain.errors import NotEligible
from caseloom.domain.workforce import Presence
from caseloom.views import cases, workforce
from tests.fakes import FakeClock

WORKERS = 6
CASES = 18


@pytest.mark.postgres
def test_concurrent_workers_never_push_a_rep_past_capacity(
    postgres_url: str, clock: FakeClock
) -> None:
    config = bootstrap.settings(database_url=postgres_url, policy=bootstrap.DEMO_POLICY)
    workers = [bootstrap.bootstrap(config, clock=clock) for _ in range(WORKERS)]
    main = workers[0]
    try:
        main.bus.handle(
            commands.RegisterRep(
                "rep-a", "A", "a@x.test", ("tier1",), {}, 3, presence=Presence.AWAY
            )
        )
        refs = [
            str(
                main.bus.handle(
                    commands.OpenCase(
                        Channel.API,
                        f"Wi-Fi question {n}",
                        "How do I change the wifi name?",
                        "Jo",
                        f"jo{n}@example.com",
                    )
                )
            )
            for n in range(CASES)
        ]

        def grab(n: int) -> str:
            try:
                workers[n % WORKERS].bus.handle(commands.AssignCase(refs[n], "rep-a", "person:mgr"))
            except NotEligible:
                return "refused"
            return "assigned"

        with ThreadPoolExecutor(WORKERS) as pool:
            outcomes = list(pool.map(grab, range(CASES)))

        owned = cases.list_cases(main.store, cases.CaseFilter(owner="rep-a"), clock.now(), 200)
        rep = workforce.get_rep(main.store, "rep-a")
        assert outcomes.count("assigned") == 3
        assert rep.load == 3 == len(owned.items)
    finally:
        for worker in workers:
            worker.close()
