"""Trained models on disk, versioned: `<dir>/<name>/<version>/{card.json, weights.npz}`.

A policy selects a model by `name@version` (or `name` for the newest). Training never
overwrites: each run adds the next version. The card says what the model reads and was
trained on; the weights are plain arrays, loaded without pickle.
"""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp

from caseloom.adapters.triage_local.features import FEATURES, WIDTH
from caseloom.adapters.triage_local.linear import LinearModel
from caseloom.domain.errors import InvalidInput, NotFound

_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
_REF = re.compile(r"^(?P<name>[^@]+)(?:@(?P<version>\d+))?$")


@dataclass(frozen=True, slots=True)
class ModelCard:
    name: str
    version: int
    signal: str  # which signal it reads, e.g. "intent"
    labels: tuple[str, ...]
    features: str
    trained_at: str  # ISO 8601
    rows: int
    data: str  # the training file's name
    data_sha256: str

    @property
    def ref(self) -> str:
        return f"{self.name}@{self.version}"


class ModelStore:
    def __init__(self, root: Path) -> None:
        self.root = root

    def save(self, card: ModelCard, model: LinearModel) -> ModelCard:
        """Store `model` as the next version of `card.name`; return the card as stored.

        The card's labels are the model's own, so a card can never describe other weights.
        """
        if not _NAME.match(card.name):
            raise InvalidInput(
                f"model name {card.name!r}: use lower-case letters, digits, '-' and '_'"
            )
        versions = self._versions(card.name)
        version = (max(versions) if versions else 0) + 1
        stored = ModelCard(**{**asdict(card), "version": version, "labels": model.labels})
        folder = self.root / stored.name / str(stored.version)
        folder.mkdir(parents=True)
        weights = model.weights.tocsr()
        np.savez_compressed(
            folder / "weights.npz",
            idf_index=np.flatnonzero(model.idf),
            idf_value=model.idf[model.idf != 0],
            data=weights.data,
            indices=weights.indices,
            indptr=weights.indptr,
            shape=np.asarray(weights.shape),
            intercept=model.intercept,
            beta=np.asarray([model.beta]),
        )
        card_text = json.dumps({**asdict(stored), "labels": list(stored.labels)}, indent=2)
        (folder / "card.json").write_text(card_text + "\n", encoding="utf-8")
        return stored

    def card(self, ref: str) -> ModelCard:
        """The card of `name@version`, or of the newest version of `name`."""
        name, version = self._resolve(ref)
        path = self.root / name / str(version) / "card.json"
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            card = ModelCard(**{**raw, "labels": tuple(raw["labels"])})
        except (OSError, ValueError, TypeError, KeyError) as error:
            raise InvalidInput(f"model {name}@{version}: unreadable card {path}: {error}") from None
        if (card.name, card.version) != (name, version):
            raise InvalidInput(
                f"{path} describes {card.ref}, not {name}@{version}: was the folder moved?"
            )
        if card.features != FEATURES:
            raise InvalidInput(
                f"model {card.ref} reads features {card.features!r}, this Caseloom reads "
                f"{FEATURES!r}: train it again with `caseloom triage train`"
            )
        return card

    def load(self, ref: str) -> tuple[ModelCard, LinearModel]:
        card = self.card(ref)
        path = self.root / card.name / str(card.version) / "weights.npz"
        try:
            return card, _read_weights(path, card)
        except (OSError, ValueError, KeyError) as error:
            raise InvalidInput(f"model {card.ref}: unreadable weights {path}: {error}") from None

    def _resolve(self, ref: str) -> tuple[str, int]:
        match = _REF.match(ref)
        if not match:
            raise InvalidInput(f"{ref!r} is not a model reference; write name@version or name")
        name = match["name"]
        if not _NAME.match(name):
            raise InvalidInput(f"{ref!r}: a model name is lower-case letters, digits, '-' and '_'")
        versions = self._versions(name)
        if not versions:
            known = ", ".join(sorted(p.name for p in self._folders())) or "none"
            raise NotFound(f"no model {name!r} in {self.root}; models there: {known}")
        version = int(match["version"]) if match["version"] else max(versions)
        if version not in versions:
            listed = ", ".join(str(v) for v in sorted(versions))
            raise NotFound(f"no version {version} of model {name!r}; versions: {listed}")
        return name, version

    def _versions(self, name: str) -> list[int]:
        folder = self.root / name
        if not folder.is_dir():
            return []
        return [int(p.name) for p in folder.iterdir() if p.name.isdecimal()]

    def _folders(self) -> list[Path]:
        return [p for p in self.root.iterdir() if p.is_dir()] if self.root.is_dir() else []


def _read_weights(path: Path, card: ModelCard) -> LinearModel:
    with np.load(path, allow_pickle=False) as arrays:
        idf = np.zeros(WIDTH)
        idf[arrays["idf_index"]] = arrays["idf_value"]
        weights = sp.csr_matrix(
            (arrays["data"], arrays["indices"], arrays["indptr"]),
            shape=tuple(int(n) for n in arrays["shape"]),
        )
        return LinearModel(card.labels, idf, weights, arrays["intercept"], float(arrays["beta"][0]))
