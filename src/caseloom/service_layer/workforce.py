"""Registering customers, reps and technicians, and their presence. Registration is an upsert."""

from __future__ import annotations

from collections.abc import Mapping

from caseloom.domain.commands import (
    RegisterCustomer,
    RegisterRep,
    RegisterTechnician,
    SetRepPresence,
    SetTechnicianPresence,
)
from caseloom.domain.customer import Contact, Customer
from caseloom.domain.errors import InvalidInput
from caseloom.domain.policy import Policy
from caseloom.domain.workforce import Rep, TeamKind, Technician
from caseloom.service_layer.ports import UnitOfWork


def register_customer(cmd: RegisterCustomer, uow: UnitOfWork, *, policy: Policy) -> None:
    if cmd.tier not in policy.customer_tiers:
        raise InvalidInput(
            f"customer {cmd.id}: tier {cmd.tier!r} is not one of the policy's customer_tiers "
            f"({', '.join(policy.customer_tiers)})"
        )
    contacts = tuple(Contact(name, email) for name, email in cmd.contacts)
    with uow:
        uow.customers.add(Customer(cmd.id, cmd.name, cmd.tier, cmd.account, cmd.location, contacts))
        uow.commit()


def register_rep(cmd: RegisterRep, uow: UnitOfWork, *, policy: Policy) -> None:
    _check_teams(f"rep {cmd.id}", cmd.teams, TeamKind.SERVICE, policy)
    _check_skills(f"rep {cmd.id}", cmd.skills, policy)
    _check_calendar(f"rep {cmd.id}", cmd.calendar, policy)
    profile = Rep(
        cmd.id,
        cmd.name,
        cmd.email,
        cmd.teams,
        dict(cmd.skills),
        cmd.capacity,
        cmd.languages,
        calendar=cmd.calendar,
        certifications=cmd.certifications,
    )
    with uow:
        rep = uow.reps.find(cmd.id)
        if rep is None:
            rep = profile
            uow.reps.add(rep)
        else:
            rep.update_profile(profile)
        rep.set_presence(cmd.presence)
        uow.commit()


def register_technician(cmd: RegisterTechnician, uow: UnitOfWork, *, policy: Policy) -> None:
    _check_teams(f"technician {cmd.id}", (cmd.team,), TeamKind.FIELD, policy)
    _check_skills(f"technician {cmd.id}", cmd.skills, policy)
    _check_calendar(f"technician {cmd.id}", cmd.calendar, policy)
    profile = Technician(
        cmd.id,
        cmd.name,
        cmd.email,
        cmd.team,
        dict(cmd.skills),
        cmd.certifications,
        cmd.equipment,
        cmd.home_base,
        cmd.presence,
        calendar=cmd.calendar,
        max_travel_km=cmd.max_travel_km,
    )
    with uow:
        technician = uow.technicians.find(cmd.id)
        if technician is None:
            uow.technicians.add(profile)
        else:
            technician.update_profile(profile)
        uow.commit()


def set_rep_presence(cmd: SetRepPresence, uow: UnitOfWork) -> None:
    with uow:
        uow.reps.get(cmd.rep_id).set_presence(cmd.presence)
        uow.commit()


def set_technician_presence(cmd: SetTechnicianPresence, uow: UnitOfWork) -> None:
    with uow:
        uow.technicians.get(cmd.technician_id).presence = cmd.presence
        uow.commit()


def _check_teams(who: str, teams: tuple[str, ...], kind: TeamKind, policy: Policy) -> None:
    for team in teams:
        spec = policy.teams.get(team)
        if spec is None:
            raise InvalidInput(f"{who}: team {team!r} is not declared in the policy")
        if spec.kind is not kind:
            raise InvalidInput(f"{who}: team {team} is a {spec.kind} team, not a {kind} team")


def _check_skills(who: str, skills: Mapping[str, int], policy: Policy) -> None:
    unknown = sorted(set(skills) - policy.skills)
    if unknown:
        raise InvalidInput(f"{who}: skills {', '.join(unknown)} are not declared in the policy")


def _check_calendar(who: str, calendar: str | None, policy: Policy) -> None:
    if calendar is not None and calendar not in policy.calendars:
        known = ", ".join(sorted(policy.calendars))
        raise InvalidInput(f"{who}: no calendar named {calendar!r}; calendars: {known}")
