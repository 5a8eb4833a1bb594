"""Shared bits of the indicator tests."""

from __future__ import annotations

from pathlib import Path

from config.project import ProjectConfig, load_project


def mini_yaml(body: str, *, start: str = "2026-01-01", end: str = "2026-06-30", worksheet: str = "Formularz") -> str:
    """A minimal valid project file (one recruitment form) followed by ``body``."""
    return (
        "slug: mini\nname: Mini\norganiser: {name: Org}\nfunder: {name: NIW}\n"
        f"period: {{start: {start}, end: {end}}}\nspreadsheet: {{id: mini.xlsx}}\n"
        f'sources:\n  - {{id: rek, kind: recruitment, worksheet: {worksheet}, columns: {{"Imię": first_name}}}}\n'
    ) + body


def mini_project(tmp_path: Path, body: str, **kw) -> ProjectConfig:
    path = tmp_path / "mini.yaml"
    path.write_text(mini_yaml(body, **kw), encoding="utf-8")
    return load_project(path)
