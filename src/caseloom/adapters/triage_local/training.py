"""Labelled data from a CSV file, and training a signal model on it into a model store."""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from caseloom.adapters.triage_local import linear
from caseloom.adapters.triage_local.features import FEATURES
from caseloom.adapters.triage_local.store import ModelCard, ModelStore
from caseloom.domain.errors import InvalidInput

MAX_FIELD = 1_000_000  # characters in one CSV cell; a longer one is a broken file, not a text


@dataclass(frozen=True, slots=True)
class Labelled:
    path: Path
    texts: tuple[str, ...]
    labels: tuple[str, ...]
    skipped: int  # rows with an empty text or label

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.path.read_bytes()).hexdigest()


def read_labelled(path: Path, text: str, label: str) -> Labelled:
    """Every row's text and label; rows missing either are skipped and counted."""
    csv.field_size_limit(MAX_FIELD)
    try:
        with path.open(newline="", encoding="utf-8-sig") as file:
            reader = csv.DictReader(file)
            missing = [c for c in (text, label) if c not in (reader.fieldnames or [])]
            if missing:
                columns = ", ".join(reader.fieldnames or []) or "none"
                raise InvalidInput(f"{path}: no column {', '.join(missing)}; columns: {columns}")
            rows = [(r[text] or "", r[label] or "") for r in reader]
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise InvalidInput(f"{path}: cannot read labelled data: {error}") from None
    kept = [(t.strip(), lab.strip()) for t, lab in rows if t.strip() and lab.strip()]
    if not kept:
        raise InvalidInput(f"{path}: no row has both a text in {text!r} and a label in {label!r}")
    texts, labels = zip(*kept, strict=True)
    return Labelled(path, texts, labels, skipped=len(rows) - len(kept))


def train(data: Labelled, *, signal: str, name: str, store: ModelStore, now: datetime) -> ModelCard:
    """Fit a calibrated model for `signal` and store it as the next version of `name`."""
    model = linear.fit(data.texts, data.labels)
    card = ModelCard(
        name=name,
        version=0,
        signal=signal,
        labels=model.labels,
        features=FEATURES,
        trained_at=now.isoformat(timespec="seconds"),
        rows=len(data.texts),
        data=data.path.name,
        data_sha256=data.sha256,
    )
    return store.save(card, model)
