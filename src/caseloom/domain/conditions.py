"""Conditions as operations staff write them; a `ConditionEngine` port evaluates them."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass

Facts = Mapping[str, Mapping[str, object]]  # {"case": {...}, "customer": {...}, "triage": {...}}


@dataclass(frozen=True, slots=True)
class Condition:
    source: str  # e.g. 'case.severity == "high" and triage.on_site_required'
    origin: str  # where it was written, e.g. "policy.yaml:42"


Matcher = Callable[[Condition, Facts], bool]
