"""A running case keeps the SLA version it started on; re-evaluating after a policy change
moves it to the new targets without losing a minute of the time it was paused."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from caseloom import bootstrap
from caseloom.domain import commands
from caseloom.domain.case import Channel, MessageKind
from caseloom.domain.sla import SlaMetric
from caseloom.views import cases as case_views
from caseloom.views import sla as sla_views
from caseloom.views.models import ClockDetail
from tests.factories import copy_of_demo_policy
from tests.fakes import FakeClock

STANDARD = "targets: {first_response: 8h, next_response: 8h, resolution: 40h}"


def start(database_url: str, policy: Path, clock: FakeClock) -> bootstrap.Caseloom:
    app = bootstrap.bootstrap(bootstrap.settings(database_url=database_url, policy=policy), clock)
    app.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
    return app


def test_a_new_version_applies_on_reevaluation_and_keeps_the_paused_time(
    database_url: str, tmp_path: Path, clock: FakeClock
) -> None:
    v1 = start(database_url, bootstrap.DEMO_POLICY, clock)
    ref = str(
        v1.bus.handle(
            commands.OpenCase(
                Channel.EMAIL,
                "Router keeps dropping the connection",
                "My router drops the wifi every evening; it is faulty.",
                "Jack O'Connor",
                "jack.oconnor@example.com",
            )
        )
    )
    owner = f"rep:{case_views.get_case(v1.store, ref, clock.now()).owner}"
    opened = clock.now()  # Thursday 09:00 in London, inside the uk-office hours
    v1.bus.handle(commands.StartWork(ref, owner))
    clock.advance(timedelta(hours=1))
    v1.bus.handle(commands.WaitOnCustomer(ref, owner, "asked for the router model"))
    clock.advance(timedelta(hours=2))
    v1.bus.handle(commands.AddMessage(ref, MessageKind.CUSTOMER_REPLY, "customer", "Hub 3."))
    v1.close()

    path = copy_of_demo_policy(tmp_path)
    text = path.read_text("utf-8")
    assert STANDARD in text
    path.write_text(
        text.replace("version: 3", "version: 4").replace(STANDARD, STANDARD.replace("40h", "60h")),
        "utf-8",
    )
    v2 = start(database_url, path, clock)
    try:
        kept = v2_clock(v2, ref)
        assert (kept.policy_version, kept.target_minutes) == (3, 40 * 60)  # it keeps its version

        assert v2.bus.handle(commands.ReevaluateSla("ops")) == {"retargeted": 1}

        moved = v2_clock(v2, ref)
        assert (moved.policy_version, moved.target_minutes) == (4, 60 * 60)
        assert [(p.reason, p.ended_at - p.started_at) for p in moved.pauses] == [
            ("waiting_on_customer", timedelta(hours=2))
        ]
        office = v2.policy.calendars["uk-office"]
        assert moved.due_at == office.add(opened, timedelta(hours=62))  # 2h paused, all kept
        assert v2.bus.handle(commands.ReevaluateSla("ops")) == {}  # nothing older is left
    finally:
        v2.close()


def v2_clock(app: bootstrap.Caseloom, ref: str) -> ClockDetail:
    view = sla_views.case_sla(app.store, ref, app.clock.now(), app.policy.calendar)
    return next(c for c in view.clocks if c.metric == SlaMetric.RESOLUTION)
