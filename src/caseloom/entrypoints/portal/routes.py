"""The customer portal: a form to open a case (with files), and each case's status page at a
secret link. Plain HTML that works without JavaScript; no login."""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.case import Channel
from caseloom.domain.errors import CaseloomError, IdempotencyConflict, InvalidInput
from caseloom.domain.mail import Attachment
from caseloom.entrypoints.api.deps import running
from caseloom.entrypoints.portal import pages
from caseloom.entrypoints.portal.submission import (
    MAX_FILES,
    Submission,
    read_submission,
)
from caseloom.views import portal as views

router = APIRouter(prefix="/portal", tags=["customer portal"], include_in_schema=False)
App = Annotated[Caseloom, Depends(running)]
ACTOR = "portal"
log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Opened:
    ref: str
    token: str
    not_kept: tuple[tuple[str, str], ...]  # (file, why) for each file the case could not keep


@router.get("", name="portal_form")
@router.get("/")
def form(request: Request, caseloom: App) -> Response:
    return _form(request, caseloom, Submission.blank())


@router.post("/cases", name="portal_open_case")
async def open_case(request: Request, caseloom: App) -> Response:
    """Open a case from the form; on success, 303 to its status page."""
    try:
        sent = await request.form(max_files=5 * MAX_FILES, max_fields=50)
    except HTTPException as error:  # a malformed form, or one over the size limit
        unread = Submission.blank().refused(f"We could not read the form: {error.detail}")
        return _form(request, caseloom, unread, error.status_code)
    try:
        entry = await read_submission(sent, caseloom.policy.intake.max_attachment_bytes)
    finally:
        await sent.close()
    refusal = await run_in_threadpool(_refusal, caseloom, entry)
    if refusal:
        return _form(request, caseloom, *refusal)
    try:
        opened = await run_in_threadpool(_submit, caseloom, entry)
    except IdempotencyConflict:  # this form opened a case, and was then changed and sent again
        again = entry.afresh().refused(
            "This form has already opened a request. To open another one, send it again."
        )
        return _form(request, caseloom, again, 409)
    except InvalidInput as error:  # a rule of the case the form does not check itself
        said = str(error)
        return _form(request, caseloom, entry.refused(f"{said[:1].upper()}{said[1:]}."), 422)
    at = pages.path(request, "portal_status", token=opened.token)
    response = RedirectResponse(at, status_code=303, headers=pages.PRIVATE)
    if opened.not_kept:
        pages.remember_not_kept(response, request, at, opened.not_kept)
    return response


@router.get("/status/{token}", name="portal_status")
def status(token: str, request: Request, caseloom: App) -> Response:
    view = views.case_status(caseloom.store, token, calendars=caseloom.policy.calendar)
    if view is None:
        return pages.page(request, "not_found.html", {}, 404, private=True)
    lost = pages.not_kept(request)
    context = {
        "view": view,
        "promises": pages.promises(view, caseloom.clock.now()),
        "not_kept": lost,
        "write_to": caseloom.policy.intake.reply_from,
    }
    response = pages.page(request, "status.html", context, private=True)
    if lost:
        response.delete_cookie(pages.NOT_KEPT, path=request.url.path, httponly=True)
    return response


@router.get("/portal.css", name="portal_css")
def stylesheet() -> Response:
    return pages.stylesheet()


def _form(request: Request, caseloom: Caseloom, entry: Submission, status: int = 200) -> Response:
    limit = caseloom.policy.intake.max_attachment_bytes
    context = {"entry": entry, "max_files": MAX_FILES, "max_file_mb": limit // 2**20}
    return pages.page(request, "form.html", context, status)


def _refusal(caseloom: Caseloom, entry: Submission) -> tuple[Submission, int] | None:
    """The form to show again and its status, if this entry cannot open a case: a bot's, one
    with mistakes, or one from an address that has opened as many cases here lately as the
    policy allows one sender (`intake.per_sender`, as for e-mail)."""
    if entry.bot:
        return entry.refused("We could not accept this form. Please try again."), 400
    if entry.errors:
        return entry, 422
    spec = caseloom.policy.intake
    since = caseloom.clock.now() - spec.per
    opened = views.opened_since(caseloom.store, entry.value("email"), since, form=_key(entry))
    if opened is None or opened < spec.per_sender:
        return None
    also = f", or write to us at {spec.reply_from}" if spec.reply_from else ""
    return entry.refused(
        f"We have had many requests from this address lately. Please try again later{also}."
    ), 429


def _key(entry: Submission) -> str:
    """The idempotency key of the case this form opens."""
    return f"portal:{entry.once}"


def _submit(caseloom: Caseloom, entry: Submission) -> Opened:
    """Open the case and issue its link first: a file that cannot be kept must not cost them."""
    typed = subject, description, name, email = tuple(
        entry.value(n) for n in ("subject", "description", "name", "email")
    )
    opening = commands.OpenCase(
        channel=Channel.PORTAL,
        subject=subject,
        description=description,
        contact_name=name,
        contact_email=email,
        actor=ACTOR,
        idempotency_key=_key(entry),  # the form sent twice (a double click): the same case
        request_digest=hashlib.sha256("\0".join(typed).encode()).hexdigest(),
    )
    ref = str(caseloom.bus.handle(opening))
    token = str(caseloom.bus.handle(commands.IssueStatusLink(ref)))
    return Opened(ref, token, _attach(caseloom, ref, entry.files))


def _attach(
    caseloom: Caseloom, ref: str, files: tuple[Attachment, ...]
) -> tuple[tuple[str, str], ...]:
    """Keep the files, all at once; if that fails, one by one, so a bad file costs only itself.
    Returns the files not kept, with why."""
    if not files or not (why := _keep(caseloom, ref, files)):
        return ()
    if len(files) == 1:
        return ((files[0].filename, why),)
    lost = ((one.filename, _keep(caseloom, ref, (one,))) for one in files)
    return tuple((name, why) for name, why in lost if why)


def _keep(caseloom: Caseloom, ref: str, files: tuple[Attachment, ...]) -> str:
    """Nothing once the files are attached; else why they are not."""
    try:
        caseloom.bus.handle(commands.AttachFiles(ref, files, ACTOR))
    except CaseloomError as error:
        return str(error)
    except Exception:  # the case is open and its link issued: a fault costs the files only
        log.exception("could not attach %d file(s) to %s", len(files), ref)
        return "something went wrong on our side while storing it"
    return ""
