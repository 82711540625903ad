"""The floor: the rows a flow wrote, written again with one bulk insert per table.

That is what the database alone costs for the same data, with no reads, no decisions and one
transaction instead of one per step. The flow can approach the floor but not beat it.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Engine, Table, select

from caseloom.adapters.db.engine import make_engine, migrate
from caseloom.adapters.db.tables import (
    cases,
    customers,
    idempotency_keys,
    journey,
    messages,
    metadata,
    sla_clocks,
)
from caseloom.views.store import ReadStore

# What one case's flow writes, parents before children.
WRITTEN = (cases, sla_clocks, messages, journey, idempotency_keys)
# What those rows refer to: copied into the fresh database first, and not timed.
REFERENCED = (customers,)

Rows = dict[str, list[dict[str, Any]]]


@dataclass(frozen=True, slots=True)
class Floor:
    rows: Mapping[str, int]  # rows written again, per table
    seconds: float

    @property
    def total_rows(self) -> int:
        return sum(self.rows.values())


def read_back(store: ReadStore, tables: Sequence[Table]) -> Rows:
    with store.read() as conn:
        return {t.name: [dict(row._mapping) for row in conn.execute(select(t))] for t in tables}


def rewrite(url: str, referenced: Rows, written: Rows) -> Floor:
    """Migrate the empty database at `url`, add `referenced`, then time writing `written`."""
    engine = make_engine(url)
    try:
        migrate(engine)
        _insert(engine, referenced)
        began = time.perf_counter()
        _insert(engine, written)
        seconds = time.perf_counter() - began
    finally:
        engine.dispose()
    return Floor({name: len(rows) for name, rows in written.items()}, seconds)


def _insert(engine: Engine, rows: Rows) -> None:
    """One transaction; one executemany per table that has rows."""
    with engine.begin() as conn:
        for name, table_rows in rows.items():
            if table_rows:
                conn.execute(metadata.tables[name].insert(), table_rows)
