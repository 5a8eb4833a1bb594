"""Load YAML keeping the line of every key, so config errors can point at it.

``At`` carries the key path of a problem found by a model validator (the
validator itself only knows its model); ``load_project`` adds it to pydantic's
location, so the message names the line of that key.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

Loc = tuple[Any, ...]


class _Loader(getattr(yaml, "CSafeLoader", yaml.SafeLoader)):  # libyaml's parser when PyYAML has it: ~15x faster
    """SafeLoader that leaves dates as text: pydantic parses them and reports a bad
    one (2026-02-30) with its line, instead of PyYAML crashing on it."""


_Loader.yaml_implicit_resolvers = {
    key: [(tag, rx) for tag, rx in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for key, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}


def load_with_lines(path: Path) -> tuple[Any, dict[Loc, int]]:
    """Parse ``path``; return the data and a map from key path to 1-based line."""
    text = path.read_text(encoding="utf-8")
    loader = _Loader(text)
    try:  # one parse: the data is built from the node whose marks give the lines
        node = loader.get_single_node()
        data = loader.construct_document(node) if node is not None else None
    finally:
        loader.dispose()
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


class At(ValueError):
    """A validation error inside a model validator that belongs to a deeper key
    (``consents.zdjecia``, ``sources[2].id``): ``load_project`` adds ``loc`` so the message names that line."""

    def __init__(self, loc: Loc, message: str):
        self.loc = tuple(loc)
        super().__init__(message)


def check_unique_ids(items: Iterable[Any], key: str, polish: str, english: str) -> None:
    """Every ``item.id`` of the list under ``key`` is unique, else ``At`` pointing at the first repeat.

    ``polish`` / ``english`` name the thing in the message: ``"źródła", "source"``.
    """
    ids = [item.id for item in items]
    seen: set[str] = set()
    for index, item_id in enumerate(ids):
        if item_id in seen:
            dup = sorted({i for i in ids if ids.count(i) > 1})
            raise At((key, index, "id"), f"powtórzone id {polish}: {dup} (duplicate {english} id)")
        seen.add(item_id)
