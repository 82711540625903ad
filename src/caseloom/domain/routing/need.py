"""What a case needs of a rep, what routing knows of a waiting case, and who is eligible.

Every rep that cannot take a case gets a reason, in the order a team lead would check:
presence, shift, capacity, an earlier decline, skills, certifications, language.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime

from caseloom.domain.sla import BusinessCalendar
from caseloom.domain.workforce import Presence, Rep, missing_skills

FAR_FUTURE = datetime.max.replace(tzinfo=UTC)
NOT_AVAILABLE = {p: f"not available ({p})" for p in Presence}  # formatting an enum is slow
DECLINED = "declined this case or let the offer lapse"


@dataclass(frozen=True, slots=True)
class Need:
    """What a rep must have to take the case now."""

    skills: Mapping[str, int] = field(default_factory=dict)  # required minimum levels
    optional_skills: Mapping[str, int] = field(default_factory=dict)  # required until dropped
    certifications: tuple[str, ...] = ()
    language: str | None = None  # the customer's language, when triage knows it
    units: int = 1  # capacity units the case takes
    declined: frozenset[str] = frozenset()  # reps who declined or let an offer lapse

    @property
    def wanted_skills(self) -> dict[str, int]:
        return {**self.optional_skills, **self.skills}

    def without_optional_skills(self) -> Need:
        return replace(self, optional_skills={})

    def without_language(self) -> Need:
        return replace(self, language=None)

    def declined_by(self, rep_id: str) -> Need:
        return replace(self, declined=self.declined | {rep_id})

    def describe(self) -> dict[str, object]:
        return {
            "skills": dict(self.skills),
            "optional_skills": dict(self.optional_skills),
            "certifications": list(self.certifications),
            "language": self.language,
            "units": self.units,
            "declined": sorted(self.declined),
        }


@dataclass(frozen=True, slots=True)
class Waiting:
    """A case as routing sees it: what it needs and how pressing it is."""

    ref: str
    need: Need
    priority: int
    opened_at: datetime
    queued_at: datetime | None = None
    due_at: datetime | None = None  # the nearest unmet SLA deadline
    urgency: float = 0.0  # share of the SLA window already used, 0 to 1
    previous_owners: tuple[str, ...] = ()  # of the customer's cases, most recent first

    @property
    def queue_key(self) -> tuple[int, datetime, datetime]:
        """Queue order: priority, then time to SLA breach, then age in the queue."""
        return (self.priority, self.due_at or FAR_FUTURE, self.queued_at or self.opened_at)


class Shifts:
    """Whether each shift calendar is open at `now`, worked out once per decision."""

    def __init__(self, calendars: Mapping[str, BusinessCalendar], now: datetime) -> None:
        self._calendars, self.now, self.today = calendars, now, now.date()
        self._open: dict[str, bool] = {}

    def on_shift(self, calendar: str) -> bool:
        known = self._open.get(calendar)
        if known is None:
            spec = self._calendars.get(calendar)
            known = self._open[calendar] = spec is None or spec.is_open(self.now)
        return known


def rejection(rep: Rep, need: Need, shifts: Shifts) -> str | None:
    """Why `rep` cannot take a case with `need` now, or None if they can."""
    if rep.presence is not Presence.AVAILABLE:
        return f"not available ({rep.presence})"
    if rep.calendar and not shifts.on_shift(rep.calendar):
        return f"off shift ({rep.calendar} calendar)"
    if rep.capacity - rep.load < need.units:
        return f"at capacity ({rep.load} of {rep.capacity} units; needs {need.units})"
    if rep.id in need.declined:
        return DECLINED
    reasons = _fit(rep, need, shifts.today)
    return "; ".join(reasons) if reasons else None


class Rejector:
    """`rejection` for one need over a whole team, as fast as plain Python allows: the same
    checks in the same order, with the reasons about skills, certifications and language worked
    out once per distinct answer (most reps who lack a skill lack it the same way)."""

    def __init__(self, need: Need, shifts: Shifts) -> None:
        self.need, self.shifts = need, shifts
        self._skills = tuple(need.wanted_skills)
        self._absent = (0,) * len(self._skills)
        self._fits: dict[tuple[object, ...], str | None] = {}

    def reasons(self, reps: Iterable[Rep]) -> list[str | None]:
        """`rejection` for each of `reps`, in order."""
        need, on_shift = self.need, self.shifts.on_shift
        units, declined, available = need.units, need.declined, Presence.AVAILABLE
        reasons: list[str | None] = []
        for rep in reps:  # one loop over local names: a team may have thousands of reps
            reason: str | None
            if rep.presence is not available:
                reason = NOT_AVAILABLE.get(rep.presence) or f"not available ({rep.presence})"
            elif rep.calendar and not on_shift(rep.calendar):
                reason = f"off shift ({rep.calendar} calendar)"
            elif rep.capacity - rep.load < units:
                reason = f"at capacity ({rep.load} of {rep.capacity} units; needs {units})"
            elif rep.id in declined:
                reason = DECLINED
            else:
                reason = self._misfit(rep)
            reasons.append(reason)
        return reasons

    def _misfit(self, rep: Rep) -> str | None:
        # What `_fit` reads of the rep: the levels of the skills the case wants, the
        # certifications they hold (when it needs one) and whether they speak its language.
        need = self.need
        key: tuple[object, ...] = tuple(map(rep.skills.get, self._skills, self._absent))
        if need.certifications:
            key += (rep.certifications,)
        if need.language:
            key += (need.language in rep.languages,)
        if key not in self._fits:
            reasons = _fit(rep, need, self.shifts.today)
            self._fits[key] = "; ".join(reasons) if reasons else None
        return self._fits[key]


def _fit(rep: Rep, need: Need, today: date) -> list[str]:
    has = rep.skills
    reasons: list[str] = []
    for skills in (need.skills, need.optional_skills):
        if skills and not all(has.get(s, 0) >= level for s, level in skills.items()):
            reasons += missing_skills(has, skills)
    reasons += [
        f"no valid {name} certification"
        for name in need.certifications
        if not rep.certified_on(name, today)
    ]
    if need.language and need.language not in rep.languages:
        reasons.append(f"does not speak {need.language}")
    return reasons
