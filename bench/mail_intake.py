"""E-mail intake throughput: messages over SMTP into committed, triaged cases, on SQLite.

A real SMTP server (`caseloom.entrypoints.smtp`, aiosmtpd) runs in this process on the demo
policy and organisation, over a fresh SQLite file. Clients in another process (as a sending
mail server would be) send the demo's case texts as MIME messages to support@ over
`connections` persistent SMTP connections at once; a message counts when the server has
answered its DATA, which it does only after the message is stored, read, and its case committed
and triaged, its SLA clocks started, routed and its acknowledgement queued: the whole cascade
runs before the answer. Messages that arrive together are taken in one transaction (group
commit), so throughput grows with the connections a sender opens; one connection measures the
latency of a lone message. Afterwards every case is checked: one per message, each past triage,
every journey intact. Target (issue 7): 200 messages/s or more.
"""

from __future__ import annotations

import argparse
import gc
import multiprocessing
import re
import smtplib
import socket
import tempfile
import threading
import time
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from bench import machine, workload
from bench.report import Outcome, markdown_table
from caseloom import bootstrap
from caseloom.entrypoints.smtp import smtp_server
from caseloom.views import journey as journey_views
from caseloom.views import mail as mail_views

NAME = "mail_intake"
SUPPORT = "support@northwind.example"
TARGET = 200.0  # messages per second
CONNECTIONS = (1, 8, 32)


class BenchmarkFailed(Exception):
    """Intake did not do what the figures rely on."""


def run(cases: int) -> Outcome:
    host = machine.describe(None)
    runs = [_measure(cases, connections) for connections in CONNECTIONS]
    figures = {
        "benchmark": NAME,
        "messages": cases,
        "target_per_second": TARGET,
        "machine": host | {"load_average_after": machine.load_average()},
        "runs": runs,
    }
    return Outcome(NAME, figures, _table(figures))


def _measure(messages: int, connections: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="caseloom-bench-mail-") as directory:
        url = f"sqlite:///{Path(directory) / 'mail.db'}"
        app = bootstrap.bootstrap(
            bootstrap.settings(database_url=url, policy=bootstrap.DEMO_POLICY), serving=True
        )
        try:
            app.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
            gc.freeze()  # as `caseloom smtp` does once started
            texts = [
                (s.opening.subject, s.opening.description) for s in workload.scripts(messages, [])
            ]
            raw = [_message(n, text) for n, text in enumerate(texts)]
            port = _free_port()
            server = smtp_server(app.bus, app.policy.intake.accepts, "127.0.0.1", port)
            server.start()
            try:
                with multiprocessing.get_context("spawn").Pool(1) as clients:
                    seconds, latencies, failures = clients.apply(
                        _send_all, (port, raw, connections)
                    )
            finally:
                server.stop()
            if failures:
                raise BenchmarkFailed(f"{len(failures)} messages were not opened: {failures[:3]}")
            return _checked(app, messages, connections, seconds, latencies)
        finally:
            app.close()


def _message(number: int, text: tuple[str, str]) -> bytes:
    subject, body = text
    message = EmailMessage()
    message["From"] = f"Customer {number} <customer{number}@example.com>"
    message["To"] = SUPPORT
    message["Subject"] = subject
    message["Message-ID"] = f"<bench.{number}@example.com>"
    message.set_content(body)
    return re.sub(rb"\r?\n", b"\r\n", message.as_bytes())


def _send_all(
    port: int, raw: list[bytes], connections: int
) -> tuple[float, list[float], list[str]]:
    """Send every message, `connections` at a time; how long it took, each message's latency
    and what went wrong (run in the clients' process)."""
    latencies: list[float] = []
    failures: list[str] = []
    lock = threading.Lock()

    def client(first: int) -> None:
        try:
            send(first)
        except (OSError, smtplib.SMTPException) as error:
            with lock:
                failures.append(f"connection {first}: {error}")

    def send(first: int) -> None:
        with smtplib.SMTP("127.0.0.1", port, timeout=60) as smtp:
            smtp.ehlo()
            for number in range(first, len(raw), connections):
                began = time.perf_counter()
                smtp.mail(f"customer{number}@example.com")
                smtp.rcpt(SUPPORT)
                code, reply = smtp.data(raw[number])
                took = time.perf_counter() - began
                with lock:
                    latencies.append(took)
                    if code != 250 or b"opened" not in reply:
                        failures.append(f"{number}: {code} {reply.decode()}")

    threads = [threading.Thread(target=client, args=(n,)) for n in range(connections)]
    began = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.perf_counter() - began, latencies, failures


def _checked(
    app: bootstrap.Caseloom, messages: int, connections: int, seconds: float, latencies: list[float]
) -> dict[str, Any]:
    received = mail_views.list_mail(app.store, limit=messages + 1)
    if len(received) != messages or any(m.status != "opened" for m in received):
        raise BenchmarkFailed(f"{len(received)} messages stored for {messages} sent")
    checked, broken = journey_views.verify(app.store)
    if checked != messages or broken:
        raise BenchmarkFailed(f"{checked} journeys checked, {len(broken)} broken")
    ordered = sorted(latencies)
    return {
        "connections": connections,
        "messages": messages,
        "seconds": round(seconds, 3),
        "per_second": round(messages / seconds, 1),
        "p50_ms": round(1000 * ordered[len(ordered) // 2], 1),
        "p99_ms": round(1000 * ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "journeys_verified": checked,
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _table(figures: dict[str, Any]) -> str:
    rows = [
        [
            str(r["connections"]),
            str(r["messages"]),
            f"{r['per_second']:,.1f}",
            f"{r['p50_ms']:.1f}",
            f"{r['p99_ms']:.1f}",
            "yes" if r["per_second"] >= TARGET else "no",
        ]
        for r in figures["runs"]
    ]
    heading = (
        f"### E-mail intake over SMTP to a committed, triaged case (SQLite, target "
        f"{TARGET:.0f}/s)\n\n"
    )
    headers = ["connections", "messages", "messages/s", "p50 ms", "p99 ms", "target met"]
    return heading + markdown_table(headers, rows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.mail_intake", description=__doc__)
    parser.add_argument("--messages", type=int, default=1000)
    parser.add_argument("--save", action="store_true", help="write results/mail_intake.*")
    outcome = run(parser.parse_args().messages)
    print(outcome.table)
    if parser.parse_args().save:
        print("saved", ", ".join(str(p) for p in outcome.save()))


if __name__ == "__main__":
    main()
