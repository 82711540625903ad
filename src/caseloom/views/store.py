"""Read-only access to the database for views."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, Executable

READ_ONLY = {"caseloom_read_only": True}


class ReadStore:
    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    @contextmanager
    def read(self) -> Iterator[Connection]:
        with self._engine.connect().execution_options(**READ_ONLY) as conn:
            yield conn


def count_by(conn: Connection, query: Executable) -> dict[str, int]:
    """{key: count} from a query that selects (key, count) rows."""
    return {str(key): int(count) for key, count in conn.execute(query)}
