"""The readers of the local model: keyword rules, VADER sentiment, langid, and trained models."""

from __future__ import annotations

from dataclasses import replace
from functools import cache

import pytest

from caseloom.adapters.triage_local import keywords
from caseloom.adapters.triage_local.keywords import read_label, read_on_site, read_urgency
from caseloom.adapters.triage_local.language import SOURCE as LANGID
from caseloom.adapters.triage_local.language import identifier, read_language
from caseloom.adapters.triage_local.linear import LinearModel, fit
from caseloom.adapters.triage_local.model import BUILTIN, LocalTriageModel
from caseloom.adapters.triage_local.sentiment import SOURCE as VADER
from caseloom.adapters.triage_local.sentiment import read_sentiment
from caseloom.adapters.triage_local.store import ModelCard, ModelStore
from caseloom.domain.errors import InvalidInput
from caseloom.domain.policy import TriageSpec
from caseloom.domain.triage import SIGNALS, Signal
from tests.unit.triage_local.texts import CARD, INTENTS, UNSEEN, intent_model

KEYWORDS = keywords.SOURCE
INTENT_KEYWORDS = {
    "outage": ("outage", "down", "no internet"),
    "billing_dispute": ("invoice", "refund", "charged", "overcharged"),
}
PRODUCT_LINES = {
    "broadband": ("broadband", "router", "internet", "wi-fi"),
    "energy": ("boiler", "meter", "smart meter"),
}
ON_SITE = (
    ("The boiler is leaking water all over the kitchen floor.", "true"),
    ("Please send an engineer, the socket is scorched.", "true"),
    ("The smart meter fell off the wall when the builders were in.", "true"),
    ("Our cabling was cut by the roadworks outside the shop.", "true"),
    ("The radiator pipe burst and needs replacing.", "true"),
    ("Can a technician install the new router in the loft?", "true"),
    ("The master socket is hanging off the wall.", "true"),
    ("A pipe under the boiler is dripping onto the carpet.", "true"),
    ("I forgot my password and cannot log in.", "false"),
    ("Why was I charged twice this month?", "false"),
    ("How do I change the wifi name on my hub?", "false"),
    ("Please update the e-mail address on the account.", "false"),
    ("Could you tell me when my contract ends?", "false"),
    ("The app keeps logging me out.", "false"),
    ("I would like to move to the cheaper plan.", "false"),
    ("Can I pay by card instead of direct debit?", "false"),
)


def spec(*signals: str, intents: dict[str, tuple[str, ...]] | None = None) -> TriageSpec:
    return TriageSpec(
        "local",
        0.6,
        signals or SIGNALS,
        INTENT_KEYWORDS if intents is None else intents,
        PRODUCT_LINES,
        (),
    )


def card(name: str, signal: str, labels: tuple[str, ...]) -> ModelCard:
    return replace(CARD, name=name, version=1, signal=signal, labels=labels)


@cache
def on_site_model() -> LinearModel:
    return fit([text for text, _ in ON_SITE], [label for _, label in ON_SITE])


def trained_model() -> LocalTriageModel:
    """A trained intent model; built-in readers for the rest, and no reply model."""
    return LocalTriageModel({"intent": (card("intents", "intent", INTENTS), intent_model())}, None)


@cache
def reply_model() -> LocalTriageModel:
    return LocalTriageModel({}, ModelStore(BUILTIN).load("replies"))


# --- urgency and on-site need, from built-in word lists ------------------------------------------


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
    urgency = read_urgency(text)

    assert (urgency.value, urgency.evidence, urgency.source) == (level, evidence, KEYWORDS)


def test_critical_words_outrank_high_and_low_ones() -> None:
    urgency = read_urgency("Not urgent they said, but it is an emergency now, fix it today.")

    assert urgency == Signal("critical", 0.67, ("emergency",), KEYWORDS)


@pytest.mark.parametrize(
    ("text", "confidence"),
    [
        ("It is urgent.", 0.67),
        ("Urgent, it stopped working today.", 0.91),
        ("Urgent, ASAP, today, right now, immediately!", 0.95),
    ],
)
def test_urgency_confidence_grows_with_the_evidence_and_is_capped(
    text: str, confidence: float
) -> None:
    assert read_urgency(text).confidence == confidence


def test_normal_urgency_is_the_default_with_modest_confidence() -> None:
    assert read_urgency("Hello there") == Signal("normal", 0.6, source=KEYWORDS)


def test_a_broken_boiler_needs_someone_on_site() -> None:
    on_site = read_on_site("Our boiler is leaking, please send an engineer.")

    assert on_site == Signal(True, 0.86, ("boiler", "leaking", "engineer"), KEYWORDS)


def test_a_password_question_needs_no_one_on_site() -> None:
    assert read_on_site("How do I reset my password?") == Signal(False, 0.6, source=KEYWORDS)


def test_keywords_match_whole_words_only() -> None:
    assert read_urgency("We had some downtime after the breakdown.").value == "normal"
    assert read_on_site("Can someone come on-site?").evidence == ("on-site",)
    assert read_on_site("The meterological office called.").value is False


# --- intents and product lines, from the policy's keywords ---------------------------------------


def test_the_label_with_the_most_keyword_hits_wins_with_its_evidence() -> None:
    intent = read_label("We were charged twice on the invoice and want a refund.", INTENT_KEYWORDS)

    assert intent == Signal("billing_dispute", 0.95, ("charged", "invoice", "refund"), KEYWORDS)


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
def test_label_confidence_grows_with_the_margin_over_the_runner_up_and_is_capped(
    text: str, confidence: float
) -> None:
    intent = read_label(text, INTENT_KEYWORDS)

    assert (intent.value, intent.confidence) == ("outage", confidence)


def test_a_tie_between_labels_gives_no_confidence() -> None:
    assert read_label("The outage is on my invoice.", INTENT_KEYWORDS).confidence == 0.0


def test_no_keyword_means_no_label() -> None:
    assert read_label("Hello, is anyone there?", INTENT_KEYWORDS) == Signal(
        None, 0.0, source=KEYWORDS
    )


def test_labels_without_keywords_read_nothing() -> None:
    assert read_label("Outage!", {}) == Signal(None, 0.0, source=KEYWORDS)
    assert read_label("Outage!", {"outage": (), "question": ()}) == Signal(
        None, 0.0, source=KEYWORDS
    )


def test_the_product_line_comes_from_the_policys_keywords_too() -> None:
    product_line = read_label("The smart meter and the boiler both stopped.", PRODUCT_LINES)

    assert product_line == Signal("energy", 0.8, ("smart meter", "boiler"), KEYWORDS)


def test_keyword_matching_ignores_case_and_reports_evidence_in_lower_case() -> None:
    assert read_label("ROUTER and Wi-Fi", PRODUCT_LINES).evidence == ("router", "wi-fi")


# --- sentiment, with VADER ------------------------------------------------------------------------


def test_an_angry_message_is_surely_negative_with_a_negative_score() -> None:
    sentiment, score = read_sentiment(
        "This is unacceptable, I am furious. Third time the broadband is down!"
    )

    assert (sentiment.value, sentiment.source) == ("negative", VADER)
    assert sentiment.confidence > 0.85
    assert isinstance(score.value, float)
    assert -1 <= score.value < -0.5
    assert (score.confidence, score.source) == (sentiment.confidence, VADER)


def test_a_grateful_message_is_surely_positive_with_a_positive_score() -> None:
    sentiment, score = read_sentiment("Thanks, that was brilliant and it is working now.")

    assert sentiment.value == "positive"
    assert sentiment.confidence > 0.85
    assert isinstance(score.value, float)
    assert 0.5 < score.value <= 1


def test_a_message_without_feeling_words_is_neutral_and_too_unsure_to_trust() -> None:
    # sentiment.py: "a text with no sentiment words at 0.5 neutral (below any sensible threshold)"
    assert read_sentiment("The router is in the hallway next to the meter.") == (
        Signal("neutral", 0.5, source=VADER),
        Signal(0.0, 0.5, source=VADER),
    )


def test_more_complaint_words_make_a_surer_and_lower_reading() -> None:
    mild, mild_score = read_sentiment("I am disappointed.")
    strong, strong_score = read_sentiment("Disappointed, frustrated and fed up. Unacceptable.")

    assert (mild.value, strong.value) == ("negative", "negative")
    assert mild.confidence < strong.confidence
    assert isinstance(mild_score.value, float)
    assert isinstance(strong_score.value, float)
    assert strong_score.value < mild_score.value < 0


def test_a_negation_does_not_reach_over_the_end_of_a_sentence() -> None:
    # Read whole, VADER takes "can't" to negate "Unacceptable" and calls this positive.
    sentiment, _ = read_sentiment("We can't work. Unacceptable.")

    assert sentiment.value == "negative"


def test_sentences_without_feeling_do_not_water_down_those_with_it() -> None:
    plain_and_felt = read_sentiment("The router is in the hall.\nThanks, that was brilliant!")

    assert plain_and_felt == read_sentiment("Thanks, that was brilliant!")


@pytest.mark.parametrize(
    ("text", "sign"),
    [
        ("There is an outage at the office.", -1),
        ("I was overcharged.", -1),
        ("It is fixed.", 1),
    ],
)
def test_service_words_general_english_does_not_weigh_count(text: str, sign: int) -> None:
    _, score = read_sentiment(text)

    assert isinstance(score.value, float)
    assert score.value * sign > 0


# --- language, with langid ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "language"),
    [
        ("The router is not working and we have no internet for the office.", "en"),
        ("Le routeur ne marche pas et nous n'avons pas de connexion à la maison.", "fr"),
        ("Der Router ist kaputt und wir haben seit gestern kein Internet im Büro.", "de"),
    ],
)
def test_the_language_of_a_sentence_is_read_surely(text: str, language: str) -> None:
    detected = read_language(text)

    assert (detected.value, detected.source) == (language, LANGID)
    assert 0.9 < detected.confidence <= 1.0


@pytest.mark.parametrize("text", ["12:30 — 404!", "", "   ", "+44 113 496 0000"])
def test_a_text_without_letters_has_no_language(text: str) -> None:
    assert read_language(text) == Signal(None, 0.0, source=LANGID)


@pytest.mark.parametrize(
    ("signals", "eager", "loaded"),
    [(("language", "urgency"), True, 1), (("urgency",), True, 0), (("language",), False, 0)],
)
def test_a_serving_process_loads_the_language_identifier_if_the_policy_reads_language(
    signals: tuple[str, ...], eager: bool, loaded: int
) -> None:
    """Loading it takes a third of a second: at a server's start, not in the first case's
    transaction; a one-off command that reads no case does not pay it."""
    identifier.cache_clear()

    LocalTriageModel.for_policy(spec(*signals), eager=eager)

    assert identifier.cache_info().currsize == loaded


# --- the local model: trained models where there are some, built-in readers elsewhere -----------


def test_each_signal_names_its_reader_and_the_result_names_them_all() -> None:
    read = trained_model().classify("The internet has been down at the depot since lunch.", spec())

    assert {name: signal.source for name, signal in read.signals.items()} == {
        "sentiment": VADER,
        "sentiment_score": VADER,
        "intent": "intents@1",
        "urgency": KEYWORDS,
        "product_line": KEYWORDS,
        "on_site_required": KEYWORDS,
        "language": LANGID,
    }
    assert read.model == "+".join(sorted({"intents@1", KEYWORDS, LANGID, VADER}))
    assert read.model.startswith("intents@1+keywords@1+langid@")


def test_a_trained_model_reads_its_signal_with_its_calibrated_confidence() -> None:
    read = trained_model().classify("Refund the second payment you took, please.", spec("intent"))

    intent = read.signals["intent"]
    assert (intent.value, intent.evidence) == ("billing_dispute", ())
    assert intent.confidence > 0.9
    assert read.model == "intents@1"


def test_reading_many_texts_at_once_is_the_same_as_reading_each() -> None:
    model = trained_model()

    assert model.classify_many(UNSEEN, spec()) == [model.classify(t, spec()) for t in UNSEEN]


def test_reading_no_texts_gives_no_results() -> None:
    assert trained_model().classify_many([], spec()) == []


def test_only_the_signals_the_policy_asks_for_are_read() -> None:
    model = trained_model()

    assert set(model.classify("Outage at the office", spec("urgency", "language")).signals) == {
        "urgency",
        "language",
    }
    assert set(model.classify("Terrible service", spec("sentiment", "intent")).signals) == {
        "sentiment",
        "sentiment_score",
        "intent",
    }


def test_a_policy_without_intents_or_a_model_for_them_gets_no_intent() -> None:
    read = LocalTriageModel({}, None).classify("Broadband outage", spec("intent", intents={}))

    assert read.signals == {"intent": Signal(None, 0.0, source=KEYWORDS)}


def test_a_trained_on_site_model_gives_true_or_false_not_its_labels() -> None:
    on_site = (card("on-site", "on_site_required", ("false", "true")), on_site_model())
    model = LocalTriageModel({"on_site_required": on_site}, None)

    texts = ["The boiler is leaking under the sink.", "How do I change my password?"]
    readings = [r.signals["on_site_required"] for r in model.classify_many(texts, spec())]

    assert [(r.value, r.source) for r in readings] == [(True, "on-site@1"), (False, "on-site@1")]


def test_a_reply_is_read_for_whether_the_fix_worked_and_for_sentiment_and_urgency() -> None:
    read = reply_model().read_reply("Brilliant, the internet works again now. Thank you!", spec())

    assert set(read.signals) == {"sentiment", "sentiment_score", "urgency", "reply_intent"}
    reply_intent = read.signals["reply_intent"]
    assert (reply_intent.value, reply_intent.source) == ("confirmed_fixed", "replies@1")
    assert reply_intent.confidence >= 0.6
    assert read.signals["sentiment"].value == "positive"


def test_a_reply_saying_it_is_still_broken_is_read_so() -> None:
    read = reply_model().read_reply(
        "It's still broken and I'm furious, we need it fixed today.", spec()
    )

    assert read.signals["reply_intent"].value == "still_broken"
    assert (read.signals["sentiment"].value, read.signals["urgency"].value) == ("negative", "high")


def test_reading_a_reply_without_a_reply_model_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        trained_model().read_reply("It works now, thanks.", spec())

    assert str(refused.value) == "this triage model was built without a reply model"


def test_a_signal_nothing_built_in_reads_needs_a_trained_model() -> None:
    with pytest.raises(InvalidInput) as refused:
        LocalTriageModel({}, None).classify("It works now.", spec("reply_intent"))

    assert str(refused.value) == "nothing built in reads reply_intent; train a model for it"
