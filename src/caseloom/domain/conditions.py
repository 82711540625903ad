"""Conditions as operations staff write them; a `ConditionEngine` port evaluates them."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Facts = Mapping[str, Mapping[str, object]]  # {"case": {...}, "customer": {...}, "triage": {...}}

_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`(?:[^`\\]|\\.)*`")
_INTERPOLATION = re.compile(r"\$\{([^}]*)\}")
_NAME = re.compile(r"(?<![\w.$#])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_WORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})


@dataclass(frozen=True, slots=True)
class Condition:
    source: str  # e.g. 'case.severity == "high" and triage.on_site_required'
    origin: str  # where it was written, e.g. "policy.yaml:42"


Matcher = Callable[[Condition, Facts], bool]


def named_fields(source: str) -> list[str]:
    """Field paths a condition names, without string contents (but with `${...}` inside
    template strings) and without function names, e.g. ["case.severity", "triage.intent"]."""

    def keep_interpolations(match: re.Match[str]) -> str:
        found = _INTERPOLATION.findall(match.group()) if match.group().startswith("`") else []
        return " " + " ".join(found) + " " if found else '""'

    text = _STRING.sub(keep_interpolations, source)
    names = []
    for match in _NAME.finditer(text):
        rest = text[match.end() :].lstrip()
        if match.group() not in _WORDS and not rest.startswith("("):
            names.append(match.group())
    return names


def held_on(condition: Condition, facts: Facts) -> dict[str, object]:
    """The facts a condition names, with their values: what it held (or failed) on."""
    found: dict[str, object] = {}
    for name in named_fields(condition.source):
        scope, _, field = name.partition(".")
        found[name] = facts.get(scope, {}).get(field) if field else None
    return found
