"""The REST API over HTTP, in process, on the `app` fixture's database (SQLite and PostgreSQL)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from caseloom.bootstrap import Caseloom
from caseloom.entrypoints.api import create_app

ClientFactory = Callable[..., TestClient]


@pytest.fixture
def open_client(app: Caseloom) -> ClientFactory:
    """Build a client over `create_app(app, **options)`; use it as a context manager."""

    def build(**options: int) -> TestClient:
        return TestClient(create_app(app, **options))

    return build


@pytest.fixture
def client(open_client: ClientFactory) -> Iterator[TestClient]:
    with open_client() as opened:
        yield opened
