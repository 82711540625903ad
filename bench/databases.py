"""Fresh, empty databases to benchmark on: a SQLite file, or a PostgreSQL schema of its own."""

from __future__ import annotations

import os
import sqlite3
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get(
    "CASELOOM_BENCH_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)


class Unreachable(Exception):
    """The database server cannot be used; the message says why."""


@dataclass(frozen=True)
class SqliteDatabase:
    """Each fresh database is a new file in `directory` (deleted with the directory)."""

    directory: Path
    name: str = "sqlite"

    @property
    def version(self) -> str:
        return sqlite3.sqlite_version

    @contextmanager
    def fresh(self, label: str) -> Iterator[str]:
        yield f"sqlite:///{self.directory / f'{label}.db'}"


@dataclass(frozen=True)
class PostgresDatabase:
    """Each fresh database is a new schema on the server at `url`, dropped afterwards."""

    url: str
    version: str
    name: str = "postgresql"

    @classmethod
    def connect(cls, url: str = POSTGRES_URL) -> PostgresDatabase:
        """The server at `url`, or `Unreachable` with the reason."""
        engine = sa.create_engine(url, connect_args={"connect_timeout": 3})
        try:
            with engine.connect() as conn:
                version = str(conn.execute(sa.text("show server_version")).scalar_one())
        except sa.exc.DBAPIError as error:
            raise Unreachable(
                f"PostgreSQL at {_masked(url)} is unreachable: {_one_line(error.orig)}"
            ) from None
        finally:
            engine.dispose()
        return cls(url, version)

    @contextmanager
    def fresh(self, label: str) -> Iterator[str]:
        schema = f"bench_{label}_{uuid.uuid4().hex[:8]}"
        admin = sa.create_engine(self.url)
        try:
            with admin.begin() as conn:
                conn.execute(sa.text(f'create schema "{schema}"'))
            try:
                yield _in_schema(self.url, schema)
            finally:
                with admin.begin() as conn:
                    conn.execute(sa.text(f'drop schema "{schema}" cascade'))
        finally:
            admin.dispose()


Database = SqliteDatabase | PostgresDatabase


def _in_schema(url: str, schema: str) -> str:
    scoped = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})
    return scoped.render_as_string(hide_password=False)


def _masked(url: str) -> str:
    return make_url(url).render_as_string(hide_password=True)


def _one_line(error: object) -> str:
    return " ".join(str(error).split())
