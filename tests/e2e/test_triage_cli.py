"""`caseloom triage train` and `caseloom triage eval`, run in process with typer's CliRunner."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from caseloom.entrypoints.cli import app
from tests.unit.policy.writing import write_policy
from tests.unit.triage_local.texts import INTENTS, LABELS, TEXTS

READABLE = "sentiment, intent, urgency, product_line, on_site_required, language, reply_intent"
TRIAGE = """\
triage:
  min_confidence: 0.6
  intents:
    outage: [down, internet, connection, outage, offline]
    billing_dispute: [refund, invoice, bill, charged, charge, payment]
    question: [how, could you, is it possible, what, where, can i]
"""


@pytest.fixture
def runner() -> CliRunner:
    # A wide terminal, so that rich does not wrap paths and messages across lines.
    return CliRunner(env={"COLUMNS": "500"})


@pytest.fixture
def policy(tmp_path: Path) -> Path:
    """A policy declaring the three intents, with no trained model: models_dir is ./models."""
    return write_policy(tmp_path, triage=TRIAGE)


@pytest.fixture
def data(tmp_path: Path) -> Path:
    """Sixty labelled messages, and one row without a text."""
    path = tmp_path / "northwind.csv"
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(["text", "intent"])
        writer.writerows(zip(TEXTS, LABELS, strict=True))
        writer.writerow(["", "outage"])
    return path


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=False)


def triage(
    runner: CliRunner,
    command: str,
    data: Path,
    *options: str,
    text: str = "text",
    signal: str = "intent",
) -> Result:
    """`caseloom triage COMMAND` reading `signal` from `data`'s `text` and intent columns."""
    columns = ("--text", text, "--label", "intent", "--signal", signal)
    return run(runner, "triage", command, "--data", str(data), *columns, *options)


def train(runner: CliRunner, data: Path, models: Path, *options: str) -> Result:
    return triage(runner, "train", data, "--models-dir", str(models), *options)


def evaluate(runner: CliRunner, data: Path, policy: Path, *options: str) -> Result:
    return triage(runner, "eval", data, "--policy", str(policy), *options)


def evaluate_trained(
    runner: CliRunner,
    data: Path,
    policy: Path,
    models: Path,
    *options: str,
    model: str = "intent@1",
) -> Result:
    """`caseloom triage eval` of `model`, kept in the folder `models`."""
    return evaluate(runner, data, policy, "--model", model, "--models-dir", str(models), *options)


@pytest.fixture
def trained(runner: CliRunner, data: Path, tmp_path: Path) -> Path:
    """The models folder once intent@1 is trained on `data`."""
    models = tmp_path / "models"
    result = train(runner, data, models)
    assert result.exit_code == 0, result.output
    return models


def test_training_prints_the_models_reference_and_how_to_select_it(
    runner: CliRunner, data: Path, tmp_path: Path
) -> None:
    models = tmp_path / "models"

    result = train(runner, data, models)

    assert result.exit_code == 0, result.output
    assert (
        "trained intent@1 for intent on 60 rows (1 row without text or label skipped), "
        f"3 labels; stored in {models / 'intent' / '1'}"
    ) in result.output
    assert "select it in the policy:  triage: {models: {intent: intent@1}}" in result.output
    assert (models / "intent" / "1" / "card.json").is_file()


def test_training_again_makes_the_next_version_under_the_name_given(
    runner: CliRunner, data: Path, tmp_path: Path
) -> None:
    models = tmp_path / "models"

    train(runner, data, models, "--name", "northwind-intents")
    second = train(runner, data, models, "--name", "northwind-intents")

    assert second.exit_code == 0, second.output
    assert "trained northwind-intents@2 for intent" in second.output
    assert "{models: {intent: northwind-intents@2}}" in second.output
    assert sorted(p.name for p in (models / "northwind-intents").iterdir()) == ["1", "2"]


def test_evaluation_prints_the_figures_as_json(
    runner: CliRunner, data: Path, policy: Path, trained: Path
) -> None:
    result = evaluate_trained(runner, data, policy, trained, "--json")

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert set(figures) == {
        "signal",
        "model",
        "rows",
        "accuracy",
        "macro_f1",
        "calibration_error",
        "threshold",
        "coverage",
        "accuracy_at_threshold",
        "texts_per_second",
        "classes",
    }
    assert (figures["signal"], figures["model"], figures["rows"]) == ("intent", "intent@1", 60)
    assert figures["threshold"] == 0.6  # the policy's min_confidence
    assert figures["accuracy"] == 1.0  # read on the texts it was trained on
    assert figures["classes"] == [
        {"label": label, "precision": 1.0, "recall": 1.0, "support": 20} for label in INTENTS
    ]


def test_models_are_kept_and_selected_where_the_policy_says(
    runner: CliRunner, data: Path, policy: Path, tmp_path: Path
) -> None:
    stored = triage(runner, "train", data, "--policy", str(policy))
    selecting = write_policy(
        tmp_path, "selecting.yaml", triage=TRIAGE + "  models: {intent: intent@1}\n"
    )

    result = evaluate(runner, data, selecting, "--json")

    assert stored.exit_code == 0, stored.output
    assert f"stored in {tmp_path / 'models' / 'intent' / '1'}" in stored.output
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["model"] == "intent@1"


def test_evaluation_takes_the_threshold_given(
    runner: CliRunner, data: Path, policy: Path, trained: Path
) -> None:
    result = evaluate_trained(runner, data, policy, trained, "--threshold", "0.99", "--json")

    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["threshold"] == 0.99


def test_without_a_trained_model_the_policys_keywords_are_evaluated(
    runner: CliRunner, data: Path, policy: Path
) -> None:
    result = evaluate(runner, data, policy, "--json")

    assert result.exit_code == 0, result.output
    figures = json.loads(result.output)
    assert (figures["model"], figures["rows"]) == ("keywords@1", 60)
    assert 0 < figures["accuracy"] < 1


def test_evaluation_prints_a_table_for_people(
    runner: CliRunner, data: Path, policy: Path, trained: Path
) -> None:
    result = evaluate_trained(runner, data, policy, trained)

    assert result.exit_code == 0, result.output
    assert "intent read by intent@1 on 60 texts" in result.output
    assert "accuracy 1.0000   macro-F1 1.0000" in result.output
    assert "at the threshold 0.6: coverage 100.0%, accuracy 1.0000" in result.output
    assert "billing_dispute" in result.output


@pytest.mark.parametrize("command", ["train", "eval"])
def test_a_missing_column_exits_1_naming_the_columns_there(
    runner: CliRunner, data: Path, policy: Path, tmp_path: Path, command: str
) -> None:
    models = tmp_path / "models"

    result = triage(
        runner, command, data, "--models-dir", str(models), "--policy", str(policy), text="body"
    )

    assert result.exit_code == 1
    assert f"{data}: no column body; columns: text, intent" in result.output
    assert not models.exists()


def test_evaluating_a_model_that_is_not_there_exits_1_naming_what_is(
    runner: CliRunner, data: Path, policy: Path, trained: Path
) -> None:
    result = evaluate_trained(runner, data, policy, trained, model="intent@7")

    assert result.exit_code == 1
    assert "no version 7 of model 'intent'; versions: 1" in result.output


@pytest.mark.parametrize("command", ["train", "eval"])
def test_an_unknown_signal_exits_2_naming_the_signals(
    runner: CliRunner, data: Path, tmp_path: Path, command: str
) -> None:
    models = tmp_path / "models"

    result = triage(runner, command, data, "--models-dir", str(models), signal="mood")

    assert result.exit_code == 2
    assert f"no signal 'mood'; signals: {READABLE}" in result.output
    assert not models.exists()
