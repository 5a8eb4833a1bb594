"""The local workbook backend: formatted text in, literal text out, only owned tabs written."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from synergia.sheets.base import NotAnOwnedTab, SpreadsheetError
from synergia.sheets.workbook import WorkbookBackend


def _xlsx(path: Path) -> Path:
    wb = Workbook()
    ws = wb.active
    ws.title = "Odpowiedzi"
    ws.append(["Sygnatura czasowa", "PESEL", "Telefon", "Kod", "Uwagi"])
    ws.append([datetime(2026, 11, 21, 14, 3, 22), "02270803624", 600100200, "43-100", None])
    ws.append([datetime(2026, 11, 22, 0, 0), 2270803624, "+48 600 100 201", 43100.0, ""])
    ws.append([None, None, None, None, None])
    wb.save(path)
    return path


def test_reads_cells_as_displayed_text(tmp_path: Path) -> None:
    _xlsx(tmp_path / "wb.xlsx")
    data = WorkbookBackend(tmp_path).read_tabs("wb.xlsx", ["Odpowiedzi", "Nie ma"])
    rows = data.tabs["Odpowiedzi"]
    assert rows[1] == ["2026-11-21 14:03:22", "02270803624", "600100200", "43-100"]  # trailing empty cell omitted
    assert rows[2] == ["2026-11-22", "2270803624", "+48 600 100 201", "43100"]
    assert len(rows) == 3  # trailing empty row dropped
    assert data.missing == ("Nie ma",)


def test_csv_file_and_directory(tmp_path: Path) -> None:
    (tmp_path / "lista.csv").write_text("Imię,Nazwisko\nŁucja,Żak\n", encoding="utf-8")
    d = tmp_path / "arkusz"
    d.mkdir()
    (d / "Formularz.csv").write_text("\ufeffImię,PESEL\nAnna,02270803624\n", encoding="utf-8")
    backend = WorkbookBackend(tmp_path)
    assert backend.read_tabs("lista.csv", ["lista"]).tabs["lista"] == [["Imię", "Nazwisko"], ["Łucja", "Żak"]]
    assert backend.read_tabs("arkusz", ["Formularz"]).tabs["Formularz"][1] == ["Anna", "02270803624"]


def test_missing_or_broken_workbook_is_a_clear_error(tmp_path: Path) -> None:
    backend = WorkbookBackend(tmp_path)
    with pytest.raises(SpreadsheetError, match="Nie znaleziono"):
        backend.read_tabs("brak.xlsx", ["x"])
    (tmp_path / "zly.xlsx").write_bytes(b"not a zip")
    with pytest.raises(SpreadsheetError, match="Nie można otworzyć"):
        backend.read_tabs("zly.xlsx", ["x"])


def test_owned_tab_written_as_literal_text_and_replaced(tmp_path: Path) -> None:
    path = _xlsx(tmp_path / "wb.xlsx")
    backend = WorkbookBackend(tmp_path)
    staff_before = [[c.value for c in row] for row in load_workbook(path)["Odpowiedzi"].iter_rows()]
    evil = ['=HYPERLINK("http://x")', "+48 600", "-1", "@SUM(A1)"]
    backend.write_tab("wb.xlsx", "Odrzucone", [["a", "b", "c", "d"], evil, ["x"]])
    backend.write_tab("wb.xlsx", "Odrzucone", [["a", "b", "c", "d"], evil])  # shorter: no stale row left
    ws = load_workbook(path)["Odrzucone"]
    stored = ['\'=HYPERLINK("http://x")', "'+48 600", "-1", "'@SUM(A1)"]  # synergia.sheets.cells
    assert [c.value for c in ws[2]] == stored
    assert all(c.data_type == "s" for c in ws[2])
    assert ws.max_row == 2
    assert backend.read_tabs("wb.xlsx", ["Odrzucone"]).tabs["Odrzucone"][1] == stored
    assert [[c.value for c in row] for row in load_workbook(path)["Odpowiedzi"].iter_rows()] == staff_before


def test_refuses_tabs_it_does_not_own(tmp_path: Path) -> None:
    _xlsx(tmp_path / "wb.xlsx")
    with pytest.raises(NotAnOwnedTab):
        WorkbookBackend(tmp_path).write_tab("wb.xlsx", "Odpowiedzi", [["x"]])
