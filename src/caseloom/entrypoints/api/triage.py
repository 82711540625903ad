"""Triage review: the queue of cases no model was sure of, and a person's answer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.entrypoints.api.deps import running
from caseloom.entrypoints.api.schemas import ReviewIn
from caseloom.views import cases as case_views
from caseloom.views import triage as triage_views
from caseloom.views.models import CaseDetail, ReviewItem

router = APIRouter(tags=["triage"])
App = Annotated[Caseloom, Depends(running)]


@router.get("/triage/review", response_model=list[ReviewItem])
def review_queue(
    caseloom: App, limit: Annotated[int, Query(ge=1, le=triage_views.MAX_ITEMS)] = 50
) -> list[ReviewItem]:
    """Cases waiting for a person to settle their signals, oldest first."""
    return triage_views.review_queue(caseloom.store, caseloom.policy.triage, limit)


@router.post("/cases/{ref}/triage", response_model=CaseDetail)
def review(ref: str, body: ReviewIn, caseloom: App) -> CaseDetail:
    """Settle the signals no model was sure of (others may be corrected too); the policy's
    stamps then apply and the case moves on to its SLA and routing."""
    caseloom.bus.handle(commands.ReviewTriage(ref, body.actor, body.signals))
    return case_views.get_case(caseloom.store, ref, caseloom.clock.now())
