"""Errors as RFC 9457 problem details (`application/problem+json`), mapped in one place."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from caseloom.domain.errors import (
    CaseloomError,
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotEligible,
    NotFound,
    PolicyError,
)

MEDIA_TYPE = "application/problem+json"
_STATUS: list[tuple[type[CaseloomError], int, str]] = [
    (NotFound, 404, "not-found"),
    (InvalidInput, 422, "invalid-input"),
    (IllegalTransition, 409, "illegal-transition"),
    (NotEligible, 409, "not-eligible"),
    (Conflict, 409, "conflict"),
    (PolicyError, 422, "invalid-policy"),
]


def problem(
    status: int, slug: str, title: str, detail: str, instance: str, **extra: Any
) -> JSONResponse:
    body = {
        "type": f"/problems/{slug}",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": instance,
        **extra,
    }
    return JSONResponse(body, status_code=status, media_type=MEDIA_TYPE)


def install(app: FastAPI) -> None:
    @app.exception_handler(CaseloomError)
    async def _domain(request: Request, error: CaseloomError) -> JSONResponse:
        status, slug = next(
            ((s, g) for t, s, g in _STATUS if isinstance(error, t)), (400, "bad-request")
        )
        title = slug.replace("-", " ").capitalize()
        return problem(status, slug, title, str(error), request.url.path)

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, error: RequestValidationError) -> JSONResponse:
        errors = [
            {"where": ".".join(str(p) for p in e["loc"]), "reason": e["msg"]}
            for e in error.errors()
        ]
        detail = "; ".join(f"{e['where']}: {e['reason']}" for e in errors)
        return problem(
            422, "validation", "The request is not valid", detail, request.url.path, errors=errors
        )

    @app.exception_handler(HTTPException)
    async def _http(request: Request, error: HTTPException) -> JSONResponse:
        slug = str(error.detail).lower().replace(" ", "-")
        return problem(
            error.status_code, slug, str(error.detail), str(error.detail), request.url.path
        )


class BodyLimit:
    """Refuse request bodies over `limit` bytes with a 413, whether declared or streamed."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app, self.limit = app, limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await self._refuse(scope, send)
            return
        seen = 0
        started = False

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise _TooLarge
            return message

        async def tracked_send(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, counted, tracked_send)
        except _TooLarge:
            if not started:
                await self._refuse(scope, send)

    async def _refuse(self, scope: Scope, send: Send) -> None:
        detail = f"the request body is larger than the limit of {self.limit} bytes"
        response = problem(413, "too-large", "Request too large", detail, scope["path"])
        await response(scope, _nothing, send)


class _TooLarge(Exception):
    pass


async def _nothing() -> Message:
    return {"type": "http.disconnect"}
