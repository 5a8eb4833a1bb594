"""Formula-like values we write stay text in every backend (issue 10, item 5; OWASP CSV injection).

Before the fix ``Do sprawdzenia.csv`` held ``=HYPERLINK(...)`` as typed, which Excel evaluates.
"""

from __future__ import annotations

import csv
import io
import zipfile
from pathlib import Path

import pytest

from synergia.sheets.cells import as_text_cell
from synergia.sheets.owned import same_table
from synergia.sheets.workbook import WorkbookBackend
from tests.field.staff_workbook import sheet_part_of

HOSTILE = ['=HYPERLINK("http://evil.example","Kliknij")', "+SUM(1)", "-2+3", "@cmd", "\tX", "\rX", "=cmd|' /C calc'!A0", "-", "+", "@"]
HARMLESS = ["Anna", "'już z apostrofem", "12-34", "", "1 234,5 %", "Łódź"]


def _rows() -> list[list[str]]:
    return [["Klucz pary", "Imię A"]] + [[f"{i}-{i + 100}", v] for i, v in enumerate(HOSTILE + HARMLESS)]


def test_the_rule_itself() -> None:
    for v in HOSTILE:
        assert as_text_cell(v, "csv") == "'" + v and as_text_cell(v, "typed") == "'" + v
    for v in HARMLESS:
        assert as_text_cell(v, "csv") == v == as_text_cell(v, "typed")
    # Plain numbers: quoted in CSV (a file without types: Excel would make them numbers), as typed in cells.
    for v in ("-5", "+48600100200", "-0,5"):
        assert as_text_cell(v, "csv") == "'" + v and as_text_cell(v, "typed") == v
    assert as_text_cell(as_text_cell("=1+1", "csv"), "csv") == "'=1+1"  # idempotent


def test_csv_backend_quotes_every_formula_like_value_and_leaves_staff_files(tmp_path: Path) -> None:
    folder = tmp_path / "arkusz"
    folder.mkdir()
    staff = folder / "Formularz.csv"
    staff.write_bytes("Imię,Uwagi\r\nAnna,=SUMA(A1)\r\n".encode())
    staff_before = staff.read_bytes(), staff.stat().st_mtime_ns
    backend = WorkbookBackend(tmp_path)
    backend.write_tab("arkusz", "Do sprawdzenia", _rows())
    assert (staff.read_bytes(), staff.stat().st_mtime_ns) == staff_before
    with (folder / "Do sprawdzenia.csv").open(encoding="utf-8-sig", newline="") as fh:
        text = fh.read()
    cells = [c for row in csv.reader(io.StringIO(text, newline="")) for c in row]
    # No cell of the file starts like a formula: Excel/LibreOffice show all of them as text.
    assert not [c for c in cells if c.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert [r[1] for r in csv.reader(io.StringIO(text, newline=""))][1:] == ["'" + v for v in HOSTILE] + HARMLESS
    # Read back, the tab compares equal: the next night does not rewrite it.
    current = backend.read_tabs("arkusz", ["Do sprawdzenia"]).tabs["Do sprawdzenia"]
    assert same_table(current, _rows())


def test_single_csv_file_backend_writes_beside_it(tmp_path: Path) -> None:
    (tmp_path / "lista.csv").write_text("Imię\nAnna\n", encoding="utf-8")
    WorkbookBackend(tmp_path).write_tab("lista.csv", "Odrzucone", [["Opis"], ["@SUMA(1)"]])
    assert (tmp_path / "lista.csv").read_text(encoding="utf-8") == "Imię\nAnna\n"
    assert (tmp_path / "lista - Odrzucone.csv").read_bytes() == "\ufeffOpis\r\n'@SUMA(1)\r\n".encode("utf-8")


def test_xlsx_backend_writes_text_cells_never_formulas(tmp_path: Path) -> None:
    backend = WorkbookBackend(tmp_path)
    backend.write_tab("wb.xlsx", "Do sprawdzenia", _rows())
    part = sheet_part_of(tmp_path / "wb.xlsx", "Do sprawdzenia")
    xml = zipfile.ZipFile(tmp_path / "wb.xlsx").read(part).decode("utf-8")
    assert "<f>" not in xml and "<f " not in xml and ' t="s"' not in xml
    assert xml.count('t="inlineStr"') == sum(1 for r in _rows() for c in r if c)
    read = backend.read_tabs("wb.xlsx", ["Do sprawdzenia"]).tabs["Do sprawdzenia"]
    assert [r[1] if len(r) > 1 else "" for r in read[1:]] == ["'" + v for v in HOSTILE] + HARMLESS
    assert same_table(read, _rows())


def test_sheets_backend_writes_string_cells_that_stay_text_in_exports(emulator, backend) -> None:
    sid = emulator.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]], "Do sprawdzenia": []})
    backend.write_tab(sid, "Do sprawdzenia", _rows())
    sheet = emulator.spreadsheets[sid].by_title("Do sprawdzenia")
    assert all(c.formula is None for c in sheet.cells.values())
    shown = [r[1] if len(r) > 1 else "" for r in emulator.tab_values(sid, "Do sprawdzenia")[1:]]
    assert shown == ["'" + v for v in HOSTILE] + HARMLESS
    current = backend.read_tabs(sid, ["Do sprawdzenia"]).tabs["Do sprawdzenia"]
    assert same_table(current, _rows())


@pytest.mark.parametrize("stored", ["=1+1", "+SUM(1)"])
def test_a_tab_holding_an_unescaped_value_is_rewritten(stored: str) -> None:
    """A tab written by an older version (value as typed) is not taken for up to date."""
    assert not same_table([["Opis"], [stored]], [["Opis"], [stored]])
    assert same_table([["Opis"], ["'" + stored]], [["Opis"], [stored]])
