"""A policy is applied whole or not at all: a bad one changes nothing that is running."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa

from caseloom import bootstrap
from caseloom.domain import commands
from caseloom.domain.case import Channel
from caseloom.domain.errors import Conflict, PolicyError
from caseloom.views import journey
from tests.factories import copy_of_demo_policy
from tests.fakes import FakeClock


def demo_policy_with(tmp_path: Path, old: str, new: str) -> Path:
    path = copy_of_demo_policy(tmp_path)
    text = path.read_text("utf-8")
    assert old in text
    path.write_text(text.replace(old, new), "utf-8")
    return path


def stored_policies(database_url: str) -> list[tuple[str, int]]:
    engine = sa.create_engine(database_url)
    with engine.connect() as conn:
        rows = conn.execute(sa.text("select name, version from policies order by id")).all()
    engine.dispose()
    return [(r.name, r.version) for r in rows]


def start(database_url: str, policy: Path, clock: FakeClock) -> bootstrap.Caseloom:
    config = bootstrap.settings(database_url=database_url, policy=policy)
    return bootstrap.bootstrap(config, clock=clock)


def test_a_policy_with_a_typo_is_refused_with_its_line_and_nothing_changes(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    running = start(database_url, bootstrap.DEMO_POLICY, clock)
    ref = str(
        running.bus.handle(
            commands.OpenCase(
                Channel.EMAIL,
                "No heating",
                "No heating since this morning.",
                "Jo",
                "jo@example.com",
            )
        )
    )
    running.close()
    path = demo_policy_with(tmp_path, "version: 3", "version: 4")
    typo = path.read_text("utf-8")
    typo = typo.replace(
        'when: case.product_line == "billing"', 'when: case.prodct_line == "billing"'
    )
    path.write_text(typo, "utf-8")
    line = typo.splitlines().index('      when: case.prodct_line == "billing"') + 1

    with pytest.raises(PolicyError) as refused:
        start(database_url, path, clock)

    (problem,) = refused.value.problems
    assert (problem.file, problem.line) == (str(path), line)
    assert "did you mean case.product_line?" in problem.reason
    assert stored_policies(database_url) == [("northwind-service", 3)]
    again = start(database_url, bootstrap.DEMO_POLICY, clock)
    try:
        assert journey.verify(again.store, ref) == (1, [])
    finally:
        again.close()


def test_changing_a_policy_without_raising_its_version_is_refused(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    start(database_url, bootstrap.DEMO_POLICY, clock).close()
    edited = demo_policy_with(
        tmp_path,
        "targets: {first_response: 1h, resolution: 8h}",
        "targets: {first_response: 2h, resolution: 8h}",
    )
    with pytest.raises(Conflict, match="raise `version`"):
        start(database_url, edited, clock)


def test_a_new_version_is_stored_beside_the_old_and_decides_from_then_on(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    start(database_url, bootstrap.DEMO_POLICY, clock).close()
    newer = demo_policy_with(tmp_path, "version: 3", "version: 4")
    app = start(database_url, newer, clock)
    try:
        ref = str(
            app.bus.handle(
                commands.OpenCase(
                    Channel.EMAIL, "No heating", "No heating at all.", "Jo", "jo@example.com"
                )
            )
        )
        entries = journey.case_journey(app.store, ref)
    finally:
        app.close()
    assert stored_policies(database_url) == [("northwind-service", 3), ("northwind-service", 4)]
    assert {e.policy_version for e in entries} == {4}
