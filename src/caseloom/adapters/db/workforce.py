"""Repositories for reps, technicians and customers, with explicit row mapping."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from caseloom.adapters.db.membership import among
from caseloom.adapters.db.tables import contacts, customers, rep_teams, reps, technicians
from caseloom.adapters.db.versioned import store_versioned
from caseloom.domain.customer import Contact, Customer, Location
from caseloom.domain.errors import InvalidInput, NotFound
from caseloom.domain.workforce import Certification, Presence, Rep, Technician


def _rep_row(rep: Rep) -> dict[str, Any]:
    return {
        "id": rep.id,
        "name": rep.name,
        "email": rep.email,
        "skills": dict(rep.skills),
        "languages": list(rep.languages),
        "capacity": rep.capacity,
        "presence": rep.presence.value,
        "load": rep.load,
        "items": rep.items,
        "last_assigned_at": rep.last_assigned_at,
        "calendar": rep.calendar,
        "certifications": _certifications_row(rep.certifications),
    }


def _rep_state(rep: Rep) -> tuple[object, ...]:
    """Everything stored of a rep, cheap to compare: a change here means a write."""
    return (
        rep.name,
        rep.email,
        tuple(rep.skills.items()),
        rep.languages,
        rep.capacity,
        rep.presence,
        rep.load,
        rep.items,
        rep.last_assigned_at,
        rep.calendar,
        rep.certifications,
        rep.teams,
    )


_MEMBERS = select(rep_teams.c.rep_id).where(rep_teams.c.team == bindparam("team"))
_CAN_TAKE = (reps.c.presence == Presence.AVAILABLE.value) & (
    reps.c.capacity - reps.c.load >= bindparam("units")
)
_READY = select(reps.c.id).where(reps.c.id.in_(_MEMBERS.scalar_subquery()) & _CAN_TAKE)
_NOT_READY = select(
    reps.c.id,
    reps.c.name,
    reps.c.email,
    reps.c.capacity,
    reps.c.presence,
    reps.c.load,
    reps.c["items"],
    reps.c.calendar,
    reps.c.version,
).where(reps.c.id.in_(_MEMBERS.scalar_subquery()) & ~_CAN_TAKE)


class SqlRepRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tracked: dict[str, tuple[Rep, tuple[object, ...] | None]] = {}
        self._addresses: dict[str, str] = {}

    @property
    def seen(self) -> list[Rep]:
        return [rep for rep, _ in self._tracked.values()]

    @property
    def unwritten(self) -> bool:
        return any(_rep_state(rep) != before for rep, before in self._tracked.values())

    def add(self, rep: Rep) -> None:
        self._tracked[rep.id] = (rep, None)

    def find(self, rep_id: str) -> Rep | None:
        found = self._load([rep_id])
        return found[0] if found else None

    def addresses(self, rep_ids: Sequence[str]) -> Mapping[str, str]:
        """Reps loaded in this unit of work answer for themselves (they may have changed)."""
        missing = [i for i in rep_ids if i not in self._tracked and i not in self._addresses]
        if missing:
            found = self._conn.execute(
                select(reps.c.id, reps.c.email).where(among(self._conn, reps.c.id, missing))
            )
            self._addresses.update(dict(found.all()))
        return {
            i: self._tracked[i][0].email if i in self._tracked else self._addresses[i]
            for i in rep_ids
            if i in self._tracked or i in self._addresses
        }

    def get(self, rep_id: str) -> Rep:
        rep = self.find(rep_id)
        if rep is None:
            raise NotFound(f"no rep {rep_id!r}")
        return rep

    def in_team(self, team: str) -> list[Rep]:
        ids = self._conn.execute(
            select(rep_teams.c.rep_id).where(rep_teams.c.team == team)
        ).scalars()
        return self._load(list(ids))

    def roster(self, team: str, units: int) -> tuple[list[Rep], list[Rep]]:
        """The team's reps who are available with `units` to spare, loaded in full and tracked;
        and the others as read-only sketches (presence, shift and capacity, no skills), enough
        to say why each cannot take a case. Large teams are read without their skills."""
        asked = {"team": team, "units": units}
        ready_ids = self._conn.execute(_READY, asked).scalars()
        others = [
            Rep(
                row.id,
                row.name,
                row.email,
                (team,),
                {},
                row.capacity,
                presence=Presence(row.presence),
                load=row.load,
                items=row.items,
                calendar=row.calendar,
                version=row.version,
            )
            for row in self._conn.execute(_NOT_READY, asked)
        ]
        return self._load(list(ready_ids)), others

    def _load(self, ids: list[str]) -> list[Rep]:
        missing = [i for i in ids if i not in self._tracked]
        if missing:
            teams: dict[str, list[str]] = {i: [] for i in missing}
            for rep_id, team in self._conn.execute(
                select(rep_teams.c.rep_id, rep_teams.c.team)
                .where(among(self._conn, rep_teams.c.rep_id, missing))
                .order_by(rep_teams.c.rep_id, rep_teams.c.team)
            ):
                teams[rep_id].append(team)
            for row in self._conn.execute(
                select(reps).where(among(self._conn, reps.c.id, missing))
            ):
                rep = Rep(
                    row.id,
                    row.name,
                    row.email,
                    tuple(teams[row.id]),
                    dict(row.skills),
                    row.capacity,
                    languages=tuple(row.languages),
                    presence=Presence(row.presence),
                    load=row.load,
                    items=row.items,
                    last_assigned_at=row.last_assigned_at,
                    calendar=row.calendar,
                    certifications=_certifications(row.certifications),
                    version=row.version,
                )
                self._tracked[rep.id] = (rep, _rep_state(rep))
        return [self._tracked[i][0] for i in ids if i in self._tracked]

    def flush(self) -> None:
        for rep_id, (rep, before) in list(self._tracked.items()):
            state = _rep_state(rep)
            if state != before:
                rep.version = store_versioned(
                    self._conn,
                    reps,
                    rep.id,
                    rep.version,
                    values=_rep_row(rep),
                    what=f"rep {rep.id}",
                )
            if before is None or rep.teams != before[-1]:
                self._conn.execute(delete(rep_teams).where(rep_teams.c.rep_id == rep.id))
                self._conn.execute(
                    insert(rep_teams), [{"rep_id": rep.id, "team": t} for t in rep.teams]
                )
            self._tracked[rep_id] = (rep, state)


def _certifications_row(certifications: Iterable[Certification]) -> list[dict[str, Any]]:
    return [
        {
            "name": c.name,
            "valid_from": c.valid_from.isoformat(),
            "valid_until": c.valid_until.isoformat() if c.valid_until else None,
        }
        for c in certifications
    ]


def _certifications(rows: Iterable[dict[str, Any]]) -> tuple[Certification, ...]:
    return tuple(
        Certification(
            c["name"],
            date.fromisoformat(c["valid_from"]),
            date.fromisoformat(c["valid_until"]) if c["valid_until"] else None,
        )
        for c in rows
    )


def _technician_row(t: Technician) -> dict[str, Any]:
    home = t.home_base
    return {
        "id": t.id,
        "name": t.name,
        "email": t.email,
        "team": t.team,
        "skills": dict(t.skills),
        "certifications": _certifications_row(t.certifications),
        "equipment": list(t.equipment),
        "home": None
        if home is None
        else {
            "city": home.city,
            "country": home.country,
            "lat": home.latitude,
            "lon": home.longitude,
        },
        "presence": t.presence.value,
        "calendar": t.calendar,
        "max_travel_km": t.max_travel_km,
    }


def _technician(row: Any) -> Technician:
    certifications = _certifications(row.certifications)
    home = row.home and Location(
        row.home["city"], row.home["country"], row.home["lat"], row.home["lon"]
    )
    return Technician(
        row.id,
        row.name,
        row.email,
        row.team,
        dict(row.skills),
        certifications,
        tuple(row.equipment),
        home,
        Presence(row.presence),
        row.version,
        row.calendar,
        row.max_travel_km,
    )


class SqlTechnicianRepository:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._tracked: dict[str, tuple[Technician, dict[str, Any] | None]] = {}

    @property
    def unwritten(self) -> bool:
        return any(_technician_row(t) != before for t, before in self._tracked.values())

    def add(self, technician: Technician) -> None:
        self._tracked[technician.id] = (technician, None)

    def find(self, technician_id: str) -> Technician | None:
        if technician_id not in self._tracked:
            row = self._conn.execute(
                select(technicians).where(technicians.c.id == technician_id)
            ).first()
            if row is None:
                return None
            technician = _technician(row)
            self._tracked[technician_id] = (technician, _technician_row(technician))
        return self._tracked[technician_id][0]

    def in_team(self, team: str) -> list[Technician]:
        rows = self._conn.execute(
            select(technicians).where(technicians.c.team == team).order_by(technicians.c.id)
        ).all()
        for row in rows:
            if row.id not in self._tracked:
                technician = _technician(row)
                self._tracked[row.id] = (technician, _technician_row(technician))
        return [self._tracked[row.id][0] for row in rows]

    def get(self, technician_id: str) -> Technician:
        technician = self.find(technician_id)
        if technician is None:
            raise NotFound(f"no technician {technician_id!r}")
        return technician

    def flush(self) -> None:
        for key, (technician, before) in list(self._tracked.items()):
            row = _technician_row(technician)
            if row != before:
                technician.version = store_versioned(
                    self._conn,
                    technicians,
                    technician.id,
                    technician.version,
                    values=row,
                    what=f"technician {technician.id}",
                )
            self._tracked[key] = (technician, row)


_CUSTOMER = select(customers).where(customers.c.id == bindparam("id"))
_BY_CONTACT = select(customers).where(
    customers.c.id.in_(
        select(contacts.c.customer_id)
        .where(contacts.c.email == bindparam("email"))
        .scalar_subquery()
    )
)
_CONTACTS = (
    select(contacts.c.name, contacts.c.email)
    .where(contacts.c.customer_id == bindparam("customer"))
    .order_by(contacts.c.email)
)


class SqlCustomerRepository:
    """Customers are values: `add` writes at once, replacing the customer and its contacts."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, customer: Customer) -> None:
        self._check_contacts(customer)
        location = customer.location
        row = {
            "name": customer.name,
            "tier": customer.tier,
            "account": customer.account,
            "city": location and location.city,
            "country": location and location.country,
            "latitude": location and location.latitude,
            "longitude": location and location.longitude,
        }
        exists = self._conn.execute(
            select(customers.c.id).where(customers.c.id == customer.id)
        ).first()
        if exists:
            self._conn.execute(update(customers).where(customers.c.id == customer.id).values(**row))
            self._conn.execute(delete(contacts).where(contacts.c.customer_id == customer.id))
        else:
            self._conn.execute(insert(customers).values(id=customer.id, **row))
        if customer.contacts:
            self._conn.execute(
                insert(contacts),
                [
                    {"email": c.email, "customer_id": customer.id, "name": c.name}
                    for c in customer.contacts
                ],
            )

    def _check_contacts(self, customer: Customer) -> None:
        emails = [c.email for c in customer.contacts]
        taken = self._conn.execute(
            select(contacts.c.email, contacts.c.customer_id).where(
                contacts.c.email.in_(emails), contacts.c.customer_id != customer.id
            )
        ).first()
        if taken:
            raise InvalidInput(
                f"{taken.email} is already a contact of customer {taken.customer_id}"
            )
        if len(set(emails)) != len(emails):
            raise InvalidInput(f"customer {customer.id} lists a contact twice")

    def find(self, customer_id: str | None) -> Customer | None:
        if customer_id is None:
            return None
        return next(iter(self._load(_CUSTOMER, {"id": customer_id})), None)

    def by_contact(self, email: str) -> Customer | None:
        return next(iter(self._load(_BY_CONTACT, {"email": email.strip().lower()})), None)

    def _load(self, query: Any, parameters: dict[str, Any] | None = None) -> Iterable[Customer]:
        for row in self._conn.execute(query, parameters):
            people = self._conn.execute(_CONTACTS, {"customer": row.id})
            location = (
                Location(row.city, row.country, row.latitude, row.longitude) if row.city else None
            )
            yield Customer(
                row.id,
                row.name,
                row.tier,
                row.account,
                location,
                tuple(Contact(p.name, p.email) for p in people),
            )
