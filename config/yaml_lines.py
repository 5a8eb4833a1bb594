"""Load YAML keeping the line of every key, so config errors can point at it."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

Loc = tuple[Any, ...]


class _Loader(yaml.SafeLoader):
    """SafeLoader that leaves dates as text: pydantic parses them and reports a bad
    one (2026-02-30) with its line, instead of PyYAML crashing on it."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_with_lines(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse ``path``; return the data and a map from key path to 1-based line."""
    text = path.read_text(encoding="utf-8")
    node = yaml.compose(text, Loader=_Loader)
    data = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    lines: dict[Loc, int] = {}
    if node is not None:
        _walk(node, (), lines)
    return data, lines


def _walk(node: yaml.Node, loc: Loc, lines: dict[Loc, int]) -> None:
    lines.setdefault(loc, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            child = loc + (key,)
            lines[child] = key_node.start_mark.line + 1
            _walk(value_node, child, lines)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            child = loc + (i,)
            lines[child] = item.start_mark.line + 1
            _walk(item, child, lines)


def line_for(loc: Loc, lines: dict[Loc, int]) -> int | None:
    """Line of the deepest known prefix of ``loc`` (pydantic adds model names we skip)."""
    loc = tuple(loc)
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return lines.get(())
