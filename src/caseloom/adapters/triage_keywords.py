"""The skeleton's triage model: keyword and phrase rules, no network, no training.

Sentiment, urgency, on-site need and language come from built-in word lists; intents and product
lines from the keywords the policy declares for them. Confidence grows with the evidence found
and is deliberately modest: these are rules, not a calibrated model (that arrives with the
trained local models), and `min_confidence` in the policy decides what is trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from caseloom.domain.policy import TriageSpec
from caseloom.domain.triage import Signal, TriageResult

NAME = "keywords@1"

NEGATIVE = (
    "angry",
    "furious",
    "unacceptable",
    "terrible",
    "awful",
    "disappointed",
    "disappointing",
    "frustrated",
    "frustrating",
    "worst",
    "ridiculous",
    "useless",
    "complaint",
    "cancel",
    "third time",
    "still not",
    "still broken",
    "poor",
    "horrible",
    "fed up",
    "disgusted",
    "appalling",
    "waste of",
    "no one",
    "nobody",
    "again",
    "lost business",
    "refund",
)
POSITIVE = (
    "thanks",
    "thank you",
    "great",
    "appreciate",
    "excellent",
    "happy",
    "love",
    "wonderful",
    "pleased",
    "perfect",
    "brilliant",
    "helpful",
    "fixed",
    "resolved",
    "working now",
)
URGENCY = {
    "critical": (
        "emergency",
        "outage",
        "down",
        "safety",
        "fire",
        "smoke",
        "gas leak",
        "flooding",
        "cannot work",
        "can't work",
        "whole office",
        "all users",
        "production",
    ),
    "high": (
        "urgent",
        "asap",
        "immediately",
        "as soon as possible",
        "today",
        "right now",
        "not working",
        "stopped working",
        "deadline",
    ),
    "low": (
        "no rush",
        "whenever",
        "when you get a chance",
        "not urgent",
        "low priority",
        "just wondering",
        "question about",
    ),
}
ON_SITE = (
    "engineer",
    "technician",
    "visit",
    "on site",
    "on-site",
    "onsite",
    "install",
    "installation",
    "replace",
    "replacement",
    "physically",
    "damaged",
    "broken",
    "leaking",
    "leak",
    "wiring",
    "cabling",
    "socket",
    "meter",
    "boiler",
    "hardware fault",
)
STOPWORDS = {
    "en": ("the", "and", "is", "not", "my", "we", "our", "have", "with", "this", "it", "for"),
    "fr": ("le", "la", "les", "et", "est", "pas", "nous", "notre", "avec", "pour", "une", "je"),
    "de": ("der", "die", "das", "und", "ist", "nicht", "wir", "unser", "mit", "für", "ein", "ich"),
    "es": ("el", "la", "los", "y", "es", "no", "nuestro", "con", "para", "una", "por", "que"),
    "nl": ("de", "het", "en", "is", "niet", "wij", "onze", "met", "voor", "een", "ik", "van"),
}


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _hits(text: str, words: Iterable[str]) -> list[str]:
    words = tuple(words)
    return [m.group().lower() for m in _pattern(words).finditer(text)] if words else []


def _confidence(evidence: int, base: float = 0.55, step: float = 0.12) -> float:
    return round(min(0.95, base + step * evidence), 4) if evidence else 0.0


def _best_label(text: str, labels: Mapping[str, tuple[str, ...]]) -> Signal:
    scored = {label: _hits(text, words) for label, words in labels.items()}
    ranked = sorted(scored.items(), key=lambda item: len(item[1]), reverse=True)
    if not ranked or not ranked[0][1]:
        return Signal(None, 0.0)
    (label, evidence), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else [])
    margin = len(evidence) - len(runner_up)
    return Signal(label, _confidence(margin, base=0.5, step=0.15), tuple(evidence))


class KeywordTriageModel:
    name = NAME

    def classify(self, text: str, spec: TriageSpec) -> TriageResult:
        signals = {
            "sentiment": _sentiment(text),
            "intent": _best_label(text, spec.intents),
            "urgency": _urgency(text),
            "product_line": _best_label(text, spec.product_lines),
            "on_site_required": _on_site(text),
            "language": _language(text),
        }
        sentiment = signals["sentiment"]
        score = _sentiment_score(text)
        signals["sentiment_score"] = Signal(score, sentiment.confidence, sentiment.evidence)
        wanted = set(spec.signals) | ({"sentiment_score"} if "sentiment" in spec.signals else set())
        return TriageResult(NAME, {k: v for k, v in signals.items() if k in wanted})


def _sentiment_score(text: str) -> float:
    negative, positive = len(_hits(text, NEGATIVE)), len(_hits(text, POSITIVE))
    return round((positive - negative) / (positive + negative + 1), 4)


def _sentiment(text: str) -> Signal:
    negative, positive = _hits(text, NEGATIVE), _hits(text, POSITIVE)
    score = _sentiment_score(text)
    if score <= -0.25:
        return Signal("negative", _confidence(len(negative) - len(positive)), tuple(negative))
    if score >= 0.25:
        return Signal("positive", _confidence(len(positive) - len(negative)), tuple(positive))
    return Signal("neutral", 0.6 if not (negative or positive) else 0.5, tuple(negative + positive))


def _urgency(text: str) -> Signal:
    for level in ("critical", "high", "low"):
        evidence = _hits(text, URGENCY[level])
        if evidence:
            return Signal(level, _confidence(len(evidence)), tuple(evidence))
    return Signal("normal", 0.6)


def _on_site(text: str) -> Signal:
    evidence = _hits(text, ON_SITE)
    if evidence:
        return Signal(True, _confidence(len(evidence), base=0.5), tuple(evidence))
    return Signal(False, 0.6)


def _language(text: str) -> Signal:
    counts = {lang: len(_hits(text, words)) for lang, words in STOPWORDS.items()}
    best = max(counts, key=lambda lang: counts[lang])
    total = sum(counts.values())
    if not total:
        return Signal(None, 0.0)
    return Signal(best, round(counts[best] / total, 4))
