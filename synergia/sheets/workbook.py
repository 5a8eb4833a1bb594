"""Embedded default of the spreadsheet seam: a local XLSX workbook or CSV files.

The spreadsheet id is a path (relative to ``SYNERGIA_DATA_DIR`` unless
absolute): an ``.xlsx`` file (tabs = sheets), a directory of ``<tab>.csv``
files, or one ``.csv`` file (a single tab named after the file). Cells come
back as text formatted the way a sheet shows them, so digits never change.
Owned tabs are written back into the same workbook (or as CSV files beside
it), always as literal text — never as formulas.
"""
from __future__ import annotations

import csv
import os
import tempfile
from datetime import date, datetime, time
from pathlib import Path
from typing import Sequence

from openpyxl import Workbook, load_workbook

from synergia.sheets.base import SheetData, SpreadsheetError, WorksheetNotFound, ensure_owned


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
    def read_tabs(self, spreadsheet: str, tabs: Sequence[str]) -> SheetData:
        path = self.path_of(spreadsheet)
        if not path.exists():
            raise WorksheetNotFound(f"Nie znaleziono skoroszytu '{path}' (workbook not found).")
        self.reads += 1
        found: dict[str, list[list[str]]] = {}
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
            try:
                wb = load_workbook(path, read_only=True, data_only=True)
            except Exception as exc:  # corrupt file, not an xlsx, ...
                raise SpreadsheetError(f"Nie można otworzyć skoroszytu '{path.name}': {type(exc).__name__} (cannot open workbook).") from None
            try:
                for tab in tabs:
                    if tab in wb.sheetnames:
                        found[tab] = [[format_cell(v) for v in row] for row in wb[tab].iter_rows(values_only=True)]
            finally:
                wb.close()
        for rows in found.values():
            _trim(rows)
        missing = tuple(t for t in tabs if t not in found)
        return SheetData(spreadsheet=spreadsheet, tabs=found, locale=None, missing=missing)

    # -- writing ---------------------------------------------------------
    def write_tab(self, spreadsheet: str, tab: str, rows: Sequence[Sequence[str]]) -> None:
        ensure_owned(tab)
        path = self.path_of(spreadsheet)
        self.writes += 1
        if path.is_dir() or path.suffix.lower() == ".csv":
            target = path / f"{tab}.csv" if path.is_dir() else path.with_name(f"{path.stem} - {tab}.csv")
            _atomic_write(target, lambda fh: csv.writer(fh).writerows(rows), text=True)
            return
        wb = load_workbook(path) if path.exists() else Workbook()
        if not path.exists():
            wb.remove(wb.active)
        if tab in wb.sheetnames:
            index = wb.sheetnames.index(tab)
            wb.remove(wb[tab])
            ws = wb.create_sheet(tab, index)
        else:
            ws = wb.create_sheet(tab)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=col)
                cell.value = "" if value is None else str(value)
                cell.data_type = "s"  # literal text: '=SUM(..)' must never become a formula
        _atomic_write(path, wb.save, text=False)


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [list(row) for row in csv.reader(fh)]


def _trim(rows: list[list[str]]) -> None:
    """Drop trailing empty cells and trailing empty rows, as Google's API does."""
    for row in rows:
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1]:
        rows.pop()


def _atomic_write(target: Path, write, *, text: bool) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if text:
            with os.fdopen(fd, "w", newline="", encoding="utf-8") as fh:
                write(fh)
        else:
            os.close(fd)
            write(tmp)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise
