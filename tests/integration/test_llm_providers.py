"""Each LLM provider through its real SDK, over HTTP, against a local server speaking its API."""

from __future__ import annotations

import time
import traceback
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest

from caseloom.adapters.llm import Backoff, RemoteLlm, make_provider
from caseloom.domain.errors import InvalidInput
from caseloom.domain.policy import LlmProviderKind, LlmSpec
from caseloom.domain.triage import (
    SENTIMENTS,
    URGENCIES,
    LlmUnavailable,
    Signal,
    SignalQuestion,
)
from tests.factories import NOW
from tests.fakes import FakeClock
from tests.llm_servers import (
    Answer,
    AnthropicWire,
    Fail,
    GoogleWire,
    LlmServer,
    Malformed,
    NotJson,
    OpenAiWire,
    Stall,
    Wire,
)
from tests.network import free_port

KEY = "sk-test-4f1c9a7e2b8d4c61"
TEXT = (
    "The boiler is leaking all over the kitchen floor! Call me on 07700 900123 or write to "
    "ann.smith@example.com. I paid the £120.50 call-out with card 4111 1111 1111 1111."
)
ASKED = (
    SignalQuestion("urgency", "label", URGENCIES),
    SignalQuestion("sentiment", "label", SENTIMENTS),
    SignalQuestion("on_site_required", "boolean"),
    SignalQuestion("language", "language"),
)
GOOD = {
    "urgency": {"value": "high", "confidence": 0.9},
    "sentiment": {"value": "negative", "confidence": 0.8},
    "on_site_required": {"value": True, "confidence": 0.95},
    "language": {"value": "en", "confidence": 1},
}
TIMEOUT = timedelta(seconds=0.2)
LONGER_THAN_TIMEOUT = 1.0
FAST = Backoff(first=0.01, longest=0.02, longest_asked=1.0)
PROVIDERS: dict[str, tuple[LlmProviderKind, Wire, str]] = {  # kind, its wire, base URL path
    "openai": (LlmProviderKind.OPENAI, OpenAiWire(), "/v1"),
    "openai-compatible": (LlmProviderKind.OPENAI_COMPATIBLE, OpenAiWire(), "/v1"),
    "anthropic": (LlmProviderKind.ANTHROPIC, AnthropicWire(), ""),
    "google": (LlmProviderKind.GOOGLE, GoogleWire(), ""),
}
KEY_HEADERS = {
    "openai": ("authorization", f"Bearer {KEY}"),
    "openai-compatible": ("authorization", f"Bearer {KEY}"),
    "anthropic": ("authorization", f"Bearer {KEY}"),  # what anthropic 2.14 sends, not x-api-key
    "google": ("x-goog-api-key", KEY),
}

Connect = Callable[..., RemoteLlm]


@pytest.fixture(params=list(PROVIDERS))
def provider(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def server(provider: str) -> Iterator[LlmServer]:
    with LlmServer(PROVIDERS[provider][1]) as server:
        yield server


@pytest.fixture
def connect(provider: str, server: LlmServer, clock: FakeClock) -> Iterator[Connect]:
    """Makes the provider against `server`, with spec fields changed as given; closes it after."""
    made: list[RemoteLlm] = []

    def connect(**changes: Any) -> RemoteLlm:
        spec = replace(spec_for(provider, server.url), **changes)
        made.append(make_provider(spec, KEY, clock, backoff=FAST))
        return made[-1]

    yield connect
    for llm in made:
        llm.close()


def spec_for(provider: str, url: str) -> LlmSpec:
    kind, _, path = PROVIDERS[provider]
    return LlmSpec(
        kind,
        "test-model",
        base_url=f"{url}{path}",
        timeout=TIMEOUT,
        retries=2,
        input_price=0.15,
        output_price=0.60,
        breaker_failures=2,
        breaker_cooldown=timedelta(seconds=60),
    )


def test_a_good_answer_becomes_typed_signals_with_tokens_and_cost(
    provider: str, server: LlmServer, connect: Connect
) -> None:
    server.script(Answer(GOOD, input_tokens=1200, output_tokens=300))
    answer = connect().classify(TEXT, ASKED)

    source = f"llm:{provider}/test-model"
    assert answer.signals == {
        "urgency": Signal("high", 0.9, source=source),
        "sentiment": Signal("negative", 0.8, source=source),
        "on_site_required": Signal(True, 0.95, source=source),
        "language": Signal("en", 1.0, source=source),
    }
    call = answer.call
    assert (call.provider, call.outcome, call.attempts) == (f"{provider}/test-model", "answered", 1)
    assert (call.input_tokens, call.output_tokens) == (1200, 300)
    assert call.cost == pytest.approx((1200 * 0.15 + 300 * 0.60) / 1_000_000)


def test_personal_data_is_redacted_before_sending_and_the_key_goes_in_the_providers_header(
    provider: str, server: LlmServer, connect: Connect
) -> None:
    server.script(Answer(GOOD))
    call = connect().classify(TEXT, ASKED).call

    (request,) = server.requests
    sent = server.wire.text_of(request.body)
    assert sent == (
        "The boiler is leaking all over the kitchen floor! Call me on [phone] or write to "
        "[email]. I paid the £120.50 call-out with card [card]."
    )
    assert call.redacted == ("email", "phone", "card")
    header, value = KEY_HEADERS[provider]
    assert request.headers[header] == value


def test_the_answer_schema_is_sent_as_structured_output(
    server: LlmServer, connect: Connect
) -> None:
    server.script(Answer({"urgency": GOOD["urgency"]}))
    connect().classify(TEXT, ASKED[:1])

    schema = server.wire.schema_of(server.requests[0].body)
    assert schema == {
        "type": "object",
        "properties": {
            "urgency": {
                "type": "object",
                "properties": {
                    "value": {"type": "string", "enum": list(URGENCIES)},
                    "confidence": {"type": "number", "minimum": 0, "maximum": 1},
                },
                "required": ["value", "confidence"],
                "additionalProperties": False,
            }
        },
        "required": ["urgency"],
        "additionalProperties": False,
    }


def test_a_timeout_then_an_answer_takes_two_attempts(server: LlmServer, connect: Connect) -> None:
    server.script(Stall(LONGER_THAN_TIMEOUT), Answer(GOOD, input_tokens=100, output_tokens=20))
    call = connect().classify(TEXT, ASKED).call

    assert (call.outcome, call.attempts) == ("answered", 2)
    assert (call.input_tokens, call.output_tokens) == (100, 20)  # a timed-out attempt costs none
    assert call.latency_ms >= TIMEOUT.total_seconds() * 1000


def test_a_rate_limit_then_an_answer_waits_as_the_server_asks(
    server: LlmServer, connect: Connect
) -> None:
    server.script(Fail(429, retry_after="0.2"), Answer(GOOD))
    started = time.perf_counter()
    call = connect().classify(TEXT, ASKED).call

    assert (call.outcome, call.attempts) == ("answered", 2)
    assert time.perf_counter() - started >= 0.2
    assert len(server.requests) == 2


@pytest.mark.parametrize(
    "malformed",
    [
        Malformed("Sure! The urgency is high and the customer is upset."),
        Answer({**GOOD, "urgency": {"value": "whenever", "confidence": 0.9}}),
    ],
    ids=["prose", "not-a-choice"],
)
def test_a_malformed_answer_then_a_good_one_takes_two_attempts(
    server: LlmServer, connect: Connect, malformed: Answer | Malformed
) -> None:
    server.script(malformed, Answer(GOOD))
    call = connect().classify(TEXT, ASKED).call

    assert (call.outcome, call.attempts) == ("answered", 2)
    assert call.input_tokens == malformed.input_tokens + 120  # the bad answer was paid for too


# Validation is the same for every provider, so one is enough to see what each mistake reads as.
@pytest.mark.parametrize("provider", ["openai-compatible"])
@pytest.mark.parametrize(
    ("answer", "problem"),
    [
        (
            Malformed("Sure! The urgency is high."),
            "Invalid JSON: expected value at line 1 column 1",
        ),
        (
            Answer({**GOOD, "urgency": {"value": "whenever", "confidence": 0.9}}),
            "urgency cannot be 'whenever'; it is one of critical, high, normal, low",
        ),
        (
            Answer({**GOOD, "language": {"value": "English", "confidence": 0.9}}),
            "language cannot be 'English'; it is a two-letter ISO 639-1 code such as en",
        ),
        (
            Answer({**GOOD, "on_site_required": {"value": "yes", "confidence": 0.9}}),
            "on_site_required cannot be 'yes'; it is true or false",
        ),
        (
            Answer({**GOOD, "sentiment": {"value": "negative", "confidence": 1.5}}),
            "sentiment.confidence: Input should be less than or equal to 1",
        ),
        (
            Answer({name: signal for name, signal in GOOD.items() if name != "sentiment"}),
            "sentiment: Field required",
        ),
        (
            Answer({**GOOD, "mood": {"value": "grumpy", "confidence": 0.5}}),
            "mood: Extra inputs are not permitted",
        ),
        (Answer([1, 2]), "Input should be an object"),  # type: ignore[arg-type]
    ],
    ids=[
        "prose",
        "not-a-choice",
        "not-iso-639-1",
        "not-boolean",
        "confidence-out-of-range",
        "missing",
        "extra",
        "not-an-object",
    ],
)
def test_a_malformed_answer_says_what_is_wrong(
    server: LlmServer, connect: Connect, answer: Answer | Malformed, problem: str
) -> None:
    server.script(answer)
    with pytest.raises(LlmUnavailable) as raised:
        connect(retries=0).classify(TEXT, ASKED)

    assert raised.value.call.outcome == f"malformed answer after 1 attempt: {problem}"


@pytest.mark.parametrize(
    ("failure", "outcome"),
    [
        (Fail(500), "HTTP 500 after 3 attempts"),
        (Fail(429), "HTTP 429 after 3 attempts"),
        (Stall(LONGER_THAN_TIMEOUT), "timed out after 3 attempts"),
        (Answer({"urgency": {"value": "soon", "confidence": 0.9}}), "malformed answer after 3 "),
        (NotJson(), "unreadable response after 3 attempts"),
    ],
    ids=["server-error", "rate-limit", "timeout", "malformed", "not-json"],
)
def test_exhausted_retries_raise_llm_unavailable_with_the_reason_and_attempts(
    provider: str,
    server: LlmServer,
    connect: Connect,
    failure: Fail | Stall | Answer | NotJson,
    outcome: str,
) -> None:
    server.script(failure, failure, failure)
    with pytest.raises(LlmUnavailable) as raised:
        connect().classify(TEXT, ASKED[:1])

    call = raised.value.call
    assert call.outcome.startswith(outcome)
    assert call.attempts == 3
    assert call.redacted == ("email", "phone", "card")
    assert str(raised.value) == f"{provider}/test-model: {call.outcome}"
    assert len(server.requests) == 3


def test_a_client_error_is_not_retried(server: LlmServer, connect: Connect) -> None:
    server.script(Fail(400, message="bad request"))
    with pytest.raises(LlmUnavailable) as raised:
        connect().classify(TEXT, ASKED)

    assert (raised.value.call.outcome, raised.value.call.attempts) == (
        "HTTP 400 after 1 attempt",
        1,
    )
    assert len(server.requests) == 1


def test_an_unreachable_server_is_a_connection_failure(provider: str, clock: FakeClock) -> None:
    port = free_port()
    spec = spec_for(provider, f"http://127.0.0.1:{port}")
    with (
        make_provider(spec, KEY, clock, backoff=FAST) as llm,
        pytest.raises(LlmUnavailable) as raised,
    ):
        llm.classify(TEXT, ASKED)

    assert raised.value.call.outcome == "connection failed after 3 attempts"


def test_the_breaker_opens_after_consecutive_failed_calls_and_closes_after_a_good_trial(
    server: LlmServer, connect: Connect, clock: FakeClock
) -> None:
    llm = connect(retries=0)  # breaker: 2 failed calls, 60 seconds
    server.script(Fail(500), Fail(500))
    for _ in range(2):
        with pytest.raises(LlmUnavailable):
            llm.classify(TEXT, ASKED)

    with pytest.raises(LlmUnavailable) as raised:
        llm.classify(TEXT, ASKED)
    assert raised.value.call.outcome == "circuit open until 2026-11-26T09:01:00+00:00"
    assert raised.value.call.attempts == 0
    assert len(server.requests) == 2  # the open circuit sent nothing

    clock.advance(timedelta(seconds=60))
    server.script(Answer(GOOD), Fail(500), Answer(GOOD))
    assert llm.classify(TEXT, ASKED).call.answered  # the trial call
    with pytest.raises(LlmUnavailable):
        llm.classify(TEXT, ASKED)  # one failure again: still closed
    assert llm.classify(TEXT, ASKED).call.answered


def test_a_failed_trial_opens_the_circuit_for_another_cooldown(
    server: LlmServer, connect: Connect, clock: FakeClock
) -> None:
    llm = connect(retries=0)
    server.script(Fail(503), Fail(503), Fail(503))
    for _ in range(2):
        with pytest.raises(LlmUnavailable):
            llm.classify(TEXT, ASKED)
    clock.advance(timedelta(seconds=61))

    with pytest.raises(LlmUnavailable) as trial:
        llm.classify(TEXT, ASKED)
    with pytest.raises(LlmUnavailable) as after:
        llm.classify(TEXT, ASKED)

    assert trial.value.call.outcome == "HTTP 503 after 1 attempt"
    assert after.value.call.outcome == "circuit open until 2026-11-26T09:02:01+00:00"
    assert len(server.requests) == 3


def test_the_key_appears_in_neither_the_call_nor_the_error(
    server: LlmServer, connect: Connect
) -> None:
    echoed = f"Incorrect API key provided: {KEY}. You can find your API key in your account."
    server.script(Answer(GOOD), Fail(401, message=echoed))
    llm = connect()

    answered = llm.classify(TEXT, ASKED).call
    with pytest.raises(LlmUnavailable) as raised:
        llm.classify(TEXT, ASKED)

    told = "".join(traceback.format_exception(raised.value))
    for text in (repr(answered), str(answered.journey()), repr(raised.value.call), told):
        assert KEY not in text
    assert raised.value.call.outcome == "HTTP 401 after 1 attempt"


def test_an_openai_compatible_server_needs_no_key(clock: FakeClock) -> None:
    with LlmServer(OpenAiWire()) as server:
        server.script(Answer(GOOD))
        spec = spec_for("openai-compatible", server.url)
        with make_provider(spec, None, clock) as llm:
            assert llm.classify(TEXT, ASKED).call.answered
        assert server.requests[0].headers["authorization"] == "Bearer no-key"


@pytest.mark.parametrize(
    ("spec", "key", "problem"),
    [
        (LlmSpec(LlmProviderKind.OPENAI, "gpt-4o-mini"), None, "no API key was given"),
        (LlmSpec(LlmProviderKind.ANTHROPIC, "claude"), "", "no API key was given"),
        (LlmSpec(LlmProviderKind.GOOGLE, "gemini"), None, "no API key was given"),
        (LlmSpec(LlmProviderKind.OPENAI_COMPATIBLE, "llama"), None, "needs a base_url"),
    ],
)
def test_a_provider_is_refused_without_what_it_needs(
    spec: LlmSpec, key: str | None, problem: str
) -> None:
    with pytest.raises(InvalidInput, match=problem):
        make_provider(spec, key, FakeClock(NOW))
