"""The `caseloom` command, run in process with typer's CliRunner."""

from __future__ import annotations

import gc
import json
import os
import re
import signal
import smtplib
import subprocess
import sys
import time
import warnings
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from typer.testing import CliRunner, Result

from caseloom import bootstrap
from caseloom.domain import commands
from caseloom.domain.case import Channel
from caseloom.domain.errors import CaseloomError
from caseloom.domain.workforce import Presence
from caseloom.entrypoints.cli import app
from tests.e2e.test_api_offers import policy_with_offers
from tests.e2e.test_api_workforce import TIER1_AVAILABLE as TIER1
from tests.factories import NOW, copy_of_demo_policy
from tests.fakes import FakeClock
from tests.network import free_port

TYPO_LINE = '      when: case.severity == "high" and case.priority > 2\n'


@pytest.fixture
def runner() -> CliRunner:
    # A wide terminal, so that rich does not wrap paths and messages across lines.
    return CliRunner(env={"COLUMNS": "500"})


def run(runner: CliRunner, *args: str) -> Result:
    return runner.invoke(app, list(args), catch_exceptions=False)


@pytest.fixture
def typo_policy(tmp_path: Path) -> tuple[Path, int]:
    """The demo policy with `case.severity` misspelt in one condition; returns (file, line)."""
    path = copy_of_demo_policy(tmp_path)
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    line = lines.index(TYPO_LINE) + 1
    lines[line - 1] = TYPO_LINE.replace("case.severity", "case.severty")
    path.write_text("".join(lines), encoding="utf-8")
    return path, line


def router_case(number: int) -> commands.OpenCase:
    return commands.OpenCase(
        Channel.EMAIL,
        f"Router lights flashing orange ({number})",
        "The router shows an orange light now and then.",
        f"Stranger {number}",
        f"stranger{number}@example.com",
    )


@pytest.fixture
def populated(sqlite_url: str) -> tuple[str, list[str]]:
    """A SQLite database holding three cases of the demo organisation: (url, refs)."""
    config = bootstrap.settings(database_url=sqlite_url, policy=bootstrap.DEMO_POLICY)
    caseloom = bootstrap.bootstrap(config, clock=FakeClock(NOW))
    try:
        caseloom.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
        refs = [str(caseloom.bus.handle(router_case(n))) for n in range(3)]
    finally:
        caseloom.close()
    return sqlite_url, refs


def tamper(url: str, ref: str, seq: int) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            changed = conn.execute(
                sa.text(
                    "UPDATE journey SET reason = 'edited' WHERE case_id = :case AND seq = :seq"
                ),
                {"case": int(ref.removeprefix("CS-")), "seq": seq},
            )
            assert changed.rowcount == 1
    finally:
        engine.dispose()


# -- policy check -------------------------------------------------------------------------------


def test_policy_check_accepts_the_demo_policy(runner: CliRunner) -> None:
    result = run(runner, "policy", "check", str(bootstrap.DEMO_POLICY))

    assert result.exit_code == 0, result.output
    assert "is valid" in result.output
    assert "northwind-service@3" in result.output


def test_policy_check_refuses_a_typo_in_a_condition_with_file_line_and_the_closest_field(
    runner: CliRunner, typo_policy: tuple[Path, int]
) -> None:
    path, line = typo_policy

    result = run(runner, "policy", "check", str(path))

    assert result.exit_code == 1
    assert f"{path}:{line}:" in result.output
    assert "case.severty" in result.output
    assert "did you mean case.severity?" in result.output


def test_policy_check_on_a_missing_file_exits_nonzero_with_the_path(
    runner: CliRunner, tmp_path: Path
) -> None:
    missing = tmp_path / "absent.yaml"

    result = run(runner, "policy", "check", str(missing))

    assert result.exit_code != 0
    assert "absent.yaml" in result.output


# -- serve --------------------------------------------------------------------------------------


def test_serve_refuses_a_bad_policy_with_exit_2_and_touches_no_database(
    runner: CliRunner, typo_policy: tuple[Path, int], tmp_path: Path
) -> None:
    path, line = typo_policy
    database = tmp_path / "served.db"

    result = run(runner, "serve", "--policy", str(path), "--database-url", f"sqlite:///{database}")

    assert result.exit_code == 2
    assert "refused" in result.output
    assert "nothing was applied" in result.output
    assert f"{path}:{line}:" in result.output
    assert "did you mean case.severity?" in result.output
    assert "API docs" not in result.output
    assert not database.exists()


def test_serve_refuses_a_status_link_it_cannot_make_and_touches_no_database(
    runner: CliRunner, tmp_path: Path
) -> None:
    policy = copy_of_demo_policy(tmp_path)
    text = policy.read_text("utf-8").replace("Dear $contact_name,", "Follow $status_link", 1)
    policy.write_text(text, "utf-8")
    database = tmp_path / "served.db"

    result = run(
        runner, "serve", "--policy", str(policy), "--database-url", f"sqlite:///{database}"
    )

    assert result.exit_code == 2
    assert "cannot start" in result.output
    assert "puts $status_link, but CASELOOM_PUBLIC_URL is not set" in result.output
    assert not database.exists()


# -- demo ---------------------------------------------------------------------------------------


def test_demo_runs_a_simulated_day_and_verifies_every_journey(
    runner: CliRunner, tmp_path: Path
) -> None:
    url = f"sqlite:///{tmp_path / 'demo.db'}"

    result = run(runner, "demo", "--cases", "30", "--fresh", "--database-url", url)

    assert result.exit_code == 0, result.output
    assert "30 cases opened" in result.output
    assert "commands were refused" not in result.output
    assert re.search(r"the seed case's field visit: WO-\d{6}: tech-nell", result.output)
    assert "tech-nell: completed" in result.output  # the seed case resolves on the visit
    assert re.search(r"audit: 30 journeys verified, 0 broken", result.output)
    assert (tmp_path / "demo.db").exists()


def test_demo_fresh_refuses_a_database_that_is_not_a_sqlite_file_with_a_message(
    runner: CliRunner,
) -> None:
    url = "postgresql+psycopg://nobody@127.0.0.1:1/none"

    result = runner.invoke(app, ["demo", "--cases", "1", "--fresh", "--database-url", url])

    assert "only deletes a SQLite file" in result.output
    assert result.exit_code == 2
    assert not isinstance(result.exception, CaseloomError)


# -- audit verify -------------------------------------------------------------------------------


def test_audit_verify_passes_an_intact_database(
    runner: CliRunner, populated: tuple[str, list[str]]
) -> None:
    url, _ = populated

    result = run(runner, "audit", "verify", "--database-url", url)

    assert result.exit_code == 0, result.output
    assert "3 journeys verified" in result.output


def test_audit_verify_names_the_case_and_entry_of_an_edited_journey_row(
    runner: CliRunner, populated: tuple[str, list[str]]
) -> None:
    url, refs = populated
    tamper(url, refs[1], seq=2)

    result = run(runner, "audit", "verify", "--database-url", url)

    assert result.exit_code == 1
    assert f"broken: {refs[1]} entry 2" in result.output
    assert "content does not match its hash" in result.output
    assert refs[0] not in result.output
    assert refs[2] not in result.output
    assert "1 of 3 journeys are broken" in result.output


def test_audit_verify_of_one_case_checks_only_that_case(
    runner: CliRunner, populated: tuple[str, list[str]]
) -> None:
    url, refs = populated
    tamper(url, refs[1], seq=2)

    intact = run(runner, "audit", "verify", "--case", refs[0], "--database-url", url)
    broken = run(runner, "audit", "verify", "--case", refs[1], "--database-url", url)

    assert intact.exit_code == 0, intact.output
    assert "1 journeys verified" in intact.output
    assert broken.exit_code == 1
    assert f"{refs[1]} entry 2" in broken.output


def test_audit_verify_of_an_unknown_case_exits_1_with_a_clear_message(
    runner: CliRunner, populated: tuple[str, list[str]]
) -> None:
    url, _ = populated

    result = run(runner, "audit", "verify", "--case", "CS-999999", "--database-url", url)

    assert result.exit_code == 1
    assert "no case CS-999999" in result.output
    assert "verified" not in result.output


def test_audit_verify_closes_its_postgresql_connections(
    runner: CliRunner, postgres_url: str
) -> None:
    gc.collect()  # only what this command leaves behind may be reported below
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result = run(runner, "audit", "verify", "--database-url", postgres_url)
        gc.collect()

    assert result.exit_code == 0, result.output
    assert [str(w.message) for w in caught if issubclass(w.category, ResourceWarning)] == []


# -- worker -------------------------------------------------------------------------------------


def faulty_router() -> commands.OpenCase:
    return commands.OpenCase(
        Channel.EMAIL,
        "Router keeps dropping the connection",
        "My router drops the wifi every evening and the light flashes orange. It is faulty.",
        "Stranger",
        "stranger@example.com",
    )


def waiting_since_this_morning(url: str, policy: Path = bootstrap.DEMO_POLICY) -> str:
    """Tier 1 is away and one case waits in its queue since 09:00 today (long past: the worker
    runs on the wall clock). Returns its reference."""
    config = bootstrap.settings(database_url=url, policy=policy)
    caseloom = bootstrap.bootstrap(config, clock=FakeClock(NOW))
    try:
        caseloom.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
        for rep_id in TIER1:
            caseloom.bus.handle(commands.SetRepPresence(rep_id, Presence.AWAY))
        return str(caseloom.bus.handle(faulty_router()))
    finally:
        caseloom.close()


def case_row(url: str, ref: str) -> dict[str, Any]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            row = conn.execute(
                sa.text("SELECT status, team, owner, relaxed FROM cases WHERE ref = :ref"),
                {"ref": ref},
            ).one()
    finally:
        engine.dispose()
    found = dict(row._mapping)
    if isinstance(found["relaxed"], str):
        found["relaxed"] = json.loads(found["relaxed"])
    return found


def counts_in(output: str) -> dict[str, int]:
    return {name: int(count) for name, count in re.findall(r"(\w+)=(\d+)", output)}


def test_worker_once_takes_the_due_rungs_of_the_ladder_and_prints_the_counts(
    runner: CliRunner, sqlite_url: str
) -> None:
    ref = waiting_since_this_morning(sqlite_url)
    before = case_row(sqlite_url, ref)
    assert (before["status"], before["team"], before["relaxed"]) == ("queued", "tier1", [])

    result = run(runner, "worker", "--once", "--database-url", sqlite_url)

    assert result.exit_code == 0, result.output
    assert result.output.startswith("worker: ")
    counts = counts_in(result.output)
    assert {"offers_lapsed", "rungs_taken", "batch_assigned"} <= counts.keys()
    after = case_row(sqlite_url, ref)
    assert counts["rungs_taken"] == len(after["relaxed"]) > 0
    assert after["relaxed"][0] == "drop_optional_skills"


def test_worker_once_twice_moves_nothing_the_second_time(
    runner: CliRunner, sqlite_url: str
) -> None:
    waiting_since_this_morning(sqlite_url)
    run(runner, "worker", "--once", "--database-url", sqlite_url)

    result = run(runner, "worker", "--once", "--database-url", sqlite_url)

    assert result.exit_code == 0, result.output
    counts = counts_in(result.output)
    assert "rungs_taken" in counts
    assert set(counts.values()) == {0}


def test_worker_once_lapses_an_offer_left_unanswered(
    runner: CliRunner, sqlite_url: str, tmp_path: Path
) -> None:
    policy = policy_with_offers(tmp_path)
    config = bootstrap.settings(database_url=sqlite_url, policy=policy)
    caseloom = bootstrap.bootstrap(config, clock=FakeClock(NOW))
    try:
        caseloom.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
        ref = str(caseloom.bus.handle(faulty_router()))
    finally:
        caseloom.close()
    offered = case_row(sqlite_url, ref)
    assert offered["status"] == "offered"

    result = run(runner, "worker", "--once", "--database-url", sqlite_url, "--policy", str(policy))

    assert result.exit_code == 0, result.output
    assert counts_in(result.output)["offers_lapsed"] == 1
    assert case_row(sqlite_url, ref)["owner"] != offered["owner"]


def test_worker_sweeps_every_interval_until_terminated(sqlite_url: str) -> None:
    ref = waiting_since_this_morning(sqlite_url)
    command = [sys.executable, "-m", "caseloom", "worker", "--interval", "0.2"]
    worker = subprocess.Popen(
        [*command, "--database-url", sqlite_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "500"},
    )
    try:
        deadline = time.monotonic() + 60
        while not case_row(sqlite_url, ref)["relaxed"] and time.monotonic() < deadline:
            time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)
        out, err = worker.communicate(timeout=30)
    finally:
        worker.kill()
        worker.wait()

    assert worker.returncode == 0, err
    assert "routing every 0.2 s" in out
    assert "worker stopped" in out
    assert re.search(r"routing rungs_taken=[1-9]", err), err
    assert case_row(sqlite_url, ref)["relaxed"][0] == "drop_optional_skills"


def test_smtp_takes_mail_into_cases_until_terminated(sqlite_url: str) -> None:
    port = free_port()
    command = [sys.executable, "-m", "caseloom", "smtp", "--listen", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--database-url", sqlite_url],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "COLUMNS": "500"},
    )
    message = EmailMessage()
    message["From"], message["To"] = "hema.patel@example.com", "support@northwind.example"
    message["Subject"], message["Message-ID"] = "Boiler leaking", "<cli-smtp@example.com>"
    message.set_content("Water under the boiler.")
    try:
        reply = _send_when_listening(port, message)
        server.send_signal(signal.SIGTERM)
        out, err = server.communicate(timeout=30)
    finally:
        server.kill()
        server.wait()

    assert server.returncode == 0, err
    assert reply == (250, b"2.0.0 opened CS-000001")
    assert f"SMTP intake on 127.0.0.1:{port} for support@northwind.example" in out
    assert "SMTP intake stopped" in out
    assert case_row(sqlite_url, "CS-000001")["status"] not in ("new", "triage_review")


def _send_when_listening(port: int, message: EmailMessage) -> tuple[int, bytes]:
    deadline = time.monotonic() + 60
    while True:
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
                smtp.ehlo()
                smtp.mail("hema.patel@example.com")
                smtp.rcpt("support@northwind.example")
                return smtp.data(message.as_bytes().replace(b"\n", b"\r\n"))
        except ConnectionRefusedError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


# -- migrate ------------------------------------------------------------------------------------


def test_migrate_brings_an_empty_database_up_to_date(runner: CliRunner, tmp_path: Path) -> None:
    database = tmp_path / "fresh.db"

    result = run(runner, "migrate", "--database-url", f"sqlite:///{database}")

    assert result.exit_code == 0, result.output
    assert "migrated" in result.output
    engine = sa.create_engine(f"sqlite:///{database}")
    try:
        tables = set(sa.inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"cases", "journey", "reps", "alembic_version"} <= tables


def test_migrate_twice_is_harmless(runner: CliRunner, populated: tuple[str, list[str]]) -> None:
    url, _ = populated

    assert run(runner, "migrate", "--database-url", url).exit_code == 0
    assert run(runner, "audit", "verify", "--database-url", url).exit_code == 0


def test_every_command_has_help(runner: CliRunner) -> None:
    for command in (
        [],
        ["demo"],
        ["serve"],
        ["migrate"],
        ["worker"],
        ["policy", "check"],
        ["audit", "verify"],
    ):
        result = run(runner, *command, "--help")
        assert result.exit_code == 0, (command, result.output)
        assert "Usage" in result.output
