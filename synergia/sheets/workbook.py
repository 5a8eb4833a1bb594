"""Embedded default of the spreadsheet seam: a local XLSX workbook or CSV files.

The spreadsheet id is a path (relative to ``SYNERGIA_DATA_DIR`` unless
absolute): an ``.xlsx`` file (tabs = sheets), a directory of ``<tab>.csv``
files, or one ``.csv`` file (a single tab named after the file). Cells come
back as text formatted the way a sheet shows them, so digits never change.
Owned tabs are written back into the same workbook (or as CSV files beside
it), always as literal text — never as formulas (``synergia.sheets.cells``).

Write-back into an XLSX never loads and re-saves the workbook: openpyxl would
drop the cached values of the staff's formulas, their styles' details and
validation. Instead the owned tab's own part (``xl/worksheets/sheetN.xml``) is
replaced inside the zip with inline-string cells, and every other zip member
is copied byte for byte; a tab that does not exist yet is added as a new part
(with its entries in ``workbook.xml``, its rels and ``[Content_Types].xml``,
edited as text so nothing else in them changes). See ``xlsx_parts``.
"""
from __future__ import annotations

import csv
import os
import re
import stat
import tempfile
import zipfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Collection, Sequence

from xml.etree import ElementTree

from openpyxl import load_workbook
from openpyxl.utils import column_index_from_string

from synergia.sheets.base import (DEFAULT_OWNED, SheetData, SpreadsheetError, UnreadableWorkbook, WorksheetNotFound,
                                  ensure_owned)
from synergia.sheets.cells import as_text_rows


def format_cell(value: object) -> str:
    """The text a spreadsheet would display for a cell value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class WorkbookBackend:
    name = "workbook"

    def __init__(self, base_dir: Path):
        self.base_dir = Path(base_dir)
        self.reads = 0
        self.writes = 0

    def path_of(self, spreadsheet: str) -> Path:
        p = Path(spreadsheet)
        return p if p.is_absolute() else self.base_dir / p

    # -- reading ---------------------------------------------------------
    def read_tabs(self, spreadsheet: str, tabs: Sequence[str], *, owned: Collection[str] = DEFAULT_OWNED) -> SheetData:
        path = self.path_of(spreadsheet)
        if not path.exists():
            raise WorksheetNotFound(f"Nie znaleziono skoroszytu '{path}' (workbook not found).")
        self.reads += 1
        found: dict[str, list[list[str]]] = {}
        uncached: dict[str, set[tuple[int, int]]] = {}
        if path.is_dir():
            available = {f.stem: f for f in path.glob("*.csv")}
            for tab in tabs:
                if tab in available:
                    found[tab] = _read_csv(available[tab])
        elif path.suffix.lower() == ".csv":
            for tab in tabs:
                if tab == path.stem:
                    found[tab] = _read_csv(path)
        else:
            found, uncached = _read_xlsx(path, tabs)
        for tab, rows in found.items():
            _trim(rows, keep={r for r, _ in uncached.get(tab, ())})
        missing = tuple(t for t in tabs if t not in found)
        return SheetData(spreadsheet=spreadsheet, tabs=found, locale=None, missing=missing,
                         uncached={t: c for t, c in uncached.items() if c})

    # -- writing ---------------------------------------------------------
    def write_tab(self, spreadsheet: str, tab: str, rows: Sequence[Sequence[str]], *,
                  owned: Collection[str] = DEFAULT_OWNED) -> None:
        """Replace owned tab ``tab``. CSV: the tab's own file, beside the staff's (their files are
        never opened for writing). XLSX: only the tab's sheet part inside the staff's workbook (see
        ``synergia.sheets.xlsx_parts``); every other member of the file keeps its bytes. Both are
        atomic (temp file + ``os.replace``) and keep the file's mode and owner."""
        ensure_owned(tab, owned)
        path = self.path_of(spreadsheet)
        self.writes += 1
        if path.is_dir() or path.suffix.lower() == ".csv":
            target = path / f"{tab}.csv" if path.is_dir() else path.with_name(f"{path.stem} - {tab}.csv")
            data = as_text_rows(rows, "csv")
            # UTF-8 with BOM: Excel then opens the Polish letters right; the reader accepts both.
            _atomic_write(target, lambda fh: csv.writer(fh).writerows(data), text=True, encoding="utf-8-sig")
            return
        from synergia.sheets.xlsx_parts import new_workbook_bytes, replace_sheet

        data = as_text_rows(rows, "typed")
        if not path.exists():
            _atomic_write(path, lambda fh: fh.write(new_workbook_bytes(tab, data)), text=False)
            return
        try:
            source = path.read_bytes()
            result = replace_sheet(source, tab, data)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, ElementTree.ParseError) as exc:
            raise SpreadsheetError(f"Nie można zapisać zakładki '{tab}' w skoroszycie '{path.name}': "
                                   f"{type(exc).__name__} (cannot write the tab into the workbook).") from None
        _atomic_write(path, lambda fh: fh.write(result), text=False)


def _open_xlsx(path: Path, *, data_only: bool):
    try:
        return load_workbook(path, read_only=True, data_only=data_only)
    except Exception as exc:  # corrupt file, not an xlsx, ...: asking again will not help
        raise UnreadableWorkbook(
            f"Nie można otworzyć skoroszytu '{path.name}': plik uszkodzony albo nie jest w formacie XLSX "
            f"({type(exc).__name__}) — zapisz go ponownie jako .xlsx (cannot open workbook: corrupt or not XLSX)."
        ) from None


def _read_xlsx(path: Path, tabs: Sequence[str]) -> tuple[dict[str, list[list[str]]], dict[str, set[tuple[int, int]]]]:
    """Cached values of ``tabs``, and where a formula has no cached value."""
    found: dict[str, list[list[str]]] = {}
    parts: dict[str, str] = {}
    wb = _open_xlsx(path, data_only=True)
    try:
        for tab in tabs:
            if tab in wb.sheetnames:
                ws = wb[tab]
                found[tab] = [[format_cell(v) for v in row] for row in ws.iter_rows(values_only=True)]
                parts[tab] = getattr(ws, "_worksheet_path", "")
    finally:
        wb.close()
    uncached: dict[str, set[tuple[int, int]]] = {}
    try:
        with zipfile.ZipFile(path) as archive:
            for tab, part in parts.items():
                if part:
                    cells = _formulas_without_value(archive, part)
                    if cells:
                        uncached[tab] = cells
    except (zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError):
        raise UnreadableWorkbook(f"Nie można odczytać skoroszytu '{path.name}': plik uszkodzony (corrupt workbook).") from None
    for tab, cells in uncached.items():
        rows = found[tab]
        for r, c in cells:  # make the cell exist, as an empty string, so the row is not trimmed away
            while len(rows) <= r:
                rows.append([])
            while len(rows[r]) <= c:
                rows[r].append("")
    return found, uncached


def _formulas_without_value(archive: zipfile.ZipFile, part: str) -> set[tuple[int, int]]:
    """(row index, column index) of ``<c>`` cells with an ``<f>`` formula and no ``<v>`` cached value.
    One streaming pass over the sheet's XML, skipped when the sheet holds no formula at all."""
    with archive.open(part) as fh:
        if not _HAS_FORMULA.search(fh.read()):
            return set()
    cells: set[tuple[int, int]] = set()
    row_no, col_no = 0, 0
    with archive.open(part) as fh:
        for event, elem in ElementTree.iterparse(fh, events=("start", "end")):
            tag = elem.tag.rsplit("}", 1)[-1]
            if event == "start":
                if tag == "row":
                    row_no = int(elem.get("r") or row_no + 1)
                    col_no = 0
                continue
            if tag == "c":
                ref = elem.get("r")
                col_no = column_index_from_string(ref.rstrip("0123456789")) if ref else col_no + 1
                children = {child.tag.rsplit("}", 1)[-1]: child for child in elem}
                if "f" in children and ("v" not in children or children["v"].text is None):
                    if children.get("is") is None:  # an inline string is a value
                        cells.add((row_no - 1, col_no - 1))
                elem.clear()
            elif tag == "row":
                elem.clear()
    return cells


_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [list(row) for row in csv.reader(fh)]


def _trim(rows: list[list[str]], keep: set[int] = frozenset()) -> None:
    """Drop trailing empty cells and trailing empty rows, as Google's API does — but never a row
    in ``keep`` (it holds a formula without a value: it is a row staff see, it must be counted)."""
    for r, row in enumerate(rows):
        if r in keep:
            continue
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1] and len(rows) - 1 not in keep:
        rows.pop()


def _atomic_write(target: Path, write, *, text: bool, encoding: str = "utf-8") -> None:
    """Write ``target`` through a temp file in its directory and ``os.replace``. An existing file
    keeps its permission bits and (when we may set it) its owner and group; a new file gets the
    mode the umask gives (not mkstemp's 0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if st is not None:
            os.fchmod(fd, stat.S_IMODE(st.st_mode))
            try:
                os.fchown(fd, st.st_uid, st.st_gid)
            except OSError:  # not ours to give away (not root): owner stays the writer
                pass
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", newline="", encoding=encoding) if text else os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
