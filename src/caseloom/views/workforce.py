"""Teams, reps and technicians as they stand now."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Row, func, select

from caseloom.adapters.db.tables import cases, rep_teams, reps, technicians
from caseloom.domain.case import OCCUPYING, CaseStatus
from caseloom.domain.errors import NotFound
from caseloom.domain.policy import Policy
from caseloom.domain.workforce import Presence
from caseloom.views.models import CertificationView, RepView, TeamView, TechnicianView
from caseloom.views.store import ReadStore, count_by


def _teams_of(conn: Connection, rep_ids: list[str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {i: [] for i in rep_ids}
    query = select(rep_teams).where(rep_teams.c.rep_id.in_(rep_ids)).order_by(rep_teams.c.team)
    for row in conn.execute(query):
        found[row.rep_id].append(row.team)
    return found


def _rep(row: Row[Any], teams: list[str]) -> RepView:
    return RepView(
        id=row.id,
        name=row.name,
        email=row.email,
        teams=teams,
        skills=row.skills,
        languages=row.languages,
        capacity=row.capacity,
        load=row.load,
        items=row.items,
        presence=row.presence,
        calendar=row.calendar,
        certifications=[CertificationView(**c) for c in row.certifications],
        last_assigned_at=row.last_assigned_at,
    )


def list_reps(store: ReadStore, team: str | None = None) -> list[RepView]:
    query = select(reps).order_by(reps.c.id)
    if team is not None:
        query = query.where(
            reps.c.id.in_(select(rep_teams.c.rep_id).where(rep_teams.c.team == team))
        )
    with store.read() as conn:
        rows = conn.execute(query).all()
        teams = _teams_of(conn, [r.id for r in rows])
    return [_rep(r, teams[r.id]) for r in rows]


def get_rep(store: ReadStore, rep_id: str) -> RepView:
    with store.read() as conn:
        row = conn.execute(select(reps).where(reps.c.id == rep_id)).first()
        if row is None:
            raise NotFound(f"no rep {rep_id!r}")
        return _rep(row, _teams_of(conn, [rep_id])[rep_id])


def _technician(row: Row[Any]) -> TechnicianView:
    return TechnicianView(
        id=row.id,
        name=row.name,
        email=row.email,
        team=row.team,
        skills=row.skills,
        certifications=[CertificationView(**c) for c in row.certifications],
        equipment=row.equipment,
        home=row.home,
        presence=row.presence,
        calendar=row.calendar,
        max_travel_km=row.max_travel_km,
    )


def list_technicians(store: ReadStore, team: str | None = None) -> list[TechnicianView]:
    query = select(technicians).order_by(technicians.c.id)
    if team is not None:
        query = query.where(technicians.c.team == team)
    with store.read() as conn:
        return [_technician(r) for r in conn.execute(query)]


def get_technician(store: ReadStore, technician_id: str) -> TechnicianView:
    with store.read() as conn:
        row = conn.execute(select(technicians).where(technicians.c.id == technician_id)).first()
    if row is None:
        raise NotFound(f"no technician {technician_id!r}")
    return _technician(row)


def list_teams(store: ReadStore, policy: Policy) -> list[TeamView]:
    occupying = [status.value for status in OCCUPYING]
    with store.read() as conn:
        members = count_by(conn, select(rep_teams.c.team, func.count()).group_by(rep_teams.c.team))
        members |= count_by(
            conn, select(technicians.c.team, func.count()).group_by(technicians.c.team)
        )
        available = count_by(
            conn,
            select(rep_teams.c.team, func.count())
            .join(reps, reps.c.id == rep_teams.c.rep_id)
            .where(reps.c.presence == Presence.AVAILABLE.value)
            .group_by(rep_teams.c.team),
        )
        available |= count_by(
            conn,
            select(technicians.c.team, func.count())
            .where(technicians.c.presence == Presence.AVAILABLE.value)
            .group_by(technicians.c.team),
        )
        per_team = select(cases.c.team, func.count()).group_by(cases.c.team)
        queued = count_by(conn, per_team.where(cases.c.status == CaseStatus.QUEUED.value))
        open_ = count_by(conn, per_team.where(cases.c.status.in_(occupying)))
    return [
        TeamView(
            id=team.id,
            kind=team.kind,
            calendar=team.calendar,
            manager=team.manager,
            members=members.get(team.id, 0),
            available=available.get(team.id, 0),
            queued=queued.get(team.id, 0),
            open=open_.get(team.id, 0),
        )
        for team in policy.teams.values()
    ]
