"""Local triage quality on public labelled data: how close classical models get.

Each row trains a model exactly as `caseloom triage train` does (or uses a built-in reader with
no training) and measures it exactly as `caseloom triage eval` does, on texts it never saw:
Banking77's own test split, else a stratified 80/20 split with a fixed seed. The data lives in
../shared/data (not shipped: the airline set is non-commercial); without it this is skipped.
"""

from __future__ import annotations

import tempfile
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sklearn.model_selection import train_test_split

from bench import machine
from bench.report import Outcome, markdown_table
from caseloom import bootstrap
from caseloom.adapters.triage_local.evaluation import Evaluation, evaluate
from caseloom.adapters.triage_local.model import BUILTIN, LocalTriageModel
from caseloom.adapters.triage_local.store import ModelStore
from caseloom.adapters.triage_local.training import Labelled, read_labelled, train
from caseloom.domain.policy import TriageSpec

NAME = "triage_quality"
SHARED = Path(__file__).resolve().parents[2] / "shared" / "data"
DEMO = bootstrap.DEMO_POLICY.parent / "triage" / "northwind-cases.csv"
REPLIES = BUILTIN / "replies.csv"
TEST_SHARE = 0.2


@dataclass(frozen=True, slots=True)
class Task:
    dataset: str
    signal: str
    train: Path | None  # None: the built-in reader, no training
    test: Path
    text: str
    label: str
    split: bool = False  # no test file of its own: hold out a stratified 20%


TASKS = (
    Task(
        "Banking77",
        "intent",
        SHARED / "banking77/train.csv",
        SHARED / "banking77/test.csv",
        "text",
        "category",
    ),
    Task(
        "Bitext customer support",
        "intent",
        SHARED / "bitext-customer-support/Bitext_Sample_Customer_Support_Training_Dataset_4514.csv",
        SHARED / "bitext-customer-support/Bitext_Sample_Customer_Support_Training_Dataset_4514.csv",
        "instruction",
        "intent",
        split=True,
    ),
    Task(
        "Airline tweets",
        "sentiment",
        None,
        SHARED / "twitter-airline-sentiment/Tweets.csv",
        "text",
        "airline_sentiment",
    ),
    Task(
        "Airline tweets",
        "sentiment",
        SHARED / "twitter-airline-sentiment/Tweets.csv",
        SHARED / "twitter-airline-sentiment/Tweets.csv",
        "text",
        "airline_sentiment",
        split=True,
    ),
    Task("Northwind demo (shipped)", "intent", DEMO, DEMO, "text", "intent", split=True),
    Task("Replies (shipped)", "reply_intent", REPLIES, REPLIES, "text", "reply_intent", split=True),
)


def run(cases: int) -> Outcome:
    spec = bootstrap.check_policy(bootstrap.DEMO_POLICY).policy.triage
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    with tempfile.TemporaryDirectory() as folder:
        store = ModelStore(Path(folder))
        for task in TASKS:
            if not task.test.exists():
                skipped.append(f"{task.dataset}: {task.test} is absent")
                continue
            rows.append(_measure(task, spec, store))
    figures = {"machine": machine.describe(None), "threshold": spec.min_confidence}
    figures |= {"results": rows, "skipped": skipped}
    return Outcome(NAME, figures, _table(figures))


def _measure(task: Task, spec: TriageSpec, store: ModelStore) -> dict[str, Any]:
    training, testing = _data(task)
    trained, seconds = {}, 0.0
    if training is not None:
        began = time.perf_counter()
        name = f"{task.dataset.split()[0].lower()}-{task.signal.replace('_', '-')}"
        card = train(training, signal=task.signal, name=name, store=store, now=datetime.now(UTC))
        seconds = time.perf_counter() - began
        trained = {task.signal: store.load(card.ref)}
    result = evaluate(
        LocalTriageModel(trained, replies=None),
        replace(spec, signals=(task.signal,)),
        signal=task.signal,
        texts=testing.texts,
        labels=testing.labels,
        threshold=spec.min_confidence,
    )
    return _row(task, result, training, seconds)


def _data(task: Task) -> tuple[Labelled | None, Labelled]:
    test = read_labelled(task.test, task.text, task.label)
    if task.train is None:
        return None, test
    if not task.split:
        return read_labelled(task.train, task.text, task.label), test
    texts_a, texts_b, labels_a, labels_b = train_test_split(
        test.texts, test.labels, test_size=TEST_SHARE, stratify=test.labels, random_state=0
    )
    return (
        replace(test, texts=tuple(texts_a), labels=tuple(labels_a)),
        replace(test, texts=tuple(texts_b), labels=tuple(labels_b)),
    )


def _row(
    task: Task, result: Evaluation, training: Labelled | None, seconds: float
) -> dict[str, Any]:
    return {
        "dataset": task.dataset,
        "signal": task.signal,
        "model": "trained" if training else result.model,
        "train_rows": len(training.texts) if training else 0,
        "test_rows": result.rows,
        "accuracy": round(result.accuracy, 4),
        "macro_f1": round(result.macro_f1, 4),
        "calibration_error": round(result.calibration_error, 4),
        "coverage": round(result.coverage, 4),
        "accuracy_at_threshold": round(result.accuracy_at_threshold, 4),
        "train_seconds": round(seconds, 1),
        "texts_per_second": round(result.texts_per_second),
    }


HEADERS = (
    "data",
    "signal",
    "model",
    "train / test",
    "accuracy",
    "macro-F1",
    "ECE",
    "coverage",
    "accuracy when sure",
    "train s",
    "texts/s",
)


def _table(figures: dict[str, Any]) -> str:
    rows = [
        [
            r["dataset"],
            r["signal"],
            r["model"],
            f"{r['train_rows']:,} / {r['test_rows']:,}",
            f"{r['accuracy']:.3f}",
            f"{r['macro_f1']:.3f}",
            f"{r['calibration_error']:.3f}",
            f"{r['coverage']:.1%}",
            f"{r['accuracy_at_threshold']:.3f}",
            f"{r['train_seconds']:.1f}",
            f"{r['texts_per_second']:,}",
        ]
        for r in figures["results"]
    ]
    notes = "".join(f"\nskipped: {reason}" for reason in figures["skipped"])
    threshold = figures["threshold"]
    title = f"### Local triage quality (coverage and accuracy when sure at {threshold})\n\n"
    return title + markdown_table(HEADERS, rows) + notes
