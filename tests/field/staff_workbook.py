"""A staff workbook as the office keeps it: a form tab whose e-mail and gmina columns are staff
formulas WITH cached values (as Excel/LibreOffice save them), a computed age (DATEDIF), a lookup
tab, colours, a frozen header, data validation, a filter and a defined name.

openpyxl writes formulas without cached values, so the values Excel would have stored are put into
the sheet XML afterwards (``<v>``), computed here from the same inputs. All values are made up for
these tests (not from the project's generator).
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

FORM_TAB = "Formularz NGO i rady"
LOOKUP_TAB = "Słownik gmin"
HEADER = [
    "Sygnatura czasowa",
    "Imię",
    "Nazwisko",
    "Adres e-mail",
    "Telefon kontaktowy",
    "PESEL",
    "Data urodzenia",
    "Płeć",
    "Kod pocztowy",
    "Miejscowość",
    "Gmina",
    "Nazwa organizacji / rady",
    "Typ podmiotu",
    "Wyrażam zgodę na przetwarzanie moich danych osobowych w celu realizacji projektu",
    "E-mail (jak wpisano)",
    "Wiek (formuła biura)",
    "Uwagi biura",
]
COL = {h: i for i, h in enumerate(HEADER)}
POSTCODES = {"43-100": "Tychy", "43-200": "Pszczyna", "43-150": "Bieruń", "43-190": "Mikołów"}

FIRST = [
    "Halina",
    "Bogumił",
    "Wiesława",
    "Radosław",
    "Teodora",
    "Kajetan",
    "Ludmiła",
    "Florian",
    "Genowefa",
    "Ignacy",
    "Józefina",
    "Lucjan",
    "Marianna",
    "Sylwester",
    "Bronisława",
    "Eustachy",
    "Celina",
    "Dobromir",
    "Eleonora",
    "Fabian",
    "Gertruda",
    "Hilary",
]
LAST = [
    "Wróblewska",
    "Kałuża",
    "Pietrzyk",
    "Ostrowski",
    "Zając",
    "Gołąb",
    "Szczepańska",
    "Mazurek",
    "Bąk",
    "Kopeć",
    "Nowicka",
    "Rybak",
    "Sowa",
    "Jeleń",
    "Kania",
    "Dudek",
    "Czajka",
    "Wilk",
    "Lis",
    "Kruk",
    "Sroka",
    "Żuraw",
]


def pesel(born: date, serial: int, female: bool) -> str:
    month = born.month + (20 if born.year >= 2000 else 0)
    sex = (serial * 2 + (0 if female else 1)) % 10
    body = f"{born.year % 100:02d}{month:02d}{born.day:02d}{serial % 1000:03d}{sex}"
    weights = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
    check = (10 - sum(int(d) * w for d, w in zip(body, weights)) % 10) % 10
    return body + str(check)


@dataclass
class StaffWorkbook:
    path: Path
    rows: int  # response rows
    invalid: int  # of which with an unusable e-mail (quarantined every night)
    emails: list[str]  # the cached values of the e-mail formula column


def build(path: Path, *, people: int = 20, invalid: int = 2, owned_tabs: tuple[str, ...] = ()) -> StaffWorkbook:
    wb = Workbook()
    ws = wb.active
    ws.title = FORM_TAB
    ws.append(HEADER)
    for c in ws[1]:
        c.font = Font(bold=True)
        c.fill = PatternFill("solid", fgColor="FFD966")
    cached: dict[str, str | int] = {}
    emails = []
    for i in range(people):
        r = i + 2
        female = i % 2 == 0
        first, last = FIRST[i % len(FIRST)], LAST[i % len(LAST)]
        born = date(1961 + (i * 7) % 40, 1 + (i * 5) % 12, 1 + (i * 11) % 28)
        code = list(POSTCODES)[i % len(POSTCODES)]
        typed = f"  {first[:3]}.{last[:4]}{i}@Poczta-Biura.example " if i >= invalid else f"brak maila {i}"
        email = typed.strip().lower()
        emails.append(email)
        row = [
            f"{3 + i % 20:02d}.04.2026 {8 + i % 9:02d}:{i % 60:02d}:00",
            first,
            last,
            f"=LOWER(TRIM({_a1('E-mail (jak wpisano)', r)}))",
            f"600 {100 + i:03d} {200 + i:03d}",
            pesel(born, 100 + i, female),
            born.strftime("%d.%m.%Y"),
            "Kobieta" if female else "Mężczyzna",
            code,
            POSTCODES[code],
            f"=VLOOKUP({_a1('Kod pocztowy', r)},'{LOOKUP_TAB}'!$A$2:$B$9,2,FALSE)",
            f"Stowarzyszenie nr {i % 5}",
            "NGO",
            "Tak",
            typed,
            f'=DATEDIF({_a1("Data urodzenia", r)},DATE(2026,4,1),"y")',
            "sprawdzone" if i % 3 == 0 else None,
        ]
        ws.append(row)
        cached[_a1("Adres e-mail", r)] = email
        cached[_a1("Gmina", r)] = POSTCODES[code]
        cached[_a1("Wiek (formuła biura)", r)] = 2026 - born.year - (1 if (born.month, born.day) > (4, 1) else 0)
        if i % 4 == 1:
            for c in ws[r]:
                c.fill = PatternFill("solid", fgColor="C6EFCE")
    ws.freeze_panes = "B2"
    ws.auto_filter.ref = f"A1:{_col('Uwagi biura')}{people + 1}"
    dv = DataValidation(type="list", formula1='"sprawdzone,do wyjaśnienia,odrzucone"', allow_blank=True)
    dv.add(f"{_col('Uwagi biura')}2:{_col('Uwagi biura')}500")
    ws.add_data_validation(dv)
    ws.column_dimensions["B"].width = 18
    lookup = wb.create_sheet(LOOKUP_TAB)
    lookup.append(["Kod", "Gmina"])
    for code, gmina in POSTCODES.items():
        lookup.append([code, gmina])
    wb.defined_names["KodyGmin"] = DefinedName("KodyGmin", attr_text=f"'{LOOKUP_TAB}'!$A$2:$B$9")
    for tab in owned_tabs:
        wb.create_sheet(tab)
    buf = io.BytesIO()
    wb.save(buf)
    path.write_bytes(_with_cached_values(buf.getvalue(), cached))
    return StaffWorkbook(path, people, invalid, emails)


def _col(header: str) -> str:
    from openpyxl.utils import get_column_letter

    return get_column_letter(COL[header] + 1)


def _a1(header: str, row: int) -> str:
    return f"{_col(header)}{row}"


def _with_cached_values(xlsx: bytes, cached: dict[str, str | int]) -> bytes:
    """Put Excel's cached results into the first sheet's formula cells (openpyxl leaves <v> empty)."""
    zin = zipfile.ZipFile(io.BytesIO(xlsx))
    sheet = "xl/worksheets/sheet1.xml"
    xml = zin.read(sheet).decode("utf-8")

    def fill(m: re.Match) -> str:
        ref, attrs, formula = m.group(1), m.group(2), m.group(3)
        value = cached[ref]
        if isinstance(value, int):
            return f'<c r="{ref}"{attrs}><f>{formula}</f><v>{value}</v></c>'
        text = value.replace("&", "&amp;").replace("<", "&lt;")
        return f'<c r="{ref}"{attrs} t="str"><f>{formula}</f><v>{text}</v></c>'

    xml, n = re.subn(r'<c r="([A-Z]+\d+)"([^>]*)><f>([^<]*)</f><v\s*/?>(?:</v>)?</c>', fill, xml)
    assert n == len(cached), (n, len(cached))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            zout.writestr(info, xml.encode("utf-8") if info.filename == sheet else zin.read(info.filename))
    return out.getvalue()


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def sheet_part_of(path: Path, tab: str) -> str:
    """The zip member holding worksheet ``tab``."""
    from xml.etree import ElementTree as ET

    from synergia.sheets.xlsx_parts import NS_MAIN, NS_PKG_REL, NS_R, _resolve

    m = members(path)
    wb = ET.fromstring(m["xl/workbook.xml"])
    rid = next(s.get(f"{{{NS_R}}}id") for s in wb.find(f"{{{NS_MAIN}}}sheets") if s.get("name") == tab)
    rels = ET.fromstring(m["xl/_rels/workbook.xml.rels"])
    target = next(r.get("Target") for r in rels if r.tag == f"{{{NS_PKG_REL}}}Relationship" and r.get("Id") == rid)
    return _resolve("xl/workbook.xml", target)
