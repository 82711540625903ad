"""The keyword triage model: signals from word lists, each with its confidence and evidence."""

from __future__ import annotations

import pytest

from caseloom.adapters.triage_keywords import KeywordTriageModel
from caseloom.domain.policy import TriageSpec
from caseloom.domain.triage import SIGNALS, Signal

INTENTS = {
    "outage": ("outage", "down", "no internet"),
    "billing_dispute": ("invoice", "refund", "charged", "overcharged"),
}
PRODUCT_LINES = {
    "broadband": ("broadband", "router", "internet", "wi-fi"),
    "energy": ("boiler", "meter", "smart meter"),
}


def spec(*signals: str) -> TriageSpec:
    return TriageSpec("keywords", 0.6, signals or SIGNALS, INTENTS, PRODUCT_LINES, ())


def signal(text: str, name: str) -> Signal:
    return KeywordTriageModel().classify(text, spec()).signals[name]


# --- sentiment -----------------------------------------------------------------------------------


def test_an_angry_message_is_negative_with_the_words_that_show_it() -> None:
    text = "This is unacceptable, I am furious. Third time the broadband is down!"

    result = KeywordTriageModel().classify(text, spec("sentiment"))

    assert result.signals["sentiment"] == Signal(
        "negative", 0.91, ("unacceptable", "furious", "third time")
    )
    assert result.signals["sentiment_score"].value == -0.75


def test_a_grateful_message_is_positive_with_the_words_that_show_it() -> None:
    sentiment = signal("Thanks, that was brilliant and it is working now.", "sentiment")

    assert sentiment == Signal("positive", 0.91, ("thanks", "brilliant", "working now"))


def test_a_message_without_feeling_words_is_neutral() -> None:
    assert signal("Please update the contact e-mail on our account.", "sentiment") == Signal(
        "neutral", 0.6
    )


def test_a_message_with_as_much_praise_as_complaint_is_neutral_and_less_sure() -> None:
    sentiment = signal("Angry about the wait, but thanks for calling.", "sentiment")

    assert sentiment == Signal("neutral", 0.5, ("angry", "thanks"))


def test_more_complaint_words_make_a_more_confident_and_lower_score() -> None:
    mild = KeywordTriageModel().classify("I am disappointed.", spec("sentiment")).signals
    strong = (
        KeywordTriageModel()
        .classify("Disappointed, frustrated and fed up. Unacceptable.", spec("sentiment"))
        .signals
    )

    assert (mild["sentiment"].value, strong["sentiment"].value) == ("negative", "negative")
    assert mild["sentiment"].confidence < strong["sentiment"].confidence <= 0.95
    mild_score, strong_score = mild["sentiment_score"].value, strong["sentiment_score"].value
    assert isinstance(mild_score, float)
    assert isinstance(strong_score, float)
    assert strong_score < mild_score < 0


# --- urgency and on-site need -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "level", "evidence"),
    [
        ("Gas leak in the basement!", "critical", ("gas leak",)),
        ("The whole office has an outage.", "critical", ("whole office", "outage")),
        ("Please fix it ASAP, we have a deadline.", "high", ("asap", "deadline")),
        ("No rush, just wondering about my plan.", "low", ("no rush", "just wondering")),
        ("Could you update my address?", "normal", ()),
    ],
)
def test_urgency_is_read_from_the_most_urgent_words_present(
    text: str, level: str, evidence: tuple[str, ...]
) -> None:
    urgency = signal(text, "urgency")

    assert (urgency.value, urgency.evidence) == (level, evidence)


def test_critical_words_outrank_high_and_low_ones() -> None:
    urgency = signal("Not urgent they said, but it is an emergency now, fix it today.", "urgency")

    assert urgency == Signal("critical", 0.67, ("emergency",))


def test_normal_urgency_is_the_default_with_modest_confidence() -> None:
    assert signal("Hello there", "urgency") == Signal("normal", 0.6)


def test_a_broken_boiler_needs_someone_on_site() -> None:
    on_site = signal("Our boiler is leaking, please send an engineer.", "on_site_required")

    assert on_site == Signal(True, 0.86, ("boiler", "leaking", "engineer"))


def test_a_password_question_needs_no_one_on_site() -> None:
    assert signal("How do I reset my password?", "on_site_required") == Signal(False, 0.6)


def test_keywords_match_whole_words_only() -> None:
    assert signal("We had some downtime after the breakdown.", "urgency").value == "normal"
    assert signal("Can someone come on-site?", "on_site_required").evidence == ("on-site",)


# --- intents and product lines from the policy's keywords ----------------------------------------


def test_the_intent_with_the_most_keyword_hits_wins_with_its_evidence() -> None:
    intent = signal("We were charged twice on the invoice and want a refund.", "intent")

    assert intent.value == "billing_dispute"
    assert intent.evidence == ("charged", "invoice", "refund")


@pytest.mark.parametrize(
    ("text", "confidence"),
    [
        ("There is an outage.", 0.65),
        ("Outage, and the line is down.", 0.8),
        ("Outage, down, no internet.", 0.95),
        ("Outage, down, no internet, down again.", 0.95),
        ("Outage, down, no internet, and a refund please.", 0.8),
    ],
)
def test_intent_confidence_grows_with_the_margin_over_the_runner_up_and_is_capped(
    text: str, confidence: float
) -> None:
    intent = signal(text, "intent")

    assert (intent.value, intent.confidence) == ("outage", confidence)


def test_a_tie_between_intents_gives_no_confidence() -> None:
    assert signal("The outage is on my invoice.", "intent").confidence == 0.0


def test_no_intent_keyword_means_no_intent() -> None:
    assert signal("Hello, is anyone there?", "intent") == Signal(None, 0.0)


def test_the_product_line_comes_from_the_policys_keywords_too() -> None:
    product_line = signal("The smart meter and the boiler both stopped.", "product_line")

    assert product_line == Signal("energy", 0.8, ("smart meter", "boiler"))


def test_keyword_matching_ignores_case_and_reports_evidence_in_lower_case() -> None:
    assert signal("ROUTER and Wi-Fi", "product_line").evidence == ("router", "wi-fi")


def test_a_policy_without_intents_gets_no_intent() -> None:
    bare = TriageSpec("keywords", 0.6, ("intent", "product_line"), {}, {}, ())

    result = KeywordTriageModel().classify("Broadband outage", bare)

    assert result.signals == {"intent": Signal(None, 0.0), "product_line": Signal(None, 0.0)}


# --- language ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The router is not working and we have no internet for the office.", "en"),
        ("Le routeur ne marche pas et nous avons pas de connexion pour la maison.", "fr"),
        ("Der Router ist kaputt und wir haben nicht mit dem Internet gearbeitet.", "de"),
    ],
)
def test_the_language_is_the_one_whose_common_words_appear_most(text: str, language: str) -> None:
    detected = signal(text, "language")

    assert detected.value == language
    assert 0.5 < detected.confidence <= 1.0


def test_a_text_without_common_words_has_no_language() -> None:
    assert signal("Router: 404!", "language") == Signal(None, 0.0)


# --- which signals come back ---------------------------------------------------------------------


def test_only_the_signals_the_policy_asks_for_are_returned() -> None:
    result = KeywordTriageModel().classify("Outage at the office", spec("urgency", "language"))

    assert set(result.signals) == {"urgency", "language"}


def test_asking_for_sentiment_also_returns_its_score() -> None:
    result = KeywordTriageModel().classify("Terrible service", spec("sentiment", "intent"))

    assert set(result.signals) == {"sentiment", "sentiment_score", "intent"}
    score = result.signals["sentiment_score"]
    assert (score.value, score.evidence) == (-0.5, ("terrible",))
    assert score.confidence == result.signals["sentiment"].confidence


def test_every_signal_is_returned_when_all_are_asked_for_and_the_model_is_named() -> None:
    result = KeywordTriageModel().classify("Broadband down", spec())

    assert result.model == KeywordTriageModel.name == "keywords@1"
    assert set(result.signals) == {*SIGNALS, "sentiment_score"}
