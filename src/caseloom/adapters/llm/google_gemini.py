"""Google's Gemini API (`generateContent`) with a JSON response schema.

Unlike the other two SDKs, google-genai lets transport errors through as they are (httpx2's),
and it retries nothing while `HttpRetryOptions` is left unset, which is what we want.
"""

from __future__ import annotations

import json
import re

import httpx2
from google import genai
from google.genai import errors, types

from caseloom.adapters.llm.attempts import (
    TIMED_OUT,
    UNREACHABLE,
    UNREADABLE,
    AttemptFailed,
    Prompt,
    Reply,
    status_failure,
)
from caseloom.domain.policy import LlmSpec

# The API version Google documents structured output (responseJsonSchema) against; pinned so an
# SDK upgrade does not move us to another.
API_VERSION = "v1beta"
_DURATION = re.compile(r"(\d+(?:\.\d+)?)s")  # a protobuf Duration in JSON: "41s", "0.5s"


class GeminiContent:
    def __init__(self, spec: LlmSpec, api_key: str) -> None:
        self._model = spec.model
        options = types.HttpOptions(
            base_url=spec.base_url,  # None: the SDK's own
            api_version=API_VERSION,
            timeout=round(spec.timeout.total_seconds() * 1000),  # milliseconds
        )
        # vertexai=False and the key given: the SDK never picks Vertex AI or a key from GOOGLE_*.
        self._client = genai.Client(vertexai=False, api_key=api_key, http_options=options)

    def send(self, prompt: Prompt) -> Reply:
        config = types.GenerateContentConfig(
            system_instruction=prompt.system,
            response_mime_type="application/json",
            response_json_schema=dict(prompt.schema),
            automatic_function_calling=types.AutomaticFunctionCallingConfig(disable=True),
        )
        try:
            response = self._client.models.generate_content(
                model=self._model, contents=prompt.text, config=config
            )
        except httpx2.TimeoutException:
            raise AttemptFailed(TIMED_OUT, retryable=True) from None
        except httpx2.TransportError:
            raise AttemptFailed(UNREACHABLE, retryable=True) from None
        except errors.APIError as error:
            headers = error.response.headers if error.response is not None else {}
            raise status_failure(error.code, headers, _retry_delay(error.details)) from None
        except json.JSONDecodeError:  # a 200 whose body is not JSON: a proxy's page, say
            raise AttemptFailed(UNREADABLE, retryable=True) from None
        return _reply(response)

    def close(self) -> None:
        self._client.close()


def _reply(response: types.GenerateContentResponse) -> Reply:
    usage = response.usage_metadata
    tokens = (0, 0)
    if usage is not None:
        thinking = usage.thoughts_token_count or 0  # billed as output
        tokens = (usage.prompt_token_count or 0, (usage.candidates_token_count or 0) + thinking)
    text = response.text
    if text is None:
        return Reply(None, *tokens, missing=f"no text ({_why_empty(response)})")
    return Reply(text, *tokens)


def _retry_delay(body: object) -> float | None:
    """Gemini says how long to wait in the error's RetryInfo ("retryDelay": "41s"), not a header."""
    error = body.get("error", body) if isinstance(body, dict) else {}
    for detail in error.get("details") or ():
        if isinstance(detail, dict) and str(detail.get("@type")).endswith("google.rpc.RetryInfo"):
            delay = _DURATION.fullmatch(str(detail.get("retryDelay")))
            return float(delay.group(1)) if delay else None
    return None


def _why_empty(response: types.GenerateContentResponse) -> str:
    if response.prompt_feedback and response.prompt_feedback.block_reason:
        return f"blocked: {response.prompt_feedback.block_reason}"
    if response.candidates and response.candidates[0].finish_reason:
        return f"finish reason {response.candidates[0].finish_reason}"
    return "no candidates"
