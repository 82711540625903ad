"""The default triage model, on this machine: trained models where the policy names one, built-in
readers elsewhere (VADER for sentiment, langid for language, keyword rules for the rest)."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib import resources
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from caseloom.adapters.triage_local import keywords
from caseloom.adapters.triage_local.features import featurise
from caseloom.adapters.triage_local.language import identifier, read_language
from caseloom.adapters.triage_local.linear import LinearModel
from caseloom.adapters.triage_local.sentiment import read_sentiment
from caseloom.adapters.triage_local.store import ModelCard, ModelStore
from caseloom.domain.errors import InvalidInput
from caseloom.domain.policy import TriageSpec
from caseloom.domain.triage import TRUE_LABELS, Signal, SignalValue, TriageResult

BUILTIN = Path(str(resources.files("caseloom") / "adapters" / "triage_local" / "builtin"))
REPLY_MODEL = "replies"
REPLY_SIGNALS = ("sentiment", "urgency")  # read from a reply besides whether the fix worked
Trained = tuple[ModelCard, LinearModel]
CHUNK = 512  # texts featurised at once: small enough to stay in the CPU's caches


class LocalTriageModel:
    def __init__(self, trained: Mapping[str, Trained], replies: Trained | None) -> None:
        self.trained = dict(trained)  # signal -> its model
        self.replies = replies

    @classmethod
    def for_policy(cls, spec: TriageSpec, *, eager: bool = False) -> LocalTriageModel:
        """Load the models the policy names and the built-in reply model; if `eager` (a process
        that serves), the language identifier too when the policy reads language with it, so
        that the first case does not wait for it inside its transaction."""
        store = ModelStore(Path(spec.models_dir))
        trained = {signal: store.load(ref) for signal, ref in spec.models.items()}
        if eager and "language" in spec.signals and "language" not in trained:
            identifier()
        return cls(trained, ModelStore(BUILTIN).load(REPLY_MODEL))

    def classify(self, text: str, spec: TriageSpec) -> TriageResult:
        return self.classify_many([text], spec)[0]

    def classify_many(self, texts: Sequence[str], spec: TriageSpec) -> list[TriageResult]:
        results: list[TriageResult] = []
        for start in range(0, len(texts), CHUNK):
            results += self._read(texts[start : start + CHUNK], spec.signals, spec, self.trained)
        return results

    def read_reply(self, text: str, spec: TriageSpec) -> TriageResult:
        if self.replies is None:
            raise InvalidInput("this triage model was built without a reply model")
        models = {**self.trained, "reply_intent": self.replies}
        return self._read([text], (*REPLY_SIGNALS, "reply_intent"), spec, models)[0]

    def _read(
        self,
        texts: Sequence[str],
        signals: Sequence[str],
        spec: TriageSpec,
        models: Mapping[str, Trained],
    ) -> list[TriageResult]:
        if not texts:
            return []
        columns: dict[str, list[Signal]] = {}
        features = featurise(texts) if any(s in models for s in signals) else None
        for signal in signals:
            if signal in models and features is not None:
                columns[signal] = _trained_signals(signal, *models[signal], features)
            elif signal == "sentiment":
                readings = [read_sentiment(text) for text in texts]
                columns["sentiment"] = [label for label, _ in readings]
                columns["sentiment_score"] = [score for _, score in readings]
            else:
                read = _builtin(signal, spec)
                columns[signal] = [read(text) for text in texts]
        sources = "+".join(sorted({s.source for column in columns.values() for s in column}))
        return [
            TriageResult(sources, {name: column[i] for name, column in columns.items()})
            for i in range(len(texts))
        ]


def _trained_signals(
    signal: str, card: ModelCard, model: LinearModel, features: sp.csr_matrix
) -> list[Signal]:
    probabilities = model.probabilities(features)
    best = np.argmax(probabilities, axis=1)
    return [
        Signal(_value(signal, model.labels[b]), round(float(p[b]), 4), source=card.ref)
        for b, p in zip(best, probabilities, strict=True)
    ]


def _value(signal: str, label: str) -> SignalValue:
    if signal == "on_site_required":
        return label.strip().lower() in TRUE_LABELS
    return label


def _builtin(signal: str, spec: TriageSpec) -> Callable[[str], Signal]:
    readers: dict[str, Callable[[str], Signal]] = {
        "intent": lambda text: keywords.read_label(text, spec.intents),
        "product_line": lambda text: keywords.read_label(text, spec.product_lines),
        "urgency": keywords.read_urgency,
        "on_site_required": keywords.read_on_site,
        "language": read_language,
    }
    if signal not in readers:
        raise InvalidInput(f"nothing built in reads {signal}; train a model for it")
    return readers[signal]
