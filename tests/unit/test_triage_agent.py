"""The Triage agent's judgement: the local model first, the team's LLM where it is unsure, a
person where nobody is sure, and customers' replies read again."""

from __future__ import annotations

from dataclasses import replace

import pytest

from caseloom.domain import commands
from caseloom.domain.case import CaseStatus, MessageKind
from caseloom.domain.errors import IllegalTransition, InvalidInput
from caseloom.domain.policy import (
    LlmProviderKind,
    LlmSpec,
    Policy,
    ReplyAction,
    ReplyChange,
)
from caseloom.domain.sla import SlaMetric
from caseloom.domain.triage import Signal, TriageResult
from tests.factories import make_rep, stamp
from tests.fakes import FakeLlm
from tests.world import CONDITIONS, POLICY, World

INTENTS = {"outage": (), "question": (), "billing": ()}
CRITICAL = 'triage.urgency == "critical"'
CONDITIONS.predicates[CRITICAL] = lambda f: f["triage"]["urgency"] == "critical"


LLM = LlmSpec(LlmProviderKind.OPENAI_COMPATIBLE, "fake", "http://127.0.0.1:1", ask=("intent",))


def reviewed(policy: Policy = POLICY, **triage: object) -> Policy:
    """The policy with intents declared, intent under review, and an LLM asked about intent."""
    fields: dict[str, object] = {"intents": INTENTS, "review": ("intent",), "llm": LLM, **triage}
    return replace(policy, triage=replace(policy.triage, **fields))  # type: ignore[arg-type]


def steps(world: World, ref: str) -> list[str]:
    return [entry.step for entry in world.store.journey[ref]]


def test_an_unsure_intent_that_policy_requires_sends_the_case_to_a_person() -> None:
    world = World(reviewed(), confidence=0.41)
    case = world.case(world.open())
    assert case.status is CaseStatus.TRIAGE_REVIEW
    assert not case.clocks
    assert case.owner is None
    entry = world.store.journey[case.ref][-1]
    assert entry.decision["review"] == ["intent"]
    assert entry.reason == "unsure of intent 0.41 (below 0.6): a person reviews it"


def test_the_llm_settles_what_the_local_model_was_unsure_of_and_its_use_is_on_the_journey() -> None:
    llm = FakeLlm({"intent": Signal("outage", 0.92, source="llm:fake/llm-1")})
    world = World(reviewed(), confidence=0.41, llm=llm)
    world.rep(make_rep("rep-t2", teams=("tier2",)))
    case = world.case(world.open())
    assert (case.status, case.severity) == (CaseStatus.ASSIGNED, "high")
    assert [q.name for q in llm.asked[0][1]] == ["intent"]  # only what the model was unsure of
    assert llm.asked[0][1][0].choices == ("outage", "question", "billing")
    triage_entry = world.store.journey[case.ref][1]
    assert triage_entry.inputs["model"] == "fake@1+llm:fake/llm-1"
    assert triage_entry.inputs["signals"]["intent"]["source"] == "llm:fake/llm-1"  # type: ignore[index]
    assert triage_entry.inputs["llm"]["input_tokens"] == 120  # type: ignore[index]
    assert triage_entry.inputs["llm"]["cost"] == 0.0004  # type: ignore[index]


def test_a_sure_local_reading_never_calls_the_llm() -> None:
    llm = FakeLlm({"intent": Signal("question", 0.99)})
    world = World(reviewed(), confidence=0.9, llm=llm)
    world.open()
    assert llm.asked == []


def test_when_the_llm_fails_the_case_goes_to_review_and_the_failure_is_on_the_journey() -> None:
    world = World(reviewed(), confidence=0.41, llm=FakeLlm(failure="HTTP 429 after 3 attempts"))
    case = world.case(world.open())
    assert case.status is CaseStatus.TRIAGE_REVIEW
    entry = world.store.journey[case.ref][-1]
    assert entry.inputs["llm"]["outcome"] == "HTTP 429 after 3 attempts"  # type: ignore[index]
    assert "fake/llm-1: HTTP 429 after 3 attempts" in entry.reason


def test_an_llm_first_policy_asks_the_llm_for_every_signal_and_it_overrules_the_local_model() -> (
    None
):
    llm = FakeLlm({"intent": Signal("question", 0.7), "sentiment": Signal("neutral", 0.8)})
    both = ("sentiment", "intent")
    policy = reviewed(model="llm", signals=both, llm=replace(LLM, ask=both))
    world = World(policy, confidence=0.95, llm=llm)
    case = world.case(world.open())
    assert [q.name for q in llm.asked[0][1]] == ["sentiment", "intent"]
    assert case.triage.signals["intent"].value == "question"
    assert case.severity == "medium"  # the outage stamp did not fire


def test_a_person_settles_the_review_and_the_case_moves_on_through_stamps_sla_and_routing() -> None:
    world = World(reviewed(), confidence=0.41)
    world.rep(make_rep("rep-t2", teams=("tier2",)))
    ref = world.open()
    world.bus.handle(commands.ReviewTriage(ref, "ann", {"intent": "outage"}))
    case = world.case(ref)
    assert (case.status, case.severity, case.owner) == (CaseStatus.ASSIGNED, "high", "rep-t2")
    assert case.triage.signals["intent"] == Signal("outage", 1.0, source="person:ann")
    assert SlaMetric.RESOLUTION in case.clocks
    assert steps(world, ref) == ["intake", "triage", "triage", "sla", "routing"]
    assert world.store.journey[ref][2].actor == "person:ann"


def test_a_review_with_a_value_the_signal_cannot_take_is_refused_naming_the_choices() -> None:
    world = World(reviewed(), confidence=0.41)
    ref = world.open()
    with pytest.raises(InvalidInput, match="intent cannot be 'outages'; it is one of outage, "):
        world.bus.handle(commands.ReviewTriage(ref, "ann", {"intent": "outages"}))
    with pytest.raises(InvalidInput, match="no signal mood"):
        world.bus.handle(commands.ReviewTriage(ref, "ann", {"mood": "sad"}))
    assert world.case(ref).status is CaseStatus.TRIAGE_REVIEW


def test_a_review_that_leaves_a_required_signal_unsettled_is_refused() -> None:
    world = World(reviewed(), confidence=0.41)
    ref = world.open()
    with pytest.raises(InvalidInput, match="still needs intent"):
        world.bus.handle(commands.ReviewTriage(ref, "ann", {"sentiment": "negative"}))


def test_a_case_that_is_not_waiting_for_review_cannot_be_reviewed() -> None:
    world = World(reviewed(), confidence=0.9)
    ref = world.open()
    with pytest.raises(IllegalTransition, match="not waiting for review"):
        world.bus.handle(commands.ReviewTriage(ref, "ann", {"intent": "outage"}))


# -- replies ------------------------------------------------------------------------------------

FIXED = TriageResult("fake-replies@1", {"reply_intent": Signal("confirmed_fixed", 0.93)})
BROKEN = TriageResult("fake-replies@1", {"reply_intent": Signal("still_broken", 0.9)})


def with_replies(**actions: ReplyAction) -> Policy:
    replies = {ReplyChange(change): action for change, action in actions.items()}
    stamps = (*POLICY.triage.stamps, stamp("critical is high", CRITICAL, severity="high"))
    return replace(POLICY, triage=replace(POLICY.triage, replies=replies, stamps=stamps))


def working_case(world: World) -> str:
    """A case opened and assigned to rep-a, so that a reply can be seen to change it or not."""
    world.rep(make_rep("rep-a", teams=("tier1", "tier2")))
    ref = world.open()
    case = world.case(ref)
    assert (case.status, case.owner) == (CaseStatus.ASSIGNED, "rep-a")
    return ref


def reply(world: World, ref: str, body: str = "Working now, thanks!") -> None:
    world.bus.handle(commands.AddMessage(ref, MessageKind.CUSTOMER_REPLY, "priya", body))


def test_a_reply_confirming_the_fix_resolves_the_case_when_policy_says_so() -> None:
    world = World(with_replies(confirmed_fixed=ReplyAction.RESOLVE), intent="question", reply=FIXED)
    ref = working_case(world)
    assert world.store.reps["rep-a"].load == 1
    reply(world, ref)
    case = world.case(ref)
    assert case.status is CaseStatus.RESOLVED
    assert world.store.reps["rep-a"].load == 0
    assert world.store.journey[ref][-2].decision["changes"] == ["confirmed_fixed"]
    assert world.store.journey[ref][-1].actor == "agent:resolution"


def test_without_a_policy_action_a_confirmed_fix_is_recorded_but_changes_nothing() -> None:
    world = World(intent="question", reply=FIXED)
    ref = working_case(world)
    reply(world, ref)
    assert world.case(ref).status is CaseStatus.ASSIGNED
    assert world.store.journey[ref][-1].decision["changes"] == ["confirmed_fixed"]


def test_a_thank_you_for_the_fix_does_not_reopen_a_resolved_case_but_a_complaint_does() -> None:
    world = World(intent="question", reply=FIXED)
    ref = working_case(world)
    world.bus.handle(commands.ResolveCase(ref, "rep:rep-a", "Router replaced."))
    reply(world, ref)
    assert world.case(ref).status is CaseStatus.RESOLVED
    world.model.reply = BROKEN
    reply(world, ref, "It dropped again last night.")
    assert world.case(ref).status is not CaseStatus.RESOLVED
    assert "reopened" in [e.decision.get("status") for e in world.store.journey[ref]]


def test_a_reply_that_raises_the_urgency_reapplies_the_stamps_with_it() -> None:
    urgent = TriageResult("fake-replies@1", {"urgency": Signal("critical", 0.8)})
    world = World(with_replies(urgency_rise=ReplyAction.RESTAMP), intent="question", reply=urgent)
    ref = working_case(world)
    assert world.case(ref).severity == "medium"
    reply(world, ref, "Now there is smoke coming from the socket!")
    case = world.case(ref)
    assert case.severity == "high"
    assert case.triage.signals["urgency"].value == "critical"
    journey = world.store.journey[ref]
    entry = next(e for e in reversed(journey) if e.step == "triage")
    assert (entry.step, entry.actor) == ("triage", "agent:supervisor")
    assert journey[-1].step == "sla"  # now high severity: the SLA policy for it applies
    assert "now follows SLA policy" in journey[-1].reason
    assert (
        entry.reason == "the customer's reply showed urgency_rise; re-stamped by critical is high"
    )


def test_a_reply_read_without_confidence_changes_nothing() -> None:
    unsure = TriageResult("fake-replies@1", {"reply_intent": Signal("confirmed_fixed", 0.4)})
    world = World(
        with_replies(confirmed_fixed=ReplyAction.RESOLVE), intent="question", reply=unsure
    )
    ref = working_case(world)
    reply(world, ref)
    assert world.case(ref).status is CaseStatus.ASSIGNED
    assert world.store.journey[ref][-1].decision["changes"] == []
