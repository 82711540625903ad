"""Cases: open, read, list, message, move through the lifecycle, and the journey."""

from __future__ import annotations

import hashlib
import json
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Response, status

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.case import CaseStatus
from caseloom.entrypoints.api.deps import running
from caseloom.entrypoints.api.schemas import (
    ActorIn,
    AssignIn,
    CaseIn,
    ChangeIn,
    MessageIn,
    ReopenIn,
    ResolveIn,
    WaitIn,
)
from caseloom.views import cases as case_views
from caseloom.views import journey as journey_views
from caseloom.views.models import CaseDetail, CasePage, JourneyEntryView

router = APIRouter(prefix="/cases", tags=["cases"])
App = Annotated[Caseloom, Depends(running)]
IdempotencyKey = Annotated[str | None, Header(alias="Idempotency-Key", max_length=200)]


def _detail(caseloom: Caseloom, ref: str) -> CaseDetail:
    return case_views.get_case(caseloom.store, ref, caseloom.clock.now())


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CaseDetail)
def open_case(
    body: CaseIn, caseloom: App, response: Response, idempotency_key: IdempotencyKey = None
) -> CaseDetail:
    """Open a case. Send an `Idempotency-Key` to make retries safe: the same key returns the
    case the first request created; the same key with a different body is refused (409)."""
    digest = hashlib.sha256(json.dumps(body.model_dump(mode="json"), sort_keys=True).encode())
    opened = commands.OpenCase(
        channel=body.channel,
        subject=body.subject,
        description=body.description,
        contact_name=body.contact.name,
        contact_email=body.contact.email,
        customer_id=body.customer_id,
        custom=body.custom,
        actor=f"{body.channel}-intake",
        idempotency_key=idempotency_key,
        request_digest=digest.hexdigest(),
    )
    ref = str(caseloom.bus.handle(opened))
    response.headers["Location"] = f"/api/v1/cases/{ref}"
    return _detail(caseloom, ref)


@router.get("", response_model=CasePage)
def list_cases(
    caseloom: App,
    *,
    status: CaseStatus | None = None,
    team: str | None = None,
    owner: str | None = None,
    priority: Annotated[int | None, Query(ge=1, le=4)] = None,
    limit: Annotated[int, Query(ge=1, le=case_views.MAX_PAGE)] = 50,
    cursor: Annotated[str | None, Query(description="next_cursor of the previous page")] = None,
) -> CasePage:
    """Newest first, filtered; follow `next_cursor` for the next page."""
    where = case_views.CaseFilter(status and status.value, team, owner, priority)
    return case_views.list_cases(caseloom.store, where, caseloom.clock.now(), limit, cursor)


@router.get("/{ref}", response_model=CaseDetail)
def get_case(ref: str, caseloom: App) -> CaseDetail:
    return _detail(caseloom, ref)


@router.patch("/{ref}", response_model=CaseDetail)
def change_case(ref: str, body: ChangeIn, caseloom: App) -> CaseDetail:
    """Set severity, priority, product line or custom fields. A change the routing rules read
    may move a case nobody has started on to another team, as the policy's `reroute` says."""
    caseloom.bus.handle(
        commands.ChangeCase(ref, body.actor, body.changes.as_changes(), body.reason)
    )
    return _detail(caseloom, ref)


@router.get("/{ref}/journey", response_model=list[JourneyEntryView])
def get_journey(ref: str, caseloom: App) -> list[JourneyEntryView]:
    """Every decision made on the case, in order, each with its hash."""
    return journey_views.case_journey(caseloom.store, ref)


@router.post("/{ref}/messages", status_code=status.HTTP_201_CREATED, response_model=CaseDetail)
def add_message(ref: str, body: MessageIn, caseloom: App) -> CaseDetail:
    """A customer reply resumes a case waiting on the customer and reopens a resolved one."""
    caseloom.bus.handle(commands.AddMessage(ref, body.kind, body.author, body.body))
    return _detail(caseloom, ref)


@router.post("/{ref}/assign", response_model=CaseDetail)
def assign(ref: str, body: AssignIn, caseloom: App) -> CaseDetail:
    """Assign to a rep by hand. The rep's capacity is still respected."""
    caseloom.bus.handle(commands.AssignCase(ref, body.rep_id, body.actor, body.reason))
    return _detail(caseloom, ref)


@router.post("/{ref}/start", response_model=CaseDetail)
def start(ref: str, body: ActorIn, caseloom: App) -> CaseDetail:
    caseloom.bus.handle(commands.StartWork(ref, body.actor))
    return _detail(caseloom, ref)


@router.post("/{ref}/wait-on-customer", response_model=CaseDetail)
def wait_on_customer(ref: str, body: WaitIn, caseloom: App) -> CaseDetail:
    caseloom.bus.handle(commands.WaitOnCustomer(ref, body.actor, body.reason))
    return _detail(caseloom, ref)


@router.post("/{ref}/resolve", response_model=CaseDetail)
def resolve(ref: str, body: ResolveIn, caseloom: App) -> CaseDetail:
    caseloom.bus.handle(commands.ResolveCase(ref, body.actor, body.resolution))
    return _detail(caseloom, ref)


@router.post("/{ref}/close", response_model=CaseDetail)
def close(ref: str, body: ActorIn, caseloom: App) -> CaseDetail:
    caseloom.bus.handle(commands.CloseCase(ref, body.actor))
    return _detail(caseloom, ref)


@router.post("/{ref}/reopen", response_model=CaseDetail)
def reopen(ref: str, body: ReopenIn, caseloom: App) -> CaseDetail:
    caseloom.bus.handle(commands.ReopenCase(ref, body.actor, body.reason))
    return _detail(caseloom, ref)
