"""Teams, reps, technicians and customers; registration is a PUT (create or update)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.customer import Location
from caseloom.domain.workforce import Certification
from caseloom.entrypoints.api.deps import running
from caseloom.entrypoints.api.schemas import (
    CertificationIn,
    CustomerIn,
    Id,
    LocationIn,
    PresenceIn,
    RepIn,
    TechnicianIn,
)
from caseloom.views import workforce as views
from caseloom.views.models import RepView, TeamView, TechnicianView

router = APIRouter()
App = Annotated[Caseloom, Depends(running)]


def _location(place: LocationIn | None) -> Location | None:
    if place is None:
        return None
    return Location(place.city, place.country, place.latitude, place.longitude)


def _certifications(certifications: list[CertificationIn]) -> tuple[Certification, ...]:
    return tuple(Certification(c.name, c.valid_from, c.valid_until) for c in certifications)


@router.get("/teams", tags=["teams"], response_model=list[TeamView])
def list_teams(caseloom: App) -> list[TeamView]:
    """The policy's teams with their members, who is available, and their queues."""
    return views.list_teams(caseloom.store, caseloom.policy)


@router.get("/reps", tags=["reps"], response_model=list[RepView])
def list_reps(caseloom: App, team: str | None = None) -> list[RepView]:
    return views.list_reps(caseloom.store, team)


@router.get("/reps/{rep_id}", tags=["reps"], response_model=RepView)
def get_rep(rep_id: str, caseloom: App) -> RepView:
    return views.get_rep(caseloom.store, rep_id)


@router.put("/reps/{rep_id}", tags=["reps"], response_model=RepView)
def put_rep(rep_id: Id, body: RepIn, caseloom: App) -> RepView:
    """Create or update a rep. An update keeps the rep's load and open items."""
    caseloom.bus.handle(
        commands.RegisterRep(
            rep_id,
            body.name,
            body.email,
            tuple(body.teams),
            body.skills,
            body.capacity,
            tuple(body.languages),
            body.presence,
            body.calendar,
            _certifications(body.certifications),
        )
    )
    return views.get_rep(caseloom.store, rep_id)


@router.put("/reps/{rep_id}/presence", tags=["reps"], response_model=RepView)
def set_rep_presence(rep_id: str, body: PresenceIn, caseloom: App) -> RepView:
    """Becoming available pulls queued work up to the rep's capacity."""
    caseloom.bus.handle(commands.SetRepPresence(rep_id, body.presence))
    return views.get_rep(caseloom.store, rep_id)


@router.get("/technicians", tags=["technicians"], response_model=list[TechnicianView])
def list_technicians(caseloom: App, team: str | None = None) -> list[TechnicianView]:
    return views.list_technicians(caseloom.store, team)


@router.get("/technicians/{technician_id}", tags=["technicians"], response_model=TechnicianView)
def get_technician(technician_id: str, caseloom: App) -> TechnicianView:
    return views.get_technician(caseloom.store, technician_id)


@router.put("/technicians/{technician_id}", tags=["technicians"], response_model=TechnicianView)
def put_technician(technician_id: Id, body: TechnicianIn, caseloom: App) -> TechnicianView:
    caseloom.bus.handle(
        commands.RegisterTechnician(
            technician_id,
            body.name,
            body.email,
            body.team,
            body.skills,
            _certifications(body.certifications),
            tuple(body.equipment),
            _location(body.home),
            body.presence,
            body.calendar,
            body.max_travel_km,
        )
    )
    return views.get_technician(caseloom.store, technician_id)


@router.put(
    "/technicians/{technician_id}/presence", tags=["technicians"], response_model=TechnicianView
)
def set_technician_presence(technician_id: str, body: PresenceIn, caseloom: App) -> TechnicianView:
    caseloom.bus.handle(commands.SetTechnicianPresence(technician_id, body.presence))
    return views.get_technician(caseloom.store, technician_id)


@router.put("/customers/{customer_id}", tags=["customers"], status_code=204)
def put_customer(customer_id: Id, body: CustomerIn, caseloom: App) -> None:
    caseloom.bus.handle(
        commands.RegisterCustomer(
            customer_id,
            body.name,
            body.tier,
            body.account,
            _location(body.location),
            tuple((c.name, c.email) for c in body.contacts),
        )
    )
