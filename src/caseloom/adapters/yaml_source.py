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
    re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$"),
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
    _read_into(source, path, including=())
    return source


def _read_into(source: Source, path: Path, including: tuple[tuple[Path, str, int], ...]) -> None:
    """Read `path` into `source`; `including` is the chain of (file, its name, include line)."""
    name = str(path)
    where = (including[-1][1], including[-1][2]) if including else (name, 1)
    if path.resolve() in {p for p, _, _ in including}:
        source.problems.append(
            PolicyProblem(*where, "include", f"{name} includes itself (a cycle)")
        )
        return
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        reason = getattr(error, "strerror", None) or str(error)
        problem = PolicyProblem(
            *where, "include" if including else "(file)", f"cannot read {name}: {reason}"
        )
        source.problems.append(problem)
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
            PolicyProblem(
                name, 1, "(top level)", "the file must be a mapping of `key: value` sections"
            )
        )
        return
    local: dict[Path_, tuple[str, int]] = {}
    data = _plain(root, (), name, local, source, ancestors=())
    assert isinstance(data, dict)
    includes = data.pop("include", [])
    for key, value in data.items():
        if key in source.data:
            first_file, first_line = source.where[(key,)]
            file, line = local[(key,)]
            source.problems.append(
                PolicyProblem(
                    file,
                    line,
                    key,
                    f"section {key} is already defined at {first_file}:{first_line}",
                )
            )
            continue
        source.data[key] = value
        source.where.update({p: w for p, w in local.items() if p and p[0] == key})
    source.where.setdefault((), (name, 1))
    include_line = local.get(("include",), (name, 1))[1]
    for include in includes if isinstance(includes, list) else [includes]:
        link = (path.resolve(), name, include_line)
        _read_into(source, path.parent / str(include), (*including, link))


def _plain(
    node: yaml.Node,
    path: Path_,
    file: str,
    where: dict[Path_, tuple[str, int]],
    source: Source,
    *,
    ancestors: tuple[int, ...],
) -> object:
    where[path] = (file, node.start_mark.line + 1)
    if id(node) in ancestors:
        source.problems.append(
            PolicyProblem(
                file, node.start_mark.line + 1, dotted(path), "an alias refers to itself (a cycle)"
            )
        )
        return None
    inside = (*ancestors, id(node))
    if isinstance(node, yaml.MappingNode):
        result: dict[str, object] = {}
        for key_node, value_node in node.value:
            key = str(_scalar(key_node))
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
            result[key] = _plain(value_node, (*path, key), file, where, source, ancestors=inside)
            where[(*path, key)] = (file, key_node.start_mark.line + 1)
        return result
    if isinstance(node, yaml.SequenceNode):
        return [
            _plain(item, (*path, i), file, where, source, ancestors=inside)
            for i, item in enumerate(node.value)
        ]
    return _scalar(node)


def _scalar(node: yaml.Node) -> object:
    """A scalar's value; numbers are decimal as in YAML 1.2 (012 is twelve, never octal)."""
    kind = node.tag.rsplit(":", 1)[-1]
    if kind == "int":
        return int(str(node.value), 10)
    if kind == "float":
        return float(str(node.value))
    return yaml.constructor.SafeConstructor().construct_object(node)
