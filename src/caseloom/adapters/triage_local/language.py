"""Language identification with py3langid's bundled model (97 languages, no network)."""

from __future__ import annotations

from functools import cache
from importlib.metadata import version

from py3langid.langid import MODEL_FILE, LanguageIdentifier

from caseloom.domain.triage import Signal

SOURCE = f"langid@{version('py3langid')}"


@cache
def identifier() -> LanguageIdentifier:
    """The identifier, loaded once per process (a third of a second: its model is compressed)."""
    return LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)


def read_language(text: str) -> Signal:
    """The ISO 639-1 code with its probability; text with no letters is unknown."""
    if not any(character.isalpha() for character in text):
        return Signal(None, 0.0, source=SOURCE)
    code, probability = identifier().classify(text)
    return Signal(str(code), round(float(probability), 4), source=SOURCE)
