"""Migrations build exactly the schema the code declares, on both databases, and re-run safely."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from caseloom.adapters.db.engine import make_engine, migrate
from caseloom.adapters.db.tables import metadata


def test_the_migrated_schema_matches_the_tables_in_code(database_url: str) -> None:
    engine = make_engine(database_url)
    try:
        migrate(engine)
        migrate(engine)  # applied on every start: a second run changes nothing
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, metadata) == []
            assert context.get_current_revision() == "0008"
    finally:
        engine.dispose()
