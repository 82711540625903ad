"""The Triage agent: reads the case text into signals, then applies the policy's stamps.

The local model reads first. A signal it is unsure of goes to the team's LLM, if the policy
names one (or the LLM reads first and the local model is the fallback). A signal the policy
says must be known and that no model read surely enough sends the case to a person: nothing is
ever silently guessed. Customers' replies are read again, to see whether the fix worked and
whether their mood or urgency changed.
"""

from __future__ import annotations

from caseloom.domain.case import Attribution, Case, CaseStatus
from caseloom.domain.commands import ReviewTriage
from caseloom.domain.errors import IllegalTransition, InvalidInput
from caseloom.domain.events import CaseOpened
from caseloom.domain.policy import Policy, TriageSpec
from caseloom.domain.triage import (
    LlmUnavailable,
    ReplyReading,
    Signal,
    StampOutcome,
    TriageResult,
    apply_stamps,
    questions,
)
from caseloom.service_layer.ports import (
    Clock,
    ConditionEngine,
    LlmProvider,
    TriageModel,
    UnitOfWork,
)


def triage_cases(
    events: list[CaseOpened],
    uow: UnitOfWork,
    *,
    policy: Policy,
    model: TriageModel,
    llm: LlmProvider | None,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    """Triage the opened cases: their texts are read together (one call to the local model),
    then each case is stamped in a unit of work of its own."""
    with uow:
        cases = [uow.cases.get(e.ref) for e in events]
        texts = {c.ref: c.text for c in cases if c.status is CaseStatus.NEW}
        # a case already triaged: its event was delivered again
    # Read outside the transaction: an LLM may take seconds, and a transaction held open
    # that long would stall every other writer.
    results = zip(texts, read_many(list(texts.values()), policy.triage, model, llm), strict=True)
    for ref, result in results:
        with uow:
            case = uow.cases.get(ref)
            if case.status is not CaseStatus.NEW:
                continue  # triaged meanwhile by another delivery of its event
            by = Attribution("agent:triage", clock.now(), policy.version)
            unsure = _unsure(result, policy.triage)
            if unsure:
                case.hold_for_review(result, unsure, policy.triage.min_confidence, by)
            else:
                stamps = stamps_for(case, result, uow=uow, policy=policy, conditions=conditions)
                case.apply_triage(result, stamps, policy.triage.min_confidence, by)
            uow.commit()


def read_many(
    texts: list[str], spec: TriageSpec, model: TriageModel, llm: LlmProvider | None
) -> list[TriageResult]:
    """The signals of each text: the local model's (all texts at once), overruled by the LLM
    where that is surer."""
    local = model.classify_many(texts, spec) if texts else []
    if llm is None or spec.llm is None:
        return local
    return [_asking(llm, spec, text, result) for text, result in zip(texts, local, strict=True)]


def _asking(llm: LlmProvider, spec: TriageSpec, text: str, local: TriageResult) -> TriageResult:
    assert spec.llm is not None
    unsure = spec.signals if spec.model == "llm" else local.below(spec.min_confidence)
    asked = tuple(name for name in spec.llm.ask if name in unsure)  # ask is within signals
    if not asked:
        return local
    try:
        answer = llm.classify(text, questions(spec, asked))
    except LlmUnavailable as failure:
        return local.with_llm(failure.call)
    source = f"llm:{llm.label}"
    if spec.model == "llm":
        return local.corrected(answer.signals, source).with_llm(answer.call)
    return local.overruled_by(answer.signals, source).with_llm(answer.call)


def review_triage(
    cmd: ReviewTriage,
    uow: UnitOfWork,
    *,
    policy: Policy,
    conditions: ConditionEngine,
    clock: Clock,
) -> None:
    """A person settles the signals the models were unsure of; then the stamps apply."""
    spec = policy.triage
    asked = {q.name: q for q in questions(spec, tuple(cmd.signals))}
    unknown = sorted(set(cmd.signals) - set(asked))
    if unknown:
        raise InvalidInput(f"no signal {', '.join(unknown)}; signals: {', '.join(spec.signals)}")
    source = f"person:{cmd.actor}"
    given = {
        name: Signal(asked[name].check(value), 1.0, source=source)
        for name, value in cmd.signals.items()
    }
    with uow:
        case = uow.cases.get(cmd.ref)
        if case.status is not CaseStatus.TRIAGE_REVIEW or case.triage is None:
            raise IllegalTransition(f"case {cmd.ref} is {case.status}, not waiting for review")
        result = case.triage.corrected(given, source)
        missing = _unsure(result, spec)
        if missing:
            raise InvalidInput(f"case {cmd.ref} still needs {', '.join(missing)}")
        stamps = stamps_for(case, result, uow=uow, policy=policy, conditions=conditions)
        by = Attribution(source, clock.now(), policy.version)
        case.apply_triage(result, stamps, spec.min_confidence, by)
        uow.commit()


def read_reply(case: Case, body: str, spec: TriageSpec, model: TriageModel) -> ReplyReading:
    """What a customer's reply says about the case (the local model only: replies are many)."""
    return ReplyReading.of(case.triage, model.read_reply(body, spec), spec.min_confidence)


def _unsure(result: TriageResult, spec: TriageSpec) -> tuple[str, ...]:
    return spec.unsettled({name: signal.confidence for name, signal in result.signals.items()})


def stamps_for(
    case: Case,
    result: TriageResult | None,
    *,
    uow: UnitOfWork,
    policy: Policy,
    conditions: ConditionEngine,
) -> StampOutcome:
    """The policy's stamps for `case` read as `result` (None: as its triage already says)."""
    customer = uow.customers.find(case.customer_id)
    facts = case.facts(customer, policy.triage.min_confidence, triage=result)
    return apply_stamps(policy.triage.stamps, facts, conditions.matches)
