"""Alembic environment: one migration history for SQLite and PostgreSQL.

Migrations run on the connection `caseloom.adapters.db.engine.migrate` passes in; nothing here
reads settings or configures logging.
"""

from alembic import context

from caseloom.adapters.db.tables import metadata

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
