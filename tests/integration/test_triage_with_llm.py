"""The whole flow with a team's own LLM, over HTTP to a local server speaking OpenAI's wire
format: asked only where the local model is unsure, and its failure visible on the journey."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import make_url

from caseloom import bootstrap
from caseloom.bootstrap import Caseloom
from caseloom.domain import commands
from caseloom.domain.case import Channel
from caseloom.views import cases, journey
from tests.factories import copy_of_demo_policy
from tests.fakes import FakeClock
from tests.llm_servers import Answer, Fail, LlmServer, OpenAiWire

# Locks that another session holds on this test's tables (its schema) on PostgreSQL.
HELD_LOCKS = sa.text(
    "select count(*) from pg_locks l join pg_class c on c.oid = l.relation "
    "join pg_namespace n on n.oid = c.relnamespace "
    "where n.nspname = current_schema() and l.pid <> pg_backend_pid()"
)

UNSURE = commands.OpenCase(  # the demo's intent model cannot tell what this is
    Channel.EMAIL,
    "Router lights flashing orange",
    "The router shows an orange light now and then.",
    "Jack O'Connor",
    "jack.oconnor@example.com",
)
LLM_SECTION = """\
  llm:
    provider: openai-compatible
    model: llama3.1
    base_url: {url}/v1
    timeout: 2s
    retries: 1
    price: {{input: 0.5, output: 1.5}}
"""


@pytest.fixture
def server() -> Iterator[LlmServer]:
    with LlmServer(OpenAiWire()) as server:
        yield server


@pytest.fixture
def app(
    database_url: str, clock: FakeClock, server: LlmServer, tmp_path: Path
) -> Iterator[Caseloom]:
    policy = copy_of_demo_policy(tmp_path)
    text = policy.read_text("utf-8")
    text = text.replace(
        "  review: [intent]", LLM_SECTION.format(url=server.url) + "  review: [intent]"
    )
    policy.write_text(text, "utf-8")
    config = bootstrap.settings(database_url=database_url, policy=policy, llm_api_key="sk-local")
    caseloom = bootstrap.bootstrap(config, clock=clock)
    caseloom.load_organisation(bootstrap.DEMO_POLICY.parent / "organisation.yaml")
    yield caseloom
    caseloom.close()


def test_the_llm_reads_what_the_local_model_was_unsure_of_and_its_cost_is_on_the_journey(
    app: Caseloom, server: LlmServer, clock: FakeClock
) -> None:
    server.script(Answer({"intent": {"value": "fault", "confidence": 0.9}}, 200, 20))
    ref = str(app.bus.handle(UNSURE))
    case = cases.get_case(app.store, ref, clock.now())
    assert case.status in {"assigned", "queued"}
    assert case.triage is not None
    assert case.triage.signals["intent"].source == "llm:openai-compatible/llama3.1"
    assert case.triage.llm is not None
    assert case.triage.llm["outcome"] == "answered"
    assert case.triage.llm["cost"] == pytest.approx((200 * 0.5 + 20 * 1.5) / 1_000_000)
    (request,) = server.requests
    assert "orange light" in str(request.body)
    assert "jack.oconnor@example.com" not in str(request.body)


def test_when_the_llm_answers_429_the_case_goes_to_review_and_the_journey_says_why(
    app: Caseloom, server: LlmServer, clock: FakeClock
) -> None:
    server.script(Fail(429, retry_after="0"), Fail(429, retry_after="0"))
    ref = str(app.bus.handle(UNSURE))
    assert cases.get_case(app.store, ref, clock.now()).status == "triage_review"
    entry = journey.case_journey(app.store, ref)[1]
    assert entry.inputs["llm"]["outcome"] == "HTTP 429 after 2 attempts"  # type: ignore[index]
    assert (
        "openai-compatible/llama3.1: HTTP 429 after 2 attempts: a person reviews it" in entry.reason
    )


def test_a_case_the_local_model_is_sure_of_never_reaches_the_llm(
    app: Caseloom, server: LlmServer, clock: FakeClock
) -> None:
    app.bus.handle(
        commands.OpenCase(
            Channel.EMAIL,
            "Charged twice this month",
            "I have been charged twice for my March bill. Please refund the second payment.",
            "Grace Liu",
            "grace@milllanecafe.co.uk",
        )
    )
    assert server.requests == []


def test_a_burst_is_not_taken_in_one_transaction_when_the_llm_may_be_asked(
    app: Caseloom, server: LlmServer, database_url: str, clock: FakeClock
) -> None:
    """A call may take seconds: no transaction is open while it is made, so nothing else
    waits for the database meanwhile (SQLite's one writer above all)."""
    held: list[bool] = []
    server.on_request = lambda: held.append(_transaction_open(database_url))
    server.script(*[Answer({"intent": {"value": "fault", "confidence": 0.9}}, 200, 20)] * 3)
    burst = [
        commands.OpenCase(
            UNSURE.channel, UNSURE.subject, UNSURE.description, name, f"{name.lower()}@example.com"
        )
        for name in ("Ann", "Ben", "Cat")
    ]

    refs = app.bus.handle_all(burst)

    assert held == [False, False, False]
    for ref in refs:
        case = cases.get_case(app.store, str(ref), clock.now())
        assert case.triage is not None
        assert case.triage.signals["intent"].source == "llm:openai-compatible/llama3.1"


def _transaction_open(url: str) -> bool:
    """Whether another connection holds a transaction on the database at `url`."""
    if url.startswith("sqlite"):
        with sqlite3.connect(str(make_url(url).database), timeout=0) as probe:
            try:
                probe.execute("begin immediate")  # the one writer's lock, not waited for
            except sqlite3.OperationalError:
                return True
            probe.rollback()
            return False
    engine = sa.create_engine(url)
    try:
        with engine.connect() as probe:
            return bool(probe.execute(HELD_LOCKS).scalar_one())
    finally:
        engine.dispose()
