"""E-mail as received, each case's Message-IDs, and attachments."""

from __future__ import annotations

import secrets as random_secrets
from collections.abc import Callable, Sequence
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Connection, Engine, Row, bindparam, func, insert, select, update
from sqlalchemy.dialects import postgresql, sqlite

from caseloom.adapters.db.membership import among
from caseloom.adapters.db.tables import (
    attachments,
    inbound_mail,
    mail_threads,
    secrets,
    status_links,
)
from caseloom.domain.errors import ConcurrencyConflict, NotFound
from caseloom.domain.mail import Attachment, MailStatus, ReceivedMail, message_key

# Statements used for every message are built once (building one costs more than running it).
_SETTLE = (
    update(inbound_mail)
    .where(
        inbound_mail.c.id == bindparam("_id"),
        inbound_mail.c.status == MailStatus.RECEIVED.value,
    )
    .values(
        status=bindparam("_status"),
        outcome=bindparam("_outcome"),
        processed_at=bindparam("_at"),
        sender=bindparam("_sender"),
        case_id=bindparam("_case"),
    )
)
_COUNT_FROM = select(func.count()).where(
    inbound_mail.c.sender == bindparam("sender"), inbound_mail.c.received_at >= bindparam("since")
)
_THREAD = (
    select(mail_threads.c.message_id)
    .where(mail_threads.c.case_id == bindparam("case"))
    .order_by(mail_threads.c.at, mail_threads.c.message_id)
)


@cache
def _statements(dialect: str) -> tuple[Any, Any]:
    """The inserts that skip a row already there: storing a message, remembering a thread's
    Message-ID."""
    insert_ = postgresql.insert if dialect == "postgresql" else sqlite.insert
    store = insert_(inbound_mail).on_conflict_do_nothing().returning(inbound_mail.c.id)
    return store, insert_(mail_threads).on_conflict_do_nothing()


class SqlMailStore:
    """`store` writes at once (it is the first thing done with a message, alone in its
    transaction); what refers to cases waits for `flush`, after the cases are written."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._pending: list[Callable[[], None]] = []

    @property
    def unwritten(self) -> bool:
        return bool(self._pending)

    def flush(self) -> None:
        pending, self._pending = self._pending, []
        for write in pending:
            write()

    def store(
        self,
        raw: bytes,
        *,
        message_id: str,
        source: str,
        envelope_from: str,
        envelope_to: Sequence[str],
        at: datetime,
    ) -> tuple[ReceivedMail, bool]:
        key = message_key(message_id)
        sender = envelope_from[:254]
        row = {
            "key": key,
            "message_id": message_id,
            "source": source,
            "envelope_from": sender,
            "envelope_to": list(envelope_to),
            "raw": raw,
            "size": len(raw),
            "received_at": at,
            "status": MailStatus.RECEIVED.value,
        }
        store, _ = _statements(self._conn.dialect.name)
        added = self._conn.execute(store, row).scalar_one_or_none()
        if added is not None:
            return ReceivedMail(
                added, message_id, source, sender, tuple(envelope_to), at, raw
            ), True
        stored = self._conn.execute(select(inbound_mail).where(inbound_mail.c.key == key)).one()
        return _mail(stored), False

    def get(self, mail_id: int) -> ReceivedMail:
        row = self._conn.execute(select(inbound_mail).where(inbound_mail.c.id == mail_id)).first()
        if row is None:
            raise NotFound(f"no stored e-mail {mail_id}")
        return _mail(row)

    def settle(
        self,
        mail_id: int,
        status: MailStatus,
        outcome: str,
        *,
        at: datetime,
        sender: str | None = None,
        case_number: int | None = None,
    ) -> None:
        self._pending.append(
            lambda: self._settle(
                mail_id, status, outcome, at=at, sender=sender, case_number=case_number
            )
        )

    def _settle(
        self,
        mail_id: int,
        status: MailStatus,
        outcome: str,
        *,
        at: datetime,
        sender: str | None,
        case_number: int | None,
    ) -> None:
        settled = self._conn.execute(
            _SETTLE,
            {
                "_id": mail_id,
                "_status": status.value,
                "_outcome": outcome,
                "_at": at,
                "_sender": sender,
                "_case": case_number,
            },
        )
        if settled.rowcount != 1:
            raise ConcurrencyConflict(f"stored e-mail {mail_id} was read by another process")

    def release(self, mail_id: int, outcome: str, *, at: datetime) -> None:
        released = self._conn.execute(
            update(inbound_mail)
            .where(
                inbound_mail.c.id == mail_id,
                inbound_mail.c.status == MailStatus.QUARANTINED.value,
            )
            .values(status=MailStatus.RECEIVED.value, outcome=outcome, processed_at=at)
        )
        if released.rowcount != 1:
            raise ConcurrencyConflict(f"stored e-mail {mail_id} was changed by another process")

    def unsettled(self, received_before: datetime, limit: int) -> list[int]:
        query = (
            select(inbound_mail.c.id)
            .where(
                inbound_mail.c.status == MailStatus.RECEIVED.value,
                inbound_mail.c.received_at < received_before,
            )
            .order_by(inbound_mail.c.received_at, inbound_mail.c.id)
            .limit(limit)
        )
        return list(self._conn.execute(query).scalars())

    def count_from(self, sender: str, since: datetime) -> int:
        return int(self._conn.execute(_COUNT_FROM, {"sender": sender, "since": since}).scalar_one())

    def case_of(self, message_ids: Sequence[str]) -> int | None:
        if not message_ids:
            return None
        keys = [message_key(m) for m in message_ids]
        rows = self._conn.execute(
            select(mail_threads.c.key, mail_threads.c.case_id).where(
                among(self._conn, mail_threads.c.key, keys)
            )
        ).all()
        found = {row.key: row.case_id for row in rows}
        return next((found[k] for k in keys if k in found), None)

    def remember(self, message_id: str, case_number: int, *, outbound: bool, at: datetime) -> None:
        self._pending.append(lambda: self._remember(message_id, case_number, outbound, at))

    def _remember(self, message_id: str, case_number: int, outbound: bool, at: datetime) -> None:
        _, remember = _statements(self._conn.dialect.name)
        row = {
            "key": message_key(message_id),
            "message_id": message_id,
            "case_id": case_number,
            "outbound": outbound,
            "at": at,
        }
        self._conn.execute(remember, row)

    def thread(self, case_number: int) -> list[str]:
        return list(self._conn.execute(_THREAD, {"case": case_number}).scalars())

    def attach(
        self, case_number: int, mail_id: int | None, files: Sequence[Attachment], at: datetime
    ) -> None:
        rows = [_file(case_number, mail_id, f, at) for f in files]
        if rows:
            self._pending.append(lambda: self._write(insert(attachments), rows))

    def has_file(self, case_number: int, file: Attachment) -> bool:
        query = select(attachments.c.id).where(
            attachments.c.case_id == case_number,
            attachments.c.filename == file.filename[:255],
            attachments.c.size == file.size,
            attachments.c.content == file.content,
        )
        return self._conn.execute(query.limit(1)).first() is not None

    def link(self, case_number: int, key: str, at: datetime) -> None:
        row = {"key": key, "case_id": case_number, "created_at": at}
        self._pending.append(lambda: self._write(insert(status_links), [row]))

    def _write(self, statement: Any, rows: list[dict[str, Any]]) -> None:
        self._conn.execute(statement, rows)


def _mail(row: Row[Any]) -> ReceivedMail:
    return ReceivedMail(
        id=row.id,
        message_id=row.message_id,
        source=row.source,
        envelope_from=row.envelope_from,
        envelope_to=tuple(row.envelope_to),
        received_at=row.received_at,
        raw=bytes(row.raw),
        status=MailStatus(row.status),
        outcome=row.outcome,
        case_number=row.case_id,
    )


def _file(case_number: int, mail_id: int | None, file: Attachment, at: datetime) -> dict[str, Any]:
    return {
        "case_id": case_number,
        "mail_id": mail_id,
        "filename": file.filename[:255],
        "content_type": file.content_type[:255],
        "size": file.size,
        "inline": file.inline,
        "content_id": file.content_id[:255] if file.content_id else None,
        "content": file.content,
        "dropped": file.dropped,
        "created_at": at,
    }


def installation_secret(engine: Engine, name: str = "case-token") -> bytes:
    """This installation's secret `name`, made at random the first time it is asked for."""
    with engine.begin() as conn:
        dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
        made = random_secrets.token_hex(32)
        conn.execute(dialect.insert(secrets).values(name=name, value=made).on_conflict_do_nothing())
        value = conn.execute(select(secrets.c.value).where(secrets.c.name == name)).scalar_one()
    return bytes.fromhex(value)
