"""OpenAI's Chat Completions, and any server that speaks it (vLLM, Ollama, ...).

Structured output: `response_format` of type json_schema with `strict`, so the model's tokens are
constrained to the schema where the server supports it.
"""

from __future__ import annotations

import openai
from openai.types.chat import ChatCompletion

from caseloom.adapters.llm.attempts import (
    UNREADABLE,
    AttemptFailed,
    Prompt,
    Reply,
    stainless_errors,
)
from caseloom.domain.policy import LlmSpec

OPENAI_URL = "https://api.openai.com/v1"
# The SDK refuses to start without a key; a local server that wants none ignores this one.
NO_KEY = "no-key"


class OpenAiChat:
    def __init__(self, spec: LlmSpec, api_key: str | None) -> None:
        self._model = spec.model
        # The key and the URL are always given, so the SDK never falls back to OPENAI_* variables.
        self._client = openai.OpenAI(
            api_key=api_key or NO_KEY,
            base_url=spec.base_url or OPENAI_URL,
            timeout=spec.timeout.total_seconds(),
            max_retries=0,
        )

    def send(self, prompt: Prompt) -> Reply:
        with stainless_errors(openai):
            completion = self._client.chat.completions.create(
                model=self._model,
                messages=[
                    {"role": "system", "content": prompt.system},
                    {"role": "user", "content": prompt.text},
                ],
                response_format={
                    "type": "json_schema",
                    "json_schema": {
                        "name": "signals",
                        "strict": True,
                        "schema": dict(prompt.schema),
                    },
                },
            )
        # The SDK hands back the body as text when it is not JSON.
        if not isinstance(completion, ChatCompletion):
            raise AttemptFailed(UNREADABLE, retryable=True)
        return _reply(completion)

    def close(self) -> None:
        self._client.close()


def _reply(completion: ChatCompletion) -> Reply:
    usage = completion.usage
    tokens = (usage.prompt_tokens, usage.completion_tokens) if usage else (0, 0)
    if not completion.choices:
        return Reply(None, *tokens, missing="no choices in the response")
    choice = completion.choices[0]
    if choice.message.refusal:
        return Reply(None, *tokens, missing="the model refused")
    if choice.message.content is None:
        return Reply(None, *tokens, missing=f"no content (finish reason {choice.finish_reason})")
    return Reply(choice.message.content, *tokens)
