"""Appending many rows at once: `COPY` on PostgreSQL, an `executemany` insert elsewhere.

The journey and the notification outbox only ever grow, a few rows per case at a time and many
cases per transaction on the SLA worker's path. Through `COPY` PostgreSQL parses one statement
for all of them, and psycopg writes the rows in C: about half the client time per row of a
pipelined `executemany`. Values go through each column type's own bind processing first (JSON
through psycopg's `Json`), so a row is stored exactly as an insert would store it.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from functools import cache
from typing import Any

from psycopg import sql
from psycopg.types.json import Json
from sqlalchemy import JSON, Connection, Dialect, Insert, Table, insert


def append(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (all with the same keys) into `table`, in the caller's transaction."""
    if not rows:
        return
    if conn.dialect.name != "postgresql":
        conn.execute(insert_into(table), rows)
        return
    columns = tuple(rows[0])
    processors = [(name, _processor(conn.dialect, table, name)) for name in columns]
    driver = conn.connection.driver_connection
    assert driver is not None, "a connection in a transaction has its driver connection"
    with driver.cursor() as cursor, cursor.copy(_copy(table.name, columns)) as copy:
        for row in rows:
            copy.write_row([convert(row[name]) for name, convert in processors])


@cache
def insert_into(table: Table) -> Insert:
    """The plain insert into `table`, built once: building a statement costs more than
    running it."""
    return insert(table)


@cache
def _copy(table: str, columns: tuple[str, ...]) -> sql.Composed:
    return sql.SQL("copy {} ({}) from stdin").format(
        sql.Identifier(table), sql.SQL(", ").join(map(sql.Identifier, columns))
    )


@cache
def _processor(dialect: Dialect, table: Table, column: str) -> Callable[[Any], Any]:
    type_ = table.c[column].type
    if isinstance(type_, JSON):
        return Json  # dumped by the connection's JSON serialiser, as an insert would be
    bind = type_.bind_processor(dialect)
    return bind if bind is not None else _same


def _same(value: Any) -> Any:
    return value
