"""Anthropic's Messages API. The answer comes as the input of a tool the model is made to call,
whose input schema is the answer's schema."""

from __future__ import annotations

import anthropic
from anthropic.types import Message, ToolUseBlock

from caseloom.adapters.llm.attempts import (
    UNREADABLE,
    AttemptFailed,
    Prompt,
    Reply,
    stainless_errors,
)
from caseloom.domain.policy import LlmSpec

ANTHROPIC_URL = "https://api.anthropic.com"
TOOL = "record_signals"
_MAX_TOKENS = 1024  # a handful of signals is well under a hundred tokens


class AnthropicMessages:
    def __init__(self, spec: LlmSpec, api_key: str) -> None:
        self._model = spec.model
        # The key and the URL are always given, so the SDK never reads ANTHROPIC_* variables or
        # profiles for them.
        self._client = anthropic.Anthropic(
            api_key=api_key,
            base_url=spec.base_url or ANTHROPIC_URL,
            timeout=spec.timeout.total_seconds(),
            max_retries=0,
        )

    def send(self, prompt: Prompt) -> Reply:
        with stainless_errors(anthropic):
            message = self._client.messages.create(
                model=self._model,
                max_tokens=_MAX_TOKENS,
                system=prompt.system,
                messages=[{"role": "user", "content": prompt.text}],
                tools=[
                    {
                        "name": TOOL,
                        "description": "Record the signals read from the customer's message.",
                        "input_schema": dict(prompt.schema),
                    }
                ],
                tool_choice={"type": "tool", "name": TOOL},
            )
        # The SDK hands back the body as text when it is not JSON.
        if not isinstance(message, Message):
            raise AttemptFailed(UNREADABLE, retryable=True)
        return _reply(message)

    def close(self) -> None:
        self._client.close()


def _reply(message: Message) -> Reply:
    usage = message.usage
    cached = (usage.cache_creation_input_tokens or 0) + (usage.cache_read_input_tokens or 0)
    tokens = (usage.input_tokens + cached, usage.output_tokens)
    calls = [b for b in message.content if isinstance(b, ToolUseBlock) and b.name == TOOL]
    if not calls:
        return Reply(None, *tokens, missing=f"no {TOOL} call (stop reason {message.stop_reason})")
    return Reply(calls[0].input, *tokens)
