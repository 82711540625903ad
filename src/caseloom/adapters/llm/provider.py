"""An LLM provider as the Triage agent sees it: redaction, retries and the breaker around one
SDK endpoint, and every call recorded as an `LlmCall` for the journey."""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Self

from caseloom.adapters.llm.answers import INSTRUCTION, answer_schema, read_signals
from caseloom.adapters.llm.attempts import (
    AttemptFailed,
    Backoff,
    Endpoint,
    Prompt,
    Reply,
)
from caseloom.adapters.llm.breaker import CircuitBreaker
from caseloom.adapters.llm.redaction import redact
from caseloom.domain.policy import LlmSpec
from caseloom.domain.triage import LlmAnswer, LlmCall, LlmUnavailable, Signal, SignalQuestion
from caseloom.service_layer.ports import Clock


@dataclass(slots=True)
class _Tally:
    """What a call has cost so far, over all its attempts."""

    started: float  # time.perf_counter() at the start
    attempts: int = 0
    input_tokens: int = 0
    output_tokens: int = 0

    def count(self, reply: Reply) -> None:
        self.input_tokens += reply.input_tokens
        self.output_tokens += reply.output_tokens


class RemoteLlm:
    """An `LlmProvider`. Safe to share between threads; `close` it when done."""

    def __init__(self, spec: LlmSpec, endpoint: Endpoint, clock: Clock, backoff: Backoff) -> None:
        self._spec = spec
        self._endpoint = endpoint
        self._backoff = backoff
        self._breaker = CircuitBreaker(spec.breaker_failures, spec.breaker_cooldown, clock)

    @property
    def label(self) -> str:
        return self._spec.label

    def classify(self, text: str, asked: tuple[SignalQuestion, ...]) -> LlmAnswer:
        refusal = self._breaker.refusal()
        if refusal is not None:
            raise LlmUnavailable(LlmCall(self.label, refusal, attempts=0))
        answered = False
        try:
            answer = self._ask(text, asked)
            answered = True
        finally:
            self._breaker.record(answered)
        return answer

    def close(self) -> None:
        self._endpoint.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def _ask(self, text: str, asked: tuple[SignalQuestion, ...]) -> LlmAnswer:
        clean, redacted = redact(text, self._spec.redact)
        prompt = Prompt(INSTRUCTION, clean, answer_schema(asked))
        tally = _Tally(started=time.perf_counter())
        try:
            signals = self._retrying(prompt, asked, tally)
        except AttemptFailed as failure:
            outcome = failure.outcome(tally.attempts)
        else:
            return LlmAnswer(signals, self._call("answered", tally, redacted))
        # Raised outside the except block so that no SDK error (whose text may quote the
        # response) rides along as the context.
        raise LlmUnavailable(self._call(outcome, tally, redacted))

    def _retrying(
        self, prompt: Prompt, asked: tuple[SignalQuestion, ...], tally: _Tally
    ) -> dict[str, Signal]:
        retry = 0
        while True:
            try:
                return self._attempt(prompt, asked, tally)
            except AttemptFailed as failure:
                if not failure.retryable or retry >= self._spec.retries:
                    raise
                time.sleep(self._backoff.pause(retry, failure.retry_after))
                retry += 1

    def _attempt(
        self, prompt: Prompt, asked: tuple[SignalQuestion, ...], tally: _Tally
    ) -> dict[str, Signal]:
        tally.attempts += 1
        reply = self._endpoint.send(prompt)
        tally.count(reply)
        return read_signals(reply, asked, source=f"llm:{self.label}")

    def _call(self, outcome: str, tally: _Tally, redacted: tuple[str, ...]) -> LlmCall:
        return LlmCall(
            provider=self.label,
            outcome=outcome,
            attempts=tally.attempts,
            input_tokens=tally.input_tokens,
            output_tokens=tally.output_tokens,
            latency_ms=(time.perf_counter() - tally.started) * 1000,
            cost=self._cost(tally),
            redacted=redacted,
        )

    def _cost(self, tally: _Tally) -> float | None:
        spec = self._spec
        if spec.input_price is None and spec.output_price is None:
            return None
        spent = tally.input_tokens * (spec.input_price or 0.0)
        spent += tally.output_tokens * (spec.output_price or 0.0)
        return spent / 1_000_000  # prices are per million tokens
