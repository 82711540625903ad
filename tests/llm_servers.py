"""Local HTTP servers that speak the LLM providers' real wire formats, scripted per test.

A test scripts what the next requests meet (an answer, malformed text, an HTTP error, a stall
longer than the client's timeout) and reads back the requests that arrived. The bodies follow
the SDKs' own types: openai `ChatCompletion` and its error body, anthropic `Message` (a
`tool_use` block) and `ErrorResponse`, google-genai `GenerateContentResponse` in the REST API's
camelCase and Google's error body.
"""

from __future__ import annotations

import json
import re
import threading
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, Protocol, Self

Json = dict[str, Any]
Headers = dict[str, str]


@dataclass(frozen=True)
class Answer:
    """The model answers with this JSON (as text, or as a tool call's input for Anthropic)."""

    payload: Mapping[str, object]
    input_tokens: int = 120
    output_tokens: int = 30


@dataclass(frozen=True)
class Malformed:
    """The model answers with this text instead (for Anthropic: a text block, no tool call)."""

    text: str
    input_tokens: int = 120
    output_tokens: int = 30


@dataclass(frozen=True)
class Fail:
    status: int
    retry_after: str | None = None
    message: str = "something went wrong"


@dataclass(frozen=True)
class NotJson:
    """A 200 whose body is not the API's JSON, as from a proxy or a captive portal."""

    page: str = "<html><body>Please sign in to the guest Wi-Fi</body></html>"


@dataclass(frozen=True)
class Stall:
    """Answer nothing for this long, then drop the connection."""

    seconds: float


Behaviour = Answer | Malformed | Fail | NotJson | Stall


@dataclass(frozen=True)
class Received:
    path: str
    headers: Mapping[str, str]  # names in lower case
    body: Json


class Wire(Protocol):
    def handles(self, path: str) -> bool: ...

    def answer(self, request: Json, reply: Answer | Malformed) -> Json: ...

    def error(self, status: int, message: str, retry_after: str | None) -> tuple[Json, Headers]:
        """The error body and headers; how a provider says when to come back is its own."""
        ...

    def text_of(self, request: Json) -> str:
        """The customer's text in a request."""
        ...

    def schema_of(self, request: Json) -> Json:
        """The answer's JSON schema in a request."""
        ...


class OpenAiWire:
    def handles(self, path: str) -> bool:
        return path == "/v1/chat/completions"

    def answer(self, request: Json, reply: Answer | Malformed) -> Json:
        content = reply.text if isinstance(reply, Malformed) else json.dumps(reply.payload)
        return {
            "id": "chatcmpl-1",
            "object": "chat.completion",
            "created": 1_764_147_600,
            "model": request["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": content, "refusal": None},
                    "logprobs": None,
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": reply.input_tokens,
                "completion_tokens": reply.output_tokens,
                "total_tokens": reply.input_tokens + reply.output_tokens,
            },
        }

    def error(self, status: int, message: str, retry_after: str | None) -> tuple[Json, Headers]:
        kind = "rate_limit_exceeded" if status == 429 else "server_error"
        body = {"error": {"message": message, "type": kind, "param": None, "code": kind}}
        return body, {"retry-after": retry_after} if retry_after else {}

    def text_of(self, request: Json) -> str:
        return str(request["messages"][-1]["content"])

    def schema_of(self, request: Json) -> Json:
        response_format = request["response_format"]
        assert response_format["type"] == "json_schema"
        assert response_format["json_schema"]["strict"] is True
        return dict(response_format["json_schema"]["schema"])


class AnthropicWire:
    _ERROR_TYPES: Mapping[int, str] = {
        400: "invalid_request_error",
        401: "authentication_error",
        429: "rate_limit_error",
        529: "overloaded_error",
    }

    def handles(self, path: str) -> bool:
        return path == "/v1/messages"

    def answer(self, request: Json, reply: Answer | Malformed) -> Json:
        if isinstance(reply, Malformed):
            content: Json = {"type": "text", "text": reply.text}
        else:
            tool = request["tool_choice"]["name"]
            content = {"type": "tool_use", "id": "toolu_1", "name": tool, "input": reply.payload}
        return {
            "id": "msg_1",
            "type": "message",
            "role": "assistant",
            "model": request["model"],
            "content": [content],
            "stop_reason": "end_turn" if isinstance(reply, Malformed) else "tool_use",
            "stop_sequence": None,
            "usage": {"input_tokens": reply.input_tokens, "output_tokens": reply.output_tokens},
        }

    def error(self, status: int, message: str, retry_after: str | None) -> tuple[Json, Headers]:
        kind = self._ERROR_TYPES.get(status, "api_error")
        body = {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_1"}
        return body, {"retry-after": retry_after} if retry_after else {}

    def text_of(self, request: Json) -> str:
        return str(request["messages"][0]["content"])

    def schema_of(self, request: Json) -> Json:
        (tool,) = request["tools"]
        assert request["tool_choice"] == {"type": "tool", "name": tool["name"]}
        return dict(tool["input_schema"])


class GoogleWire:
    _PATH = re.compile(r"/v1beta/models/[\w.-]+:generateContent")
    _STATUSES: Mapping[int, str] = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        429: "RESOURCE_EXHAUSTED",
        503: "UNAVAILABLE",
    }

    def handles(self, path: str) -> bool:
        return self._PATH.fullmatch(path) is not None

    def answer(self, request: Json, reply: Answer | Malformed) -> Json:
        text = reply.text if isinstance(reply, Malformed) else json.dumps(reply.payload)
        return {
            "candidates": [
                {
                    "content": {"role": "model", "parts": [{"text": text}]},
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {
                "promptTokenCount": reply.input_tokens,
                "candidatesTokenCount": reply.output_tokens,
                "totalTokenCount": reply.input_tokens + reply.output_tokens,
            },
            "modelVersion": "gemini-test",
            "responseId": "resp-1",
        }

    def error(self, status: int, message: str, retry_after: str | None) -> tuple[Json, Headers]:
        kind = self._STATUSES.get(status, "INTERNAL")
        error: Json = {"code": status, "message": message, "status": kind}
        if retry_after:  # in the body, as google.rpc.RetryInfo; Gemini sends no Retry-After
            retry = {
                "@type": "type.googleapis.com/google.rpc.RetryInfo",
                "retryDelay": f"{retry_after}s",
            }
            error["details"] = [retry]
        return {"error": error}, {}

    def text_of(self, request: Json) -> str:
        return str(request["contents"][0]["parts"][0]["text"])

    def schema_of(self, request: Json) -> Json:
        config = request["generationConfig"]
        assert config["responseMimeType"] == "application/json"
        return dict(config["responseJsonSchema"])


class LlmServer:
    """A provider's API on 127.0.0.1, answering as scripted; use it as a context manager."""

    def __init__(self, wire: Wire) -> None:
        self.wire = wire
        self.requests: list[Received] = []
        self.on_request: Callable[[], None] | None = None  # runs as each request arrives
        self._script: deque[Behaviour] = deque()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._http = _Server(self)
        self._thread = threading.Thread(target=self._http.serve_forever, args=(0.01,))

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def script(self, *behaviours: Behaviour) -> None:
        with self._lock:
            self._script.extend(behaviours)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stop.set()  # wakes stalled handlers
        self._http.shutdown()
        self._http.server_close()  # joins the handler threads
        self._thread.join()

    def _next(self, received: Received) -> Behaviour | None:
        """The scripted behaviour for this request; a path the wire does not serve takes none."""
        with self._lock:
            self.requests.append(received)
            if not self.wire.handles(received.path):
                return None
            if not self._script:
                return Fail(500, message="nothing was scripted for this request")
            return self._script.popleft()

    def _stall(self, seconds: float) -> None:
        self._stop.wait(seconds)


class _Server(ThreadingHTTPServer):
    daemon_threads = False  # so that server_close waits for every handler

    def __init__(self, llm: LlmServer) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.llm = llm


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as the real APIs
    disable_nagle_algorithm = True  # headers and body go in two writes: no 40 ms stall between
    timeout = 5  # an idle kept-alive connection lets its thread go after this long
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        headers = {name.lower(): value for name, value in self.headers.items()}
        llm = self.server.llm
        if llm.on_request is not None:
            llm.on_request()
        behaviour = llm._next(Received(self.path, headers, body))
        if behaviour is None:
            self._send(404, *llm.wire.error(404, f"no such path {self.path}", None))
        elif isinstance(behaviour, Stall):
            llm._stall(behaviour.seconds)
            self.close_connection = True
        elif isinstance(behaviour, NotJson):
            self._write(200, "text/html", behaviour.page.encode(), {})
        elif isinstance(behaviour, Fail):
            status = behaviour.status
            self._send(status, *llm.wire.error(status, behaviour.message, behaviour.retry_after))
        else:
            self._send(200, llm.wire.answer(body, behaviour))

    def _send(self, status: int, body: Json, extra: Headers | None = None) -> None:
        self._write(status, "application/json", json.dumps(body).encode(), extra or {})

    def _write(self, status: int, content_type: str, payload: bytes, extra: Headers) -> None:
        try:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(payload)))
            for name, value in extra.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(payload)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up first

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest shows what matters."""
