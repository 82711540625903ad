"""The Routing agent: the right team by the first matching rule, the best-fit rep by the team's
model, offers and their answers, re-routing when facts change, and a person's own assignment.

The queue side (freed capacity, batches, the relaxation ladder, lapsed offers) is in `queue`.
"""

from __future__ import annotations

from dataclasses import replace

from caseloom.domain.case import Attribution, Case, CaseStatus
from caseloom.domain.case.lifecycle import OCCUPYING, UNSTARTED
from caseloom.domain.commands import (
    AcceptOffer,
    AssignCase,
    ChangeCase,
    DeclineOffer,
    DryRunRouting,
)
from caseloom.domain.customer import Contact
from caseloom.domain.errors import InvalidInput
from caseloom.domain.events import (
    CaseFactsChanged,
    CaseReopened,
    CaseRequeued,
    RepWentOffline,
    SlaStarted,
)
from caseloom.domain.policy import Policy
from caseloom.domain.routing import OwnerOffline, RerouteScope
from caseloom.domain.triage import Signal, TriageResult
from caseloom.domain.workforce import missing_skills
from caseloom.service_layer.agents.routing.placing import (
    evaluate,
    need_for,
    place_again,
    route_by_rules,
    rule_for,
)
from caseloom.service_layer.agents.routing.queue import (
    assign_waiting,
    offer_queued_work,
    sweep,
)
from caseloom.service_layer.agents.triage import stamps_for
from caseloom.service_layer.ports import Clock, ConditionEngine, UnitOfWork

__all__ = [
    "accept_offer",
    "assign_case",
    "assign_waiting",
    "change_case",
    "decline_offer",
    "dry_run",
    "offer_queued_work",
    "release",
    "requeue_for_offline_owner",
    "reroute_on_change",
    "route_case",
    "sweep",
]

ROUTABLE = (CaseStatus.TRIAGED, CaseStatus.REOPENED)
# Which statuses each re-route scope may move.
MOVABLE = {
    RerouteScope.NEVER: frozenset[CaseStatus](),
    RerouteScope.WAITING: frozenset({CaseStatus.QUEUED, CaseStatus.OFFERED}),
    RerouteScope.UNSTARTED: UNSTARTED,
    RerouteScope.ALWAYS: UNSTARTED | OCCUPYING,
}


def route_case(
    event: SlaStarted | CaseReopened | CaseRequeued,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    with uow:
        case = uow.cases.get(event.ref)
        if isinstance(event, CaseRequeued):
            if case.status is not CaseStatus.QUEUED or case.team is None:
                return  # placed meanwhile
            place_again(case, uow, policy=policy, clock=clock, why=event.reason)
        elif case.status in ROUTABLE:
            route_by_rules(case, uow, policy=policy, conditions=conditions, clock=clock)
        else:
            return  # already routed: this event was delivered again
        uow.commit()


def reroute_on_change(
    event: CaseFactsChanged,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    """Facts that routing reads changed: evaluate the rules again, and move the case if another
    rule now matches and the policy's `reroute.move` allows it at the case's stage."""
    spec = policy.routing.reroute
    changed = [f for f in event.fields if f in spec.fields]
    if not changed:
        return
    with uow:
        case = uow.cases.get(event.ref)
        if case.status not in MOVABLE[spec.move] or case.team is None:
            return
        rule = rule_for(case, uow, policy=policy, conditions=conditions)
        if rule.label == case.rule:
            return  # the same rule still decides: the queue order follows the new priority
        route_by_rules(
            case,
            uow,
            policy=policy,
            conditions=conditions,
            clock=clock,
            why=f"{', '.join(changed)} changed, so {rule.label} now matches instead of {case.rule}",
        )
        uow.commit()


def requeue_for_offline_owner(
    event: RepWentOffline, uow: UnitOfWork, *, policy: Policy, clock: Clock
) -> None:
    """The rep went offline: the cases offered or assigned to them and not started go back to
    routing in their team, if the policy says so."""
    if policy.routing.reroute.owner_offline is not OwnerOffline.REQUEUE:
        return
    with uow:
        for case in uow.cases.owned_by(event.rep_id, (CaseStatus.OFFERED, CaseStatus.ASSIGNED)):
            why = f"{event.rep_id} went offline before starting it"
            place_again(case, uow, policy=policy, clock=clock, why=why)
        uow.commit()


def change_case(cmd: ChangeCase, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    """A person changes the case's facts; re-routing follows from `CaseFactsChanged`."""
    allowed = {"severity", "priority", "product_line", *policy.custom_fields}
    unknown = sorted(set(cmd.changes) - allowed)
    if unknown:
        raise InvalidInput(
            f"{', '.join(unknown)} cannot be changed here; changeable: {', '.join(sorted(allowed))}"
        )
    policy.check_custom({k: v for k, v in cmd.changes.items() if k in policy.custom_fields})
    with uow:
        case = uow.cases.get(cmd.ref)
        case.change(cmd.changes, cmd.reason, Attribution(cmd.actor, clock.now(), policy.version))
        uow.commit()


def accept_offer(cmd: AcceptOffer, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    with uow:
        case = uow.cases.get(cmd.ref)
        case.accept_offer(cmd.rep_id, Attribution(f"rep:{cmd.rep_id}", clock.now(), policy.version))
        uow.commit()


def decline_offer(cmd: DeclineOffer, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    """Back to the queue with its original age; the rep's units are free and they are skipped
    for this case. `CaseRequeued` routes it again at once."""
    with uow:
        case = uow.cases.get(cmd.ref)
        units = case.need.units
        reason = f"{cmd.rep_id} declined the offer" + (f": {cmd.reason}" if cmd.reason else "")
        case.decline_offer(
            cmd.rep_id, reason, Attribution(f"rep:{cmd.rep_id}", clock.now(), policy.version)
        )
        uow.reps.get(cmd.rep_id).release(units)
        uow.commit()


def assign_case(cmd: AssignCase, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    """A person assigns the case to a rep: capacity and presence still hold, skills are noted."""
    with uow:
        case = uow.cases.get(cmd.ref)
        rep = uow.reps.get(cmd.rep_id)
        if case.occupying_owner == rep.id:
            raise InvalidInput(f"{case.ref} is already assigned to {rep.id}")
        now = clock.now()
        team = case.team if case.team in rep.teams else rep.teams[0]
        units = policy.routing.selection_for(team).units_for(case.channel)
        rep.take(case.ref, now, units)
        release(uow, case.occupying_owner, case.need.units)
        gaps = missing_skills(rep.skills, case.need.wanted_skills)
        case.apply_routing(
            team=team,
            route=case.route or (team,),
            need=replace(case.need, units=units),
            owner=rep.id,
            inputs={"requested_rep": rep.id, "previous_owner": case.owner},
            decision={"team": team, "chosen": rep.id, "model": "manual", "skill_gaps": gaps},
            reason=cmd.reason or f"assigned to {rep.id} by {cmd.actor}",
            by=Attribution(cmd.actor, now, policy.version),
        )
        uow.commit()


def release(uow: UnitOfWork, rep_id: str | None, units: int) -> None:
    """Give back `units` of `rep_id`'s capacity, in the caller's transaction."""
    if rep_id:
        uow.reps.get(rep_id).release(units)


def dry_run(
    cmd: DryRunRouting,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> dict[str, object]:
    """The routing decision for a hypothetical case against the reps as they are now. Nothing
    is written: the unit of work is never committed."""
    by = Attribution("dry-run", clock.now(), policy.version)
    case = Case.open(
        number=0,
        channel=cmd.channel,
        subject=cmd.subject,
        description=cmd.description,
        contact=Contact("dry run", "dry-run@example.invalid"),
        customer_id=cmd.customer_id,
        custom=policy.check_custom(cmd.custom),
        by=by,
    )
    case.change(
        {"severity": cmd.severity, "priority": cmd.priority, "product_line": cmd.product_line},
        "dry run",
        by,
    )
    case.triage = TriageResult(
        "dry-run",
        {name: Signal(value, 1.0, source="dry-run") for name, value in cmd.signals.items()},
    )
    with uow:
        if cmd.customer_id and uow.customers.find(cmd.customer_id) is None:
            raise InvalidInput(f"no customer {cmd.customer_id!r}")
        # The stamps apply as they would to a real case; given fields they do not set stay.
        stamps = stamps_for(case, None, uow=uow, policy=policy, conditions=conditions)
        if stamps.changes:
            case.change(stamps.changes, "dry run stamps", by)
        rule = rule_for(case, uow, policy=policy, conditions=conditions)
        team = rule.route[0]
        need = need_for(case, rule, policy, team)
        decision, _ = evaluate(
            case, uow, policy=policy, team=team, need=need, rule=rule.label, clock=clock
        )
    return {
        **decision.explain(),
        "route": list(rule.route),
        "reason": decision.reason(),
        "stamps": dict(stamps.changes),
        "stamp_rules": list(stamps.fired),
    }
