"""Fixtures of the integration tests: a migrated engine on each database, and a private Dovecot
IMAP server (installed when missing) with a fresh account per test."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from caseloom.adapters.db.engine import make_engine, migrate
from tests import dovecot as dovecot_server
from tests.dovecot import Account, Dovecot


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """The database under test, migrated to the latest schema."""
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot of our own for the session; skipped when it cannot be had, except under CI."""
    problem = dovecot_server.prepare()
    if problem:
        if os.environ.get("CI"):
            pytest.fail(problem)
        pytest.skip(problem)
    with dovecot_server.running() as server:
        yield server


@pytest.fixture
def imap_account(dovecot: Dovecot) -> Account:
    """A user nobody else has used: an empty INBOX on the test Dovecot."""
    return dovecot.account()
