"""Database fixtures: each test gets its own SQLite file or its own PostgreSQL schema.

PostgreSQL is found at CASELOOM_TEST_POSTGRES_URL (default: the local server). When it cannot be
reached the PostgreSQL variants are skipped with the reason, except under CI, where they fail.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from caseloom import bootstrap
from caseloom.bootstrap import Caseloom
from tests.factories import NOW
from tests.fakes import FakeClock

POSTGRES_URL = os.environ.get(
    "CASELOOM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
SHARED_DATA = Path(__file__).resolve().parents[2] / "shared" / "data"
_postgres_problem: str | None = None


def _postgres_unreachable() -> str | None:
    global _postgres_problem  # noqa: PLW0603 - checked once per session
    if _postgres_problem is None:
        try:
            engine = sa.create_engine(POSTGRES_URL, connect_args={"connect_timeout": 3})
            with engine.connect() as conn:
                conn.execute(sa.text("select 1"))
            engine.dispose()
            _postgres_problem = ""
        except sa.exc.OperationalError as error:
            _postgres_problem = f"PostgreSQL at {POSTGRES_URL} is unreachable: {error.orig}"
    return _postgres_problem or None


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL whose connections use a fresh schema of their own, dropped afterwards."""
    problem = _postgres_unreachable()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.execute(sa.text(f'create schema "{schema}"'))
    url = make_url(POSTGRES_URL).update_query_dict({"options": f"-csearch_path={schema}"})
    try:
        yield url.render_as_string(hide_password=False)
    finally:
        with admin.begin() as conn:
            conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'caseloom.db'}"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each test using this runs twice: on SQLite and on PostgreSQL."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(NOW)


@pytest.fixture
def app(database_url: str, clock: FakeClock) -> Iterator[Caseloom]:
    """The demo policy and organisation, running on the database under test."""
    caseloom = bootstrap.bootstrap(
        bootstrap.settings(database_url=database_url, policy=bootstrap.DEMO_POLICY), clock=clock
    )
    caseloom.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
    yield caseloom
    caseloom.close()


@pytest.fixture
def shared_data() -> Path:
    if not SHARED_DATA.is_dir():
        pytest.skip(f"the shared data folder {SHARED_DATA} is absent")
    return SHARED_DATA
