"""Trained models on disk: each save a new version, each load the same model, plain arrays only."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from caseloom.adapters.triage_local.features import FEATURES, featurise
from caseloom.adapters.triage_local.store import ModelStore
from caseloom.domain.errors import InvalidInput, NotFound
from tests.unit.triage_local.texts import (
    CARD,
    INTENTS,
    UNSEEN,
    intent_model,
    outage_or_billing_model,
)

TWO_LABELS = outage_or_billing_model().labels


@pytest.fixture
def store(tmp_path: Path) -> ModelStore:
    return ModelStore(tmp_path / "models")


def test_each_save_is_the_next_version_and_overwrites_nothing(store: ModelStore) -> None:
    first = store.save(CARD, intent_model())
    second = store.save(CARD, intent_model())
    other = store.save(replace(CARD, name="urgency", signal="urgency"), intent_model())

    assert (first.ref, second.ref, other.ref) == ("intents@1", "intents@2", "urgency@1")
    assert sorted(p.name for p in (store.root / "intents").iterdir()) == ["1", "2"]
    assert sorted(p.name for p in (store.root / "intents" / "1").iterdir()) == [
        "card.json",
        "weights.npz",
    ]


def test_the_stored_card_is_the_card_given_with_its_version(store: ModelStore) -> None:
    stored = store.save(CARD, intent_model())

    assert stored == replace(CARD, version=1)
    assert store.card("intents@1") == stored


def test_a_loaded_model_reads_texts_exactly_as_the_saved_one(store: ModelStore) -> None:
    store.save(CARD, intent_model())

    card, loaded = store.load("intents@1")

    features = featurise(UNSEEN)
    assert card == replace(CARD, version=1)
    assert loaded.labels == INTENTS
    assert np.array_equal(loaded.probabilities(features), intent_model().probabilities(features))


def test_a_two_label_model_round_trips_too(store: ModelStore) -> None:
    store.save(replace(CARD, labels=TWO_LABELS), outage_or_billing_model())

    _, loaded = store.load("intents@1")

    features = featurise(UNSEEN)
    expected = outage_or_billing_model().probabilities(features)
    assert np.array_equal(loaded.probabilities(features), expected)


def test_the_weights_file_holds_plain_arrays_that_load_without_pickle(store: ModelStore) -> None:
    store.save(CARD, intent_model())

    with np.load(store.root / "intents" / "1" / "weights.npz", allow_pickle=False) as arrays:
        kinds = {name: arrays[name].dtype.kind for name in arrays.files}

    assert "O" not in kinds.values()
    assert kinds["beta"] == "f"


def test_a_name_without_a_version_is_the_newest(store: ModelStore) -> None:
    store.save(replace(CARD, labels=TWO_LABELS, rows=40), outage_or_billing_model())
    store.save(CARD, intent_model())

    card, model = store.load("intents")

    assert (card.ref, card.labels, card.rows) == ("intents@2", INTENTS, 60)
    assert model.labels == INTENTS
    assert store.card("intents@1").labels == TWO_LABELS  # still there, as it was


def test_an_unknown_model_is_refused_naming_the_models_there(store: ModelStore) -> None:
    store.save(CARD, intent_model())
    store.save(replace(CARD, name="urgency"), intent_model())

    with pytest.raises(NotFound) as refused:
        store.load("sentiment@1")

    assert str(refused.value) == (
        f"no model 'sentiment' in {store.root}; models there: intents, urgency"
    )


def test_an_empty_store_says_it_has_no_models(store: ModelStore) -> None:
    with pytest.raises(NotFound) as refused:
        store.card("intents")

    assert str(refused.value) == f"no model 'intents' in {store.root}; models there: none"


def test_an_unknown_version_is_refused_naming_the_versions(store: ModelStore) -> None:
    store.save(CARD, intent_model())
    store.save(CARD, intent_model())

    with pytest.raises(NotFound) as refused:
        store.card("intents@3")

    assert str(refused.value) == "no version 3 of model 'intents'; versions: 1, 2"


@pytest.mark.parametrize("ref", ["intents@v1", "intents@", "@1", "intents@latest"])
def test_a_malformed_reference_is_refused(store: ModelStore, ref: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        store.card(ref)

    assert str(refused.value) == f"{ref!r} is not a model reference; write name@version or name"


def test_a_model_of_another_features_layout_is_refused_with_the_retrain_hint(
    store: ModelStore,
) -> None:
    store.save(CARD, intent_model())
    path = store.root / "intents" / "1" / "card.json"
    raw = json.loads(path.read_text("utf-8"))
    path.write_text(json.dumps({**raw, "features": "words1:2^20@0"}), "utf-8")

    with pytest.raises(InvalidInput) as refused:
        store.load("intents@1")

    assert str(refused.value) == (
        f"model intents@1 reads features 'words1:2^20@0', this Caseloom reads {FEATURES!r}: "
        "train it again with `caseloom triage train`"
    )


@pytest.mark.parametrize("broken", ["{not json", '{"name": "intents"}', "[]"])
def test_an_unreadable_card_is_refused_naming_the_file(store: ModelStore, broken: str) -> None:
    store.save(CARD, intent_model())
    path = store.root / "intents" / "1" / "card.json"
    path.write_text(broken, "utf-8")

    with pytest.raises(InvalidInput) as refused:
        store.card("intents@1")

    assert str(refused.value).startswith(f"model intents@1: unreadable card {path}: ")


@pytest.mark.parametrize("name", ["Intents", "-intents", "my intents", "in/tents", "", "x" * 64])
def test_a_model_name_other_than_lower_case_letters_digits_and_dashes_is_refused(
    store: ModelStore, name: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        store.save(replace(CARD, name=name), intent_model())

    assert str(refused.value) == (
        f"model name {name!r}: use lower-case letters, digits, '-' and '_'"
    )
    assert not store.root.exists()


def test_names_of_digits_dashes_and_underscores_are_fine(store: ModelStore) -> None:
    assert store.save(replace(CARD, name="0-intents_v2"), intent_model()).ref == "0-intents_v2@1"


def test_a_model_whose_weights_are_missing_is_refused_naming_the_file(store: ModelStore) -> None:
    store.save(CARD, intent_model())
    weights = store.root / "intents" / "1" / "weights.npz"
    weights.unlink()

    with pytest.raises(InvalidInput, match=r"weights\.npz"):
        store.load("intents@1")


def test_a_renamed_model_folder_is_refused_rather_than_read_as_another_model(
    store: ModelStore,
) -> None:
    store.save(CARD, intent_model())
    shutil.move(store.root / "intents", store.root / "northwind-intents")

    with pytest.raises(InvalidInput, match=r"describes intents@1, not northwind-intents@1"):
        store.load("northwind-intents@1")


def test_a_reference_outside_the_store_is_refused(tmp_path: Path, store: ModelStore) -> None:
    store.save(CARD, intent_model())
    ModelStore(tmp_path / "elsewhere").save(CARD, intent_model())

    with pytest.raises(InvalidInput) as refused:
        store.card("../elsewhere/intents@1")

    assert str(refused.value) == (
        "'../elsewhere/intents@1': a model name is lower-case letters, digits, '-' and '_'"
    )
