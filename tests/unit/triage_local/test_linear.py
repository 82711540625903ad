"""A trained signal model reads texts exactly as scikit-learn's fitted pipeline would."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pytest
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from caseloom.adapters.triage_local import linear
from caseloom.adapters.triage_local.features import featurise
from caseloom.domain.errors import InvalidInput
from tests.unit.triage_local.texts import (
    INTENTS,
    LABELS,
    TEXTS,
    UNSEEN,
    intent_model,
    outage_or_billing_model,
)

READ = (*UNSEEN, "", TEXTS[0], TEXTS[-1])  # unseen texts, one with no features, two seen ones


def sklearn_pipeline(
    texts: Sequence[str], labels: Sequence[str]
) -> tuple[np.ndarray, Callable[[Sequence[str]], np.ndarray]]:
    """scikit-learn's own pipeline, as documented: (classes, predict_proba of new texts)."""
    counts = featurise(texts)
    in_two_texts = np.flatnonzero(np.asarray((counts > 0).sum(axis=0)).ravel() >= 2)
    tfidf = TfidfTransformer().fit(counts[:, in_two_texts])
    calibrated = CalibratedClassifierCV(
        LinearSVC(C=0.5, random_state=0),
        method="temperature",
        cv=StratifiedKFold(3, shuffle=True, random_state=0),
        ensemble=False,
    ).fit(tfidf.transform(counts[:, in_two_texts]), list(labels))

    def predict_proba(new: Sequence[str]) -> np.ndarray:
        features = tfidf.transform(featurise(new)[:, in_two_texts])
        return np.asarray(calibrated.predict_proba(features))

    return calibrated.classes_, predict_proba


def test_a_model_reads_texts_exactly_as_scikit_learns_pipeline() -> None:
    classes, predict_proba = sklearn_pipeline(TEXTS, LABELS)

    probabilities = intent_model().probabilities(featurise(READ))

    assert intent_model().labels == tuple(classes) == INTENTS
    assert np.allclose(probabilities, predict_proba(READ), rtol=0, atol=1e-9)


def test_a_two_label_model_reads_texts_exactly_as_scikit_learns_pipeline() -> None:
    kept = [(t, lab) for t, lab in zip(TEXTS, LABELS, strict=True) if lab != "question"]
    classes, predict_proba = sklearn_pipeline([t for t, _ in kept], [lab for _, lab in kept])
    model = outage_or_billing_model()

    probabilities = model.probabilities(featurise(READ))

    assert model.labels == tuple(classes) == ("billing_dispute", "outage")
    assert model.weights.shape[0] == 1  # one score, for the second label
    assert probabilities.shape == (len(READ), 2)
    assert np.allclose(probabilities, predict_proba(READ), rtol=0, atol=1e-9)


@pytest.mark.parametrize("model", [intent_model, outage_or_billing_model])
def test_each_text_gets_probabilities_that_sum_to_one(
    model: Callable[[], linear.LinearModel],
) -> None:
    probabilities = model().probabilities(featurise(READ))

    assert np.allclose(probabilities.sum(axis=1), 1.0, rtol=0, atol=1e-12)
    assert ((probabilities >= 0) & (probabilities <= 1)).all()


def test_a_model_reads_unseen_texts_sensibly_and_is_unsure_of_a_greeting() -> None:
    probabilities = intent_model().probabilities(featurise(UNSEEN))
    best = [INTENTS[i] for i in probabilities.argmax(axis=1)]

    assert best[:3] == ["outage", "billing_dispute", "question"]
    assert probabilities[3].max() < 0.9  # "Hello, anyone there?" is like none of them


def test_a_label_with_fewer_than_three_examples_is_refused_naming_it() -> None:
    texts = [*TEXTS, "The boiler is leaking.", "The meter is faulty."]
    labels = [*LABELS, "fault", "fault"]

    with pytest.raises(InvalidInput) as refused:
        linear.fit(texts, labels)

    assert str(refused.value) == "each label needs at least 3 examples; too few for: fault"


def test_data_with_one_label_only_is_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        linear.fit(TEXTS[:20], LABELS[:20])

    assert str(refused.value) == "a model needs at least two labels; the data has 1"


def test_texts_and_labels_of_different_lengths_are_refused() -> None:
    with pytest.raises(InvalidInput) as refused:
        linear.fit(TEXTS[:3], LABELS[:2])

    assert str(refused.value) == "3 texts but 2 labels"
