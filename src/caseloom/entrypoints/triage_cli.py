"""`caseloom triage train` and `caseloom triage eval`: the local models, from labelled data."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from caseloom import bootstrap
from caseloom.domain.errors import CaseloomError
from caseloom.domain.triage import SIGNALS

triage_app = typer.Typer(help="Train and evaluate the local triage models.", no_args_is_help=True)
console = Console()
errors = Console(stderr=True)
READABLE = (*SIGNALS, "reply_intent")

Data = Annotated[Path, typer.Option(help="A CSV file of labelled texts", exists=True)]
TextColumn = Annotated[str, typer.Option("--text", help="The column holding the text")]
LabelColumn = Annotated[str, typer.Option("--label", help="The column holding the label")]
SignalName = Annotated[str, typer.Option(help=f"The signal: {', '.join(READABLE)}")]
PolicyFile = Annotated[Path | None, typer.Option(help="Overrides CASELOOM_POLICY")]
ModelsDir = Annotated[
    Path | None, typer.Option(help="Where models are kept (default: the policy's models_dir)")
]


@triage_app.command("train")
def train_command(
    *,
    data: Data,
    text: TextColumn,
    label: LabelColumn,
    signal: SignalName,
    name: Annotated[str | None, typer.Option(help="The model's name (default: the signal)")] = None,
    policy: PolicyFile = None,
    models_dir: ModelsDir = None,
) -> None:
    """Train a calibrated model for one signal and store it as the next version of its name."""
    _check_signal(signal)
    try:
        card, labelled, folder = bootstrap.train_triage_model(
            data,
            text=text,
            label=label,
            signal=signal,
            name=name or signal.replace("_", "-"),
            models_dir=models_dir,
            policy=policy,
        )
    except CaseloomError as error:
        errors.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    rows = "row" if labelled.skipped == 1 else "rows"
    skipped = (
        f" ({labelled.skipped} {rows} without text or label skipped)" if labelled.skipped else ""
    )
    console.print(
        f"trained [bold]{card.ref}[/] for {signal} on {card.rows} rows{skipped}, "
        f"{len(card.labels)} labels; stored in {folder}"
    )
    console.print(f"select it in the policy:  triage: {{models: {{{signal}: {card.ref}}}}}")


@triage_app.command("eval")
def eval_command(
    *,
    data: Data,
    text: TextColumn,
    label: LabelColumn,
    signal: SignalName,
    model: Annotated[
        str | None,
        typer.Option(help="name@version, or 'builtin' (default: what the policy selects)"),
    ] = None,
    threshold: Annotated[
        float | None, typer.Option(min=0, max=1, help="Default: the policy's min_confidence")
    ] = None,
    policy: PolicyFile = None,
    models_dir: ModelsDir = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines")] = False,
) -> None:
    """Measure a model on labelled data: accuracy, macro-F1, calibration, coverage, speed."""
    _check_signal(signal)
    try:
        result = bootstrap.evaluate_triage(
            data,
            text=text,
            label=label,
            signal=signal,
            model=model,
            threshold=threshold,
            models_dir=models_dir,
            policy=policy,
        )
    except CaseloomError as error:
        errors.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    if as_json:
        typer.echo(json.dumps(asdict(result), indent=2))
    else:
        _print(result)


def _check_signal(signal: str) -> None:
    if signal not in READABLE:
        errors.print(f"[red]no signal {signal!r}[/]; signals: {', '.join(READABLE)}")
        raise typer.Exit(2)


def _print(result: bootstrap.Evaluation) -> None:
    console.print(
        f"[bold]{result.signal}[/] read by [bold]{result.model}[/] on {result.rows} texts\n"
        f"  accuracy {result.accuracy:.4f}   macro-F1 {result.macro_f1:.4f}   "
        f"expected calibration error {result.calibration_error:.4f}\n"
        f"  at the threshold {result.threshold}: coverage {result.coverage:.1%}, "
        f"accuracy {result.accuracy_at_threshold:.4f}\n"
        f"  throughput {result.texts_per_second:,.0f} texts/s (one batch)"
    )
    table = Table("label", "precision", "recall", "support")
    for figures in result.classes:
        table.add_row(
            figures.label, f"{figures.precision:.3f}", f"{figures.recall:.3f}", str(figures.support)
        )
    console.print(table)
