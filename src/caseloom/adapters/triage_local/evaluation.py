"""How good a signal reader is on labelled data: the figures `caseloom triage eval` prints."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from sklearn.metrics import accuracy_score, f1_score, precision_recall_fscore_support

from caseloom.domain.policy import TriageSpec
from caseloom.domain.triage import SignalValue
from caseloom.service_layer.ports import TriageModel

BINS = 15  # equal-width confidence bins for the expected calibration error


@dataclass(frozen=True, slots=True)
class ClassFigures:
    label: str
    precision: float
    recall: float
    support: int


@dataclass(frozen=True, slots=True)
class Evaluation:
    signal: str
    model: str
    rows: int
    accuracy: float
    macro_f1: float
    calibration_error: float  # expected calibration error (ECE), 0 is perfectly calibrated
    threshold: float
    coverage: float  # share of texts read with at least `threshold` confidence
    accuracy_at_threshold: float  # accuracy on those texts
    texts_per_second: float
    classes: tuple[ClassFigures, ...]


def evaluate(
    model: TriageModel,
    spec: TriageSpec,
    *,
    signal: str,
    texts: Sequence[str],
    labels: Sequence[str],
    threshold: float,
) -> Evaluation:
    """Read every text in one batch and compare the `signal` read with its label."""
    started = time.perf_counter()
    results = model.classify_many(texts, spec)
    elapsed = time.perf_counter() - started
    readings = [result.signals[signal] for result in results]
    predicted = np.array([_label(r.value) for r in readings])
    confidence = np.array([r.confidence for r in readings])
    truth = np.array([label.strip().lower() for label in labels])
    correct = predicted == truth
    sure = confidence >= threshold
    classes = sorted(set(truth))
    precision, recall, _, support = precision_recall_fscore_support(
        truth, predicted, labels=classes, zero_division=0
    )
    return Evaluation(
        signal=signal,
        model=results[0].signals[signal].source if results else "",
        rows=len(texts),
        accuracy=float(accuracy_score(truth, predicted)),
        macro_f1=float(f1_score(truth, predicted, labels=classes, average="macro")),
        calibration_error=calibration_error(confidence, correct),
        threshold=threshold,
        coverage=float(sure.mean()),
        accuracy_at_threshold=float(correct[sure].mean()) if sure.any() else 0.0,
        texts_per_second=len(texts) / elapsed if elapsed else float("inf"),
        classes=tuple(
            ClassFigures(c, float(p), float(r), int(s))
            for c, p, r, s in zip(classes, precision, recall, support, strict=True)
        ),
    )


def calibration_error(confidence: np.ndarray, correct: np.ndarray, bins: int = BINS) -> float:
    """Expected calibration error: the gap between confidence and accuracy, bin by bin."""
    edges = np.linspace(0.0, 1.0, bins + 1)
    which = np.clip(np.digitize(confidence, edges[1:-1], right=True), 0, bins - 1)
    error = 0.0
    for b in range(bins):
        in_bin = which == b
        if in_bin.any():
            gap = abs(correct[in_bin].mean() - confidence[in_bin].mean())
            error += in_bin.mean() * gap
    return float(error)


def _label(value: SignalValue) -> str:
    return "" if value is None else str(value).strip().lower()
