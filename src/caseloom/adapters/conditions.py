"""Policy conditions, compiled once and evaluated by zen-engine.

Two things zen-engine does not do for us:
- It evaluates a missing field to null, so a typo such as `case.sevrity` would silently never
  match. `check` therefore resolves every field a condition names (also inside `${...}` of a
  template string) against the known fields, and suggests the closest one.
- An ordering comparison with null (`case.priority <= 2` with no priority) is an error that fails
  the whole expression. Our rule is narrower: a comparison with a missing value is false. So when
  zen reports that error, the condition is evaluated again part by part (`or`, `and`, `not`,
  parentheses), each failing comparison counting as false; `A or B` and `B or A` always agree.
"""

from __future__ import annotations

import difflib
import json
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import zen

from caseloom.domain.conditions import Condition, Facts, named_fields

_OPEN, _CLOSE = "([{", ")]}"

Evaluate = Callable[[dict[str, Any]], bool]


class ZenConditionEngine:
    def __init__(self) -> None:
        self._compiled: dict[str, Any] = {}
        self._by_parts: dict[str, Evaluate] = {}  # built only for conditions that met a null

    def check(self, source: str, known: Mapping[str, Iterable[str]]) -> list[str]:
        """Why `source` cannot be used (empty if it can); `known` maps roots to their fields."""
        problem = zen.validate_expression(source)
        if problem:
            return [f"cannot parse {source!r}: {problem['source']}"]
        return [reason for name in named_fields(source) if (reason := _unknown(name, known))]

    def matches(self, condition: Condition, facts: Facts) -> bool:
        source = condition.source
        whole = self._compiled.get(source)
        if whole is None:
            whole = self._compiled[source] = zen.compile_expression(source)
        context = dict(facts)
        try:
            return whole.evaluate(context) is True
        except RuntimeError as error:
            if _kind(error) != "vmError":
                raise
        by_parts = self._by_parts.get(source)
        if by_parts is None:
            by_parts = self._by_parts[source] = _parts(source)
        return by_parts(context)


def _parts(source: str) -> Evaluate:
    """`source` as a tree of or/and/not over comparisons, each failing comparison being false."""
    text = source.strip()
    for word, combine in (("or", any), ("and", all)):
        pieces = _split(text, word)
        if len(pieces) > 1:
            return _combined(combine, [_parts(piece) for piece in pieces])
    if re.match(r"not\b", text):
        inner = _parts(text[3:])
        return lambda facts: not inner(facts)
    if text[:1] == "(" and _closing(text, 0) == len(text) - 1:
        return _parts(text[1:-1])
    expression = zen.compile_expression(text)

    def comparison(facts: dict[str, Any]) -> bool:
        try:
            return expression.evaluate(facts) is True
        except RuntimeError as error:
            if _kind(error) == "vmError":
                return False
            raise

    return comparison


def _combined(combine: Callable[[Iterable[bool]], bool], parts: list[Evaluate]) -> Evaluate:
    def evaluate(facts: dict[str, Any]) -> bool:
        return combine(part(facts) for part in parts)

    return evaluate


def _split(text: str, word: str) -> list[str]:
    """`text` split at `word` where it stands outside brackets and strings."""
    pieces, depth, start, i = [], 0, 0, 0
    while i < len(text):
        char = text[i]
        if char in "'\"`":
            i = _string_end(text, i)
        elif char in _OPEN:
            depth += 1
        elif char in _CLOSE:
            depth -= 1
        elif depth == 0 and text.startswith(word, i) and _standalone(text, i, len(word)):
            pieces.append(text[start:i])
            start = i = i + len(word)
            continue
        i += 1
    return [*pieces, text[start:]]


def _standalone(text: str, at: int, length: int) -> bool:
    before = text[at - 1] if at else " "
    after = text[at + length] if at + length < len(text) else " "
    return not (before.isalnum() or before in "_.$#") and not (after.isalnum() or after == "_")


def _string_end(text: str, start: int) -> int:
    quote, i = text[start], start + 1
    while i < len(text) and text[i] != quote:
        i += 2 if text[i] == "\\" else 1
    return i


def _closing(text: str, start: int) -> int:
    depth, i = 0, start
    while i < len(text):
        if text[i] in "'\"`":
            i = _string_end(text, i)
        elif text[i] in _OPEN:
            depth += 1
        elif text[i] in _CLOSE:
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


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
