"""Cases as people look at them: one case in full, or filtered pages of summaries."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Row, select

from caseloom.adapters.db.sla import clock_from_row
from caseloom.adapters.db.tables import cases, messages, sla_clocks
from caseloom.domain.case import case_number
from caseloom.domain.errors import NotFound
from caseloom.domain.sla import SlaClock, overall_state
from caseloom.views.models import (
    CaseDetail,
    CasePage,
    CaseSummary,
    ClockView,
    ContactView,
    MessageView,
    NeedView,
    SignalView,
    TriageView,
)
from caseloom.views.store import ReadStore

MAX_PAGE = 200


@dataclass(frozen=True, slots=True)
class CaseFilter:
    status: str | None = None
    team: str | None = None
    owner: str | None = None
    priority: int | None = None


def clocks_of(conn: Connection, ids: Sequence[int]) -> dict[int, list[SlaClock]]:
    """The SLA clocks of each of these cases, by metric."""
    found: dict[int, list[SlaClock]] = {i: [] for i in ids}
    query = select(sla_clocks).where(sla_clocks.c.case_id.in_(ids)).order_by(sla_clocks.c.metric)
    for row in conn.execute(query):
        found[row.case_id].append(clock_from_row(row))
    return found


def _summary_fields(row: Row[Any], clocks: list[SlaClock], now: datetime) -> dict[str, Any]:
    state = overall_state(clocks, now)
    return {
        "ref": row.ref,
        "channel": row.channel,
        "subject": row.subject,
        "status": row.status,
        "priority": row.priority,
        "severity": row.severity,
        "product_line": row.product_line,
        "team": row.team,
        "owner": row.owner,
        "customer_id": row.customer_id,
        "opened_at": row.opened_at,
        "updated_at": row.updated_at,
        "sla": state.value if state else None,
        "queued_at": row.queued_at,
        "offer_expires_at": row.offer_expires_at,
    }


def get_case(store: ReadStore, ref: str, now: datetime) -> CaseDetail:
    number = case_number(ref)
    with store.read() as conn:
        row = conn.execute(select(cases).where(cases.c.id == number)).first()
        if row is None:
            raise NotFound(f"no case {ref}")
        clocks = clocks_of(conn, [number])[number]
        notes = conn.execute(
            select(messages).where(messages.c.case_id == number).order_by(messages.c.id)
        ).all()
    triage = row.triage and triage_view(row.triage)
    return CaseDetail(
        **_summary_fields(row, clocks, now),
        description=row.description,
        contact=ContactView(name=row.contact_name, email=row.contact_email),
        custom=row.custom,
        route=row.route,
        routing_rule=row.routing_rule,
        need=NeedView(skills=row.required_skills, **row.need),
        required_skills=row.required_skills,
        relaxed=row.relaxed,
        triage=triage,
        clocks=[
            ClockView(
                metric=c.metric,
                policy=c.policy,
                calendar=c.calendar,
                started_at=c.started_at,
                due_at=c.due_at,
                met_at=c.met_at,
                state=c.state(now),
            )
            for c in clocks
        ],
        messages=[MessageView(kind=m.kind, author=m.author, body=m.body, at=m.at) for m in notes],
        resolved_at=row.resolved_at,
        closed_at=row.closed_at,
        policy_version=row.policy_version,
        version=row.version,
    )


def list_cases(
    store: ReadStore, where: CaseFilter, now: datetime, limit: int = 50, cursor: str | None = None
) -> CasePage:
    """Newest first. `cursor` is the `next_cursor` of the previous page."""
    limit = max(1, min(limit, MAX_PAGE))
    query = select(cases).order_by(cases.c.id.desc()).limit(limit + 1)
    for column, value in (
        ("status", where.status),
        ("team", where.team),
        ("owner", where.owner),
        ("priority", where.priority),
    ):
        if value is not None:
            query = query.where(cases.c[column] == value)
    if cursor:
        query = query.where(cases.c.id < case_number(cursor))
    with store.read() as conn:
        rows = conn.execute(query).all()
        page = rows[:limit]
        clocks = clocks_of(conn, [r.id for r in page])
    items = [CaseSummary(**_summary_fields(r, clocks[r.id], now)) for r in page]
    return CasePage(items=items, next_cursor=items[-1].ref if len(rows) > limit else None)


def triage_view(stored: Mapping[str, Any]) -> TriageView:
    return TriageView(
        model=stored["model"],
        signals={
            name: SignalView(
                value=s["value"], confidence=s["confidence"], source=s.get("source", "")
            )
            for name, s in stored["signals"].items()
        },
        llm=stored.get("llm"),
    )
