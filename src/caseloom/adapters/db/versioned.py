"""Optimistic concurrency: an update applies only if the row still has the version we read.

Each table's statement is built once; rows travel as execution parameters, so SQLAlchemy
compiles the statement once and reuses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, Update, bindparam, update

from caseloom.adapters.db.appending import insert_into
from caseloom.domain.errors import ConcurrencyConflict


@cache
def _statement(table: Table) -> Update:
    return (
        update(table)
        .where(table.c.id == bindparam("_key"), table.c.version == bindparam("_expected"))
        .values(version=bindparam("_next"))
    )


def store_versioned(
    conn: Connection, table: Table, key: object, version: int, *, values: dict[str, Any], what: str
) -> int:
    """Write the row `key` and return its new version: version 0 means not stored yet (insert at
    version 1); otherwise the row is updated only if it is still at `version`."""
    if version == 0:
        conn.execute(insert_into(table), {**values, "version": 1})
        return 1
    changes = {name: value for name, value in values.items() if name != "id"}
    parameters = {**changes, "_key": key, "_expected": version, "_next": version + 1}
    if conn.execute(_statement(table), parameters).rowcount != 1:
        raise ConcurrencyConflict(f"{what} was changed by someone else meanwhile; try again")
    return version + 1


def update_versioned(
    conn: Connection, table: Table, rows: Sequence[tuple[object, int, dict[str, Any]]], what: str
) -> None:
    """Update many stored rows, (key, version read, values) each, in one statement; refused
    whole if any of them is no longer at the version read (`what` names them in the error)."""
    if not rows:
        return
    parameters = [
        {
            **{n: v for n, v in values.items() if n != "id"},
            "_key": key,
            "_expected": version,
            "_next": version + 1,
        }
        for key, version, values in rows
    ]
    if conn.execute(_statement(table), parameters).rowcount != len(rows):
        raise ConcurrencyConflict(f"{what} was changed by someone else meanwhile; try again")
