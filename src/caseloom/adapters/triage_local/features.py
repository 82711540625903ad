"""What the trained models read: hashed word 1-2-grams and character 3-5-grams of the text.

Hashing needs no vocabulary, so every model shares one featurisation of a text however many
signals read it, and a model file holds only weights. The layout is part of each model's card
(`FEATURES`); a change here is a new layout, and models trained on the old one are refused.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import cache

import numpy as np
import scipy.sparse as sp
from sklearn.feature_extraction.text import HashingVectorizer

FEATURES = "words1-2+chars3-5:2x2^18:sublinear@1"
_BITS = 18
WIDTH = 2 * 2**_BITS


@cache
def _vectorizers() -> tuple[HashingVectorizer, HashingVectorizer]:
    words = HashingVectorizer(
        ngram_range=(1, 2), alternate_sign=False, norm=None, n_features=2**_BITS
    )
    chars = HashingVectorizer(
        analyzer="char_wb", ngram_range=(3, 5), alternate_sign=False, norm=None, n_features=2**_BITS
    )
    return words, chars


def featurise(texts: Sequence[str]) -> sp.csr_matrix:
    """Term counts of every n-gram, damped as 1 + log(count): one row per text."""
    words, chars = _vectorizers()
    counts = sp.hstack([words.transform(texts), chars.transform(texts)], format="csr")
    counts.data = 1.0 + np.log(counts.data)
    return counts
