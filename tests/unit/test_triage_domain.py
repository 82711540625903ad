"""Triage results in the domain: the questions an LLM is asked, whose reading wins, and what a
customer's reply changes."""

from __future__ import annotations

import pytest

from caseloom.domain.errors import InvalidInput
from caseloom.domain.policy import ReplyChange, TriageSpec
from caseloom.domain.triage import (
    SENTIMENTS,
    SIGNALS,
    URGENCIES,
    LlmCall,
    ReplyReading,
    Signal,
    SignalQuestion,
    SignalValue,
    TriageResult,
    questions,
    reply_changes,
)

SURE = 0.6  # the policy's min_confidence in these tests
SPEC = TriageSpec(
    "local",
    SURE,
    SIGNALS,
    {"outage": ("down",), "question": ("how",)},
    {"broadband": ("router",), "energy": ("boiler",)},
    (),
)


def result(model: str = "local@1", **signals: tuple[SignalValue, float]) -> TriageResult:
    return TriageResult(model, {n: Signal(v, c, source=model) for n, (v, c) in signals.items()})


def refusal(question: SignalQuestion, value: object) -> str:
    with pytest.raises(InvalidInput) as refused:
        question.check(value)
    return str(refused.value)


# --- the questions asked of an LLM, and checking its answers -------------------------------------


def test_a_label_question_accepts_one_of_its_choices() -> None:
    assert SignalQuestion("intent", "label", ("outage", "question")).check("outage") == "outage"


def test_a_label_outside_the_choices_is_refused_naming_them() -> None:
    question = SignalQuestion("intent", "label", ("outage", "question"))

    assert refusal(question, "refund") == "intent cannot be 'refund'; it is one of outage, question"
    assert refusal(question, True) == "intent cannot be True; it is one of outage, question"


def test_a_boolean_question_accepts_only_true_or_false() -> None:
    question = SignalQuestion("on_site_required", "boolean")

    assert (question.check(True), question.check(False)) == (True, False)
    assert refusal(question, "yes") == "on_site_required cannot be 'yes'; it is true or false"
    assert refusal(question, 1) == "on_site_required cannot be 1; it is true or false"


@pytest.mark.parametrize("value", ["EN", "eng", "e", "", None])
def test_a_language_must_be_a_two_letter_lower_case_code(value: object) -> None:
    question = SignalQuestion("language", "language")

    assert question.check("fr") == "fr"
    assert refusal(question, value) == (
        f"language cannot be {value!r}; it is a two-letter ISO 639-1 code such as en"
    )


def test_questions_come_in_signal_order_with_the_policys_labels() -> None:
    asked = questions(SPEC, ("language", "product_line", "urgency", "intent", "sentiment"))

    assert asked == (
        SignalQuestion("sentiment", "label", SENTIMENTS),
        SignalQuestion("intent", "label", ("outage", "question")),
        SignalQuestion("urgency", "label", URGENCIES),
        SignalQuestion("product_line", "label", ("broadband", "energy")),
        SignalQuestion("language", "language"),
    )


def test_on_site_need_is_asked_as_a_yes_or_no_question() -> None:
    assert questions(SPEC, ("on_site_required",)) == (
        SignalQuestion("on_site_required", "boolean"),
    )


def test_names_that_are_not_signals_are_not_asked() -> None:
    assert questions(SPEC, ("reply_intent", "mood", "urgency")) == (
        SignalQuestion("urgency", "label", URGENCIES),
    )


# --- whose reading wins --------------------------------------------------------------------------


def test_a_surer_reading_overrules_and_a_less_sure_one_does_not() -> None:
    local = result(intent=("question", 0.41), urgency=("high", 0.9))
    llm = {
        "intent": Signal("outage", 0.92, source="llm:openai/gpt"),
        "urgency": Signal("low", 0.7, source="llm:openai/gpt"),
        "language": Signal("en", 0.99, source="llm:openai/gpt"),
    }

    merged = local.overruled_by(llm, "llm:openai/gpt")

    assert merged.signals == {
        "intent": Signal("outage", 0.92, source="llm:openai/gpt"),
        "urgency": Signal("high", 0.9, source="local@1"),
        "language": Signal("en", 0.99, source="llm:openai/gpt"),
    }
    assert merged.model == "local@1+llm:openai/gpt"
    assert local.signals["intent"].value == "question"  # the original result is unchanged


def test_an_equally_sure_reading_leaves_the_first_in_place() -> None:
    local = result(intent=("question", 0.8))

    merged = local.overruled_by({"intent": Signal("outage", 0.8)}, "llm:x")

    assert merged.signals["intent"].value == "question"


def test_the_overruling_model_is_named_once_however_often_it_overrules() -> None:
    local = result(intent=("question", 0.41))

    twice = local.overruled_by({}, "llm:x").overruled_by({"intent": Signal("outage", 0.9)}, "llm:x")

    assert twice.model == "local@1+llm:x"


def test_a_model_named_only_as_part_of_another_is_still_added() -> None:
    local = result(model="local@1+llm:x-large")

    assert local.overruled_by({}, "llm:x").model == "local@1+llm:x-large+llm:x"


def test_a_correction_replaces_the_reading_however_sure_the_model_was() -> None:
    local = result(intent=("outage", 0.95), urgency=("high", 0.4))
    person = {"intent": Signal("question", 0.3, source="person:ann")}

    corrected = local.corrected(person, "person:ann").corrected(person, "person:ann")

    assert corrected.signals == {
        "intent": Signal("question", 0.3, source="person:ann"),
        "urgency": Signal("high", 0.4, source="local@1"),
    }
    assert corrected.model == "local@1+person:ann"


# --- what a result says to conditions and to the journey ----------------------------------------


def test_a_signal_below_the_threshold_is_unknown_to_conditions() -> None:
    read = result(intent=("outage", 0.59), urgency=("high", 0.6), on_site_required=(False, 0.9))

    assert read.facts(SURE) == {"intent": None, "urgency": "high", "on_site_required": False}
    assert read.below(SURE) == ("intent",)
    assert (read.sure("intent", SURE), read.sure("urgency", SURE)) == (None, "high")
    assert read.sure("language", SURE) is None


def test_the_journey_records_every_signal_and_the_llm_call() -> None:
    call = LlmCall(
        "openai/gpt-4o-mini",
        "answered",
        attempts=2,
        input_tokens=120,
        output_tokens=30,
        latency_ms=812.3456,
        cost=0.0004,
        redacted=("email",),
    )
    read = TriageResult(
        "local@1+llm:openai/gpt-4o-mini",
        {"intent": Signal("outage", 0.92, ("down",), "llm:openai/gpt-4o-mini")},
    ).with_llm(call)

    assert read.journey_inputs() == {
        "model": "local@1+llm:openai/gpt-4o-mini",
        "signals": {
            "intent": {
                "value": "outage",
                "confidence": 0.92,
                "evidence": ["down"],
                "source": "llm:openai/gpt-4o-mini",
            }
        },
        "llm": {
            "provider": "openai/gpt-4o-mini",
            "outcome": "answered",
            "attempts": 2,
            "input_tokens": 120,
            "output_tokens": 30,
            "latency_ms": 812.3,
            "cost": 0.0004,
            "redacted": ["email"],
        },
    }
    assert call.answered
    assert not LlmCall("openai/gpt-4o-mini", "circuit open").answered


def test_a_result_without_an_llm_call_leaves_it_off_the_journey() -> None:
    assert "llm" not in result(intent=("outage", 0.9)).journey_inputs()


# --- what a customer's reply changes ------------------------------------------------------------


@pytest.mark.parametrize(
    ("intent", "change"),
    [
        ("confirmed_fixed", ReplyChange.CONFIRMED_FIXED),
        ("still_broken", ReplyChange.STILL_BROKEN),
    ],
)
def test_a_reply_saying_whether_the_fix_worked_is_a_change(
    intent: str, change: ReplyChange
) -> None:
    reply = result(reply_intent=(intent, 0.9))

    assert reply_changes(result(), reply, SURE) == (change,)


def test_a_reply_about_something_else_changes_nothing() -> None:
    assert reply_changes(result(), result(reply_intent=("other", 0.99)), SURE) == ()


def test_a_reply_read_below_the_threshold_changes_nothing() -> None:
    reply = result(
        reply_intent=("confirmed_fixed", 0.59),
        sentiment=("negative", 0.59),
        urgency=("critical", 0.5),
    )

    assert reply_changes(result(sentiment=("positive", 0.9)), reply, SURE) == ()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (result(sentiment=("neutral", 0.9)), "negative"),
        (result(sentiment=("positive", 0.9)), "neutral"),
        (result(sentiment=("positive", 0.9)), "negative"),
        (result(), "negative"),  # never read: taken as neutral
        (result(sentiment=("positive", 0.4)), "negative"),  # read unsurely: taken as neutral
        (None, "negative"),  # no triage before the reply
    ],
)
def test_a_reply_surely_less_happy_than_before_is_a_sentiment_drop(
    before: TriageResult | None, after: str
) -> None:
    reply = result(sentiment=(after, 0.8))

    assert reply_changes(before, reply, SURE) == (ReplyChange.SENTIMENT_DROP,)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (result(sentiment=("negative", 0.9)), "negative"),
        (result(sentiment=("neutral", 0.9)), "positive"),
        (result(), "neutral"),
        (None, "positive"),
    ],
)
def test_a_reply_as_happy_or_happier_is_no_sentiment_drop(
    before: TriageResult | None, after: str
) -> None:
    assert reply_changes(before, result(sentiment=(after, 0.8)), SURE) == ()


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (result(urgency=("normal", 0.9)), "high"),
        (result(urgency=("high", 0.9)), "critical"),
        (result(urgency=("low", 0.9)), "normal"),
        (result(), "high"),  # never read: taken as normal
        (result(urgency=("critical", 0.3)), "high"),  # read unsurely: taken as normal
        (None, "critical"),
    ],
)
def test_a_reply_surely_more_urgent_than_before_is_an_urgency_rise(
    before: TriageResult | None, after: str
) -> None:
    assert reply_changes(before, result(urgency=(after, 0.7)), SURE) == (ReplyChange.URGENCY_RISE,)


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (result(urgency=("critical", 0.9)), "high"),
        (result(urgency=("high", 0.9)), "high"),
        (result(), "normal"),
        (None, "low"),
    ],
)
def test_a_reply_as_urgent_or_calmer_is_no_urgency_rise(
    before: TriageResult | None, after: str
) -> None:
    assert reply_changes(before, result(urgency=(after, 0.7)), SURE) == ()


def test_every_change_in_one_reply_is_reported_in_order() -> None:
    before = result(sentiment=("neutral", 0.9), urgency=("normal", 0.9))
    reply = result(
        reply_intent=("still_broken", 0.95), sentiment=("negative", 0.9), urgency=("critical", 0.8)
    )

    assert reply_changes(before, reply, SURE) == (
        ReplyChange.STILL_BROKEN,
        ReplyChange.SENTIMENT_DROP,
        ReplyChange.URGENCY_RISE,
    )


def test_a_reply_replaces_only_the_sentiment_and_urgency_it_read_surely() -> None:
    before = result(sentiment=("neutral", 0.9), urgency=("normal", 0.9))
    reply = result(
        "replies@1",
        reply_intent=("still_broken", 0.95),
        sentiment=("negative", 0.8),
        sentiment_score=(-0.7, 0.8),
        urgency=("critical", 0.5),
    )

    reading = ReplyReading.of(before, reply, SURE)

    assert reading.updates == {
        "sentiment": Signal("negative", 0.8, source="replies@1"),
        "sentiment_score": Signal(-0.7, 0.8, source="replies@1"),
    }
    assert reading.changes == (ReplyChange.STILL_BROKEN, ReplyChange.SENTIMENT_DROP)
    assert reading.result is reply


def test_an_unsure_sentiment_in_a_reply_takes_its_score_with_it() -> None:
    reply = result(sentiment=("negative", 0.5), sentiment_score=(-0.3, 0.5), urgency=("high", 0.7))

    reading = ReplyReading.of(None, reply, SURE)

    assert reading.updates == {"urgency": Signal("high", 0.7, source="local@1")}
    assert reading.changes == (ReplyChange.URGENCY_RISE,)
