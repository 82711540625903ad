"""Carrying out escalation actions on a case, each one a journey entry naming its trigger.

Notifications go to the outbox in the same transaction (a worker delivers them); re-routing
goes through the Routing agent, so a reassignment respects capacity like any other.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from caseloom.domain.case import Attribution, Case
from caseloom.domain.notification import Notification, NotifyChannel
from caseloom.domain.policy import Policy
from caseloom.domain.routing import Need
from caseloom.domain.sla import (
    Action,
    CallWebhook,
    MoveTier,
    Notify,
    RaisePriority,
    Reassign,
    Recipient,
)
from caseloom.service_layer.agents.routing.placing import place
from caseloom.service_layer.ports import Clock, UnitOfWork

AGENT = "agent:supervisor"


@dataclass(frozen=True, slots=True)
class Trigger:
    """What set the actions off: an escalation rule and its threshold or condition, or a person."""

    escalation: str  # its label, or "manual"
    description: str  # e.g. "75% of resolution", or a person's reason
    escalation_id: str = "manual"  # what its timers are known by

    def journey(self) -> dict[str, object]:
        return {
            "escalation": self.escalation,
            "escalation_id": self.escalation_id,
            "trigger": self.description,
        }


def carry_out(
    case: Case,
    actions: tuple[Action, ...],
    trigger: Trigger,
    uow: UnitOfWork,
    *,
    policy: Policy,
    clock: Clock,
    actor: str = AGENT,
) -> int:
    """Every action in order; returns how many were carried out (the others are on the journey
    with the reason they could not be)."""
    done = 0
    for action in actions:
        by = Attribution(actor, clock.now(), policy.version)
        done += _one(case, action, trigger, uow, policy=policy, clock=clock, by=by)
    return done


def _one(
    case: Case,
    action: Action,
    trigger: Trigger,
    uow: UnitOfWork,
    *,
    policy: Policy,
    clock: Clock,
    by: Attribution,
) -> int:
    decision = {**trigger.journey(), "action": action.describe()}
    if isinstance(action, RaisePriority):
        reason = f"{trigger.escalation} ({trigger.description}): {action.describe()}"
        case.raise_priority(action.steps, reason, decision, by)
        return 1
    if isinstance(action, Notify | CallWebhook):
        return _notify(case, action, trigger, uow, policy=policy, by=by, decision=decision)
    return _reroute(case, action, trigger, uow, policy=policy, clock=clock, by=by)


def _notify(
    case: Case,
    action: Notify | CallWebhook,
    trigger: Trigger,
    uow: UnitOfWork,
    *,
    policy: Policy,
    by: Attribution,
    decision: dict[str, object],
) -> int:
    recipients, missing = _recipients(case, action, uow, policy)
    heading = f"{trigger.escalation} ({trigger.description})"
    if not recipients:
        case.note(
            "escalation",
            f"{heading}: cannot {action.describe()}: {missing}",
            by,
            inputs={},
            decision={**decision, "sent": []},
        )
        return 0
    channel = NotifyChannel.WEBHOOK if isinstance(action, CallWebhook) else NotifyChannel.EMAIL
    for who, address in recipients:
        uow.outbox.add(_message(case, channel, address, trigger, who=who, by=by), case.number)
    sent = [f"{who} <{address}>" if who != address else address for who, address in recipients]
    case.note(
        "escalation",
        f"{heading}: {action.describe()}: {', '.join(sent)} by {channel}",
        by,
        inputs={"owner": case.owner, "team": case.team, "priority": case.priority},
        decision={**decision, "sent": sent, "via": channel.value},
    )
    return 1


def _recipients(
    case: Case, action: Notify | CallWebhook, uow: UnitOfWork, policy: Policy
) -> tuple[list[tuple[str, str]], str]:
    """(who, address) pairs, or none and why."""
    spec = policy.notifications
    if isinstance(action, CallWebhook):
        return [(action.name, action.name)], ""
    if action.to is Recipient.OWNER:
        return _owner(case, uow)
    team = action.team or case.team
    if team is None:
        return [], "the case has no team"
    if action.to is Recipient.MANAGER:
        manager = policy.teams[team].manager if team in policy.teams else None
        address = spec.people.get(manager) if manager else None
        return (
            ([(manager or "", address)], "")
            if address
            else ([], f"team {team} has no manager address")
        )
    if team in spec.teams:
        return [(team, spec.teams[team])], ""
    reps = uow.reps.in_team(team)
    return [(rep.id, rep.email) for rep in reps], f"team {team} has nobody to notify"


def _owner(case: Case, uow: UnitOfWork) -> tuple[list[tuple[str, str]], str]:
    if case.owner is None:
        return [], "the case has no owner"
    address = uow.reps.addresses([case.owner]).get(case.owner)
    return ([(case.owner, address)], "") if address else ([], f"rep {case.owner} is not known")


def _message(
    case: Case,
    channel: NotifyChannel,
    address: str,
    trigger: Trigger,
    *,
    who: str,
    by: Attribution,
) -> Notification:
    due = case.next_due_at
    subject = f"[{case.ref}] {trigger.description}: {case.subject}"
    body = "\n".join(
        [
            f"Case {case.ref} needs attention: {trigger.escalation} ({trigger.description}).",
            f"Subject: {case.subject}",
            f"Team: {case.team or '-'}   Owner: {case.owner or '-'}   Priority: {case.priority}",
            f"Next deadline: {due.isoformat() if due else '-'}",
        ]
    )
    payload = {
        "case": case.ref,
        "escalation": trigger.escalation,
        "escalation_id": trigger.escalation_id,
        "trigger": trigger.description,
        "recipient": who,
        "team": case.team,
        "owner": case.owner,
        "priority": case.priority,
        "status": case.status.value,
        "next_due_at": due.isoformat() if due else None,
    }
    return Notification(channel, address, subject, body, by.at, case.ref, payload)


def _reroute(
    case: Case,
    action: Reassign | MoveTier,
    trigger: Trigger,
    uow: UnitOfWork,
    *,
    policy: Policy,
    clock: Clock,
    by: Attribution,
) -> int:
    heading = f"{trigger.escalation} ({trigger.description})"
    if case.team is None or case.resolved_at is not None:
        case.note(
            "escalation",
            f"{heading}: cannot {action.describe()}: the case is not open with a team",
            by,
            inputs={"status": case.status.value},
            decision={**trigger.journey(), "action": action.describe()},
        )
        return 0
    team = action.team or case.team
    need = _need(case, action, policy, team)
    place(
        case,
        uow,
        policy=policy,
        clock=clock,
        team=team,
        route=case.route,
        rule=case.rule or "escalation",
        need=need,
        why=f"{heading}: {action.describe()}",
    )
    return 1


def _need(case: Case, action: Reassign | MoveTier, policy: Policy, team: str) -> Need:
    """What the rep must have after the move: the same skills if kept, never the owner now."""
    need = (
        case.need.declined_by(case.owner)
        if case.owner and isinstance(action, Reassign)
        else case.need
    )
    units = policy.routing.selection_for(team).units_for(case.channel)
    keep = isinstance(action, Reassign) and action.keep_skills
    if keep:
        return replace(need, units=units)
    return replace(need, skills={}, optional_skills={}, units=units)
