"""What we ask an LLM for (a JSON schema built from the questions) and how its answer is checked.

The schema keeps to the JSON Schema subset that all three APIs accept in structured output
(type, enum, minimum, maximum, properties, required, additionalProperties, description), so one
schema serves every provider. The answer is still validated here: a provider's promise to follow
the schema is not a reason to let a wrong value into a case. Pydantic checks the answer's shape;
each value is checked by the domain's own rule for its signal (`SignalQuestion.check`).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError, create_model

from caseloom.adapters.llm.attempts import AttemptFailed, Reply
from caseloom.domain.errors import InvalidInput
from caseloom.domain.triage import Signal, SignalQuestion

INSTRUCTION = (
    "You classify a customer's message to a service desk into the signals of the given schema. "
    "Answer only with JSON matching the schema. For each signal give `value` and `confidence`: "
    "your probability, from 0 to 1, that the value is right."
)

_CONFIDENCE = Annotated[float, Strict(), Field(ge=0, le=1)]
_FORBID_EXTRA = ConfigDict(extra="forbid")
_MOST_PROBLEMS_SHOWN = 3


class MalformedAnswer(AttemptFailed):
    def __init__(self, what: str) -> None:
        super().__init__("malformed answer", retryable=True, detail=what)


def answer_schema(asked: tuple[SignalQuestion, ...]) -> dict[str, object]:
    """The JSON schema of an answer to `asked`: each signal an object of value and confidence."""
    return _object({question.name: _signal_schema(question) for question in asked})


def read_signals(reply: Reply, asked: tuple[SignalQuestion, ...], source: str) -> dict[str, Signal]:
    """The signals in `reply`, or `MalformedAnswer` saying what is wrong with it."""
    if reply.answer is None:
        raise MalformedAnswer(reply.missing or "no answer")
    model = _answer_model(asked)
    try:
        if isinstance(reply.answer, str):
            answer = model.model_validate_json(reply.answer)
        else:
            answer = model.model_validate(reply.answer)
    except ValidationError as error:
        raise MalformedAnswer(_problems(error)) from None
    signals: dict[str, dict[str, Any]] = answer.model_dump(by_alias=True)
    try:
        return {
            q.name: Signal(
                q.check(signals[q.name]["value"]), signals[q.name]["confidence"], (), source
            )
            for q in asked
        }
    except InvalidInput as problem:
        raise MalformedAnswer(str(problem)) from None


def _signal_schema(question: SignalQuestion) -> dict[str, object]:
    confidence = {"type": "number", "minimum": 0, "maximum": 1}
    return _object({"value": _value_schema(question), "confidence": confidence})


def _value_schema(question: SignalQuestion) -> dict[str, object]:
    match question.kind:
        case "label":
            return {"type": "string", "enum": list(question.choices)}
        case "boolean":
            return {"type": "boolean"}
        case "language":
            return {"type": "string", "description": "ISO 639-1 code, two lower-case letters"}
    raise ValueError(f"signal {question.name} has an unknown kind {question.kind!r}")


def _object(properties: Mapping[str, object]) -> dict[str, object]:
    return {
        "type": "object",
        "properties": dict(properties),
        "required": list(properties),
        "additionalProperties": False,
    }


class _SignalAnswer(BaseModel):
    model_config = _FORBID_EXTRA
    value: Any  # checked by the signal's question, after the shape
    confidence: _CONFIDENCE


@lru_cache(maxsize=64)
def _answer_model(asked: tuple[SignalQuestion, ...]) -> type[BaseModel]:
    # Fields are named by position and aliased to the signal, so that no signal name can clash
    # with an attribute of BaseModel.
    fields: dict[str, Any] = {
        _field(i): (_SignalAnswer, Field(alias=q.name)) for i, q in enumerate(asked)
    }
    return create_model("LlmAnswer", __config__=_FORBID_EXTRA, **fields)


def _field(position: int) -> str:
    return f"signal_{position}"


def _problems(error: ValidationError) -> str:
    problems = [
        f"{'.'.join(str(part) for part in problem['loc'])}: {problem['msg']}"
        if problem["loc"]
        else problem["msg"]
        for problem in error.errors(include_url=False, include_input=False)
    ]
    more = len(problems) - _MOST_PROBLEMS_SHOWN
    shown = "; ".join(problems[:_MOST_PROBLEMS_SHOWN])
    return f"{shown} (and {more} more)" if more > 0 else shown
