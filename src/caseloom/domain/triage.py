"""Triage results: typed signals with a confidence each, and the stamps policy derives from them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from caseloom.domain.conditions import Condition, Facts
from caseloom.domain.errors import CaseloomError, InvalidInput
from caseloom.domain.policy import ReplyChange, StampRule, TriageSpec

SIGNALS = ("sentiment", "intent", "urgency", "product_line", "on_site_required", "language")
SENTIMENTS = ("negative", "neutral", "positive")
URGENCIES = ("critical", "high", "normal", "low")
TRUE_LABELS = ("true", "yes", "1")  # how labelled data may write a yes
BOOLEAN_LABELS = (*TRUE_LABELS, "false", "no", "0")
REPLY_UPDATES = ("sentiment", "urgency")  # a reply's reading of these replaces the case's
SignalValue = str | bool | float | None
_LANGUAGE = re.compile(r"[a-z]{2}")


@dataclass(frozen=True, slots=True)
class Signal:
    value: SignalValue
    confidence: float  # 0..1, a calibrated probability where a trained model produced it
    evidence: tuple[str, ...] = ()  # what in the text supported it, e.g. matched keywords
    source: str = ""  # what produced it: "northwind-intents@1", "llm:openai/gpt-4o", "person:ann"


@dataclass(frozen=True, slots=True)
class SignalQuestion:
    """One signal asked of an LLM: its name and the values it may take (empty: see `kind`)."""

    name: str
    kind: str  # "label" (one of choices), "boolean" or "language" (ISO 639-1)
    choices: tuple[str, ...] = ()

    def check(self, value: object) -> SignalValue:
        """`value` if this signal can take it, else InvalidInput naming what it can take."""
        if self.kind == "boolean" and isinstance(value, bool):
            return value
        if self.kind == "language" and isinstance(value, str) and _LANGUAGE.fullmatch(value):
            return value
        if self.kind == "label" and isinstance(value, str) and value in self.choices:
            return value
        expected = {
            "boolean": "true or false",
            "language": "a two-letter ISO 639-1 code such as en",
        }.get(self.kind, "one of " + ", ".join(self.choices))
        raise InvalidInput(f"{self.name} cannot be {value!r}; it is {expected}")


def questions(spec: TriageSpec, names: tuple[str, ...]) -> tuple[SignalQuestion, ...]:
    """The questions that read `names` (in SIGNALS order) under this policy's labels."""
    labels = {
        "sentiment": SENTIMENTS,
        "urgency": URGENCIES,
        "intent": tuple(spec.intents),
        "product_line": tuple(spec.product_lines),
    }
    kinds = {"on_site_required": "boolean", "language": "language"}
    asked = [n for n in SIGNALS if n in names]
    return tuple(SignalQuestion(n, kinds.get(n, "label"), labels.get(n, ())) for n in asked)


@dataclass(frozen=True, slots=True)
class LlmCall:
    """One use of an LLM provider, as the journey records it."""

    provider: str  # "openai/gpt-4o-mini", "openai-compatible/llama3.1", ...
    outcome: str  # "answered", or what went wrong: "timed out after 3 attempts", "circuit open"
    attempts: int = 1
    input_tokens: int = 0
    output_tokens: int = 0
    latency_ms: float = 0.0
    cost: float | None = None  # in the policy's currency, when the policy gives prices
    redacted: tuple[str, ...] = ()  # kinds of personal data removed before the text left

    @property
    def answered(self) -> bool:
        return self.outcome == "answered"

    def journey(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "outcome": self.outcome,
            "attempts": self.attempts,
            "input_tokens": self.input_tokens,
            "output_tokens": self.output_tokens,
            "latency_ms": round(self.latency_ms, 1),
            "cost": self.cost,
            "redacted": list(self.redacted),
        }


class LlmUnavailable(CaseloomError):
    """The LLM provider gave no usable answer; `call` records what was tried, for the journey."""

    def __init__(self, call: LlmCall) -> None:
        super().__init__(f"{call.provider}: {call.outcome}")
        self.call = call


@dataclass(frozen=True, slots=True)
class LlmAnswer:
    signals: Mapping[str, Signal]
    call: LlmCall


@dataclass(frozen=True, slots=True)
class TriageResult:
    model: str  # what produced the signals: a model name@version, or several joined by "+"
    signals: Mapping[str, Signal] = field(default_factory=dict)
    llm: LlmCall | None = None  # the LLM call made for this result, answered or not

    def facts(self, min_confidence: float) -> dict[str, object]:
        """Signal values for conditions; a signal below `min_confidence` is unknown (None)."""
        return {
            name: (signal.value if signal.confidence >= min_confidence else None)
            for name, signal in self.signals.items()
        }

    def journey_inputs(self) -> dict[str, object]:
        signals = {
            name: {
                "value": s.value,
                "confidence": s.confidence,
                "evidence": list(s.evidence),
                "source": s.source,
            }
            for name, s in self.signals.items()
        }
        inputs: dict[str, object] = {"model": self.model, "signals": signals}
        if self.llm:
            inputs["llm"] = self.llm.journey()
        return inputs

    def below(self, min_confidence: float) -> tuple[str, ...]:
        return tuple(n for n, s in self.signals.items() if s.confidence < min_confidence)

    def overruled_by(self, other: Mapping[str, Signal], source: str) -> TriageResult:
        """This result with each of `other`'s signals taking over where it is more confident."""
        surer = {
            name: signal
            for name, signal in other.items()
            if name not in self.signals or signal.confidence > self.signals[name].confidence
        }
        return self.corrected(surer, source)

    def with_llm(self, call: LlmCall) -> TriageResult:
        return replace(self, llm=call)

    def corrected(self, signals: Mapping[str, Signal], source: str) -> TriageResult:
        """This result with `signals` replacing its own, whatever their confidence."""
        models = self.model if source in self.model.split("+") else f"{self.model}+{source}"
        return replace(self, model=models, signals={**self.signals, **signals})

    def sure(self, name: str, min_confidence: float) -> SignalValue:
        signal = self.signals.get(name)
        return signal.value if signal and signal.confidence >= min_confidence else None


@dataclass(frozen=True, slots=True)
class ReplyReading:
    """What the Triage agent read in a customer's reply, and what it changed."""

    result: TriageResult
    changes: tuple[ReplyChange, ...]
    updates: Mapping[str, Signal]  # the case's signals the reply replaces (read surely enough)

    @classmethod
    def of(
        cls, before: TriageResult | None, reply: TriageResult, min_confidence: float
    ) -> ReplyReading:
        updates = {
            name: signal
            for name, signal in reply.signals.items()
            if name in REPLY_UPDATES and signal.confidence >= min_confidence
        }
        if "sentiment" in updates and "sentiment_score" in reply.signals:
            updates["sentiment_score"] = reply.signals["sentiment_score"]
        return cls(reply, reply_changes(before, reply, min_confidence), updates)


_SCALES: Mapping[str, tuple[Mapping[SignalValue, int], str]] = {  # rank, and the unknown's
    "sentiment": ({value: rank for rank, value in enumerate(SENTIMENTS)}, "neutral"),
    "urgency": ({value: rank for rank, value in enumerate(reversed(URGENCIES))}, "normal"),
}


def reply_changes(
    before: TriageResult | None, reply: TriageResult, min_confidence: float
) -> tuple[ReplyChange, ...]:
    """What a customer's reply changed, judged only on signals read surely enough."""
    changes: list[ReplyChange] = []
    intent = reply.sure("reply_intent", min_confidence)
    if intent == "confirmed_fixed":
        changes.append(ReplyChange.CONFIRMED_FIXED)
    elif intent == "still_broken":
        changes.append(ReplyChange.STILL_BROKEN)
    if _step(before, reply, "sentiment", min_confidence) < 0:
        changes.append(ReplyChange.SENTIMENT_DROP)
    if _step(before, reply, "urgency", min_confidence) > 0:
        changes.append(ReplyChange.URGENCY_RISE)
    return tuple(changes)


def _step(before: TriageResult | None, reply: TriageResult, name: str, threshold: float) -> int:
    """How far the reply moved a graded signal: below zero it fell, above zero it rose."""
    order, default = _SCALES[name]
    now = reply.sure(name, threshold)
    was = before.sure(name, threshold) if before else None
    if now not in order:
        return 0
    return order[str(now)] - order[str(was if was in order else default)]


@dataclass(frozen=True, slots=True)
class StampOutcome:
    changes: Mapping[str, object]
    fired: tuple[str, ...]  # the stamp rules that matched, in policy order


def apply_stamps(
    stamps: tuple[StampRule, ...],
    facts: Facts,
    matches: Callable[[Condition, Facts], bool],
) -> StampOutcome:
    """Apply every matching stamp in policy order; each sees the fields set by those before it."""
    case_facts = dict(facts["case"])
    changes: dict[str, object] = {}
    fired: list[str] = []
    for stamp in stamps:
        current = {**facts, "case": case_facts}
        if stamp.when is None or matches(stamp.when, current):
            changes.update(stamp.set)
            case_facts.update(stamp.set)
            fired.append(stamp.label)
    return StampOutcome(changes, tuple(fired))
