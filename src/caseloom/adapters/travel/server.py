"""One routing server over HTTP: every way a request can fail becomes `TravelUnavailable`.

Messages name the kind of server and its host and port, never the full URL (a hosted router's
URL often carries a key). No request is retried here: the dispatch job that asks for a matrix
is itself retried by the worker, and a retry per block would multiply the wait by the blocks.
"""

from __future__ import annotations

import json
from collections.abc import Callable

import httpx2

from caseloom.domain.errors import InvalidInput, TravelUnavailable

# Reads a protocol's own error document ({"code": ..., "message": ...}); None if it is not one.
Explain = Callable[[object], str | None]


class RoutingServer:
    def __init__(
        self,
        kind: str,
        base_url: str,
        *,
        timeout: float,
        explain: Explain,
        transport: httpx2.BaseTransport | None = None,
    ) -> None:
        self.where = f"the {kind} server at {_host(kind, base_url)}"
        if not timeout > 0:
            raise InvalidInput(f"the {kind} timeout must be over 0 s, not {timeout}")
        self._base = base_url.rstrip("/")
        self._timeout = timeout
        self._explain = explain
        self._client = httpx2.Client(
            timeout=timeout, transport=transport, headers={"User-Agent": "caseloom"}
        )

    def get(self, path: str) -> object:
        """The JSON document the server answers to a GET of `path` (from the base URL, with any
        query already in it)."""
        return self._send(lambda: self._client.get(self._base + path))

    def post(self, path: str, document: object) -> object:
        """The JSON document the server answers to `document` POSTed to `path`."""
        return self._send(lambda: self._client.post(self._base + path, json=document))

    def failed(self, problem: str) -> TravelUnavailable:
        return TravelUnavailable(f"{self.where} {problem}")

    def close(self) -> None:
        self._client.close()

    def _send(self, request: Callable[[], httpx2.Response]) -> object:
        try:
            response = request()
        except httpx2.TimeoutException:
            raise self.failed(f"did not answer within {self._timeout} s") from None
        except httpx2.TransportError as error:
            raise self.failed(f"could not be reached: {error}") from None
        return self._read(response)

    def _read(self, response: httpx2.Response) -> object:
        try:
            document: object = json.loads(response.content)
        except ValueError:  # not JSON, or not UTF-8
            document = None
            if response.is_success:
                raise self.failed(f"answered malformed JSON: {_start(response)}") from None
        if response.is_success:
            return document
        said = self._explain(document) if document is not None else None
        status = f"HTTP {response.status_code} {response.reason_phrase}"
        raise self.failed(f"answered {status}: {said or _start(response)}")


def _host(kind: str, base_url: str) -> str:
    try:
        url = httpx2.URL(base_url)
    except httpx2.InvalidURL as error:
        raise InvalidInput(f"the {kind} URL {base_url!r} is not a URL: {error}") from None
    if url.scheme not in {"http", "https"} or not url.host:
        raise InvalidInput(f"the {kind} URL {base_url!r} should start http:// or https://")
    return url.host if url.port is None else f"{url.host}:{url.port}"


def _start(response: httpx2.Response) -> str:
    text = response.text.strip()[:200]
    return repr(text) if text else "an empty body"
