"""YAML files as plain data plus the file and line of every value, with `include:` merged.

Scalars resolve the YAML 1.2 way: only true/false are booleans and `12:30` stays a string, so
Norway's `NO` is not false and an office hour is not the number 750.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from caseloom.domain.errors import PolicyProblem

Path_ = tuple[str | int, ...]


class _Loader(yaml.SafeLoader):
    pass


_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx) for tag, rx in resolvers if tag.rsplit(":", 1)[-1] not in {"bool", "int", "float"}
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool", re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"), list("tTfF")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:int", re.compile(r"^[-+]?[0-9]+$"), list("-+0123456789")
)
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:float",
    re.compile(r"^[-+]?(?:[0-9]+\.[0-9]*|\.[0-9]+)(?:[eE][-+]?[0-9]+)?$"),
    list("-+0123456789."),
)


@dataclass
class Source:
    """The merged policy data, where each value came from, and the raw text of every file."""

    data: dict[str, object] = field(default_factory=dict)
    where: dict[Path_, tuple[str, int]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    problems: list[PolicyProblem] = field(default_factory=list)

    def locate(self, path: Path_) -> tuple[str, int]:
        """The file and line of the deepest known part of `path`."""
        for end in range(len(path), -1, -1):
            if path[:end] in self.where:
                return self.where[path[:end]]
        return next(iter(self.texts), "policy"), 1

    def problem(self, path: Path_, reason: str) -> None:
        file, line = self.locate(path)
        self.problems.append(PolicyProblem(file, line, dotted(path), reason))


def dotted(path: Path_) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text or "(top level)"


def read(path: Path) -> Source:
    source = Source()
    _read_into(source, path, seen=set())
    return source


def _read_into(source: Source, path: Path, seen: set[Path]) -> None:
    name = str(path)
    if path.resolve() in seen:
        source.problems.append(PolicyProblem(name, 1, "include", "includes itself (a cycle)"))
        return
    seen.add(path.resolve())
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        source.problems.append(PolicyProblem(name, 1, "(file)", f"cannot read the file: {error}"))
        return
    source.texts[name] = text
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as error:
        line = error.problem_mark.line + 1 if error.problem_mark else 1
        source.problems.append(PolicyProblem(name, line, "(yaml)", str(error.problem)))
        return
    if not isinstance(root, yaml.MappingNode):
        source.problems.append(
            PolicyProblem(name, 1, "(top level)", "a policy file is a mapping of sections")
        )
        return
    local: dict[Path_, tuple[str, int]] = {}
    data = _plain(root, (), name, local, source)
    assert isinstance(data, dict)
    includes = data.pop("include", [])
    for key, value in data.items():
        if key in source.data:
            other = source.where[(key,)]
            source.problem((key,), f"section {key} is also defined at {other[0]}:{other[1]}")
            continue
        source.data[key] = value
        source.where.update({p: w for p, w in local.items() if p and p[0] == key})
    source.where.setdefault((), (name, 1))
    for include in includes if isinstance(includes, list) else [includes]:
        _read_into(source, path.parent / str(include), seen)


def _plain(
    node: yaml.Node, path: Path_, file: str, where: dict[Path_, tuple[str, int]], source: Source
) -> object:
    where[path] = (file, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = str(yaml.constructor.SafeConstructor().construct_object(key_node))
            if key in result:
                line = where[(*path, key)][1]
                source.problems.append(
                    PolicyProblem(
                        file,
                        key_node.start_mark.line + 1,
                        dotted((*path, key)),
                        f"{key} is given twice (first at line {line})",
                    )
                )
            result[key] = _plain(value_node, (*path, key), file, where, source)
            where[(*path, key)] = (file, key_node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [_plain(item, (*path, i), file, where, source) for i, item in enumerate(node.value)]
    return yaml.constructor.SafeConstructor().construct_object(node)
