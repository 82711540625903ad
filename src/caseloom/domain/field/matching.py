"""Which technicians may take a work order on a given day, and why each other one may not.

The same shape as desk routing (`domain.routing`): every technician left out gets a reason a
dispatcher would give, checked in the order they would check it: team, shift, presence today,
skills, certifications valid on the visit date, equipment carried, distance from home base.
A technician who passes all of them may still have no free slot; scheduling says so.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from caseloom.domain.field.work_order import Requirements, WorkOrder
from caseloom.domain.workforce import Presence, Technician, missing_skills

NO_SLOT = "no free slot"


@dataclass(frozen=True, slots=True)
class Exclusion:
    technician: str
    reason: str  # "no valid gas-safe certification on 2026-12-07 (expired 2025-12-31)"


@dataclass(frozen=True, slots=True)
class FieldMatch:
    day: date
    eligible: tuple[str, ...]
    excluded: tuple[Exclusion, ...]

    def explain(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "eligible": list(self.eligible),
            "excluded": {e.technician: e.reason for e in self.excluded},
        }


def match(
    order: WorkOrder,
    technicians: Iterable[Technician],
    day: date,
    *,
    today: date,
    working: Mapping[str, bool],
    distance_km: Mapping[str, float | None],
) -> FieldMatch:
    """Who may take `order` on `day`. `working` says whose shift calendar is open that day;
    `distance_km` is each technician's road (or estimated) distance from home base."""
    eligible: list[str] = []
    excluded: list[Exclusion] = []
    for technician in sorted(technicians, key=lambda t: t.id):
        reason = exclusion(
            technician,
            order,
            day,
            today=today,
            working=working.get(technician.id, False),
            distance_km=distance_km.get(technician.id),
        )
        if reason is None:
            eligible.append(technician.id)
        else:
            excluded.append(Exclusion(technician.id, reason))
    return FieldMatch(day, tuple(eligible), tuple(excluded))


def exclusion(
    technician: Technician,
    order: WorkOrder,
    day: date,
    *,
    today: date,
    working: bool,
    distance_km: float | None,
) -> str | None:
    """Why `technician` cannot take `order` on `day`, or None if they can."""
    if technician.team != order.team:
        return f"not in {order.team}"
    if not working:
        return f"not working on {day.isoformat()}"
    if day == today and technician.presence is Presence.OFFLINE:
        return "offline today"
    reasons = unmet(technician, order.requirements, day)
    if reasons:
        return "; ".join(reasons)
    home = technician.home_base
    if home is None or home.latitude is None or home.longitude is None:
        return "no home base on record (needed to plan their travel)"
    return too_far(technician, order, distance_km)


def unmet(technician: Technician, needs: Requirements, day: date) -> list[str]:
    """Each requirement the technician does not meet on `day`, as a sentence."""
    reasons = missing_skills(technician.skills, needs.skills)
    reasons += [_certification(technician, name, day) for name in needs.certifications]
    lacking = [item for item in needs.equipment if item not in technician.equipment]
    if lacking:
        reasons.append(f"lacks equipment: {', '.join(lacking)}")
    return [r for r in reasons if r]


def _certification(technician: Technician, name: str, day: date) -> str:
    held = [c for c in technician.certifications if c.name == name]
    if not held:
        return f"no {name} certification"
    if any(c.valid_on(day) for c in held):
        return ""
    latest = max(held, key=lambda c: c.valid_from)
    if latest.valid_from > day:
        return f"{name} certification valid only from {latest.valid_from.isoformat()}"
    until = latest.valid_until.isoformat() if latest.valid_until else "?"
    return f"no valid {name} certification on {day.isoformat()} (expired {until})"


def too_far(technician: Technician, order: WorkOrder, distance_km: float | None) -> str | None:
    if order.location is None:
        return "the work order has no location"
    if technician.max_travel_km is None:
        return None
    if distance_km is None:
        return "no home base to measure the distance from"
    if distance_km > technician.max_travel_km:
        return (
            f"too far: {distance_km:.0f} km from home base, "
            f"beyond their {technician.max_travel_km:.0f} km"
        )
    return None
