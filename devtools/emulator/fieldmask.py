"""Google partial-response field masks: ``fields=sheets.properties(title,sheetId),properties.locale``."""

from __future__ import annotations

from typing import Any

Tree = dict[str, "Tree"]


def parse(mask: str) -> Tree:
    """Parse a field mask into a nested dict; an empty subtree means 'the whole value'."""
    tree: Tree = {}
    pos = 0

    def parse_list(end: str | None) -> Tree:
        nonlocal pos
        out: Tree = {}
        while pos < len(mask):
            ch = mask[pos]
            if ch == ",":
                pos += 1
                continue
            if end is not None and ch == end:
                pos += 1
                return out
            path = []
            start = pos
            while pos < len(mask) and mask[pos] not in ",()":
                pos += 1
            path = [p for p in mask[start:pos].strip().replace("/", ".").split(".") if p]
            sub: Tree = {}
            if pos < len(mask) and mask[pos] == "(":
                pos += 1
                sub = parse_list(")")
            node = out
            for part in path[:-1]:
                node = node.setdefault(part, {})
            if path:
                last = path[-1]
                if last in node and node[last] and sub:
                    node[last].update(sub)
                elif last in node and not sub:
                    node[last] = {}
                else:
                    node[last] = node.get(last, sub)
        return out

    tree = parse_list(None)
    return tree


def apply(value: Any, tree: Tree) -> Any:
    """Keep only the masked parts of ``value`` (lists are masked element-wise)."""
    if not tree or "*" in tree:
        return value
    if isinstance(value, list):
        return [apply(v, tree) for v in value]
    if not isinstance(value, dict):
        return value
    out = {}
    for key, sub in tree.items():
        if key in value:
            out[key] = apply(value[key], sub)
    return out


def paths(mask: str) -> list[list[str]]:
    """Flat field paths of an update mask such as ``title,gridProperties.frozenRowCount``."""
    out: list[list[str]] = []

    def walk(tree: Tree, prefix: list[str]) -> None:
        for key, sub in tree.items():
            if sub:
                walk(sub, prefix + [key])
            else:
                out.append(prefix + [key])

    walk(parse(mask), [])
    return out
