"""A formula cell without a cached value (a workbook saved by a program that does not compute):
the row is never silently trimmed — it is counted, and ends empty or quarantined."""

from __future__ import annotations

from pathlib import Path

from openpyxl import load_workbook

from synergia.sheets.read import read_project_sources
from synergia.sheets.workbook import WorkbookBackend
from synergia.validation.batch import validate_snapshot
from synergia.validation.row import Empty, Rejected
from tests.field._build import FORM_COLUMNS, form_table, people, project, write_workbook

PROJECT = project()
HEADERS = list(FORM_COLUMNS) + ["Wiek (biuro)"]


def rows_in_file(path: Path, tab: str) -> int:
    """Data rows up to the last row with anything in it, formulas included (what staff see as rows)."""
    rows = list(load_workbook(path)[tab].iter_rows(values_only=True))[1:]
    while rows and not any(v not in (None, "") for v in rows[-1]):
        rows.pop()
    return len(rows)


def build(tmp_path: Path) -> Path:
    table = form_table(people(6), HEADERS)
    for i, row in enumerate(table[1:], start=2):
        row[-1] = f'=DATEDIF(G{i},TODAY(),"y")'  # staff helper column, no cached value
    table[2][HEADERS.index("Imię")] = "=PROPER(B20)"  # a mapped cell that is a formula without value
    blank = [""] * len(HEADERS)
    table.append(blank[:-1] + ['=IF(B8="","",DATEDIF(G8,TODAY(),"y"))'])  # formula dragged below the data
    table.append(blank[:-1] + ['=IF(B9="","",DATEDIF(G9,TODAY(),"y"))'])
    return write_workbook(tmp_path / "pole.xlsx", {"Odpowiedzi": table})


def test_trailing_formula_rows_are_counted_not_trimmed(tmp_path: Path) -> None:
    book = build(tmp_path)
    batch = validate_snapshot(PROJECT, read_project_sources(PROJECT, WorkbookBackend(tmp_path)))
    summary = batch.summary()
    assert sum(summary.values()) == rows_in_file(book, "Odpowiedzi") == 8
    assert batch.formula_rows == 8
    last_two = [o for o in batch.outcomes if o.ref.row_number in (8, 9)]
    assert len(last_two) == 2 and all(isinstance(o, Empty) for o in last_two)


def test_a_mapped_cell_holding_a_formula_without_value_quarantines_the_row(tmp_path: Path) -> None:
    build(tmp_path)
    batch = validate_snapshot(PROJECT, read_project_sources(PROJECT, WorkbookBackend(tmp_path)))
    (row3,) = [o for o in batch.outcomes if o.ref.row_number == 3]
    assert isinstance(row3, Rejected) and "formula_without_value:first_name" in row3.reasons
    assert "PROPER" not in row3.message
    assert batch.summary()["accepted"] == 5


def test_reading_a_workbook_reports_uncached_formula_cells(tmp_path: Path) -> None:
    build(tmp_path)
    data = WorkbookBackend(tmp_path).read_tabs("pole.xlsx", ["Odpowiedzi"])
    table = data.tabs["Odpowiedzi"]
    assert len(table) == 9
    cells = data.uncached["Odpowiedzi"]
    assert (2, 1) in cells and (8, len(HEADERS) - 1) in cells and len(cells) == 9
