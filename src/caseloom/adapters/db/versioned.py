"""Optimistic concurrency: an update applies only if the row still has the version we read.

Each table's statement is built once; rows travel as execution parameters, so SQLAlchemy
compiles the statement once and reuses it.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, Update, bindparam, update

from caseloom.domain.errors import ConcurrencyConflict


@cache
def _statement(table: Table) -> Update:
    return (
        update(table)
        .where(table.c.id == bindparam("_key"), table.c.version == bindparam("_expected"))
        .values(version=bindparam("_next"))
    )


def update_versioned(
    conn: Connection, table: Table, key: object, version: int, *, values: dict[str, Any], what: str
) -> int:
    """Write `values` to the row `key` if it is still at `version`; return the new version."""
    changes = {name: value for name, value in values.items() if name != "id"}
    parameters = {**changes, "_key": key, "_expected": version, "_next": version + 1}
    if conn.execute(_statement(table), parameters).rowcount != 1:
        raise ConcurrencyConflict(f"{what} was changed by someone else meanwhile; try again")
    return version + 1
