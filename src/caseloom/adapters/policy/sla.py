"""The SLA, escalation and notification sections: the checks a schema cannot make, and the
specs they build."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from caseloom.adapters.policy.holidays import DEFAULT_YEARS, holiday_dates
from caseloom.adapters.policy.places import condition, label
from caseloom.adapters.policy.routing import Checks
from caseloom.adapters.policy.schema import (
    ActionDoc,
    CalendarDoc,
    EscalationDoc,
    PolicyDoc,
    weekly,
)
from caseloom.adapters.yaml_source import Path_, Source
from caseloom.domain.conditions import Condition
from caseloom.domain.policy import NotificationSpec, PauseRule, SlaPolicy, Webhook
from caseloom.domain.sla import (
    ALWAYS,
    REACH,
    Action,
    BusinessCalendar,
    CallWebhook,
    Escalation,
    MoveTier,
    Notify,
    RaisePriority,
    Reassign,
    Recipient,
    Threshold,
)


def check(doc: PolicyDoc, checks: Checks) -> None:
    for name, calendar in doc.calendars.items():
        if calendar.holidays and calendar.holidays.country:
            try:
                _holidays(calendar)
            except ValueError as error:
                checks.fail(("calendars", name, "holidays"), str(error))
    for index, sla in enumerate(doc.sla):
        for number, pause in enumerate(sla.pause_when):
            checks.condition(("sla", index, "pause_when", number, "when"), pause.when)
        checks.condition(("sla", index, "stop_when"), sla.stop_when)
    measured = {metric for sla in doc.sla for metric in sla.targets}
    names: set[str] = set()
    for index, escalation in enumerate(doc.escalations):
        path: Path_ = ("escalations", index)
        if escalation.name is not None:
            if escalation.name in names:
                checks.fail((*path, "name"), f"another escalation is named {escalation.name}")
            names.add(escalation.name)
        checks.condition((*path, "when"), escalation.when)
        if escalation.of is not None and escalation.of not in measured:
            checks.fail((*path, "of"), f"no SLA policy has a {escalation.of} target")
        for number, action in enumerate(escalation.do):
            _action(doc, (*path, "do", number), action, checks)


def _action(doc: PolicyDoc, path: Path_, action: ActionDoc, checks: Checks) -> None:
    chosen = [name for name, value in action if value is not None]
    if len(chosen) != 1:
        checks.fail(path, "each item of `do` is one action")
        return
    people = doc.notifications.people
    if action.notify and action.notify.to == "manager":
        for team, spec in doc.teams.items():
            if spec.manager and spec.manager not in people:
                checks.fail(
                    (*path, "notify"),
                    f"the manager of {team}, {spec.manager}, has no address under "
                    "notifications.people",
                )
    if action.notify and action.notify.team:
        checks.team((*path, "notify", "team"), action.notify.team)
    moved: list[str | None] = [action.reassign.team if action.reassign else None]
    moved.append(action.move_tier.team if action.move_tier else None)
    for target in moved:
        if target is not None:
            checks.team((*path, chosen[0]), target, "service")
    if action.webhook and action.webhook.name not in doc.notifications.webhooks:
        known = ", ".join(doc.notifications.webhooks) or "none are declared"
        checks.fail(
            (*path, "webhook"),
            f"no webhook named {action.webhook.name!r} under notifications.webhooks ({known})",
        )


def calendars(doc: PolicyDoc) -> dict[str, BusinessCalendar]:
    return {ALWAYS.name: ALWAYS} | {
        name: BusinessCalendar(
            name,
            cal.timezone,
            None if cal.hours == "24x7" else weekly(cal.hours),
            _holidays(cal),
        )
        for name, cal in doc.calendars.items()
    }


def _holidays(calendar: CalendarDoc) -> frozenset[date]:
    spec = calendar.holidays
    if spec is None:
        return frozenset()
    if spec.country is None:
        return frozenset(spec.dates) - frozenset(spec.open_on)
    return holiday_dates(
        spec.country,
        subdiv=spec.subdiv,
        years=DEFAULT_YEARS,
        extra=spec.dates,
        removed=spec.open_on,
    )


def sla_policies(source: Source, doc: PolicyDoc) -> tuple[SlaPolicy, ...]:
    return tuple(
        SlaPolicy(
            s.name,
            condition(source, ("sla", i, "when"), s.when),
            s.calendar,
            _targets(s.targets, s.reach),
            tuple(
                PauseRule(p.reason, _condition(source, ("sla", i, "pause_when", n, "when"), p.when))
                for n, p in enumerate(s.pause_when)
            ),
            condition(source, ("sla", i, "stop_when"), s.stop_when),
        )
        for i, s in enumerate(doc.sla)
    )


def _targets(targets: dict[Any, timedelta], reach: dict[Any, timedelta]) -> dict[str, timedelta]:
    """The targets by metric name; "reach status X" targets are metrics "reach:X"."""
    return {str(k): v for k, v in targets.items()} | {f"{REACH}{k}": v for k, v in reach.items()}


def escalations(source: Source, doc: PolicyDoc) -> tuple[Escalation, ...]:
    return tuple(_escalation(source, ("escalations", i), e) for i, e in enumerate(doc.escalations))


def _escalation(source: Source, path: Path_, doc: EscalationDoc) -> Escalation:
    threshold = None
    if doc.of is not None:
        threshold = Threshold(doc.of, share=doc.at, after=doc.after, before=doc.before)
    return Escalation(
        label(source, path, doc.name),
        threshold,
        condition(source, (*path, "when"), doc.when),
        tuple(_build_action(action) for action in doc.do),
        doc.name,
    )


def _build_action(doc: ActionDoc) -> Action:
    if doc.notify:
        return Notify(Recipient(doc.notify.to), doc.notify.team)
    if doc.raise_priority:
        return RaisePriority(doc.raise_priority.steps)
    if doc.reassign:
        return Reassign(doc.reassign.team, doc.reassign.keep_skills)
    if doc.move_tier:
        return MoveTier(doc.move_tier.team)
    if doc.webhook:
        return CallWebhook(doc.webhook.name)
    raise AssertionError("the checker refuses an empty action")


def notifications(doc: PolicyDoc) -> NotificationSpec:
    spec = doc.notifications
    return NotificationSpec(
        sender=spec.sender,
        people=dict(spec.people),
        teams=dict(spec.teams),
        webhooks={n: Webhook(n, w.url, w.secret_env) for n, w in spec.webhooks.items()},
    )


def _condition(source: Source, path: Path_, text: str) -> Condition:
    built = condition(source, path, text)
    assert built is not None
    return built
