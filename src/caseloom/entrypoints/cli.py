"""The `caseloom` command."""

from __future__ import annotations

import gc
import logging
import signal
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, cast

import typer
import uvicorn
from rich.console import Console
from rich.table import Table

from caseloom import bootstrap
from caseloom.bootstrap import Caseloom, Clock
from caseloom.domain.commands import ReevaluateSla, RegisterCustomer, SweepMail
from caseloom.domain.errors import CaseloomError, PolicyError
from caseloom.entrypoints import demo as demo_day
from caseloom.entrypoints import worker as worker_loop
from caseloom.entrypoints.api import create_app
from caseloom.entrypoints.demo import LONDON
from caseloom.entrypoints.smtp import smtp_server
from caseloom.entrypoints.triage_cli import triage_app
from caseloom.views import journey as journey_views
from caseloom.views import reports

app = typer.Typer(
    help="Caseloom: case orchestration for customer service and field service.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
policy_app = typer.Typer(help="Check policies.", no_args_is_help=True)
audit_app = typer.Typer(help="Verify the journey audit trail.", no_args_is_help=True)
sla_app = typer.Typer(help="SLA clocks across cases.", no_args_is_help=True)
org_app = typer.Typer(help="Load customers, reps and technicians.", no_args_is_help=True)
app.add_typer(policy_app, name="policy")
app.add_typer(audit_app, name="audit")
app.add_typer(sla_app, name="sla")
app.add_typer(org_app, name="org")
app.add_typer(triage_app, name="triage")
console = Console()
errors = Console(stderr=True)

DatabaseUrl = Annotated[str | None, typer.Option(help="Overrides CASELOOM_DATABASE_URL")]
PolicyFile = Annotated[Path | None, typer.Option(help="Overrides CASELOOM_POLICY")]


def main() -> None:
    app()


@contextmanager
def _running(
    config: bootstrap.Settings, clock: Clock | None = None, *, serving: bool = False
) -> Iterator[Caseloom]:
    """The application for one command. A problem starting ends the command with exit code 2,
    a refused request while it runs with exit code 1; the connections are always released.

    A command `serving` until stopped loads at start what the first case would wait for (the
    language identifier), then tells the garbage collector that what start-up built (the
    policy, the triage models, the schema) lives as long as the process, so the collector's
    full passes stop walking it: a sixth of the SMTP intake's time went to them."""
    try:
        caseloom = bootstrap.bootstrap(config, clock=clock, serving=serving)
        if serving:
            gc.freeze()
    except PolicyError as error:
        _policy_problems(config.policy, error)
        raise typer.Exit(2) from None
    except CaseloomError as error:
        errors.print(f"[red]cannot start:[/] {error}")
        raise typer.Exit(2) from None
    try:
        yield caseloom
    except CaseloomError as error:
        errors.print(f"[red]{error}[/]")
        raise typer.Exit(1) from None
    finally:
        caseloom.close()


def _policy_problems(path: Path, error: PolicyError) -> None:
    errors.print(
        f"[red]{path} is refused[/]: {len(error.problems)} problem(s); nothing was applied"
    )
    for problem in error.problems:
        errors.print(
            f"  {problem.file}:{problem.line}: [bold]{problem.where}[/]: {problem.reason}",
            highlight=False,
            markup=True,
        )


@app.command()
def migrate(database_url: DatabaseUrl = None) -> None:
    """Bring the database schema up to date (also done on every start)."""
    config = bootstrap.settings(database_url=database_url)
    bootstrap.migrate_database(config)
    console.print(f"migrated {config.masked()['database_url']}")


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Overrides CASELOOM_HOST")] = None,
    port: Annotated[int | None, typer.Option(help="Overrides CASELOOM_PORT")] = None,
    database_url: DatabaseUrl = None,
    policy: PolicyFile = None,
) -> None:
    """Serve the REST API (OpenAPI at /docs). Refuses to start on an invalid policy."""
    config = bootstrap.settings(database_url=database_url, policy=policy, host=host, port=port)
    with _running(config, serving=True) as caseloom:
        for name, value in caseloom.settings.items():
            console.print(f"  {name} = {value}", highlight=False)
        address = f"http://{config.host}:{config.port}"
        console.print(f"policy {caseloom.policy.ref}; API docs at {address}/docs")
        api = create_app(caseloom, config.max_request_bytes)
        with _smtp_intake(caseloom, config.smtp_listen):
            uvicorn.run(api, host=config.host, port=config.port, log_level=config.log_level)


@app.command()
def smtp(
    listen: Annotated[
        str, typer.Option(help="host:port to take e-mail on (overrides CASELOOM_SMTP_LISTEN)")
    ] = "",
    database_url: DatabaseUrl = None,
    policy: PolicyFile = None,
) -> None:
    """Take e-mail over SMTP into cases until stopped: new cases, replies joined to their case,
    auto-replies and bounces kept but not answered, unreadable mail quarantined."""
    config = bootstrap.settings(database_url=database_url, policy=policy)
    with (
        _running(config, serving=True) as caseloom,
        _smtp_intake(caseloom, listen or config.smtp_listen or "127.0.0.1:2525"),
    ):
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        stop.wait()
    console.print("SMTP intake stopped")


@contextmanager
def _smtp_intake(caseloom: Caseloom, listen: str | None) -> Iterator[None]:
    """SMTP intake while the block runs, if `listen` (host:port) says where; first it reads any
    message stored but never read (a crash between storing and reading)."""
    if not listen:
        yield
        return
    host, _, port = listen.rpartition(":")
    if not host or not port.isdigit():
        raise typer.BadParameter(f"{listen!r} is not host:port, e.g. 127.0.0.1:2525")
    swept = cast("list[object]", caseloom.bus.handle(SweepMail(older_than=timedelta(0))))
    server = smtp_server(caseloom.bus, caseloom.policy.intake.accepts, host, int(port))
    server.start()
    addresses = ", ".join(caseloom.policy.intake.addresses) or "any address"
    console.print(
        f"SMTP intake on {host}:{port} for {addresses}; {len(swept)} stored message(s) read",
        highlight=False,
    )
    try:
        yield
    finally:
        server.stop()


@app.command()
def worker(  # noqa: PLR0917 - typer reads each option from a parameter
    interval: Annotated[float, typer.Option(min=0.1, help="Seconds between routing sweeps")] = 5.0,
    poll: Annotated[
        float, typer.Option(min=0.01, help="Seconds between looks for due SLA timers")
    ] = 0.2,
    batch: Annotated[int, typer.Option(min=1, max=5000, help="SLA timers claimed at once")] = 200,
    lease: Annotated[
        float, typer.Option(min=1, help="Seconds a claim holds if this worker dies")
    ] = 30.0,
    once: Annotated[
        bool, typer.Option("--once", help="One round of each job, print the counts, exit")
    ] = False,
    database_url: DatabaseUrl = None,
    policy: PolicyFile = None,
) -> None:
    """Fire due SLA timers (escalations, breaches), deliver notifications, and sweep routing
    (lapse offers, climb the relaxation ladder, batch-assign long queues) until stopped. Any
    number of workers may run against one PostgreSQL database."""
    config = bootstrap.settings(database_url=database_url, policy=policy)
    rhythm = worker_loop.Rhythm(sweep_every=interval, poll=poll, batch=batch, lease=lease)
    with _running(config, serving=not once) as caseloom:
        if once:
            counts = worker_loop.run_once(caseloom, rhythm)
            console.print(f"worker: {_moved(counts) or 'nothing to do'}", highlight=False)
            return
        logging.basicConfig(level=config.log_level.upper(), format="%(asctime)s %(message)s")
        for name, value in caseloom.settings.items():
            console.print(f"  {name} = {value}", highlight=False)
        console.print(
            f"policy {caseloom.policy.ref}; worker {rhythm.name}: timers every {poll:g} s, "
            f"routing every {interval:g} s; Ctrl-C stops"
        )
        stop = threading.Event()
        for signum in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, lambda *_: stop.set())
        worker_loop.run(caseloom, rhythm, stop)
        console.print("worker stopped")


def _moved(counts: Mapping[str, int]) -> str:
    return " ".join(f"{name}={count}" for name, count in counts.items())


@policy_app.command("check")
def policy_check(file: Annotated[Path, typer.Argument(help="The policy YAML file")]) -> None:
    """Check a policy; print every problem with file, line and reason. Exit 1 if any."""
    try:
        loaded = bootstrap.check_policy(file)
    except PolicyError as error:
        _policy_problems(file, error)
        raise typer.Exit(1) from None
    policy = loaded.policy
    console.print(
        f"[green]{file} is valid[/]: {policy.ref}, {len(policy.teams)} teams, "
        f"{len(policy.triage.stamps)} stamps, {len(policy.sla)} SLA policies, "
        f"{len(policy.routing.rules)} routing rules, {len(policy.handoffs)} handoffs"
    )


@sla_app.command("reevaluate")
def sla_reevaluate(database_url: DatabaseUrl = None, policy: PolicyFile = None) -> None:
    """Apply the running policy version's SLA policies to open cases an older version timed:
    new targets and calendars over the same start, keeping every paused minute."""
    with _running(bootstrap.settings(database_url=database_url, policy=policy)) as caseloom:
        counts = cast("Mapping[str, int]", caseloom.bus.handle(ReevaluateSla("cli")))
        done = _moved(counts) or "no open case was timed by an older version"
        console.print(f"policy {caseloom.policy.ref}: {done}", highlight=False)


@audit_app.command("verify")
def audit_verify(
    case: Annotated[
        str | None, typer.Option("--case", help="Only this case, e.g. CS-000042")
    ] = None,
    database_url: DatabaseUrl = None,
    policy: PolicyFile = None,
) -> None:
    """Recompute every journey's hash chain; exit 1 naming the first broken entry of each case."""
    with _running(bootstrap.settings(database_url=database_url, policy=policy)) as caseloom:
        checked, breaks = journey_views.verify(caseloom.store, case)
    for broken in breaks:
        errors.print(f"[red]broken:[/] {broken}", highlight=False)
    if breaks:
        errors.print(f"{len(breaks)} of {checked} journeys are broken")
        raise typer.Exit(1)
    console.print(f"[green]{checked} journeys verified[/]: every hash chain is intact")


@org_app.command("load")
def org_load(
    file: Annotated[Path, typer.Argument(help="An organisation YAML file")],
    database_url: DatabaseUrl = None,
    policy: PolicyFile = None,
) -> None:
    """Create or update the customers, reps and technicians in FILE."""
    with _running(bootstrap.settings(database_url=database_url, policy=policy)) as caseloom:
        applied = caseloom.load_organisation(file)
    console.print(f"applied {len(applied)} records from {file}")


@app.command()
def demo(
    cases: Annotated[int, typer.Option(min=1, max=100_000, help="How many cases arrive")] = 100,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed replays the same day")] = 7,
    fresh: Annotated[bool, typer.Option(help="Start from an empty SQLite database")] = False,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the demo organisation through a simulated working day and summarise it."""
    logging.basicConfig(level=logging.WARNING)
    config = bootstrap.settings(database_url=database_url, policy=bootstrap.DEMO_POLICY)
    if fresh:
        try:
            bootstrap.fresh_sqlite(config)
        except CaseloomError as error:
            errors.print(f"[red]{error}[/]")
            raise typer.Exit(2) from None
    clock = bootstrap.SimulatedClock(demo_day.simulated_start(bootstrap.wall_clock().now()))
    with _running(config, clock) as caseloom:
        registrations = caseloom.load_organisation(demo_day.DEMO_DIR / "organisation.yaml")
        contacts = [c for r in registrations if isinstance(r, RegisterCustomer) for c in r.contacts]
        day = demo_day.DemoDay(caseloom, clock, demo_day.Texts.load(), seed)
        _print_demo(caseloom, day.run(cases, contacts))


def _print_demo(caseloom: Caseloom, report: demo_day.DemoReport) -> None:
    summary = reports.summary(caseloom.store, caseloom.clock.now())
    console.rule(f"Northwind Utilities: a simulated day ({caseloom.policy.ref})")
    console.print(
        f"{report.opened} cases opened from {report.started.astimezone(LONDON):%a %d %b %H:%M}, "
        f"the day and night run to {report.ended.astimezone(LONDON):%a %H:%M} London time; "
        f"{report.commands} commands in "
        f"{report.seconds:.1f} s "
        f"({report.opened / max(report.seconds, 1e-9):.0f} cases/s)"
    )
    grid = Table.grid(padding=(0, 4))
    grid.add_row(
        *(
            _counts(title, counts)
            for title, counts in (
                ("team", summary.by_team),
                ("status", summary.by_status),
                ("SLA", summary.by_sla),
            )
        )
    )
    console.print(grid)
    if report.routing:
        moved = ", ".join(f"{name.replace('_', ' ')} {n}" for name, n in report.routing.items())
        console.print(f"routing worker: {moved}")
    if report.sla:
        fired = ", ".join(f"{name} {n}" for name, n in report.sla.items() if n)
        console.print(f"SLA worker (day and night): {fired}")
    if report.refused:
        console.print(
            f"[yellow]{len(report.refused)} commands were refused[/], e.g. {report.refused[0]}"
        )
    shown = report.reopened[0] if report.reopened else None
    if shown:
        _print_journey(caseloom, shown)
    if report.seed:  # high severity on site: handed to the field, visited, resolved
        if report.visit:
            console.print(f"the seed case's field visit: {report.visit}")
        _print_journey(caseloom, report.seed)
    checked, breaks = journey_views.verify(caseloom.store)
    colour = "red" if breaks else "green"
    console.print(f"[{colour}]audit: {checked} journeys verified, {len(breaks)} broken[/]")


def _counts(title: str, counts: dict[str, int]) -> Table:
    table = Table(title=f"cases by {title}", show_header=False, title_justify="left")
    for key, value in sorted(counts.items(), key=lambda kv: -kv[1]):
        table.add_row(key, str(value))
    return table


def _print_journey(caseloom: Caseloom, ref: str) -> None:
    table = Table(title=f"the journey of {ref}", title_justify="left")
    for column in ("#", "time", "step", "by", "decision and reason"):
        table.add_column(column)
    for entry in journey_views.case_journey(caseloom.store, ref):
        at = entry.at.astimezone(LONDON)
        table.add_row(str(entry.seq), f"{at:%H:%M}", entry.step, entry.actor, entry.reason)
    console.print(table)
