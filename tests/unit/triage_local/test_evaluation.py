"""The figures `caseloom triage eval` prints: accuracy, macro-F1, calibration and coverage."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

import numpy as np
import pytest

from caseloom.adapters.triage_local.evaluation import (
    ClassFigures,
    Evaluation,
    calibration_error,
    evaluate,
)
from caseloom.adapters.triage_local.model import LocalTriageModel
from caseloom.domain.policy import TriageSpec
from caseloom.domain.triage import Signal, SignalValue, TriageResult
from tests.unit.triage_local.texts import CARD, INTENTS, LABELS, TEXTS, intent_model

SPEC = TriageSpec("local", 0.6, ("intent",), {}, {}, ())


class ReadingsByText:
    """A triage model that reads each text as it is told to."""

    def __init__(self, signal: str, readings: Mapping[str, tuple[SignalValue, float]]) -> None:
        self.signal, self.readings = signal, readings

    def classify(self, text: str, spec: TriageSpec) -> TriageResult:
        value, confidence = self.readings[text]
        return TriageResult("fake@1", {self.signal: Signal(value, confidence, source="fake@1")})

    def classify_many(self, texts: Sequence[str], spec: TriageSpec) -> list[TriageResult]:
        return [self.classify(text, spec) for text in texts]

    def read_reply(self, text: str, spec: TriageSpec) -> TriageResult:
        return self.classify(text, spec)


def evaluated(
    readings: Mapping[str, tuple[SignalValue, float]],
    labels: Sequence[str],
    signal: str = "intent",
) -> Evaluation:
    """The figures for a model reading each text as `readings` say, at the threshold 0.6."""
    model = ReadingsByText(signal, readings)
    return evaluate(model, SPEC, signal=signal, texts=list(readings), labels=labels, threshold=0.6)


# --- expected calibration error ------------------------------------------------------------------


def test_confidence_matching_accuracy_bin_by_bin_is_perfect_calibration() -> None:
    confidence = np.array([1.0, 1.0, 0.5, 0.5])
    correct = np.array([True, True, True, False])

    assert calibration_error(confidence, correct, bins=2) == 0.0


def test_calibration_error_is_the_gap_in_each_bin_weighted_by_its_share_of_texts() -> None:
    # 15 bins: 0.9 and 0.92 share bin 13, 0.3 is in bin 4, 0.7 in bin 10.
    confidence = np.array([0.9, 0.92, 0.3, 0.7])
    correct = np.array([True, False, False, True])

    error = calibration_error(confidence, correct)

    # bin 13: accuracy 0.5, confidence 0.91; bin 4: 0.0 vs 0.3; bin 10: 1.0 vs 0.7
    assert error == pytest.approx(0.5 * 0.41 + 0.25 * 0.3 + 0.25 * 0.3, abs=1e-12)


def test_a_confidence_on_a_bin_edge_belongs_to_the_lower_bin() -> None:
    confidence = np.array([0.5, 0.75])
    correct = np.array([True, False])

    # with 2 bins, 0.5 falls in (0, 0.5] with 0.75 in (0.5, 1]: gaps 0.5 and 0.75
    assert calibration_error(confidence, correct, bins=2) == pytest.approx(0.625, abs=1e-12)


def test_over_confident_wrong_readings_give_a_large_error() -> None:
    confidence = np.array([0.99, 0.99, 0.99, 0.99])
    correct = np.array([False, False, False, True])

    assert calibration_error(confidence, correct) == pytest.approx(0.74, abs=1e-12)


# --- evaluating a reader on labelled texts -------------------------------------------------------

READINGS = {
    "t1": ("a", 0.9),
    "t2": ("a", 0.82),
    "t3": ("b", 0.42),
    "t4": ("b", 0.7),
    "t5": ("a", 0.5),
    "t6": ("c", 0.95),
}
TRUTH = ["a", "a", "a", "b", "b", "c"]


def test_evaluation_gives_exact_accuracy_macro_f1_and_coverage() -> None:
    figures = evaluated(READINGS, TRUTH)

    assert (figures.signal, figures.model, figures.rows, figures.threshold) == (
        "intent",
        "fake@1",
        6,
        0.6,
    )
    assert figures.accuracy == pytest.approx(4 / 6)
    assert figures.macro_f1 == pytest.approx((2 / 3 + 1 / 2 + 1) / 3)
    assert figures.coverage == pytest.approx(4 / 6)  # t1, t2, t4 and t6 reach 0.6
    assert figures.accuracy_at_threshold == 1.0  # and all four are right
    # each reading is alone in its bin: the error is the mean gap between confidence and truth
    assert figures.calibration_error == pytest.approx((0.1 + 0.18 + 0.42 + 0.3 + 0.5 + 0.05) / 6)
    assert figures.texts_per_second > 0


def test_evaluation_gives_precision_and_recall_for_each_label() -> None:
    figures = evaluated(READINGS, TRUTH)

    assert [(c.label, c.support) for c in figures.classes] == [("a", 3), ("b", 2), ("c", 1)]
    assert [c.precision for c in figures.classes] == pytest.approx([2 / 3, 1 / 2, 1.0])
    assert [c.recall for c in figures.classes] == pytest.approx([2 / 3, 1 / 2, 1.0])
    assert all(isinstance(c, ClassFigures) for c in figures.classes)


def test_labels_are_compared_without_case_or_surrounding_spaces() -> None:
    readings = {"t1": ("Outage", 0.9), "t2": ("question", 0.9)}

    figures = evaluated(readings, [" outage", "QUESTION "])

    assert figures.accuracy == 1.0
    assert [c.label for c in figures.classes] == ["outage", "question"]


def test_a_text_the_reader_leaves_unknown_counts_as_wrong() -> None:
    figures = evaluated({"t1": (None, 0.0), "t2": ("outage", 0.9)}, ["outage", "outage"])

    assert (figures.accuracy, figures.coverage, figures.accuracy_at_threshold) == (0.5, 0.5, 1.0)
    assert figures.classes == (ClassFigures("outage", 1.0, 0.5, 2),)


def test_a_true_or_false_reading_is_compared_with_its_label_as_text() -> None:
    readings = {"t1": (True, 0.8), "t2": (False, 0.8)}

    figures = evaluated(readings, ["true", "False"], signal="on_site_required")

    assert figures.accuracy == 1.0


def test_when_nothing_reaches_the_threshold_coverage_and_its_accuracy_are_zero() -> None:
    figures = evaluated({"t1": ("outage", 0.3)}, ["outage"])

    assert (figures.coverage, figures.accuracy_at_threshold, figures.accuracy) == (0.0, 0.0, 1.0)


def test_a_trained_model_evaluated_on_its_own_training_texts_names_itself() -> None:
    model = LocalTriageModel({"intent": (replace(CARD, version=1), intent_model())}, None)

    figures = evaluate(model, SPEC, signal="intent", texts=TEXTS, labels=LABELS, threshold=0.6)

    assert (figures.model, figures.rows) == ("intents@1", 60)
    assert [(c.label, c.support) for c in figures.classes] == [(label, 20) for label in INTENTS]
    assert figures.accuracy == 1.0  # a linear model separates the texts it was fitted on
    assert 0 <= figures.calibration_error < 0.1
