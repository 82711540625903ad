"""The Resolution agent: the rep's work on a case, from starting it to closing it."""

from __future__ import annotations

from caseloom.domain.case import Attribution, CaseStatus
from caseloom.domain.case.lifecycle import OCCUPYING
from caseloom.domain.commands import CloseCase, ReopenCase, ResolveCase, StartWork, WaitOnCustomer
from caseloom.domain.events import ReplyInterpreted
from caseloom.domain.policy import Policy, ReplyAction, ReplyChange
from caseloom.service_layer.agents.routing import release
from caseloom.service_layer.ports import Clock, UnitOfWork


def start_work(cmd: StartWork, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    with uow:
        uow.cases.get(cmd.ref).start_work(Attribution(cmd.actor, clock.now(), policy.version))
        uow.commit()


def wait_on_customer(cmd: WaitOnCustomer, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    with uow:
        by = Attribution(cmd.actor, clock.now(), policy.version)
        uow.cases.get(cmd.ref).wait_on_customer(cmd.reason, by)
        uow.commit()


def resolve_case(cmd: ResolveCase, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    """Resolve, and give the owner's unit of capacity back in the same transaction."""
    with uow:
        case = uow.cases.get(cmd.ref)
        owner = case.occupying_owner
        case.resolve(cmd.resolution, Attribution(cmd.actor, clock.now(), policy.version))
        release(uow, owner, case.need.units)
        uow.commit()


def close_case(cmd: CloseCase, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    with uow:
        uow.cases.get(cmd.ref).close(Attribution(cmd.actor, clock.now(), policy.version))
        uow.commit()


def reopen_case(cmd: ReopenCase, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    with uow:
        by = Attribution(cmd.actor, clock.now(), policy.version)
        uow.cases.get(cmd.ref).reopen(cmd.reason, by)
        uow.commit()


def act_on_reply(event: ReplyInterpreted, uow: UnitOfWork, *, policy: Policy, clock: Clock) -> None:
    """The customer confirmed the fix: resolve the case, if the policy says so."""
    fixed = ReplyChange.CONFIRMED_FIXED
    if fixed not in event.changes or policy.triage.reply_action(fixed) is not ReplyAction.RESOLVE:
        return
    with uow:
        case = uow.cases.get(event.ref)
        if case.status not in OCCUPYING or case.status is CaseStatus.OFFERED:
            return  # not being worked on: resolved already, or still waiting for a rep
        owner = case.occupying_owner
        by = Attribution("agent:resolution", clock.now(), policy.version)
        case.resolve("the customer confirmed the fix", by)
        release(uow, owner, case.need.units)
        uow.commit()
