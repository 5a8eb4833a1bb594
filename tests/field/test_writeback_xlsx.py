"""Write-back into the staff's XLSX leaves everything of theirs byte for byte (issue 10, item 4).

Before the fix the workbook was loaded and re-saved by openpyxl: the cached values of the staff's
formulas were gone (the next night read empty e-mails and quarantined every row) and the file
became 0600.
"""

from __future__ import annotations

import csv
import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from openpyxl import load_workbook

from synergia.sheets.workbook import WorkbookBackend
from tests.field.staff_workbook import FORM_TAB, LOOKUP_TAB, build, members, sheet_part_of

OWNED_PARTS_OF_A_NEW_TAB = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
HOSTILE = ['=HYPERLINK("http://evil.example","Kliknij")', "+SUM(1)", "-2+3", "@cmd", "\tX", "\rX"]


def _staff_values(backend: WorkbookBackend, name: str) -> dict[str, list[list[str]]]:
    return backend.read_tabs(name, [FORM_TAB, LOOKUP_TAB]).tabs


def test_first_write_adds_the_tab_and_changes_only_the_three_index_parts(tmp_path: Path) -> None:
    staff = build(tmp_path / "biuro.xlsx")
    os.chmod(staff.path, 0o644)
    before = members(staff.path)
    backend = WorkbookBackend(tmp_path)
    values_before = _staff_values(backend, "biuro.xlsx")
    assert values_before[FORM_TAB][3][3] == staff.emails[2]  # the cached value of =LOWER(TRIM(..)) is read

    backend.write_tab("biuro.xlsx", "Odrzucone", [["Źródło", "Opis"], ["rekrutacja", HOSTILE[0]]])

    after = members(staff.path)
    new_part = sheet_part_of(staff.path, "Odrzucone")
    assert set(after) == set(before) | {new_part}
    changed = {n for n in before if before[n] != after[n]}
    assert changed <= OWNED_PARTS_OF_A_NEW_TAB
    assert stat.S_IMODE(os.stat(staff.path).st_mode) == 0o644
    assert _staff_values(backend, "biuro.xlsx") == values_before
    assert backend.read_tabs("biuro.xlsx", ["Odrzucone"]).tabs["Odrzucone"] == [["Źródło", "Opis"], ["rekrutacja", "'" + HOSTILE[0]]]


def test_rewriting_an_existing_owned_tab_changes_only_its_sheet_part(tmp_path: Path) -> None:
    staff = build(tmp_path / "biuro.xlsx", owned_tabs=("Odrzucone", "Do sprawdzenia"))
    os.chmod(staff.path, 0o640)
    backend = WorkbookBackend(tmp_path)
    before = members(staff.path)
    values_before = _staff_values(backend, "biuro.xlsx")
    part = sheet_part_of(staff.path, "Do sprawdzenia")

    for n in (40, 3, 0, 12):  # grow, shrink, empty, again: no stale rows
        rows = [["Klucz pary", "Decyzja (TAK/NIE)"]] + [[f"{i}-{i + 1}", HOSTILE[i % len(HOSTILE)]] for i in range(n)]
        backend.write_tab("biuro.xlsx", "Do sprawdzenia", rows)
        after = members(staff.path)
        assert set(after) == set(before)
        assert {m for m in before if before[m] != after[m]} == {part}
        assert stat.S_IMODE(os.stat(staff.path).st_mode) == 0o640
        read = backend.read_tabs("biuro.xlsx", ["Do sprawdzenia"]).tabs["Do sprawdzenia"]
        assert len(read) == n + 1
        assert all(r[1].startswith("'") for r in read[1:])
    assert _staff_values(backend, "biuro.xlsx") == values_before

    # What openpyxl sees of the staff's tab: formulas, validation, frozen header, filter, colours, name.
    wb = load_workbook(staff.path)
    ws = wb[FORM_TAB]
    assert ws["D2"].value.startswith("=LOWER(TRIM(") and ws["K2"].value.startswith("=VLOOKUP(")
    assert ws.freeze_panes == "B2" and ws.auto_filter.ref
    assert len(ws.data_validations.dataValidation) == 1
    assert ws["A1"].fill.fgColor.rgb.endswith("FFD966")
    assert "KodyGmin" in wb.defined_names
    cell = wb["Do sprawdzenia"]["B2"]
    assert cell.data_type == "s"  # text, never a formula


def test_no_temp_files_left_and_a_failed_write_keeps_the_workbook(tmp_path: Path) -> None:
    staff = build(tmp_path / "biuro.xlsx")
    before = staff.path.read_bytes()
    backend = WorkbookBackend(tmp_path)
    (tmp_path / "zepsuty.xlsx").write_bytes(b"PK\x03\x04 not really a zip")
    from synergia.sheets.base import SpreadsheetError

    with pytest.raises(SpreadsheetError, match="zepsuty.xlsx"):
        backend.write_tab("zepsuty.xlsx", "Odrzucone", [["x"]])
    assert (tmp_path / "zepsuty.xlsx").read_bytes() == b"PK\x03\x04 not really a zip"
    backend.write_tab("biuro.xlsx", "Odrzucone", [["x"]])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["biuro.xlsx", "zepsuty.xlsx"]
    assert staff.path.read_bytes() != before


def test_a_new_workbook_gets_the_mode_the_umask_gives(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        WorkbookBackend(tmp_path).write_tab("nowy.xlsx", "Odrzucone", [["Źródło"], ["=1+1"]])
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "nowy.xlsx").st_mode) == 0o644
    assert WorkbookBackend(tmp_path).read_tabs("nowy.xlsx", ["Odrzucone"]).tabs["Odrzucone"] == [["Źródło"], ["'=1+1"]]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) not installed")
def test_libreoffice_opens_the_result_with_staff_values_and_our_text(tmp_path: Path) -> None:
    staff = build(tmp_path / "biuro.xlsx", owned_tabs=("Wskaźniki",))
    backend = WorkbookBackend(tmp_path)
    backend.write_tab("biuro.xlsx", "Odrzucone", [["Źródło", "Opis"]] + [["r", v] for v in HOSTILE])
    backend.write_tab("biuro.xlsx", "Wskaźniki", [["Wskaźnik", "Wartość"], ["ngo-osoby", "-3"]])
    out = tmp_path / "lo"
    # All sheets, one CSV each (LibreOffice >= 7.2): <name>-<sheet>.csv
    subprocess.run(
        [
            "soffice",
            f"-env:UserInstallation=file://{tmp_path / 'profile'}",
            "--headless",
            "--convert-to",
            "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1",
            "--outdir",
            str(out),
            str(staff.path),
        ],
        check=True,
        capture_output=True,
        timeout=240,
    )
    files = {p.name: p for p in out.glob("*.csv")}
    assert {f"biuro-{FORM_TAB}.csv", "biuro-Odrzucone.csv", "biuro-Wskaźniki.csv"} <= set(files), sorted(files)
    with files[f"biuro-{FORM_TAB}.csv"].open(encoding="utf-8", newline="") as fh:
        form = list(csv.reader(fh))
    assert [r[3] for r in form[1:]] == staff.emails  # the staff formula's values, as LibreOffice shows them
    with files["biuro-Odrzucone.csv"].open(encoding="utf-8", newline="") as fh:
        ours = list(csv.reader(fh))
    assert [r[1] for r in ours[1:]] == ["'" + v for v in HOSTILE]  # text, nothing evaluated ("Kliknij", 1, ...)
    with files["biuro-Wskaźniki.csv"].open(encoding="utf-8", newline="") as fh:
        assert list(csv.reader(fh))[1] == ["ngo-osoby", "-3"]


@pytest.mark.slow
def test_formulas_comments_and_a_table_staff_put_into_our_tab_do_not_break_the_file(tmp_path: Path) -> None:
    """Our tab is ours: what staff added there goes, and the calc chain pointing at its formulas too
    (Excel reports a file whose calcChain names a non-formula cell as corrupt)."""
    import io
    import zipfile

    from openpyxl import Workbook
    from openpyxl.comments import Comment
    from openpyxl.worksheet.table import Table

    wb = Workbook()
    wb.active.title = FORM_TAB
    wb.active.append(["Imię", "Wiek"])
    ours = wb.create_sheet("Odrzucone")
    ours.append(["Źródło", "Suma"])
    ours.append(["r", "=SUM(1,2)"])
    ours["A1"].comment = Comment("uwaga biura", "biuro")
    ours.add_table(Table(displayName="Tabela1", ref="A1:B2"))
    buf = io.BytesIO()
    wb.save(buf)
    # openpyxl writes no calcChain; Excel does: add one naming the formula cell of our tab (sheet 2).
    zin = zipfile.ZipFile(io.BytesIO(buf.getvalue()))
    path = tmp_path / "biuro.xlsx"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == "xl/_rels/workbook.xml.rels":
                data = data.replace(
                    b"</Relationships>",
                    b'<Relationship Id="rId99" Type="http://schemas.openxmlformats.org'
                    b'/officeDocument/2006/relationships/calcChain" Target="calcChain.xml"/></Relationships>',
                )
            if info.filename == "[Content_Types].xml":
                data = data.replace(
                    b"</Types>",
                    b'<Override PartName="/xl/calcChain.xml" ContentType="application/'
                    b'vnd.openxmlformats-officedocument.spreadsheetml.calcChain+xml"/></Types>',
                )
            zout.writestr(info, data)
        zout.writestr(
            "xl/calcChain.xml", '<calcChain xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><c r="B2" i="2"/></calcChain>'
        )
    before = members(path)
    WorkbookBackend(tmp_path).write_tab("biuro.xlsx", "Odrzucone", [["Źródło"], ["=2"]])
    after = members(path)
    assert "xl/calcChain.xml" not in after
    assert b"calcChain" not in after["xl/_rels/workbook.xml.rels"] + after["[Content_Types].xml"]
    part = sheet_part_of(path, "Odrzucone")
    assert {m for m in after if before.get(m) != after[m]} == {part, "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    assert load_workbook(path)["Odrzucone"]["A2"].value == "'=2"
    if shutil.which("soffice"):
        out = tmp_path / "lo"
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation=file://{tmp_path / 'profile'}",
                "--headless",
                "--convert-to",
                "csv:Text - txt - csv (StarCalc):44,34,UTF8,1,,0,false,true,false,false,false,-1",
                "--outdir",
                str(out),
                str(path),
            ],
            check=True,
            capture_output=True,
            timeout=240,
        )
        assert (out / "biuro-Odrzucone.csv").read_text(encoding="utf-8").splitlines() == ["Źródło", "'=2"]
