"""The Triage agent: reads the case text into signals, then applies the policy's stamps."""

from __future__ import annotations

from caseloom.domain.case import Attribution, CaseStatus
from caseloom.domain.events import CaseOpened
from caseloom.domain.policy import Policy
from caseloom.domain.triage import apply_stamps
from caseloom.service_layer.ports import Clock, ConditionEngine, TriageModel, UnitOfWork


def triage_case(
    event: CaseOpened,
    uow: UnitOfWork,
    *,
    policy: Policy,
    model: TriageModel,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    with uow:
        case = uow.cases.get(event.ref)
        if case.status is not CaseStatus.NEW:
            return  # already triaged: this event was delivered again
        result = model.classify(case.text, policy.triage)
        customer = uow.customers.find(case.customer_id)
        threshold = policy.triage.min_confidence
        facts = case.facts(customer, threshold, triage=result)
        stamps = apply_stamps(policy.triage.stamps, facts, conditions.matches)
        by = Attribution("agent:triage", clock.now(), policy.version)
        case.apply_triage(result, stamps, threshold, by)
        uow.commit()
