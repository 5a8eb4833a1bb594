"""Raw rows with their source reference: what every source yields.

A ``RawRow`` is one data row of a form-responses or attendance tab, keyed by the
sheet's own header text. It carries personal data, so it is never logged,
never returned from a Prefect task that persists results, and never put into
an exception message: refer to it by ``ref`` only.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from itertools import repeat, zip_longest
from json.encoder import encode_basestring
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
    # ``content_hash()`` when the read worked it out with the tab's other rows (``content_digests``);
    # ``ContentHasher`` then takes it from here. The values are never changed after the read.
    content_digest: str | None = field(default=None, compare=False, repr=False)

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
    sorted order of the headers is worked out once; each row's values are then picked in that order
    and written into the JSON text around them (``_pairs_template``: the same text, so the same
    hash). A row whose read worked its hash out already (``RawRow.content_digest``) gives that."""

    def __init__(self, headers: Iterable[str]):
        self.headers = frozenset(headers)
        stripped = sorted((h.strip(), h) for h in self.headers)
        # with distinct stripped headers, sorting the (header, value) pairs is sorting the headers
        self.unique = len({k for k, _ in stripped}) == len(stripped)
        self.keys = [k for k, _ in stripped]
        self.template = _pairs_template(self.keys)
        wanted = [h for _, h in stripped]
        self.pick = itemgetter(*wanted) if len(wanted) > 1 else (lambda values: tuple(values[h] for h in wanted))

    def __call__(self, raw: RawRow) -> str:
        if raw.content_digest is not None:
            return raw.content_digest
        values = raw.values
        if not self.unique or values.keys() != self.headers:
            return raw.content_hash()
        try:
            payload = self.template % tuple(map(encode_basestring, self.pick(values)))
        except TypeError:  # a value that is not text: as the JSON encoder writes it
            return raw.content_hash()
        return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _pairs_template(keys: list[str]) -> str:
    """``JSON.encode([[key, value], ...])`` with each value left as a ``%s`` slot for its encoded text."""
    return "[" + ", ".join("[" + encode_basestring(k).replace("%", "%%") + ", %s]" for k in keys) + "]"


def content_digests(columns: Mapping[str, Sequence[str]], n: int) -> list[str]:
    """``RawRow.content_hash`` of each of ``n`` rows given column by column (header -> text per row;
    headers stripped and distinct, as ``tab_cells`` gives them): each column's cells encoded in one
    pass, then each row's JSON text is one format and one sha256."""
    keys = sorted(columns)
    assert all(k == k.strip() for k in keys)
    template = _pairs_template(keys)
    sha = hashlib.sha256
    if not keys:
        return [sha(template.encode()).hexdigest()] * n
    encoded = [list(map(encode_basestring, columns[k])) for k in keys]
    return [sha((template % row).encode("utf-8", "surrogatepass")).hexdigest() for row in zip(*encoded, strict=True)]


def norm_header(header: str) -> str:
    """A header as headers are matched: case and spacing ignored."""
    return " ".join(header.lower().split())


def find_headers(wanted: Iterable[str], headers: Iterable[str]) -> list[str | None]:
    """For each of ``wanted`` (a source's configured headers), the tab's own header it matches
    (``norm_header``; of equal headers the last one), ``None`` if none: worked out once per tab."""
    actual = {norm_header(h): h for h in headers}
    return [actual.get(norm_header(w)) for w in wanted]


@dataclass
class TabCells:
    """One tab's cells column by column, as ``RawRow.values`` hold them (see ``tab_cells``)."""

    names: list[str]  # the tab's headers: stripped, distinct, in column order (the keys of ``values``)
    columns: dict[str, Sequence[str]]  # header -> the text of its cell in each data row
    n: int  # data rows (the header row not counted)
    formulas: dict[int, set[str]] = field(default_factory=dict)  # row index (header = 0) -> headers of uncached formulas

    def slice(self, start: int, stop: int) -> dict[str, Sequence[str]]:
        return {h: c[start:stop] for h, c in self.columns.items()}


def header_of(table: list[list[str]]) -> list[str]:
    """A tab's header row as its rows are keyed (each cell as text, spaces trimmed); [] for an empty tab."""
    return [str(h).strip() for h in table[0]] if table else []


def tab_cells(table: list[list[str]], uncached: set[tuple[int, int]] | None = None) -> TabCells:
    """A tab's values (row 1 = header) column by column: the one rule of what a row's values are.

    Short rows (Google omits trailing empty cells) are padded; cells under an empty header are
    ignored; of columns with the same header the first non-empty value is kept (else the first);
    a cell that is not text reads as its text ("" for None). ``uncached`` = (row index, column
    index) of formula cells without a computed value."""
    if not table:
        return TabCells([], {}, 0)
    header = header_of(table)
    body = table[1:]
    n = len(body)
    grid = list(zip_longest(*body, fillvalue="")) if body else []  # the columns, short rows padded
    by_name: dict[str, list[Sequence[str]]] = {}
    for i, name in enumerate(header):
        if name:
            column = grid[i] if i < len(grid) else ("",) * n
            if not _ONLY_TEXT.issuperset(map(type, column)):  # None, numbers: as text
                column = tuple(v if type(v) is str else ("" if v is None else str(v)) for v in column)
            by_name.setdefault(name, []).append(column)
    columns = {
        name: cols[0] if len(cols) == 1 else [next((c for c in cells if c.strip()), cells[0]) for cells in zip(*cols, strict=True)]
        for name, cols in by_name.items()
    }
    formulas: dict[int, set[str]] = {}
    for r, c in uncached or ():
        if c < len(header) and header[c]:
            formulas.setdefault(r, set()).add(header[c])
    return TabCells(list(columns), columns, n, formulas)


def raw_rows(
    source_id: str,
    spreadsheet: str,
    worksheet: str,
    cells: TabCells,
    identities: Sequence[Any] | None = None,
    digests: Sequence[str] | None = None,
    values: Iterable[dict[str, str]] | None = None,
) -> list[RawRow]:
    """The tab's ``RawRow`` s; ``identities`` / ``digests``: each row's ``ref.identity`` and
    ``content_digest`` (from ``synergia.sheets.identity.identity_tuples`` / ``content_digests``);
    ``values``: the rows' ``row_values`` when they were made already."""
    n = cells.n
    if values is None:
        values = row_values(cells)
    formulas, empty = cells.formulas, frozenset()
    out: list[RawRow] = []
    for offset, vals, ident, digest in zip(
        range(2, n + 2), values, identities if identities is not None else repeat(None), digests if digests is not None else repeat(None)
    ):
        found = formulas.get(offset - 1)
        out.append(RawRow(SourceRef(source_id, spreadsheet, worksheet, offset, ident), vals, frozenset(found) if found else empty, digest))
    return out


def row_values(cells: TabCells) -> Iterable[dict[str, str]]:
    """Each row's ``RawRow.values`` (header -> text, in column order)."""
    names = cells.names
    if not names:
        return ({} for _ in range(cells.n))
    return (dict(zip(names, row, strict=True)) for row in zip(*(cells.columns[h] for h in names)))


def rows_from_table(
    source_id: str,
    spreadsheet: str,
    worksheet: str,
    table: list[list[str]],
    uncached: set[tuple[int, int]] | None = None,
    identify: Callable[[dict[str, str]], Any] | None = None,
) -> list[RawRow]:
    """Turn a tab's values (row 1 = header) into RawRows keyed by header text (``tab_cells``);
    their headers of formula cells without a computed value are kept in ``RawRow.uncached``.
    ``identify``: gives ``ref.identity`` from the row's values."""
    rows = raw_rows(source_id, spreadsheet, worksheet, tab_cells(table, uncached))
    if identify is None:
        return rows
    return [RawRow(SourceRef(source_id, spreadsheet, worksheet, r.ref.row_number, identify(r.values)), r.values, r.uncached) for r in rows]


_ONLY_TEXT = frozenset({str})
