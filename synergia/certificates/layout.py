"""The staff-editable certificate layout (``config/templates/certificate.yaml``) and its fonts.

The layout is a list of blocks (text, list, QR, logos, signature line) whose
texts are Jinja2 templates, so wording, positions and sizes change without
Python. ``load_layout`` checks the file and names what is wrong; a font face
must have every Polish letter. Drawing is ``synergia.certificates.pdf``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import font_lato
import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from synergia.errors import SafeMessage

#: Characters every certificate font must have (checked when a layout is loaded).
POLISH_LETTERS = "ąćęłńóśźżĄĆĘŁŃÓŚŹŻ"


class LayoutError(SafeMessage, Exception):
    """The certificate layout file is invalid; the message says where, in Polish and English."""


class PageSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format: Literal["A4", "A5", "Letter"] = "A4"
    orientation: Literal["P", "L"] = "P"
    margin: float = Field(default=18, ge=0, le=60)


class FontSpec(BaseModel):
    model_config = ConfigDict(extra="forbid")

    regular: str = "Lato"
    bold: str = "LatoBold"
    italic: str = "LatoItalic"


class Block(BaseModel):
    """One element of the page. ``y`` < 0 counts from the bottom edge; no ``y`` = below the previous block."""

    model_config = ConfigDict(extra="forbid")

    type: Literal["text", "list", "qr", "logos", "line", "spacer", "page_break"] = "text"
    text: str = ""
    items: str | None = Field(default=None, description="list: name of a list in the data, e.g. programme")
    when: str | None = Field(default=None, description="Jinja2 expression; the block is skipped when it is false/empty")
    x: float | None = None
    y: float | None = None
    w: float | None = None
    h: float | None = None
    size: float = Field(default=12, gt=0, le=96)
    style: Literal["", "B", "I"] = ""
    align: Literal["L", "C", "R", "J"] = "C"
    color: str = Field(default="#000000", pattern=r"^#[0-9a-fA-F]{6}$")
    line_height: float = Field(default=1.35, gt=0.5, le=4)
    space_after: float = Field(default=2, ge=0)


class Layout(BaseModel):
    model_config = ConfigDict(extra="forbid")

    page: PageSpec = Field(default_factory=PageSpec)
    fonts: FontSpec = Field(default_factory=FontSpec)
    blocks: list[Block] = Field(min_length=1)


def font_file(face: str) -> str:
    """The file of a Lato face (``Lato``, ``LatoBold``, ``LatoItalic`` …)."""
    try:
        return font_lato.font_files[face]
    except KeyError:
        raise LayoutError(f"nieznany krój '{face}'; dostępne: {', '.join(sorted(font_lato.font_files))} (unknown font face)") from None


def check_polish_glyphs(face: str) -> list[str]:
    """Polish letters missing from a font face (empty = fine)."""
    from fontTools.ttLib import TTFont

    font = TTFont(font_file(face), lazy=True)
    cmap = font.getBestCmap()
    return [c for c in POLISH_LETTERS if ord(c) not in cmap]


def load_layout(path: Path) -> Layout:
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise LayoutError(f"{path}: brak pliku szablonu zaświadczenia (certificate template not found)") from None
    except yaml.YAMLError as exc:
        raise LayoutError(f"{path}: błąd składni YAML (YAML syntax error): {exc}") from None
    try:
        return Layout.model_validate(raw)
    except ValidationError as exc:
        lines = []
        for err in exc.errors():
            loc = ".".join(str(p) for p in err["loc"])
            lines.append(f"{path}: {loc}: {err['msg']}")
        raise LayoutError("Błędny szablon zaświadczenia (invalid certificate template):\n  " + "\n  ".join(lines)) from None
