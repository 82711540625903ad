"""Local network helpers for the tests that talk to real servers on 127.0.0.1."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import ThreadingHTTPServer
from typing import TypeVar


def free_port() -> int:
    """A port nothing listens on (once the probe is closed)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


S = TypeVar("S", bound=ThreadingHTTPServer)


@contextmanager
def serving(server: S) -> Iterator[S]:
    """Serve `server` from a thread while the block runs. After it, a `released` event the
    server has is set (handlers stalling on purpose finish) and every handler is waited for."""
    thread = threading.Thread(target=server.serve_forever, args=(0.01,))
    thread.start()
    try:
        yield server
    finally:
        released = getattr(server, "released", None)
        if isinstance(released, threading.Event):
            released.set()
        server.shutdown()
        server.server_close()
        thread.join()
