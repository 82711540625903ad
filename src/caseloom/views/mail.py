"""E-mail as intake received it (the quarantine is the `quarantined` ones), and attachments."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Row, select

from caseloom.adapters.db.tables import attachments, inbound_mail
from caseloom.domain.case import case_number, case_ref
from caseloom.domain.errors import NotFound
from caseloom.views.models import AttachmentView, MailView
from caseloom.views.store import ReadStore

LIMIT = 200
_MAIL = [c for c in inbound_mail.c if c.name != "raw"]
_FILE = [c for c in attachments.c if c.name != "content"]


def list_mail(store: ReadStore, *, status: str | None = None, limit: int = LIMIT) -> list[MailView]:
    """Received e-mail, newest first; `status="quarantined"` is the quarantine."""
    query = select(*_MAIL).order_by(inbound_mail.c.id.desc()).limit(limit)
    if status:
        query = query.where(inbound_mail.c.status == status)
    with store.read() as conn:
        return [_mail(row) for row in conn.execute(query)]


def get_mail(store: ReadStore, mail_id: int) -> MailView:
    with store.read() as conn:
        row = conn.execute(select(*_MAIL).where(inbound_mail.c.id == mail_id)).first()
    if row is None:
        raise NotFound(f"no received e-mail {mail_id}")
    return _mail(row)


def raw_mail(store: ReadStore, mail_id: int) -> bytes:
    """The message exactly as it was received."""
    with store.read() as conn:
        raw = conn.execute(select(inbound_mail.c.raw).where(inbound_mail.c.id == mail_id)).scalar()
    if raw is None:
        raise NotFound(f"no received e-mail {mail_id}")
    return bytes(raw)


def list_attachments(store: ReadStore, ref: str) -> list[AttachmentView]:
    query = (
        select(*_FILE).where(attachments.c.case_id == case_number(ref)).order_by(attachments.c.id)
    )
    with store.read() as conn:
        return [_file(row) for row in conn.execute(query)]


def attachment_content(
    store: ReadStore, ref: str, attachment_id: int
) -> tuple[AttachmentView, bytes]:
    query = select(attachments).where(
        attachments.c.id == attachment_id, attachments.c.case_id == case_number(ref)
    )
    with store.read() as conn:
        row = conn.execute(query).first()
    if row is None:
        raise NotFound(f"case {ref} has no attachment {attachment_id}")
    return _file(row), bytes(row.content)


def _mail(row: Row[Any]) -> MailView:
    return MailView(
        id=row.id,
        message_id=row.message_id,
        source=row.source,
        envelope_from=row.envelope_from,
        envelope_to=list(row.envelope_to),
        sender=row.sender,
        size=row.size,
        received_at=row.received_at,
        status=row.status,
        outcome=row.outcome,
        case=case_ref(row.case_id) if row.case_id else None,
        processed_at=row.processed_at,
    )


def _file(row: Row[Any]) -> AttachmentView:
    return AttachmentView(
        id=row.id,
        case=case_ref(row.case_id),
        filename=row.filename,
        content_type=row.content_type,
        size=row.size,
        inline=row.inline,
        content_id=row.content_id,
        dropped=row.dropped,
        created_at=row.created_at,
    )
