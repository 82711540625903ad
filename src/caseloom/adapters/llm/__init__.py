"""The LLM a team brings, behind the `LlmProvider` port: OpenAI, Anthropic, Google, or any server
that speaks OpenAI's Chat Completions.

Each provider uses its official SDK for one request at a time (`openai_chat`,
`anthropic_messages`, `google_gemini`); `provider.RemoteLlm` adds what all share: redaction of
personal data, the answer's schema and its validation, retries, the circuit breaker and the
`LlmCall` for the journey.
"""

from __future__ import annotations

from caseloom.adapters.llm.attempts import DEFAULT_BACKOFF, Backoff, Endpoint
from caseloom.adapters.llm.provider import RemoteLlm
from caseloom.adapters.llm.redaction import redact
from caseloom.domain.errors import InvalidInput
from caseloom.domain.policy import LlmProviderKind, LlmSpec
from caseloom.service_layer.ports import Clock

__all__ = ["Backoff", "RemoteLlm", "make_provider", "redact"]


def make_provider(
    spec: LlmSpec, api_key: str | None, clock: Clock, *, backoff: Backoff = DEFAULT_BACKOFF
) -> RemoteLlm:
    """The provider `spec` names. `api_key` may be None only for an OpenAI-compatible server."""
    return RemoteLlm(spec, _endpoint(spec, api_key), clock, backoff)


def _endpoint(spec: LlmSpec, api_key: str | None) -> Endpoint:
    # Each SDK is imported only when a policy chooses it: together they take seconds to import.
    match spec.provider:
        case LlmProviderKind.OPENAI_COMPATIBLE:
            if not spec.base_url:
                raise InvalidInput(f"{spec.label}: an OpenAI-compatible provider needs a base_url")
            from caseloom.adapters.llm.openai_chat import OpenAiChat  # noqa: PLC0415

            return OpenAiChat(spec, api_key)
        case LlmProviderKind.OPENAI:
            from caseloom.adapters.llm.openai_chat import OpenAiChat  # noqa: PLC0415

            return OpenAiChat(spec, _needed(spec, api_key))
        case LlmProviderKind.ANTHROPIC:
            from caseloom.adapters.llm.anthropic_messages import AnthropicMessages  # noqa: PLC0415

            return AnthropicMessages(spec, _needed(spec, api_key))
        case LlmProviderKind.GOOGLE:
            from caseloom.adapters.llm.google_gemini import GeminiContent  # noqa: PLC0415

            return GeminiContent(spec, _needed(spec, api_key))
    raise InvalidInput(f"unknown LLM provider {spec.provider!r}")


def _needed(spec: LlmSpec, api_key: str | None) -> str:
    if not api_key:
        raise InvalidInput(f"{spec.label}: no API key was given")
    return api_key
