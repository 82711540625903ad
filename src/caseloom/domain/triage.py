"""Triage results: typed signals with a confidence each, and the stamps policy derives from them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from caseloom.domain.policy import Condition, Facts, StampRule

SIGNALS = ("sentiment", "intent", "urgency", "product_line", "on_site_required", "language")
SignalValue = str | bool | float | None


@dataclass(frozen=True, slots=True)
class Signal:
    value: SignalValue
    confidence: float  # 0..1
    evidence: tuple[str, ...] = ()  # what in the text supported it, e.g. matched keywords


@dataclass(frozen=True, slots=True)
class TriageResult:
    model: str  # name@version of what produced the signals
    signals: Mapping[str, Signal] = field(default_factory=dict)

    def facts(self, min_confidence: float) -> dict[str, object]:
        """Signal values for conditions; a signal below `min_confidence` is unknown (None)."""
        return {
            name: (signal.value if signal.confidence >= min_confidence else None)
            for name, signal in self.signals.items()
        }

    def journey_inputs(self) -> dict[str, object]:
        signals = {
            name: {"value": s.value, "confidence": s.confidence, "evidence": list(s.evidence)}
            for name, s in self.signals.items()
        }
        return {"model": self.model, "signals": signals}

    def below(self, min_confidence: float) -> tuple[str, ...]:
        return tuple(n for n, s in self.signals.items() if s.confidence < min_confidence)


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
