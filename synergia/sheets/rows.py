"""Raw rows with their source reference: what every source yields.

A ``RawRow`` is one data row of a form-responses or attendance tab, keyed by the
sheet's own header text. It carries personal data, so it is never logged,
never returned from a Prefect task that persists results, and never put into
an exception message: refer to it by ``ref`` only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from operator import itemgetter
from typing import Any


@dataclass(frozen=True, order=True)
class SourceRef:
    source_id: str  # id of the source in the project YAML
    spreadsheet: str  # workbook path or Google spreadsheet key
    worksheet: str  # tab title
    row_number: int  # 1-based row number in the sheet (header is row 1): a display reference only
    # What identifies the row across nights (``synergia.sheets.identity.RowIdentity``), set by
    # ``read_project_sources``; not part of equality, never shown.
    identity: Any = field(default=None, compare=False, repr=False)

    def label(self) -> str:
        """Human reference staff can find: 'rekrutacja-1 / Odpowiedzi, wiersz 17'."""
        return f"{self.source_id} / {self.worksheet}, wiersz {self.row_number}"


@dataclass(frozen=True)
class RawRow:
    ref: SourceRef
    values: dict[str, str] = field(repr=False)  # personal data: never in a repr
    uncached: frozenset[str] = field(default=frozenset(), repr=False)  # headers whose cell is a formula without a value

    def is_empty(self) -> bool:
        return not any(v.strip() for v in self.values.values())

    def content_hash(self) -> str:
        """Stable hash of the row's content (header -> value), independent of column order."""
        payload = JSON.encode(sorted((k.strip(), v) for k, v in self.values.items()))
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()  # a lone surrogate must not crash


#: ``json.dumps(..., ensure_ascii=False)`` without building an encoder per call (same text).
JSON = json.JSONEncoder(ensure_ascii=False)


class ContentHasher:
    """``RawRow.content_hash`` for the rows of one tab (rows keyed by the same ``headers``): the
    sorted order of the headers is worked out once; each row's pairs are then picked in that order
    and written by the same JSON encoder (the same text, so the same hash)."""

    def __init__(self, headers: Iterable[str]):
        self.headers = frozenset(headers)
        stripped = sorted((h.strip(), h) for h in self.headers)
        # with distinct stripped headers, sorting the (header, value) pairs is sorting the headers
        self.unique = len({k for k, _ in stripped}) == len(stripped)
        self.keys = [k for k, _ in stripped]
        wanted = [h for _, h in stripped]
        self.pick = itemgetter(*wanted) if len(wanted) > 1 else (lambda values: tuple(values[h] for h in wanted))

    def __call__(self, raw: RawRow) -> str:
        values = raw.values
        if not self.unique or values.keys() != self.headers:
            return raw.content_hash()
        payload = JSON.encode(list(zip(self.keys, self.pick(values))))
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def norm_header(header: str) -> str:
    """A header as headers are matched: case and spacing ignored."""
    return " ".join(header.lower().split())


def find_headers(wanted: Iterable[str], headers: Iterable[str]) -> list[str | None]:
    """For each of ``wanted`` (a source's configured headers), the tab's own header it matches
    (``norm_header``; of equal headers the last one), ``None`` if none: worked out once per tab."""
    actual = {norm_header(h): h for h in headers}
    return [actual.get(norm_header(w)) for w in wanted]


def rows_from_table(
    source_id: str,
    spreadsheet: str,
    worksheet: str,
    table: list[list[str]],
    uncached: set[tuple[int, int]] | None = None,
    identify: Callable[[dict[str, str]], Any] | None = None,
) -> list[RawRow]:
    """Turn a tab's values (row 1 = header) into RawRows keyed by header text.

    Short rows (Google omits trailing empty cells) are padded; cells under an
    empty header are ignored; columns with the same header keep the first
    non-empty value. ``uncached`` = (row index, column index) of formula cells
    without a computed value; their headers are kept in ``RawRow.uncached``.
    ``identify``: gives ``ref.identity`` from the row's values
    (``synergia.sheets.identity.identifier``).
    """
    if not table:
        return []
    header = [str(h).strip() for h in table[0]]
    named = [(i, name) for i, name in enumerate(header) if name]
    width = len(header)
    simple = len({name for _, name in named}) == len(named)  # no two columns with the same header
    names = [name for _, name in named]
    pick = itemgetter(*(i for i, _ in named)) if len(named) > 1 else (lambda row: tuple(row[i] for i, _ in named))
    formulas_at: dict[int, set[str]] = {}
    for r, c in uncached or ():
        if c < width and header[c]:
            formulas_at.setdefault(r, set()).add(header[c])
    out: list[RawRow] = []
    for offset, row in enumerate(table[1:], start=2):
        if len(row) < width:
            row = list(row) + [""] * (width - len(row))
        if simple:
            cells = pick(row)
            values = dict(zip(names, cells, strict=True))
            if not _ONLY_TEXT.issuperset(map(type, cells)):  # None, numbers: as text
                values = {name: (v if type(v) is str else ("" if v is None else str(v))) for name, v in values.items()}
        else:
            values = {}
            for i, name in named:
                cell = str(row[i]) if row[i] is not None else ""
                if name not in values or (not values[name].strip() and cell.strip()):
                    values[name] = cell
        found = formulas_at.get(offset - 1)
        ref = SourceRef(source_id, spreadsheet, worksheet, offset, identify(values) if identify else None)
        out.append(RawRow(ref, values, frozenset(found) if found else frozenset()))
    return out


_ONLY_TEXT = frozenset({str})
