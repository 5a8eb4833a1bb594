"""A1 notation as the Sheets API understands it: parse request ranges, print reply ranges."""

from __future__ import annotations

import re
from dataclasses import dataclass

from synergia.sheets.a1 import col_to_index, index_to_col

_CELL = re.compile(r"^([A-Za-z]*)(\d*)$")
_PLAIN_TITLE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_LOOKS_LIKE_REF = re.compile(r"^([A-Za-z]{1,3}\d+|[Rr]\d*[Cc]\d*)$")


class RangeError(ValueError):
    """The range text cannot be parsed (Google: 400 'Unable to parse range')."""


def quote_title(title: str) -> str:
    """Sheet title as Google prints it in replies: bare when unambiguous, else quoted."""
    if _PLAIN_TITLE.match(title) and not _LOOKS_LIKE_REF.match(title):
        return title
    return "'" + title.replace("'", "''") + "'"


def split_sheet(text: str) -> tuple[str | None, str]:
    """'Sheet 1'!A1:B2 -> ('Sheet 1', 'A1:B2'); A1:B2 -> (None, 'A1:B2'); Sheet1 -> ('Sheet1', '')."""
    text = text.strip()
    if text.startswith("'"):
        i, buf = 1, []
        while i < len(text):
            ch = text[i]
            if ch == "'":
                if i + 1 < len(text) and text[i + 1] == "'":
                    buf.append("'")
                    i += 2
                    continue
                rest = text[i + 1 :]
                if rest.startswith("!"):
                    return "".join(buf), rest[1:]
                if rest == "":
                    return "".join(buf), ""
                raise RangeError(text)
            buf.append(ch)
            i += 1
        raise RangeError(text)
    if "!" in text:
        title, _, cells = text.rpartition("!")
        return title, cells
    return None, text


@dataclass(frozen=True)
class Bounds:
    """0-based, end-exclusive; None = unbounded on that side (to the grid's edge)."""

    r1: int | None
    c1: int | None
    r2: int | None
    c2: int | None

    def resolve(self, rows: int, cols: int) -> tuple[int, int, int, int]:
        r1 = self.r1 if self.r1 is not None else 0
        c1 = self.c1 if self.c1 is not None else 0
        r2 = self.r2 if self.r2 is not None else rows
        c2 = self.c2 if self.c2 is not None else cols
        return r1, c1, r2, c2


def _cell(part: str) -> tuple[int | None, int | None]:
    m = _CELL.match(part.strip())
    if not m or (not m.group(1) and not m.group(2)):
        raise RangeError(part)
    col = col_to_index(m.group(1)) if m.group(1) else None
    row = int(m.group(2)) - 1 if m.group(2) else None
    if row is not None and row < 0:
        raise RangeError(part)
    return row, col


def parse_cells(cells: str) -> Bounds:
    """'A1:B2', 'A:B', '1:2', 'A1', 'A2:B' (open end) -> Bounds. Reversed corners are normalised."""
    if cells == "":
        return Bounds(None, None, None, None)
    if ":" in cells:
        a, _, b = cells.partition(":")
        ra, ca = _cell(a)
        rb, cb = _cell(b)
        # Column-only or row-only end: 'A1:C' means down to the grid's last row.
        if ra is not None and ca is not None and rb is None and cb is not None:
            return Bounds(ra, min(ca, cb), None, max(ca, cb) + 1)
        if ra is not None and ca is not None and cb is None and rb is not None:
            return Bounds(min(ra, rb), ca, max(ra, rb) + 1, None)
        r1 = None if ra is None or rb is None else min(ra, rb)
        r2 = None if ra is None or rb is None else max(ra, rb) + 1
        c1 = None if ca is None or cb is None else min(ca, cb)
        c2 = None if ca is None or cb is None else max(ca, cb) + 1
        if ra is None and rb is None and (ca is None or cb is None):
            raise RangeError(cells)
        if ca is None and cb is None and (ra is None or rb is None):
            raise RangeError(cells)
        return Bounds(r1, c1, r2, c2)
    r, c = _cell(cells)
    if r is None or c is None:
        raise RangeError(cells)
    return Bounds(r, c, r + 1, c + 1)


def format_range(title: str, r1: int, c1: int, r2: int, c2: int) -> str:
    """Reply range text, e.g. Sheet1!A1:B2 or Sheet1!A1 for a single cell."""
    start = f"{index_to_col(c1)}{r1 + 1}"
    end = f"{index_to_col(c2 - 1)}{r2}"
    cells = start if (r2 - r1 == 1 and c2 - c1 == 1) else f"{start}:{end}"
    return f"{quote_title(title)}!{cells}"
