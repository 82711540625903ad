"""Small builders for domain objects, with defaults that read well in tests."""

from __future__ import annotations

import shutil
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from caseloom import bootstrap
from caseloom.domain.case import Attribution, Case, Channel
from caseloom.domain.customer import Contact, Customer
from caseloom.domain.policy import (
    Condition,
    Policy,
    SlaPolicy,
    StampRule,
    TriageSpec,
)
from caseloom.domain.routing import RoutingRule, RoutingSpec
from caseloom.domain.sla import ALWAYS, SlaClock, SlaMetric
from caseloom.domain.triage import Signal, TriageResult
from caseloom.domain.workforce import Presence, Rep, Team, TeamKind

NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)  # a Thursday


def by(actor: str = "api", at: datetime = NOW, policy_version: int = 1) -> Attribution:
    return Attribution(actor, at, policy_version)


def when(source: str) -> Condition:
    return Condition(source, "test.yaml:1")


def make_policy(**overrides: Any) -> Policy:
    fields: dict[str, Any] = {
        "name": "test",
        "version": 1,
        "digest": "0" * 64,
        "calendars": {ALWAYS.name: ALWAYS},
        "teams": {
            "tier1": Team("tier1", TeamKind.SERVICE, "24x7"),
            "tier2": Team("tier2", TeamKind.SERVICE, "24x7"),
            "field": Team("field", TeamKind.FIELD, "24x7"),
        },
        "skills": frozenset({"billing", "broadband", "gas-safe"}),
        "customer_tiers": ("gold", "standard"),
        "custom_fields": {},
        "triage": TriageSpec("local", 0.6, ("sentiment", "intent"), {}, {}, ()),
        "sla": (
            SlaPolicy(
                "standard",
                None,
                "24x7",
                {
                    SlaMetric.FIRST_RESPONSE: timedelta(hours=4),
                    SlaMetric.RESOLUTION: timedelta(hours=24),
                },
            ),
        ),
        "routing": RoutingSpec((RoutingRule("everything else", None, ("tier1",)),)),
        "handoffs": (),
    }
    fields.update(overrides)
    return Policy(**fields)


def stamp(label: str, condition: str | None, **values: object) -> StampRule:
    return StampRule(label, when(condition) if condition else None, values)


def make_rep(
    rep_id: str = "rep-a",
    *,
    teams: tuple[str, ...] = ("tier1",),
    skills: Mapping[str, int] | None = None,
    capacity: int = 3,
    load: int = 0,
    presence: Presence = Presence.AVAILABLE,
    last_assigned_at: datetime | None = None,
    **extra: Any,
) -> Rep:
    return Rep(
        rep_id,
        rep_id.title(),
        f"{rep_id}@example.com",
        teams,
        dict(skills or {}),
        capacity,
        presence=presence,
        load=load,
        items=extra.pop("items", load),
        last_assigned_at=last_assigned_at,
        **extra,
    )


def make_case(number: int = 1, *, customer_id: str | None = None, **fields: Any) -> Case:
    case = Case.open(
        number=number,
        channel=Channel.EMAIL,
        subject=fields.pop("subject", "Broadband down"),
        description=fields.pop("description", "No internet since this morning."),
        contact=Contact("Priya Shah", "priya@example.com"),
        customer_id=customer_id,
        custom=fields.pop("custom", {}),
        by=fields.pop("by", by("email-intake")),
    )
    for name, value in fields.items():
        setattr(case, name, value)
    return case


def make_customer(
    customer_id: str = "acme", tier: str = "gold", email: str = "priya@example.com"
) -> Customer:
    return Customer(customer_id, "Acme", tier, "NW-1", None, (Contact("Priya", email),))


def triage_result(**signals: tuple[object, float]) -> TriageResult:
    return TriageResult("fake@1", {name: Signal(v, c) for name, (v, c) in signals.items()})  # type: ignore[arg-type]


def copy_of_demo_policy(folder: Path) -> Path:
    """The demo policy file in a copy of its folder (with its trained models), to edit freely."""
    copy = folder / "demo"
    shutil.copytree(bootstrap.DEMO_POLICY.parent, copy, dirs_exist_ok=True)
    return copy / "policy.yaml"


def make_clock(
    metric: str,
    window: timedelta,
    *,
    started: datetime = NOW,
    met: datetime | None = None,
    policy: str = "std",
) -> SlaClock:
    """A clock on the 24x7 calendar, due `window` after `started`."""
    return SlaClock(metric, policy, 1, ALWAYS.name, window, started, started + window, met)
