"""Keyword and phrase rules: the reader of a signal no trained model reads.

Urgency and on-site need come from built-in word lists; intents and product lines from the
keywords the policy declares for them. Confidence grows with the evidence found and is
deliberately modest: these are rules, not a calibrated model, so a team that wants more trains
one (`caseloom triage train`), and `min_confidence` in the policy decides what is trusted.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from functools import lru_cache

from caseloom.domain.triage import Signal

SOURCE = "keywords@1"

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


@lru_cache(maxsize=256)
def _pattern(words: tuple[str, ...]) -> re.Pattern[str]:
    alternatives = "|".join(re.escape(w) for w in sorted(words, key=len, reverse=True))
    return re.compile(rf"(?<![\w-])(?:{alternatives})(?![\w-])", re.IGNORECASE)


def _hits(text: str, words: Iterable[str]) -> list[str]:
    words = tuple(words)
    return [m.group().lower() for m in _pattern(words).finditer(text)] if words else []


def _confidence(evidence: int, base: float = 0.55, step: float = 0.12) -> float:
    return round(min(0.95, base + step * evidence), 4) if evidence else 0.0


def read_label(text: str, labels: Mapping[str, tuple[str, ...]]) -> Signal:
    scored = {label: _hits(text, words) for label, words in labels.items()}
    ranked = sorted(scored.items(), key=lambda item: len(item[1]), reverse=True)
    if not ranked or not ranked[0][1]:
        return Signal(None, 0.0, source=SOURCE)
    (label, evidence), runner_up = ranked[0], (ranked[1][1] if len(ranked) > 1 else [])
    margin = len(evidence) - len(runner_up)
    return Signal(label, _confidence(margin, base=0.5, step=0.15), tuple(evidence), SOURCE)


def read_urgency(text: str) -> Signal:
    for level in ("critical", "high", "low"):
        evidence = _hits(text, URGENCY[level])
        if evidence:
            return Signal(level, _confidence(len(evidence)), tuple(evidence), SOURCE)
    return Signal("normal", 0.6, source=SOURCE)


def read_on_site(text: str) -> Signal:
    evidence = _hits(text, ON_SITE)
    if evidence:
        return Signal(True, _confidence(len(evidence), base=0.5), tuple(evidence), SOURCE)
    return Signal(False, 0.6, source=SOURCE)
