"""Named counters for human references (CS-000042), incremented inside the caller's transaction.

The row of each counter is created by the migrations; the increment locks it until commit, so
two transactions never get the same number and a rolled-back one leaves no gap.
"""

from __future__ import annotations

from sqlalchemy import Connection, bindparam, update

from caseloom.adapters.db.tables import counters

_NEXT = (
    update(counters)
    .where(counters.c.name == bindparam("_name"))
    .values(value=counters.c.value + 1)
    .returning(counters.c.value)
)


def next_value(conn: Connection, name: str) -> int:
    return int(conn.execute(_NEXT, {"_name": name}).scalar_one())
