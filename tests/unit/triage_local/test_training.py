"""Labelled data from a CSV file, and training a model on it into the store."""

from __future__ import annotations

import csv
import hashlib
from datetime import UTC, datetime
from pathlib import Path

import pytest

from caseloom.adapters.triage_local.features import FEATURES
from caseloom.adapters.triage_local.store import ModelStore
from caseloom.adapters.triage_local.training import read_labelled, train
from caseloom.domain.errors import InvalidInput
from tests.unit.triage_local.texts import INTENTS, LABELS, TEXTS

NOW = datetime(2026, 3, 2, 9, 30, 15, 123456, tzinfo=UTC)


def write_csv(
    path: Path, rows: list[list[str]], header: tuple[str, ...] = ("text", "intent")
) -> Path:
    with path.open("w", newline="", encoding="utf-8") as file:
        csv.writer(file).writerows([list(header), *rows])
    return path


@pytest.fixture
def northwind(tmp_path: Path) -> Path:
    """The sixty labelled messages of `texts`, as a CSV file."""
    return write_csv(
        tmp_path / "northwind.csv", [list(row) for row in zip(TEXTS, LABELS, strict=True)]
    )


def test_every_row_with_a_text_and_a_label_is_read_trimmed(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        [["  No internet since noon. ", " outage "], ["Line 1\nline 2, quoted", "question"]],
    )

    data = read_labelled(path, "text", "intent")

    assert data.texts == ("No internet since noon.", "Line 1\nline 2, quoted")
    assert data.labels == ("outage", "question")
    assert data.skipped == 0


def test_rows_missing_a_text_or_a_label_are_skipped_and_counted(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        [
            ["No internet since noon.", "outage"],
            ["", "outage"],
            ["Refund me please.", ""],
            ["   ", "billing_dispute"],
            ["Short row"],
            ["How do I reset my password?", "question"],
        ],
    )

    data = read_labelled(path, "text", "intent")

    assert data.texts == ("No internet since noon.", "How do I reset my password?")
    assert data.skipped == 4


def test_other_columns_are_ignored_and_the_columns_can_be_in_any_order(tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "cases.csv",
        [["outage", "NW-1", "No internet."]],
        header=("intent", "account", "body"),
    )

    data = read_labelled(path, "body", "intent")

    assert (data.texts, data.labels) == (("No internet.",), ("outage",))


def test_a_spreadsheets_byte_order_mark_does_not_hide_the_first_column(tmp_path: Path) -> None:
    path = tmp_path / "excel.csv"
    path.write_bytes("text,intent\r\nNo internet.,outage\r\n".encode("utf-8-sig"))

    assert read_labelled(path, "text", "intent").texts == ("No internet.",)


def test_a_missing_column_is_refused_naming_the_columns_there(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", [["No internet.", "outage"]], header=("body", "label"))

    with pytest.raises(InvalidInput) as refused:
        read_labelled(path, "text", "label")

    assert str(refused.value) == f"{path}: no column text; columns: body, label"


def test_an_empty_file_is_refused_saying_it_has_no_columns(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("", "utf-8")

    with pytest.raises(InvalidInput) as refused:
        read_labelled(path, "text", "intent")

    assert str(refused.value) == f"{path}: no column text, intent; columns: none"


def test_a_file_that_is_not_utf8_is_refused_clearly(tmp_path: Path) -> None:
    path = tmp_path / "latin1.csv"
    path.write_bytes("text,intent\nLe caf\xe9 n'a plus internet.,outage\n".encode("latin-1"))

    with pytest.raises(InvalidInput) as refused:
        read_labelled(path, "text", "intent")

    assert str(refused.value).startswith(f"{path}: cannot read labelled data: ")
    assert "utf-8" in str(refused.value)


def test_a_file_with_no_complete_row_is_refused(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "cases.csv", [["", "outage"], ["No label", ""]])

    with pytest.raises(InvalidInput) as refused:
        read_labelled(path, "text", "intent")

    assert str(refused.value) == f"{path}: no row has both a text in 'text' and a label in 'intent'"


def test_training_stores_a_card_saying_what_the_model_was_trained_on(
    tmp_path: Path, northwind: Path
) -> None:
    store = ModelStore(tmp_path / "models")

    card = train(
        read_labelled(northwind, "text", "intent"),
        signal="intent",
        name="intents",
        store=store,
        now=NOW,
    )

    assert card.ref == "intents@1"
    assert (card.signal, card.labels, card.features) == ("intent", INTENTS, FEATURES)
    assert (card.rows, card.data) == (60, "northwind.csv")
    assert card.data_sha256 == hashlib.sha256(northwind.read_bytes()).hexdigest()
    assert card.trained_at == "2026-03-02T09:30:15+00:00"
    assert store.card("intents") == card


def test_training_again_adds_a_version_and_keeps_the_first(tmp_path: Path, northwind: Path) -> None:
    store = ModelStore(tmp_path / "models")
    data = read_labelled(northwind, "text", "intent")

    first = train(data, signal="intent", name="intents", store=store, now=NOW)
    second = train(data, signal="intent", name="intents", store=store, now=NOW)

    assert (first.version, second.version) == (1, 2)
    assert store.card("intents@1") == first
