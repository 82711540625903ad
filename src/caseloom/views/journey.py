"""The journey as stored, and the check that its hash chains are intact."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, Row, select

from caseloom.adapters.db.tables import cases, journey
from caseloom.domain.case import case_number, case_ref
from caseloom.domain.errors import NotFound
from caseloom.domain.journey import ChainBreak, ChainHead, JourneyEntry, verify_chain
from caseloom.views.models import JourneyEntryView
from caseloom.views.store import ReadStore

BATCH = 500


def case_journey(store: ReadStore, ref: str) -> list[JourneyEntryView]:
    number = case_number(ref)
    with store.read() as conn:
        if conn.execute(select(cases.c.id).where(cases.c.id == number)).first() is None:
            raise NotFound(f"no case {ref}")
        rows = conn.execute(
            select(journey).where(journey.c.case_id == number).order_by(journey.c.seq)
        ).all()
    return [
        JourneyEntryView(
            seq=r.seq,
            step=r.step,
            actor=r.actor,
            inputs=r.inputs,
            decision=r.decision,
            reason=r.reason,
            policy_version=r.policy_version,
            at=r.at,
            hash=r.hash,
        )
        for r in rows
    ]


def _entry(ref: str, row: Row[Any]) -> JourneyEntry:
    return JourneyEntry(
        ref,
        row.seq,
        row.step,
        row.actor,
        row.inputs,
        row.decision,
        row.reason,
        row.policy_version,
        row.at,
        row.prev_hash,
        row.hash,
    )


def verify(store: ReadStore, ref: str | None = None) -> tuple[int, list[ChainBreak]]:
    """Recompute every chain (or one case's); return how many cases were checked and the breaks."""
    checked, breaks = 0, []
    with store.read() as conn:
        if (
            ref is not None
            and conn.execute(select(cases.c.id).where(cases.c.id == case_number(ref))).first()
            is None
        ):
            raise NotFound(f"no case {ref}")
        for number, head, rows in _chains(conn, None if ref is None else case_number(ref)):
            checked += 1
            found = verify_chain(
                case_ref(number), [(r.id, _entry(case_ref(number), r)) for r in rows], head
            )
            if found:
                breaks.append(found)
    return checked, breaks


def _chains(conn: Connection, only: int | None) -> Iterator[tuple[int, ChainHead, list[Row[Any]]]]:
    after = 0
    while True:
        query = select(cases.c.id, cases.c.journey_seq, cases.c.journey_head).order_by(cases.c.id)
        query = (
            query.where(cases.c.id == only) if only is not None else query.where(cases.c.id > after)
        )
        heads = conn.execute(query.limit(BATCH)).all()
        if not heads:
            return
        by_case: dict[int, list[Row[Any]]] = {h.id: [] for h in heads}
        for row in conn.execute(
            select(journey)
            .where(journey.c.case_id.in_(list(by_case)))
            .order_by(journey.c.case_id, journey.c.seq, journey.c.id)
        ):
            by_case[row.case_id].append(row)
        for head in heads:
            yield head.id, ChainHead(head.journey_seq, head.journey_head), by_case[head.id]
        if only is not None:
            return
        after = heads[-1].id
