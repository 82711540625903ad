"""Reports over all cases."""

from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import func, select

from caseloom.adapters.db.sla import clock_from_row
from caseloom.adapters.db.tables import cases, sla_clocks
from caseloom.domain.sla import SlaClock, overall_state
from caseloom.views.models import Summary
from caseloom.views.store import ReadStore, count_by


def summary(store: ReadStore, now: datetime) -> Summary:
    """Cases by team, by status, and by SLA state (breached if any clock is) at `now`."""
    with store.read() as conn:
        team = func.coalesce(cases.c.team, "(none)")
        by_team = count_by(conn, select(team, func.count()).group_by(team))
        by_status = count_by(conn, select(cases.c.status, func.count()).group_by(cases.c.status))
        clocks: dict[int, list[SlaClock]] = {}
        for row in conn.execute(select(sla_clocks)):
            clocks.setdefault(row.case_id, []).append(clock_from_row(row))
    states = Counter(str(overall_state(c, now)) for c in clocks.values())
    total = sum(by_status.values())
    if total > len(clocks):
        states["not started"] = total - len(clocks)
    return Summary(cases=total, by_team=by_team, by_status=by_status, by_sla=dict(states))
