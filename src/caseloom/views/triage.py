"""The triage review queue: cases a person must read before they move on, oldest first."""

from __future__ import annotations

from sqlalchemy import select

from caseloom.adapters.db.tables import cases
from caseloom.domain.case import CaseStatus
from caseloom.domain.policy import TriageSpec
from caseloom.views.cases import triage_view
from caseloom.views.models import ReviewItem
from caseloom.views.store import ReadStore

MAX_ITEMS = 200


def review_queue(store: ReadStore, spec: TriageSpec, limit: int = 50) -> list[ReviewItem]:
    query = (
        select(cases)
        .where(cases.c.status == CaseStatus.TRIAGE_REVIEW.value)
        .order_by(cases.c.id)
        .limit(max(1, min(limit, MAX_ITEMS)))
    )
    with store.read() as conn:
        rows = conn.execute(query).all()
    items = []
    for row in rows:
        view = triage_view(row.triage)
        unsure = spec.unsettled({name: s.confidence for name, s in view.signals.items()})
        items.append(
            ReviewItem(
                ref=row.ref,
                subject=row.subject,
                description=row.description,
                opened_at=row.opened_at,
                unsure=list(unsure),
                triage=view,
            )
        )
    return items
