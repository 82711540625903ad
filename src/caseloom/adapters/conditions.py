"""Policy conditions, compiled once and evaluated by zen-engine.

zen-engine evaluates a missing field to null, so a typo such as `case.sevrity` would silently
never match. `check` therefore also resolves every field a condition names against the fields
the engine knows, and suggests the closest one.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

import zen

from caseloom.domain.policy import Condition, Facts

_STRING = re.compile(r"'(?:[^'\\]|\\.)*'|\"(?:[^\"\\]|\\.)*\"|`(?:[^`\\]|\\.)*`")
_NAME = re.compile(r"(?<![\w.$#])[A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*")
_WORDS = frozenset({"and", "or", "not", "in", "true", "false", "null"})


class ZenConditionEngine:
    def __init__(self) -> None:
        self._compiled: dict[str, Any] = {}

    def check(self, source: str, known: Mapping[str, Iterable[str]]) -> list[str]:
        """Why `source` cannot be used (empty if it can); `known` maps roots to their fields."""
        problem = zen.validate_expression(source)
        if problem:
            return [f"cannot parse {source!r}: {problem['source']}"]
        return [reason for name in _names(source) if (reason := _unknown(name, known))]

    def matches(self, condition: Condition, facts: Facts) -> bool:
        expression = self._compiled.get(condition.source)
        if expression is None:
            expression = self._compiled[condition.source] = zen.compile_expression(condition.source)
        try:
            return expression.evaluate(dict(facts)) is True
        except RuntimeError as error:
            if _kind(error) == "vmError":  # e.g. `case.priority <= 2` with no priority
                return False
            raise


def _names(source: str) -> list[str]:
    """Field paths a condition names, in order, without string contents or function names."""
    text = _STRING.sub('""', source)
    names = []
    for match in _NAME.finditer(text):
        rest = text[match.end() :].lstrip()
        if match.group() not in _WORDS and not rest.startswith("("):
            names.append(match.group())
    return names


def _unknown(name: str, known: Mapping[str, Iterable[str]]) -> str:
    root, _, field = name.partition(".")
    if root not in known:
        roots = ", ".join(f"{r}.…" for r in known)
        return f"unknown name {name!r}: conditions name fields as {roots}"
    fields = list(known[root])
    if field in fields:
        return ""
    if not field:
        return f"{root!r} needs a field, e.g. {root}.{fields[0]}"
    close = difflib.get_close_matches(field, fields, n=1, cutoff=0.5)
    hint = f"did you mean {root}.{close[0]}?" if close else f"known: {', '.join(fields)}"
    return f"unknown field {name!r}; {hint}"


def _kind(error: RuntimeError) -> str:
    first_line = str(error).splitlines()[0] if str(error) else ""
    try:
        return str(json.loads(first_line).get("type", ""))
    except ValueError:
        return ""
