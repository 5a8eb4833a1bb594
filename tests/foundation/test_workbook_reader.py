"""The XLSX read path (python-calamine) gives every cell exactly as openpyxl's ``data_only`` read did.

Two workbooks, values made up here: one written by openpyxl (its cell types: dates, times,
durations, numbers, booleans, text with leading zeros), one written by hand as Excel / LibreOffice /
Google's export store it (shared strings with rich-text runs, built-in and custom date formats,
formulas with cached numbers / strings / booleans / errors, a formula without a cached value, an
error typed in, a sheet part with an unusual name, cells without an ``r`` attribute, a gap row, a
1904 date system). The reference is the previous reader: openpyxl read-only + ``format_cell``.
"""

from __future__ import annotations

import sys
import zipfile
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook

from synergia.sheets import forking, workbook
from synergia.sheets.workbook import WorkbookBackend, format_cell


@pytest.fixture(autouse=True, params=["serial", "forked"])
def scan_beside_the_read(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Every case twice: the XML scan here, and in a forked worker beside the calamine read."""
    monkeypatch.setattr(workbook, "FORK_BYTES", 0 if request.param == "forked" else 1 << 62)
    monkeypatch.setattr(forking, "MAX_PARENT_MB", 1 << 40)  # however big the test process has grown


def _openpyxl_rows(path: Path, tab: str) -> list[list[str]]:
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        return _norm([[format_cell(v) for v in row] for row in wb[tab].iter_rows(values_only=True)])
    finally:
        wb.close()


def _norm(rows: list[list[str]]) -> list[list[str]]:
    out = [list(r) for r in rows]
    for r in out:
        while r and r[-1] == "":
            r.pop()
    while out and not out[-1]:
        out.pop()
    return out


def test_cells_written_by_openpyxl_read_the_same(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Zgłoszenia"
    ws.append(
        [
            "Sygnatura czasowa",
            "Data urodzenia",
            "Godzina",
            "Czas",
            "PESEL",
            "PESEL liczbą",
            "Telefon",
            "Kwota",
            "Zgoda",
            "Puste",
            "Uwagi",
            "Udział",
        ]
    )
    ws.append(
        [
            datetime(2026, 4, 3, 8, 5, 9),
            date(1987, 12, 30),
            time(17, 45),
            timedelta(hours=26, minutes=3),
            "00211507418",
            87123004412,
            "0048 512 300 411",
            1234.5,
            True,
            None,
            "  z odstępami  ",
            0.25,
        ]
    )
    ws.append([datetime(2026, 4, 4), date(2001, 1, 1), time(0, 0, 1), None, "", 1e15, 512300411, -0.0, False, "", "wiele\nlinii", 3.0])
    ws.append([None] * 12)  # an empty row between responses
    ws.append(["2026-04-05 10:00:00", "05.06.1990", None, None, "900506O1234", None, "+48512300412", 7, None, None, "nie = formuła", None])
    ws["L5"].number_format = "0%"
    ws["H3"].number_format = "#,##0.00"
    for cell, value, fmt in (
        ("M2", 45123, "dd.mm.yyyy"),
        ("M3", 45123.75, "yyyy-mm-dd hh:mm"),
        ("M4", 0.5, "hh:mm"),
        ("M5", 2.25, "[h]:mm:ss"),
    ):
        ws[cell] = value
        ws[cell].number_format = fmt
    path = tmp_path / "openpyxl.xlsx"
    wb.save(path)

    got = WorkbookBackend(tmp_path).read_tabs("openpyxl.xlsx", ["Zgłoszenia"]).tabs["Zgłoszenia"]
    want = _openpyxl_rows(path, "Zgłoszenia")
    assert _norm(got) == want
    # and the values are what a sheet shows (not just equal to the old reader by accident)
    assert got[1][:9] == [
        "2026-04-03 08:05:09",
        "1987-12-30",
        "17:45:00",
        "1 day, 2:03:00",
        "00211507418",
        "87123004412",
        "0048 512 300 411",
        "1234.5",
        "TRUE",
    ]
    assert got[2][5:7] == ["1000000000000000", "512300411"] and got[2][7] == "0"
    assert got[3] == [""] * 12 + ["12:00:00"] and got[4][4] == "900506O1234"  # the empty response row
    assert [r[12] for r in got[1:5]] == ["2023-07-16", "2023-07-16 18:00:00", "12:00:00", "2 days, 6:00:00"]


# -- a workbook as Excel / LibreOffice store it, written by hand -------------------------------------

_CT = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">
<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>
<Default Extension="xml" ContentType="application/xml"/>
<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>
<Override PartName="/xl/worksheets/formularz_odpowiedzi.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/worksheets/sheet2.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>
<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>
<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/>
</Types>"""
_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>
</Relationships>"""
_WB = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">
<workbookPr{date1904}/>
<sheets><sheet name="Lista obecności" sheetId="7" r:id="rId9"/><sheet name="Odpowiedzi z formularza" sheetId="3" r:id="rId4"/></sheets>
</workbook>"""
_WB_RELS = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">
<Relationship Id="rId4" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/formularz_odpowiedzi.xml"/>
<Relationship Id="rId9" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="/xl/worksheets/sheet2.xml"/>
<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/>
<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>
</Relationships>"""
# cellXfs: 0 General, 1 built-in date (14), 2 built-in date-time (22), 3 custom dd.mm.yyyy, 4 text (@), 5 time (20)
_STYLES = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="1"><numFmt numFmtId="164" formatCode="dd\\.mm\\.yyyy"/></numFmts>
<fonts count="1"><font><sz val="11"/><name val="Calibri"/></font></fonts>
<fills count="1"><fill><patternFill patternType="none"/></fill></fills>
<borders count="1"><border/></borders>
<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>
<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/><xf numFmtId="14" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/><xf numFmtId="22" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/><xf numFmtId="164" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/><xf numFmtId="49" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/><xf numFmtId="20" fontId="0" fillId="0" borderId="0" applyNumberFormat="1"/></cellXfs>
</styleSheet>"""
_STRINGS = [
    "Sygnatura czasowa",
    "Imię",
    "Telefon",
    "PESEL",
    "Urodzony",
    "Wynik",
    "Adres e-mail",
    "Uwagi",
    "Żaneta",
    "0048600700800",
    "02290512345",
    "ż.kos@example.org",
    "Ósma klasa",
    "Nr",
]
_SST = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>'
    '<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="15" uniqueCount="15">'
    + "".join(f"<si><t>{s}</t></si>" for s in _STRINGS)
    + '<si><r><rPr><b/></rPr><t>Gra</t></r><r><t xml:space="preserve">żyna </t></r></si></sst>'
)
_SHEET = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:I6"/><sheetData>
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c><c r="C1" t="s"><v>2</v></c><c r="D1" t="s"><v>3</v></c><c r="E1" t="s"><v>4</v></c><c r="F1" t="s"><v>5</v></c><c r="G1" t="s"><v>6</v></c><c r="H1" t="s"><v>7</v></c><c r="I1" t="s"><v>13</v></c></row>
<row r="2"><c r="A2" s="2"><v>46115.4305787037</v></c><c r="B2" t="s"><v>8</v></c><c r="C2" t="s"><v>9</v></c><c r="D2" t="s"><v>10</v></c><c r="E2" s="1"><v>33000</v></c><c r="F2"><f>E2/1000</f><v>33</v></c><c r="G2" t="str"><f>LOWER("Ż.KOS@EXAMPLE.ORG")</f><v>ż.kos@example.org</v></c><c r="H2" t="s"><v>14</v></c><c r="I2"><v>1</v></c></row>
<row r="3"><c r="A3" s="2"><v>46116</v></c><c r="B3" t="inlineStr"><is><t>Ola</t></is></c><c r="C3" s="4"><v>600700801</v></c><c r="D3"><v>2290512346</v></c><c r="E3" s="3"><v>33001.5</v></c><c r="F3" t="e"><f>VLOOKUP(B3,X:Y,2,0)</f><v>#N/A</v></c><c r="G3"><f>G2</f></c><c r="H3" t="b"><f>1=1</f><v>1</v></c><c r="I3"><v>2.50</v></c></row>
<row r="5"><c r="A5" t="s"><v>12</v></c><c r="F5" t="e"><v>#DIV/0!</v></c><c r="G5"><f>1/0</f><v></v></c><c r="I5"><v>0.1</v></c></row>
<row r="6"><c t="s"><v>11</v></c><c><v>7</v></c><c r="E6" s="5"><v>0.75</v></c><c r="I6"><v>1E-3</v></c></row>
</sheetData></worksheet>"""
_SHEET2 = """<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:B2"/><sheetData>
<row r="1"><c r="A1" t="s"><v>1</v></c><c r="B1" t="s"><v>4</v></c></row>
<row r="2"><c r="A2" t="s"><v>8</v></c><c r="B2" s="1"><v>40000</v></c></row>
</sheetData></worksheet>"""


def _hand_made(path: Path, *, date1904: bool = False) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", _CT)
        z.writestr("_rels/.rels", _RELS)
        z.writestr("xl/workbook.xml", _WB.format(date1904=' date1904="1"' if date1904 else ""))
        z.writestr("xl/_rels/workbook.xml.rels", _WB_RELS)
        z.writestr("xl/styles.xml", _STYLES)
        z.writestr("xl/sharedStrings.xml", _SST)
        z.writestr("xl/worksheets/formularz_odpowiedzi.xml", _SHEET)
        z.writestr("xl/worksheets/sheet2.xml", _SHEET2)
    return path


@pytest.mark.parametrize("date1904", [False, True])
def test_cells_as_spreadsheet_programs_store_them_read_the_same(tmp_path: Path, date1904: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    path = _hand_made(tmp_path / "staff.xlsx", date1904=date1904)
    monkeypatch.setattr(workbook, "_read_cells_openpyxl", None)  # this workbook is read by calamine alone
    data = WorkbookBackend(tmp_path).read_tabs("staff.xlsx", ["Odpowiedzi z formularza", "Lista obecności"])
    for tab in ("Odpowiedzi z formularza", "Lista obecności"):
        assert _norm(data.tabs[tab]) == _openpyxl_rows(path, tab), tab
    rows = data.tabs["Odpowiedzi z formularza"]
    stamp, born = ("2030-04-04 10:20:02", "1994-05-08") if date1904 else ("2026-04-03 10:20:02", "1990-05-07")
    assert rows[1] == [stamp, "Żaneta", "0048600700800", "02290512345", born, "33", "ż.kos@example.org", "Grażyna ", "1"]
    assert rows[2][2:4] == ["600700801", "2290512346"] and rows[2][5] == "#N/A" and rows[2][7] == "TRUE"
    assert rows[2][6] == "" and rows[4][6] == ""  # formulas without a cached value read as empty...
    assert data.uncached == {"Odpowiedzi z formularza": {(2, 6), (4, 6)}}  # ...and are reported
    assert rows[3] == [] and rows[4][5] == "#DIV/0!" and rows[4][8] == "0.1"
    assert rows[5][:2] == ["ż.kos@example.org", "7"] and rows[5][4] == "18:00:00" and rows[5][8] == "0.001"


def test_spaces_around_text_stored_without_preserve_are_kept(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """calamine trims ``<t>a </t>``; openpyxl (and a sheet) keep the space: such a workbook is read as before."""
    strings = ["a ", " b", "c\n", "d", "  "]
    sst = (
        '<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        + "".join(f"<si><t>{s}</t></si>" for s in strings)
        + "<si><r><t>e </t></r><r><t> f</t></r></si></sst>"
    )
    sheet = (
        '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        '<sheetData><row r="1">' + "".join(f'<c t="s"><v>{i}</v></c>' for i in range(6)) + "</row>"
        '<row r="2"><c t="inlineStr"><is><t>g </t></is></c><c r="C2" t="str"><f>"h"</f><v> h </v></c></row>'
        "</sheetData></worksheet>"
    )
    monkeypatch.setattr(sys.modules[__name__], "_SST", sst)
    monkeypatch.setattr(sys.modules[__name__], "_SHEET", sheet)
    path = _hand_made(tmp_path / "w.xlsx")
    rows = WorkbookBackend(tmp_path).read_tabs("w.xlsx", ["Odpowiedzi z formularza"]).tabs["Odpowiedzi z formularza"]
    assert rows == [["a ", " b", "c\n", "d", "  ", "e  f"], ["g ", "", " h "]]
    assert _norm(rows) == _openpyxl_rows(path, "Odpowiedzi z formularza")


def test_a_chartsheet_or_a_missing_tab_is_missing_and_a_broken_zip_is_unreadable(tmp_path: Path) -> None:
    from synergia.sheets.base import UnreadableWorkbook

    wb = Workbook()
    wb.active.title = "Dane"
    wb.active.append(["a"])
    wb.create_chartsheet("Wykres")
    wb.save(tmp_path / "z.xlsx")
    data = WorkbookBackend(tmp_path).read_tabs("z.xlsx", ["Dane", "Wykres", "Brak"])
    assert data.tabs == {"Dane": [["a"]]} and data.missing == ("Wykres", "Brak")
    raw = (tmp_path / "z.xlsx").read_bytes()
    (tmp_path / "cut.xlsx").write_bytes(raw[: len(raw) // 2])
    with pytest.raises(UnreadableWorkbook):
        WorkbookBackend(tmp_path).read_tabs("cut.xlsx", ["Dane"])
