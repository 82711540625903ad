"""A trained signal model: scikit-learn fits and calibrates it; reading it is one sparse product.

Training is a linear SVM over tf-idf weighted features, with temperature scaling fitted on
cross-validated scores so that confidences are calibrated probabilities. What is kept is the
fitted arithmetic (idf, weights, intercepts, inverse temperature) as plain arrays: loading a model
runs no pickled code, does not depend on the scikit-learn version, and reading one text through
several models costs well under a millisecond (scikit-learn's own per-call checks cost more than
the arithmetic). Tests check the result equals scikit-learn's `predict_proba`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from scipy.special import softmax
from sklearn.calibration import CalibratedClassifierCV
from sklearn.feature_extraction.text import TfidfTransformer
from sklearn.model_selection import StratifiedKFold
from sklearn.svm import LinearSVC

from caseloom.adapters.triage_local.features import WIDTH, featurise
from caseloom.domain.errors import InvalidInput

FOLDS = 3  # cross-validation folds for the calibration: each label needs at least this many
MIN_DOCUMENTS = 2  # an n-gram seen in fewer training texts is ignored: it would only be noise


@dataclass(frozen=True, eq=False)
class LinearModel:
    labels: tuple[str, ...]
    idf: np.ndarray  # (WIDTH,) tf-idf weight per feature, 0 for features the model ignores
    weights: sp.csr_matrix  # (labels, WIDTH), or (1, WIDTH) for two labels
    intercept: np.ndarray
    beta: float  # inverse temperature: how far to trust the raw scores

    def probabilities(self, features: sp.csr_matrix) -> np.ndarray:
        """Calibrated probability of each label (columns in `labels` order), one row per text.

        The same as normalising the tf-idf rows and then scoring them, with the idf folded
        into the weights once so that a text costs two small sparse products.
        """
        norms = np.sqrt(features.power(2) @ self._squared_idf)
        norms[norms == 0] = 1.0
        raw = np.asarray((features @ self._scaled_weights).todense())
        scores = raw / norms[:, None] + self.intercept
        if scores.shape[1] == 1:  # two labels: one score, for the second
            scores = np.hstack([-scores, scores])
        return np.asarray(softmax(self.beta * scores, axis=1))

    @cached_property
    def _scaled_weights(self) -> sp.csr_matrix:
        return sp.csr_matrix(self.weights @ sp.diags(self.idf, format="csr")).T.tocsr()

    @cached_property
    def _squared_idf(self) -> np.ndarray:
        return self.idf**2


def fit(texts: Sequence[str], labels: Sequence[str], *, c: float = 0.5) -> LinearModel:
    """Train and calibrate a model on labelled texts; every label needs `FOLDS` examples."""
    _check_training_set(texts, labels)
    counts = featurise(texts)
    seen = np.bincount(counts.indices, minlength=WIDTH) >= MIN_DOCUMENTS
    counts = counts @ sp.diags(seen.astype(np.float64), format="csr")
    tfidf = TfidfTransformer().fit(counts)
    folds = StratifiedKFold(FOLDS, shuffle=True, random_state=0)
    calibrated = CalibratedClassifierCV(
        LinearSVC(C=c, random_state=0), method="temperature", cv=folds, ensemble=False
    ).fit(tfidf.transform(counts), list(labels))
    fitted = calibrated.calibrated_classifiers_[0]
    svm = fitted.estimator
    return LinearModel(
        labels=tuple(str(label) for label in calibrated.classes_),
        idf=tfidf.idf_ * seen,
        weights=sp.csr_matrix(svm.coef_),
        intercept=np.asarray(svm.intercept_),
        beta=float(fitted.calibrators[0].beta_),
    )


def _check_training_set(texts: Sequence[str], labels: Sequence[str]) -> None:
    if len(texts) != len(labels):
        raise InvalidInput(f"{len(texts)} texts but {len(labels)} labels")
    counts = Counter(labels)
    if len(counts) < 2:
        raise InvalidInput(f"a model needs at least two labels; the data has {len(counts)}")
    scarce = sorted(label for label, n in counts.items() if n < FOLDS)
    if scarce:
        raise InvalidInput(
            f"each label needs at least {FOLDS} examples; too few for: {', '.join(scarce)}"
        )
