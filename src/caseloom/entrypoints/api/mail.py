"""E-mail intake over HTTP: what was received (the quarantine is `?status=quarantined`), the
raw message, and a case's attachments."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import quote

from fastapi import APIRouter, Depends, Query, Response

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.entrypoints.api.deps import running
from caseloom.entrypoints.api.schemas import ActorIn
from caseloom.views import mail as views
from caseloom.views.models import AttachmentView, MailView

router = APIRouter(tags=["e-mail intake"])
App = Annotated[Caseloom, Depends(running)]
STATUSES = "received|opened|threaded|ignored|quarantined"


@router.get("/intake/mail", response_model=list[MailView])
def list_mail(
    caseloom: App,
    status: Annotated[str | None, Query(pattern=f"^({STATUSES})$")] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
) -> list[MailView]:
    """Received e-mail, newest first, with what became of each message."""
    return views.list_mail(caseloom.store, status=status, limit=limit)


@router.get("/intake/mail/{mail_id}", response_model=MailView)
def get_mail(mail_id: int, caseloom: App) -> MailView:
    return views.get_mail(caseloom.store, mail_id)


@router.get("/intake/mail/{mail_id}/raw", response_class=Response)
def raw_mail(mail_id: int, caseloom: App) -> Response:
    """The message exactly as received (RFC 5322), e.g. to inspect a quarantined one."""
    return Response(views.raw_mail(caseloom.store, mail_id), media_type="message/rfc822")


@router.post("/intake/mail/{mail_id}/release", response_model=MailView)
def release_mail(mail_id: int, body: ActorIn, caseloom: App) -> MailView:
    """Let a quarantined message through (e.g. a sender over the limit): it is read again,
    past the per-sender limit. 409 for a message that is not quarantined."""
    caseloom.bus.handle(commands.ReleaseMail(mail_id, body.actor))
    return views.get_mail(caseloom.store, mail_id)


@router.get("/cases/{ref}/attachments", response_model=list[AttachmentView])
def list_attachments(ref: str, caseloom: App) -> list[AttachmentView]:
    return views.list_attachments(caseloom.store, ref)


@router.get("/cases/{ref}/attachments/{attachment_id}", response_class=Response)
def attachment(ref: str, attachment_id: int, caseloom: App) -> Response:
    """The file, with its content type; served as a download, never rendered inline."""
    file, content = views.attachment_content(caseloom.store, ref, attachment_id)
    disposition = f"attachment; filename*=UTF-8''{_quoted(file.filename)}"
    return Response(
        content,
        media_type=file.content_type,
        headers={"Content-Disposition": disposition, "X-Content-Type-Options": "nosniff"},
    )


def _quoted(name: str) -> str:
    return quote(name, safe="")
