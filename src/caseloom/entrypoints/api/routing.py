"""Routing: why a case went where it did, a dry run for a hypothetical case, and offers."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Depends

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.entrypoints.api.deps import running
from caseloom.entrypoints.api.schemas import DeclineIn, DryRunIn, OfferIn
from caseloom.views import cases as case_views
from caseloom.views import routing as views
from caseloom.views.models import CaseDetail, DryRunView, RoutingExplanation

router = APIRouter(tags=["routing"])
App = Annotated[Caseloom, Depends(running)]


@router.get("/cases/{ref}/routing/explain", response_model=RoutingExplanation)
def explain(ref: str, caseloom: App) -> RoutingExplanation:
    """The case's last routing decision: the rule and team, what a rep needed, the ranked
    candidates with every factor, and why each other rep was passed over. 409 if the case has
    not been routed yet."""
    return views.explain(caseloom.store, ref)


@router.post("/routing/dry-run", response_model=DryRunView)
def dry_run(body: DryRunIn, caseloom: App) -> DryRunView:
    """Where a hypothetical case would go now, and why. Nothing is stored or changed: no case
    is opened and no rep's load moves. The signals are taken as sure; the policy's triage
    stamps apply to them as to a real case, over the severity, priority and product line given."""
    decision = caseloom.bus.handle(
        commands.DryRunRouting(
            channel=body.channel,
            subject=body.subject,
            description=body.description,
            customer_id=body.customer_id,
            severity=body.severity.value,
            priority=body.priority,
            product_line=body.product_line,
            custom=body.custom,
            signals=body.signals.model_dump(exclude_none=True),
        )
    )
    return views.dry_run(cast("dict[str, object]", decision), caseloom.policy.version)


@router.post("/cases/{ref}/offer/accept", response_model=CaseDetail)
def accept_offer(ref: str, body: OfferIn, caseloom: App) -> CaseDetail:
    """The rep takes the case offered to them. 409 if it is not offered to that rep."""
    caseloom.bus.handle(commands.AcceptOffer(ref, body.rep_id))
    return case_views.get_case(caseloom.store, ref, caseloom.clock.now())


@router.post("/cases/{ref}/offer/decline", response_model=CaseDetail)
def decline_offer(ref: str, body: DeclineIn, caseloom: App) -> CaseDetail:
    """The rep passes: the case goes back to its queue, keeps its age, and is routed again
    without them. 409 if it is not offered to that rep."""
    caseloom.bus.handle(commands.DeclineOffer(ref, body.rep_id, body.reason))
    return case_views.get_case(caseloom.store, ref, caseloom.clock.now())
