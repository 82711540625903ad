"""The triage section: which model reads first, the team's LLM, trained models, review, replies."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest

from caseloom.adapters.triage_local.store import ModelCard, ModelStore
from caseloom.domain.policy import (
    LlmProviderKind,
    LlmSpec,
    PersonalData,
    ReplyAction,
    ReplyChange,
)
from caseloom.domain.triage import SIGNALS
from tests.unit.policy.writing import line_of, load, only_problem, problems_in, write_policy
from tests.unit.triage_local.texts import CARD, INTENTS, intent_model, outage_or_billing_model

UNKNOWN_MOOD = (
    "unknown signal mood; signals: sentiment, intent, urgency, product_line, on_site_required, "
    "language"
)
DECLARED = """\
  intents:
    outage: [down]
    billing_dispute: [refund]
    question: [how]
"""


def triage(body: str) -> str:
    return "triage:\n" + body


def save_model(folder: Path, card: ModelCard = CARD) -> ModelCard:
    """Store a model giving the card's labels: the intent model, or the two-label one renamed."""
    if card.labels == INTENTS:
        model = intent_model()
    else:
        model = replace(outage_or_billing_model(), labels=card.labels)
    return ModelStore(folder).save(card, model)


# --- defaults -------------------------------------------------------------------------------------


def test_a_policy_without_the_new_keys_reads_locally_and_asks_nobody(tmp_path: Path) -> None:
    spec = load(write_policy(tmp_path)).policy.triage

    assert spec.model == "local"
    assert (spec.models, spec.llm, spec.review, spec.replies) == ({}, None, (), {})
    assert spec.models_dir == str(tmp_path / "models")
    assert all(spec.reply_action(change) is ReplyAction.NOTHING for change in ReplyChange)


def test_the_models_folder_is_found_next_to_the_policy_file(tmp_path: Path) -> None:
    path = write_policy(tmp_path, triage=triage("  models_dir: trained/triage\n"))

    assert load(path).policy.triage.models_dir == str(tmp_path / "trained" / "triage")


# --- the team's LLM -------------------------------------------------------------------------------


def test_an_llm_section_becomes_the_llm_spec(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        triage=triage(
            """\
  model: llm
  llm:
    provider: openai-compatible
    model: llama3.1
    base_url: http://localhost:11434/v1
    timeout: 1m30s
    retries: 3
    redact: [email, card]
    price: {input: 0.15, output: 0.6}
    breaker: {failures: 3, cooldown: 45s}
    ask: [urgency, intent]
"""
        ),
    )

    spec = load(path).policy.triage

    assert spec.model == "llm"
    assert spec.llm == LlmSpec(
        provider=LlmProviderKind.OPENAI_COMPATIBLE,
        model="llama3.1",
        base_url="http://localhost:11434/v1",
        timeout=timedelta(minutes=1, seconds=30),
        retries=3,
        redact=frozenset({PersonalData.EMAIL, PersonalData.CARD}),
        input_price=0.15,
        output_price=0.6,
        breaker_failures=3,
        breaker_cooldown=timedelta(seconds=45),
        ask=("urgency", "intent"),
    )
    assert spec.llm.label == "openai-compatible/llama3.1"


def test_an_llm_named_alone_gets_the_documented_defaults(tmp_path: Path) -> None:
    path = write_policy(tmp_path, triage=triage("  llm: {provider: anthropic, model: claude}\n"))

    llm = load(path).policy.triage.llm

    assert llm == LlmSpec(LlmProviderKind.ANTHROPIC, "claude", ask=SIGNALS)
    assert llm is not None
    assert (llm.timeout, llm.retries, llm.breaker_failures) == (timedelta(seconds=10), 2, 5)
    assert llm.redact == frozenset(PersonalData)
    assert (llm.input_price, llm.output_price) == (None, None)


def test_the_llm_is_asked_by_default_for_the_signals_a_person_would_review(
    tmp_path: Path,
) -> None:
    path = write_policy(
        tmp_path,
        triage=triage("  review: [urgency, intent]\n  llm: {provider: google, model: gemini}\n"),
    )

    llm = load(path).policy.triage.llm

    assert llm is not None
    assert llm.ask == ("urgency", "intent")


def test_the_llm_is_asked_by_default_for_every_signal_read_when_none_is_reviewed(
    tmp_path: Path,
) -> None:
    path = write_policy(
        tmp_path,
        triage=triage(
            "  signals: [sentiment, urgency]\n  llm: {provider: google, model: gemini}\n"
        ),
    )

    llm = load(path).policy.triage.llm

    assert llm is not None
    assert llm.ask == ("sentiment", "urgency")


@pytest.mark.parametrize(
    ("timeout", "expected"),
    [("10s", timedelta(seconds=10)), ("2m", timedelta(minutes=2)), ("1m5s", timedelta(seconds=65))],
)
def test_an_llm_timeout_is_a_duration_in_seconds_or_minutes(
    tmp_path: Path, timeout: str, expected: timedelta
) -> None:
    path = write_policy(
        tmp_path, triage=triage(f"  llm: {{provider: openai, model: m, timeout: {timeout}}}\n")
    )

    llm = load(path).policy.triage.llm

    assert llm is not None
    assert llm.timeout == expected


def test_an_openai_compatible_provider_without_its_url_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path, triage=triage("  llm: {provider: openai-compatible, model: llama3.1}\n")
    )

    problem = only_problem(path)

    assert (problem.where, problem.line) == ("triage.llm", line_of(path, "llama3.1"))
    assert problem.reason == "an openai-compatible provider needs its base_url"


@pytest.mark.parametrize(
    ("llm", "where", "reason"),
    [
        (
            "{provider: openai, model: m, timeout: 10x}",
            "triage.llm.timeout",
            "'10x' is not a duration; write e.g. 30s, 90m, 4h, 2d or 1h30m",
        ),
        (
            "{provider: openai, model: m, redact: [address]}",
            "triage.llm.redact[0]",
            "Input should be 'email', 'phone' or 'card'",
        ),
        ("{provider: openai, model: m, ask: [mood]}", "triage.llm.ask", UNKNOWN_MOOD),
        (
            "{provider: mistral, model: m}",
            "triage.llm.provider",
            "Input should be 'openai', 'anthropic', 'google' or 'openai-compatible'",
        ),
    ],
)
def test_a_wrong_llm_setting_is_refused_where_it_is(
    tmp_path: Path, llm: str, where: str, reason: str
) -> None:
    problem = only_problem(write_policy(tmp_path, triage=triage(f"  llm: {llm}\n")))

    assert (problem.where, problem.reason) == (where, reason)


def test_a_negative_price_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        triage=triage("  llm: {provider: openai, model: m, price: {input: -1, output: 0.6}}\n"),
    )

    assert only_problem(path).where == "triage.llm.price.input"


def test_an_llm_first_policy_without_an_llm_is_refused(tmp_path: Path) -> None:
    path = write_policy(tmp_path, triage=triage("  model: llm\n"))

    problem = only_problem(path)

    assert (problem.where, problem.line) == ("triage.model", line_of(path, "model: llm"))
    assert problem.reason == "model: llm needs an `llm` section naming the provider"


# --- review and replies --------------------------------------------------------------------------


def test_review_names_the_signals_a_person_settles(tmp_path: Path) -> None:
    path = write_policy(tmp_path, triage=triage("  review: [urgency, intent]\n"))

    assert load(path).policy.triage.review == ("urgency", "intent")


def test_reviewing_a_signal_that_is_not_read_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path, triage=triage("  signals: [sentiment, urgency]\n  review: [urgency, intent]\n")
    )

    problem = only_problem(path)

    assert problem.where == "triage.review"
    assert problem.reason == "intent is reviewed but not among the signals"


def test_reviewing_something_that_is_no_signal_is_refused_naming_the_signals(
    tmp_path: Path,
) -> None:
    problem = only_problem(write_policy(tmp_path, triage=triage("  review: [mood]\n")))

    assert (problem.where, problem.reason) == ("triage.review", UNKNOWN_MOOD)


def test_replies_say_what_each_change_leads_to(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path,
        triage=triage(
            "  replies: {confirmed_fixed: resolve, urgency_rise: restamp, still_broken: nothing}\n"
        ),
    )

    spec = load(path).policy.triage

    assert spec.replies == {
        ReplyChange.CONFIRMED_FIXED: ReplyAction.RESOLVE,
        ReplyChange.URGENCY_RISE: ReplyAction.RESTAMP,
        ReplyChange.STILL_BROKEN: ReplyAction.NOTHING,
    }
    assert spec.reply_action(ReplyChange.SENTIMENT_DROP) is ReplyAction.NOTHING


def test_a_reply_action_a_change_cannot_lead_to_is_refused_naming_the_allowed_ones(
    tmp_path: Path,
) -> None:
    path = write_policy(
        tmp_path,
        triage=triage("  replies: {confirmed_fixed: restamp, sentiment_drop: resolve}\n"),
    )

    problems = problems_in(path)

    assert [(p.where, p.reason) for p in problems] == [
        (
            "triage.replies.confirmed_fixed",
            "confirmed_fixed can lead to nothing or resolve, not restamp",
        ),
        (
            "triage.replies.sentiment_drop",
            "sentiment_drop can lead to nothing or restamp, not resolve",
        ),
    ]


def test_an_unknown_reply_action_or_change_is_refused(tmp_path: Path) -> None:
    path = write_policy(
        tmp_path, triage=triage("  replies: {confirmed_fixed: escalate, happy: resolve}\n")
    )

    assert sorted((p.where, p.reason) for p in problems_in(path)) == [
        ("triage.replies.confirmed_fixed", "Input should be 'nothing', 'resolve' or 'restamp'"),
        (
            "triage.replies.happy",
            "Input should be 'confirmed_fixed', 'still_broken', 'sentiment_drop' or 'urgency_rise'",
        ),
    ]


# --- trained models -------------------------------------------------------------------------------


def test_a_trained_model_is_selected_by_name_and_version(tmp_path: Path) -> None:
    save_model(tmp_path / "models")
    save_model(tmp_path / "models")
    path = write_policy(tmp_path, triage=triage(DECLARED + "  models: {intent: intents@1}\n"))

    spec = load(path).policy.triage

    assert spec.models == {"intent": "intents@1"}
    assert spec.intents == {
        "outage": ("down",),
        "billing_dispute": ("refund",),
        "question": ("how",),
    }


def test_a_model_for_a_signal_no_model_reads_is_refused(tmp_path: Path) -> None:
    problem = only_problem(write_policy(tmp_path, triage=triage("  models: {language: langs@1}\n")))

    assert (problem.where, problem.reason) == (
        "triage.models",
        "no trained model reads language; models read: sentiment, intent, urgency, "
        "product_line, on_site_required",
    )


def test_a_model_without_its_version_is_refused(tmp_path: Path) -> None:
    save_model(tmp_path / "models")
    path = write_policy(tmp_path, triage=triage("  models: {intent: intents}\n"))

    problem = only_problem(path)

    assert (problem.where, problem.line) == ("triage.models.intent", line_of(path, "intents}"))
    assert (
        problem.reason == "write intents@<version>, so that a policy version always means one model"
    )


def test_a_missing_model_is_refused_naming_the_models_there(tmp_path: Path) -> None:
    save_model(tmp_path / "models")
    save_model(tmp_path / "models", replace(CARD, name="urgency", signal="urgency"))
    path = write_policy(tmp_path, triage=triage("  models: {intent: northwind@1}\n"))

    problem = only_problem(path)

    assert (problem.where, problem.reason) == (
        "triage.models.intent",
        f"no model 'northwind' in {tmp_path / 'models'}; models there: intents, urgency",
    )


def test_a_missing_version_is_refused_naming_the_versions(tmp_path: Path) -> None:
    save_model(tmp_path / "models")
    path = write_policy(tmp_path, triage=triage("  models: {intent: intents@4}\n"))

    assert only_problem(path).reason == "no version 4 of model 'intents'; versions: 1"


def test_models_are_found_in_the_folder_the_policy_names(tmp_path: Path) -> None:
    save_model(tmp_path / "trained")
    path = write_policy(
        tmp_path, triage=triage("  models_dir: trained\n  models: {intent: intents@1}\n")
    )

    assert load(path).policy.triage.models == {"intent": "intents@1"}


def test_a_model_trained_for_another_signal_is_refused(tmp_path: Path) -> None:
    save_model(tmp_path / "models", replace(CARD, name="urgency", signal="urgency"))
    path = write_policy(tmp_path, triage=triage("  models: {intent: urgency@1}\n"))

    problem = only_problem(path)

    assert (problem.where, problem.reason) == (
        "triage.models.intent",
        "model urgency@1 reads urgency, not intent",
    )


def test_a_model_giving_intents_the_policy_does_not_declare_is_refused_naming_them(
    tmp_path: Path,
) -> None:
    save_model(tmp_path / "models")
    declared = "  intents:\n    outage: [down]\n    fault: [broken]\n"
    path = write_policy(tmp_path, triage=triage(declared + "  models: {intent: intents@1}\n"))

    problem = only_problem(path)

    assert (problem.where, problem.reason) == (
        "triage.models.intent",
        "model intents@1 gives intent labels the policy does not know: "
        "billing_dispute, question; intent is one of outage, fault",
    )


def test_a_model_giving_product_lines_the_policy_does_not_declare_is_refused(
    tmp_path: Path,
) -> None:
    card = replace(CARD, name="lines", signal="product_line", labels=("billing_dispute", "outage"))
    save_model(tmp_path / "models", card)
    path = write_policy(
        tmp_path,
        triage=triage(
            "  product_lines: {broadband: [router], outage: [down]}\n"
            "  models: {product_line: lines@1}\n"
        ),
    )

    assert only_problem(path).reason == (
        "model lines@1 gives product_line labels the policy does not know: billing_dispute; "
        "product_line is one of broadband, outage"
    )


def test_when_intents_are_not_declared_the_models_labels_are_the_intents(tmp_path: Path) -> None:
    save_model(tmp_path / "models")
    path = write_policy(tmp_path, triage=triage("  models: {intent: intents@1}\n"))

    spec = load(path).policy.triage

    assert spec.intents == {"billing_dispute": (), "outage": (), "question": ()}
    assert spec.product_lines == {}


def test_a_model_with_another_features_layout_is_refused_with_the_retrain_hint(
    tmp_path: Path,
) -> None:
    save_model(tmp_path / "models", replace(CARD, features="words1:2^20@0"))
    path = write_policy(tmp_path, triage=triage("  models: {intent: intents@1}\n"))

    assert only_problem(path).reason.endswith("train it again with `caseloom triage train`")


@pytest.mark.parametrize(
    ("signal", "labels", "scale"),
    [
        ("sentiment", ("angry", "happy"), "negative, neutral, positive"),
        ("urgency", ("p1", "p2"), "critical, high, normal, low"),
        ("on_site_required", ("needed", "remote"), "true, yes, 1, false, no, 0"),
    ],
)
def test_a_model_for_a_fixed_scale_signal_with_other_labels_is_refused_naming_the_scale(
    tmp_path: Path, signal: str, labels: tuple[str, str], scale: str
) -> None:
    save_model(tmp_path / "models", replace(CARD, name="m", signal=signal, labels=labels))
    path = write_policy(tmp_path, triage=triage(f"  models: {{{signal}: m@1}}\n"))

    problem = only_problem(path)

    assert (problem.where, problem.reason) == (
        f"triage.models.{signal}",
        f"model m@1 gives {signal} labels the policy does not know: {', '.join(labels)}; "
        f"{signal} is one of {scale}",
    )
