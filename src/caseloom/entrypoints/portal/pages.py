"""The portal's pages: templates and CSS shipped in this package, the headers each page carries,
the SLA promise in words, and the note of files not kept that follows the redirect."""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass
from datetime import datetime
from functools import cache, partial
from importlib import resources
from typing import Any

import jinja2
from starlette.requests import Request
from starlette.responses import Response
from starlette.templating import Jinja2Templates

from caseloom.domain.mail.outbound import when
from caseloom.views.models import PortalCaseView, PortalPromiseView

PACKAGE = "caseloom.entrypoints.portal"
SAFE = {
    "Content-Security-Policy": "default-src 'none'; style-src 'self'; img-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'",
    "X-Content-Type-Options": "nosniff",
}
# A status page's address holds its secret token: keep it out of caches and Referer headers.
PRIVATE = {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}
NOT_KEPT = "portal_not_kept"  # the cookie that carries files not kept to the status page
NOTE_SECONDS = 600
NOTE_NAME, NOTE_WHY = 80, 160  # so that ten files fit in a cookie


@dataclass(frozen=True, slots=True)
class Wording:
    label: str
    due: str
    late: str
    met: str
    paused: str


FIRST_REPLY = Wording(
    "First reply",
    "We aim to reply by {at}.",
    "We aimed to reply by {at}; we are sorry it is taking longer.",
    "We replied on {at}.",
    "We will reply as soon as we can.",
)
RESOLUTION = Wording(
    "Resolution",
    "We aim to resolve it by {at}.",
    "We aimed to resolve it by {at}; we are sorry it is taking longer.",
    "Resolved on {at}.",
    "On hold while we wait for your reply.",
)


def page(
    request: Request, name: str, context: dict[str, Any], status: int = 200, private: bool = False
) -> Response:
    headers = SAFE | PRIVATE if private else SAFE
    context = {"private": private} | context
    return _templates().TemplateResponse(request, name, context, status, headers)


def path(request: Request, name: str, **params: str) -> str:
    """A route's path, from the site's root (relative: right behind any proxy)."""
    found = str(request.app.url_path_for(name, **params))
    return request.base_url.path.rstrip("/") + found


def promises(view: PortalCaseView, now: datetime) -> list[tuple[str, str]]:
    said = [
        (wording.label, _promise(wording, promise, now, view.timezone))
        for wording, promise in ((FIRST_REPLY, view.first_reply), (RESOLUTION, view.resolution))
    ]
    return [(label, text) for label, text in said if text]


def _promise(w: Wording, promise: PortalPromiseView | None, now: datetime, zone: str) -> str:
    if promise is None:
        return ""
    if promise.met_at is not None:
        return w.met.format(at=when(promise.met_at, zone))
    if promise.stopped:
        return ""
    if promise.due_at is None:
        return w.paused
    return (w.late if promise.due_at < now else w.due).format(at=when(promise.due_at, zone))


def size(count: int) -> str:
    """A file size as people read it: "812 bytes", "14.2 KB", "3.1 MB"."""
    if count < 1024:
        return f"{count} bytes"
    if count < 1024 * 1024:
        return f"{count / 1024:.1f} KB"
    return f"{count / (1024 * 1024):.1f} MB"


def stylesheet() -> Response:
    return Response(_css(), media_type="text/css", headers={"Cache-Control": "max-age=3600"})


def remember_not_kept(
    response: Response, request: Request, at: str, lost: tuple[tuple[str, str], ...]
) -> None:
    """Files the case could not keep, for the status page at `at` to say which and why."""
    trimmed = [(name[:NOTE_NAME], why[:NOTE_WHY]) for name, why in lost]
    value = base64.urlsafe_b64encode(json.dumps(trimmed).encode()).decode()
    secure = request.url.scheme == "https"
    response.set_cookie(NOT_KEPT, value, NOTE_SECONDS, path=at, secure=secure, httponly=True)


def not_kept(request: Request) -> list[tuple[str, str]]:
    try:
        told = json.loads(base64.urlsafe_b64decode(request.cookies.get(NOT_KEPT, "")) or "[]")
    except (binascii.Error, ValueError):
        return []
    if not isinstance(told, list):
        return []
    return [(str(n), str(w)) for n, w in (t for t in told if isinstance(t, list) and len(t) == 2)]


@cache
def _templates() -> Jinja2Templates:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader(PACKAGE, "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = when
    env.filters["size"] = size
    return Jinja2Templates(env=env, context_processors=[lambda r: {"path": partial(path, r)}])


@cache
def _css() -> bytes:
    return (resources.files(PACKAGE) / "static" / "portal.css").read_bytes()
