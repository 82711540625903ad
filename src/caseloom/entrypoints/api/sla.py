"""SLAs: a case's clocks and where their time went, the cases nearest breach, and escalating
by hand."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.entrypoints.api.deps import running
from caseloom.entrypoints.api.schemas import EscalateIn
from caseloom.views import sla as views
from caseloom.views.models import AtRiskPage, SlaView

router = APIRouter(tags=["sla"])
App = Annotated[Caseloom, Depends(running)]


@router.get("/cases/{ref}/sla", response_model=SlaView)
def case_sla(ref: str, caseloom: App) -> SlaView:
    """Every SLA clock of the case: target, deadline, state, open time counted and the share of
    the window used, its pauses with their reasons, and its time split by segment (queued, with a
    rep, waiting on the customer, ...) with owner and team; and the case's timers."""
    return views.case_sla(caseloom.store, ref, caseloom.clock.now(), caseloom.policy.calendar)


@router.get("/sla/at-risk", response_model=AtRiskPage)
def at_risk(
    caseloom: App,
    within_minutes: Annotated[int, Query(ge=0, le=60 * 24 * 30)] = 240,
    team: str | None = None,
    limit: Annotated[int, Query(ge=1, le=views.MAX_AT_RISK)] = 100,
) -> AtRiskPage:
    """Open cases whose next deadline falls within `within_minutes` (breached ones first),
    nearest first, optionally for one team."""
    return views.at_risk(
        caseloom.store,
        caseloom.clock.now(),
        caseloom.policy.calendar,
        within=timedelta(minutes=within_minutes),
        team=team,
        limit=limit,
    )


@router.post("/sla/reevaluate", response_model=dict[str, int])
def reevaluate(caseloom: App) -> dict[str, int]:
    """After a new policy version: open cases timed by an older version follow the SLA policy
    that matches them now, over the same start and keeping all paused time. Counts by outcome."""
    return cast("dict[str, int]", caseloom.bus.handle(commands.ReevaluateSla("api")))


@router.post("/cases/{ref}/escalate", response_model=SlaView)
def escalate(ref: str, body: EscalateIn, caseloom: App) -> SlaView:
    """A person escalates: notify the owner, the manager or a team, raise the priority, reassign
    or move the case to another tier. Each action lands on the journey with who did it and why."""
    caseloom.bus.handle(commands.EscalateCase(ref, body.actor, body.actions(), body.reason))
    return views.case_sla(caseloom.store, ref, caseloom.clock.now(), caseloom.policy.calendar)
