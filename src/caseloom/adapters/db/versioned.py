"""Optimistic concurrency: an update applies only if the row still has the version we read."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Table, update

from caseloom.domain.errors import ConcurrencyConflict


def update_versioned(
    conn: Connection, table: Table, key: object, version: int, *, values: dict[str, Any], what: str
) -> int:
    """Write `values` to the row `key` if it is still at `version`; return the new version."""
    result = conn.execute(
        update(table)
        .where(table.c.id == key, table.c.version == version)
        .values(**values, version=version + 1)
    )
    if result.rowcount != 1:
        raise ConcurrencyConflict(f"{what} was changed by someone else meanwhile; try again")
    return version + 1
