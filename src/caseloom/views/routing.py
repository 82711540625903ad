"""Routing explained: the last decision on a case's journey, or a dry run's, as people read it."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from caseloom.adapters.db.tables import cases, journey
from caseloom.domain.case import case_number
from caseloom.domain.errors import Conflict, NotFound
from caseloom.views.models import DryRunView, RoutingExplanation
from caseloom.views.store import ReadStore

STEP = "routing"


def explain(store: ReadStore, ref: str) -> RoutingExplanation:
    """The case's last routing decision: the last routing entry on its journey that chose a rep
    or ranked candidates (answers to offers and rungs of the ladder are not decisions)."""
    number = case_number(ref)
    with store.read() as conn:
        case = conn.execute(select(cases.c.ref, cases.c.status).where(cases.c.id == number)).first()
        if case is None:
            raise NotFound(f"no case {ref}")
        entries = conn.execute(
            select(journey)
            .where(journey.c.case_id == number, journey.c.step == STEP)
            .order_by(journey.c.seq.desc())
        )
        entry = next((e for e in entries if _is_decision(e.decision)), None)
    if entry is None:
        raise Conflict(f"case {case.ref} has not been routed yet: it is {case.status}")
    return RoutingExplanation(
        **_decision_fields(entry.decision, entry.reason, entry.policy_version),
        ref=case.ref,
        seq=entry.seq,
        at=entry.at,
        actor=entry.actor,
        skill_gaps=entry.decision.get("skill_gaps", []),
        batch=entry.decision.get("batch"),
    )


def dry_run(decision: Mapping[str, Any], policy_version: int) -> DryRunView:
    """The decision a dry run returned, in the shape of an explanation, with its stamps."""
    return DryRunView(
        **_decision_fields(decision, str(decision.get("reason", "")), policy_version),
        stamps=dict(decision.get("stamps", {})),
        stamp_rules=list(decision.get("stamp_rules", [])),
    )


def _is_decision(decision: Mapping[str, Any]) -> bool:
    return "ranked" in decision or "chosen" in decision


def _decision_fields(
    decision: Mapping[str, Any], reason: str, policy_version: int
) -> dict[str, Any]:
    """Older and shorter entries (a person's assignment, a rep filling up from the queue) lack
    some keys: what is missing is shown empty, and totals count what is there."""
    ranked = decision.get("ranked", [])
    rejected = decision.get("rejected", [])
    return {
        "team": decision.get("team"),
        "rule": decision.get("rule"),
        "model": decision.get("model"),
        "route": decision.get("route", []),
        "need": decision.get("need"),
        "chosen": decision.get("chosen"),
        "ranked": ranked,
        "ranked_total": decision.get("ranked_total", len(ranked)),
        "rejected": rejected,
        "rejected_total": decision.get("rejected_total", len(rejected)),
        "rejected_by_reason": decision.get("rejected_by_reason", {}),
        "reason": reason,
        "policy_version": policy_version,
    }
