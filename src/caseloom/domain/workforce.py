"""The people who do the work: reps at the desk, technicians in the field, and their teams."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum

from caseloom.domain.customer import Location
from caseloom.domain.errors import InvalidInput, NotEligible
from caseloom.domain.events import Event, RepBecameAvailable, RepWentOffline

MIN_SKILL_LEVEL = 1
MAX_SKILL_LEVEL = 10


class Presence(StrEnum):
    AVAILABLE = "available"
    BUSY = "busy"
    AWAY = "away"
    OFFLINE = "offline"


class TeamKind(StrEnum):
    SERVICE = "service"
    FIELD = "field"


@dataclass(frozen=True, slots=True)
class Team:
    id: str
    kind: TeamKind
    calendar: str
    manager: str | None = None


@dataclass(frozen=True, slots=True)
class Certification:
    name: str
    valid_from: date
    valid_until: date | None = None

    def valid_on(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def check_skills(skills: Mapping[str, int], owner: str) -> None:
    for name, level in skills.items():
        if not MIN_SKILL_LEVEL <= level <= MAX_SKILL_LEVEL:
            raise InvalidInput(
                f"{owner}: skill {name} has level {level}; "
                f"levels run from {MIN_SKILL_LEVEL} to {MAX_SKILL_LEVEL}"
            )


def missing_skills(has: Mapping[str, int], needs: Mapping[str, int]) -> list[str]:
    """Each unmet requirement as a sentence, e.g. 'missing skill gas-safe (needs 3, has 1)'."""
    return [
        f"missing skill {skill} (needs {level}, has {has.get(skill, 0)})"
        for skill, level in sorted(needs.items())
        if has.get(skill, 0) < level
    ]


@dataclass(eq=False)
class Rep:
    """A service-desk rep. Capacity and `load` are in units (a case takes its channel's units);
    `items` counts the cases that take them. `calendar` names the rep's shift calendar."""

    id: str
    name: str
    email: str
    teams: tuple[str, ...]
    skills: Mapping[str, int]
    capacity: int
    languages: tuple[str, ...] = ("en",)
    presence: Presence = Presence.OFFLINE
    load: int = 0
    last_assigned_at: datetime | None = None
    version: int = 0
    items: int = 0
    calendar: str | None = None  # None: presence alone says when they work
    certifications: tuple[Certification, ...] = ()
    events: list[Event] = field(default_factory=list, repr=False)

    def __post_init__(self) -> None:
        check_skills(self.skills, f"rep {self.id}")
        if self.capacity < 1:
            raise InvalidInput(f"rep {self.id}: capacity must be at least 1, not {self.capacity}")
        if not self.teams:
            raise InvalidInput(f"rep {self.id}: a rep belongs to at least one team")

    def set_presence(self, presence: Presence) -> None:
        before = self.presence
        self.presence = presence
        if presence is Presence.AVAILABLE and before is not presence:
            self.events.append(RepBecameAvailable(self.id))
        elif presence is Presence.OFFLINE and before is not presence:
            self.events.append(RepWentOffline(self.id))

    def update_profile(self, other: Rep) -> None:
        """Take the profile (contact, teams, skills, capacity, languages, calendar and
        certifications) from `other`; keep the load."""
        self.name, self.email, self.teams = other.name, other.email, other.teams
        self.skills, self.capacity, self.languages = other.skills, other.capacity, other.languages
        self.calendar, self.certifications = other.calendar, other.certifications

    @property
    def spare_capacity(self) -> int:
        return self.capacity - self.load

    def unavailability(self, units: int = 1) -> str | None:
        """Why the rep cannot take `units` of new work right now, or None if they can."""
        if self.presence is not Presence.AVAILABLE:
            return f"not available ({self.presence})"
        if self.spare_capacity < units:
            return f"at capacity ({self.load} of {self.capacity} units; needs {units})"
        return None

    def certified_on(self, name: str, day: date) -> bool:
        return any(c.name == name and c.valid_on(day) for c in self.certifications)

    def take(self, case_ref: str, now: datetime, units: int = 1) -> None:
        if self.spare_capacity < units:
            raise NotEligible(
                f"rep {self.id} cannot take {case_ref}: "
                f"at capacity ({self.load} of {self.capacity} units; needs {units})"
            )
        if self.presence is Presence.OFFLINE:
            raise NotEligible(f"rep {self.id} cannot take {case_ref}: offline")
        self.load += units
        self.items += 1
        self.last_assigned_at = now

    def release(self, units: int = 1) -> None:
        self.load = max(0, self.load - units)
        self.items = max(0, self.items - 1)


@dataclass(eq=False)
class Technician:
    """A field technician: a resource with a home base, certifications and equipment.

    `calendar` names their shift calendar (None: their team's); `max_travel_km` is how far
    from home base they go (their territory; None: no limit)."""

    id: str
    name: str
    email: str
    team: str
    skills: Mapping[str, int]
    certifications: tuple[Certification, ...] = ()
    equipment: tuple[str, ...] = ()
    home_base: Location | None = None
    presence: Presence = Presence.OFFLINE
    version: int = 0
    calendar: str | None = None
    max_travel_km: float | None = None

    def __post_init__(self) -> None:
        check_skills(self.skills, f"technician {self.id}")
        if self.max_travel_km is not None and self.max_travel_km <= 0:
            raise InvalidInput(
                f"technician {self.id}: max_travel_km must be positive, not {self.max_travel_km}"
            )

    def update_profile(self, other: Technician) -> None:
        self.name, self.email, self.team, self.skills = (
            other.name,
            other.email,
            other.team,
            other.skills,
        )
        self.certifications, self.equipment = other.certifications, other.equipment
        self.home_base, self.presence = other.home_base, other.presence
        self.calendar, self.max_travel_km = other.calendar, other.max_travel_km

    def certified_on(self, name: str, day: date) -> bool:
        return any(c.name == name and c.valid_on(day) for c in self.certifications)
