"""Errors as RFC 9457 problem details (`application/problem+json`), mapped in one place."""

from __future__ import annotations

from collections.abc import Mapping
from http import HTTPStatus
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
    TravelUnavailable,
)

MEDIA_TYPE = "application/problem+json"
_STATUS: list[tuple[type[CaseloomError], int, str]] = [
    (NotFound, 404, "not-found"),
    (InvalidInput, 422, "invalid-input"),
    (IllegalTransition, 409, "illegal-transition"),
    (NotEligible, 409, "not-eligible"),
    (Conflict, 409, "conflict"),
    (PolicyError, 422, "invalid-policy"),
    (TravelUnavailable, 503, "travel-unavailable"),
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
        title = HTTPStatus(error.status_code).phrase
        slug = title.lower().replace(" ", "-")
        return problem(error.status_code, slug, title, str(error.detail), request.url.path)


class BodyLimit:
    """Refuse request bodies over `limit` bytes with a 413, whether declared or streamed;
    `paths` may allow some paths more (the portal's form with its uploads)."""

    def __init__(self, app: ASGIApp, limit: int, paths: Mapping[str, int] | None = None) -> None:
        self.app, self.limit, self.paths = app, limit, dict(paths or {})

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.paths.get(scope["path"], self.limit)
        declared = dict(scope["headers"]).get(b"content-length", b"")
        if declared.isdigit() and int(declared) > limit:
            response = problem(
                413, "content-too-large", "Content Too Large", _detail(limit), scope["path"]
            )
            await response(scope, receive, send)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > limit:  # FastAPI lets an HTTPException from reading the body through
                raise HTTPException(413, _detail(limit))
            return message

        await self.app(scope, counted, send)


def _detail(limit: int) -> str:
    return f"the request body is larger than the limit of {limit} bytes"
