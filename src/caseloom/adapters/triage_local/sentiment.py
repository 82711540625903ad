"""Sentiment with no training data: VADER's lexicon and rules, plus a few service words.

VADER gives a compound score in -1..1. Its confidence here is a softmax over the three classes
that puts a text with no sentiment words at 0.5 neutral (below any sensible threshold: no
sentiment words is not evidence of calm) and needs clear wording to pass a threshold, so a weak
reading stays unknown rather than being guessed.
`caseloom triage eval` reports how well calibrated this is on labelled data; a team with its
own labelled cases can train a sentiment model instead (`caseloom triage train`).
"""

from __future__ import annotations

import re
from functools import cache
from importlib.metadata import version

import numpy as np
from scipy.special import softmax
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from caseloom.domain.triage import SENTIMENTS, Signal

SOURCE = f"vader@{version('vaderSentiment')}"
_NEUTRAL_LOGIT = float(np.log(2.0))  # with no sentiment words: 0.5 neutral, 0.25 either side
_SCALE = 4.0  # a compound of ±0.5 reads as 0.7 for its side
# Words of service complaints that VADER's general-purpose lexicon does not weigh, and the
# courtesy that it does but should not ("please send an engineer" is not a happy customer).
SERVICE_WORDS = {
    "please": 0.0,
    "outage": -1.5,
    "disconnected": -1.2,
    "overcharged": -1.8,
    "leaking": -1.3,
    "unresolved": -1.5,
    "fixed": 1.2,
    "sorted": 1.0,
}


_SENTENCES = re.compile(r"(?<=[.!?])\s+|\n+")


def _score(text: str) -> float:
    """The mean compound score of the sentences that carry any sentiment.

    VADER scores sentences (as its authors advise): across a whole message its negation rule
    reaches over sentence ends, so "can't work. Unacceptable." would read as positive.
    """
    analyser = _analyser()
    scores = [analyser.polarity_scores(s)["compound"] for s in _SENTENCES.split(text) if s.strip()]
    felt = [float(score) for score in scores if score]
    return sum(felt) / len(felt) if felt else 0.0


@cache
def _analyser() -> SentimentIntensityAnalyzer:
    analyser = SentimentIntensityAnalyzer()
    analyser.lexicon.update(SERVICE_WORDS)
    return analyser


def read_sentiment(text: str) -> tuple[Signal, Signal]:
    """The sentiment label and its score (-1 very negative .. 1 very positive)."""
    compound = _score(text)
    logits = np.array([-_SCALE * compound, _NEUTRAL_LOGIT, _SCALE * compound])
    probabilities = softmax(logits)
    best = int(np.argmax(probabilities))
    confidence = round(float(probabilities[best]), 4)
    return (
        Signal(SENTIMENTS[best], confidence, source=SOURCE),
        Signal(round(compound, 4), confidence, source=SOURCE),
    )
