"""Local triage speed: the demo policy's models and built-in readers on the demo's case texts.

Batch is `classify_many` over many texts at once (what `triage eval` and a backlog import do),
the median of three runs; single is one `classify` call per case, as the Triage agent makes it,
timed one by one.
"""

from __future__ import annotations

import csv
import statistics
import time
from itertools import cycle, islice
from typing import Any

from bench import machine
from bench.core_throughput import latency_ms
from bench.report import Outcome, markdown_table
from caseloom import bootstrap
from caseloom.adapters.triage_local.model import LocalTriageModel

NAME = "triage_speed"
CORPUS = bootstrap.DEMO_POLICY.parent / "triage" / "northwind-cases.csv"
TARGETS = {"batch_cases_per_second": 2000, "single_p99_ms": 5.0}
BATCH_RUNS = 3  # the batch figure is the median of these


def run(cases: int) -> Outcome:
    spec = bootstrap.check_policy(bootstrap.DEMO_POLICY).policy.triage
    model = LocalTriageModel.for_policy(spec)
    texts = _texts()
    model.classify_many(texts[:50], spec)  # load the lazily built readers before timing
    batch = list(islice(cycle(texts), max(10 * cases, 5000)))
    rates = []
    for _ in range(BATCH_RUNS):  # a 2-core machine's neighbours make single runs noisy
        began = time.perf_counter()
        model.classify_many(batch, spec)
        rates.append(len(batch) / (time.perf_counter() - began))
    singles = []
    for text in islice(cycle(texts), max(2 * cases, 2000)):
        began = time.perf_counter()
        model.classify(text, spec)
        singles.append(time.perf_counter() - began)
    replies = []
    for text in texts[:500]:
        began = time.perf_counter()
        model.read_reply(text, spec)
        replies.append(time.perf_counter() - began)
    figures: dict[str, Any] = {
        "machine": machine.describe(None),
        "signals": list(spec.signals),
        "models": dict(spec.models),
        "batch": {
            "cases": len(batch),
            "cases_per_second": round(statistics.median(rates)),
            "runs": [round(rate) for rate in rates],
        },
        "single_ms": latency_ms(singles),
        "reply_ms": latency_ms(replies),
        "targets": TARGETS,
    }
    return Outcome(NAME, figures, _table(figures))


def _texts() -> list[str]:
    with CORPUS.open(newline="", encoding="utf-8") as file:
        return [row["text"] for row in csv.DictReader(file)]


def _table(figures: dict[str, Any]) -> str:
    single, reply = figures["single_ms"], figures["reply_ms"]
    rows = [
        [
            f"{figures['batch']['cases_per_second']:,}",
            f"{single['p50']:.2f}",
            f"{single['p99']:.2f}",
            f"{reply['p99']:.2f}",
        ]
    ]
    headers = [
        "batch cases/s, median of 3 (≥ 2,000)",
        "single p50 ms",
        "single p99 ms (≤ 5)",
        "reply p99 ms",
    ]
    return "### Local triage speed\n\n" + markdown_table(headers, rows)
