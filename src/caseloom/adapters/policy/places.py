"""Where a rule was written, carried into the specs so every journey entry can name it."""

from __future__ import annotations

from pathlib import Path

from caseloom.adapters import yaml_source
from caseloom.adapters.yaml_source import Path_, Source
from caseloom.domain.conditions import Condition


def origin(source: Source, path: Path_) -> str:
    file, line = source.locate(path)
    return f"{file}:{line}"


def condition(source: Source, path: Path_, text: str | None) -> Condition | None:
    return None if text is None else Condition(text, origin(source, path))


def label(source: Source, path: Path_, name: str | None) -> str:
    """A rule's name, or its place when it has none, with its file and line."""
    file, line = source.locate(path)
    return f"{name or yaml_source.dotted(path)} ({Path(file).name}:{line})"
