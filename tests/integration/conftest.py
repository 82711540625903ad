"""Fixtures of the integration tests: a migrated engine on each database."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa

from caseloom.adapters.db.engine import make_engine, migrate


@pytest.fixture
def engine(database_url: str) -> Iterator[sa.Engine]:
    """The database under test, migrated to the latest schema."""
    engine = make_engine(database_url)
    migrate(engine)
    yield engine
    engine.dispose()
