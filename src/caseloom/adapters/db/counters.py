"""Named counters for human references (CS-000042), incremented inside the caller's transaction.

The row of each counter is created by the migrations; the increment locks it until commit, so
two transactions never get the same number and a rolled-back one leaves no gap.
"""

from __future__ import annotations

from sqlalchemy import Connection, update

from caseloom.adapters.db.tables import counters


def next_value(conn: Connection, name: str) -> int:
    statement = (
        update(counters)
        .where(counters.c.name == name)
        .values(value=counters.c.value + 1)
        .returning(counters.c.value)
    )
    return int(conn.execute(statement).scalar_one())
