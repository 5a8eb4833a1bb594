"""Two hostile nights, end to end, as the user runs them (issue 10, "one end-to-end hostile night").

Night 1: the office's workbook (XLSX) — two response tabs of one form and an attendance list; staff
helper columns with formulas AND the cached values Excel stores, colours, a frozen header, data
validation — filled by hostile respondents (consent in words incl. refusals, a 1,100-character first
name, a zero-width-only surname, birth dates in 2090/1850 with odd timestamps, a postcode typed as
the number 2100, PESELs with spaces and dots, phones in a dozen formats, a trailing row holding only
a formula). Enough people attended for certificates to be issued and e-mailed to the outbox.

Night 2 after a day of staff work (re-saved in "Excel"): a spam row deleted in the middle, the tab
sorted by surname, a blank row inserted, a row moved to the other tab, a staff formula column
edited, more rows quarantined, and a formula injection (``=HYPERLINK(...)``) in a name that ends
in ``Do sprawdzenia``.

Each night is ``python -m cli run nightly -p <yaml>`` in a subprocess with a fresh
PREFECT_HOME and SYNERGIA_DATA_DIR, on SQLite and on PostgreSQL. Checked: exit 0; accepted +
quarantined + empty = the rows we wrote; no certificate changes holder, number, revision or status;
no second e-mail; every zip member of the staff's that we do not own byte-identical and the file
mode kept; the injection stays text; no PESEL, e-mail or phone of the workbook in the terminal,
in Prefect's database or in any file under PREFECT_HOME. All values are made up for this test.
"""

from __future__ import annotations

import io
import os
import re
import stat
import subprocess
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from synergia.registry.tables import Application
from synergia.registry.tables_certificates import Certificate
from synergia.registry.tables_mail import MailDelivery
from tests.field.staff_workbook import pesel as make_pesel
from tests.field.staff_workbook import sheet_part_of
from tests.field.test_pii_busy_registry import assert_prefect_home_clean, dump_prefect_db, leaks

REPO = Path(__file__).resolve().parents[2]
WORKBOOK = "biuro/rekrutacja-rady.xlsx"
TAB_A, TAB_B, LIST = "Odpowiedzi z formularza", "Odpowiedzi – druga tura", "Obecność – warsztat rad"
OWNED = ("Odrzucone", "Do sprawdzenia")
CONSENT_Q = "Czy wyrażasz zgodę na przetwarzanie danych osobowych na potrzeby projektu?"
FORM_HEADER = [
    "Sygnatura czasowa",
    "Imię",
    "Nazwisko",
    "Adres e-mail",
    "Nr telefonu",
    "PESEL",
    "Data urodzenia",
    "Ulica",
    "Kod pocztowy",
    "Miejscowość",
    "Organizacja",
    CONSENT_Q,
    "Wiek (biuro)",
    "E-mail małymi (biuro)",
    "Uwagi biura",
]
LIST_HEADER = ["Imię", "Nazwisko", "E-mail", "Spotkanie 1", "Spotkanie 2", "Razem (biuro)"]
C = {h: get_column_letter(i + 1) for i, h in enumerate(FORM_HEADER)}
INJECTION = '=HYPERLINK("http://evil.example","x")'

PROJECT_YAML = f"""
slug: wrogie-noce
name: "Projekt terenowy — wrogie noce"
organiser: {{name: "Fundacja Rad Lokalnych", logo: logos/organizator-demo.png}}
funder: {{name: "NIW-CRSO", logo: logos/fundator-demo.png}}
period: {{start: 2026-02-01, end: 2026-11-30}}
spreadsheet: {{id: {WORKBOOK}}}
sources:
  - id: nabor
    kind: recruitment
    worksheet: "{TAB_A}"
    required_consents: [rodo]
    require: [email]
    columns: &form
      "Sygnatura czasowa": submitted_at
      "Imię": first_name
      "Nazwisko": last_name
      "Adres e-mail": email
      "Nr telefonu": phone
      "PESEL": pesel
      "Data urodzenia": birth_date
      "Ulica": street
      "Kod pocztowy": postal_code
      "Miejscowość": city
      "Organizacja": organisation
      "{CONSENT_Q}": consent.rodo
  - id: nabor-2
    kind: recruitment
    worksheet: "{TAB_B}"
    required_consents: [rodo]
    require: [email]
    columns: *form
  - id: obecnosc
    kind: attendance
    event: warsztat-rad
    worksheet: "{LIST}"
    columns: {{"Imię": first_name, "Nazwisko": last_name, "E-mail": email}}
    sessions: {{"Spotkanie 1": 1, "Spotkanie 2": 2}}
events:
  - id: warsztat-rad
    type: warsztat
    title: "Warsztat dla rad sołeckich"
    dates: [2026-06-13, 2026-06-20]
    sessions: 2
    hours: 10
    cycle: rady
certificates:
  prefix: WRN
  place_of_issue: Bieruń
  signatory: "Zofia Gawrońska"
  verification_url: "https://weryfikacja.example.org/z/{{code}}"
  cycles:
    - id: rady
      title: "Warsztat dla rad sołeckich"
      events: [warsztat-rad]
      rule: {{min_attendance_ratio: 1.0}}
"""


@dataclass
class Person:
    ts: str
    first: str
    last: str
    email: str
    phone: str
    pesel: str  # as typed
    born: str
    postcode: str | int
    city: str
    org: str
    consent: str
    note: str = ""
    street: str = ""
    quarantined: bool = False  # our expectation for this row
    attended: bool = False  # on the list, both meetings

    def values(self) -> list:
        return [
            self.ts,
            self.first,
            self.last,
            self.email,
            self.phone,
            self.pesel,
            self.born,
            self.street or None,
            self.postcode,
            self.city,
            self.org,
            self.consent,
        ]


def _p(born: date, serial: int, female: bool) -> str:
    return make_pesel(born, serial, female)


# PESELs typed with spaces, dashes, dots; phones in many formats; postcode 2100 as a number
P1, P2, P3, P4 = (
    _p(date(1968, 3, 14), 412, True),
    _p(date(1975, 11, 2), 77, False),
    _p(date(1983, 7, 29), 931, True),
    _p(date(2001, 2, 5), 640, True),
)
GOOD = [
    Person(
        "12.03.2026 08:14:51",
        "Krystyna",
        "Ambroziak",
        "k.ambroziak@solectwo-kostuchna.example",
        "+48 601 733 219",
        f"{P1[:6]} {P1[6:]}",
        "14.03.1968",
        "43-150",
        "Bieruń",
        "Rada Sołecka Kostuchna",
        "Tak",
        attended=True,
    ),
    Person(
        "12.03.2026 09:02:07",
        "Mirosław",
        "Brzozowski",
        "mbrzozowski@osp-czarnuchowice.example",
        "(0-32) 216 44 85",
        ".".join([P2[:2], P2[2:4], P2[4:6], P2[6:]]),
        "02.11.1975",
        "43-155",
        "Bieruń",
        "OSP Czarnuchowice",
        "tak, wyrażam zgodę",
        attended=True,
    ),
    Person(
        "13.03.2026 19:40:00",
        "Aldona",
        "Cieślik",
        "aldona.cieslik@kgw-bojszowy.example",
        "0048 692-118-034",
        f"{P3[:3]} {P3[3:6]} {P3[6:9]} {P3[9:]}",
        "29.07.1983",
        2100,
        "Pszczyna",
        "KGW Bojszowy",
        "Wyrażam zgodę",
        attended=True,
    ),
    Person(
        "14.03.2026 07:55:13",
        "Natalia",
        "Dziedzic",
        "natalia.dziedzic@mlodziezowa-rada.example",
        "692118035",
        f"{P4[:6]}-{P4[6:]}",
        "05.02.2001",
        "43-100",
        "Tychy",
        "Młodzieżowa Rada Miasta",
        "TAK.",
        attended=True,
    ),
    Person(
        "15.03.2026 12:31:44",
        "Eugeniusz",
        "Fabiański",
        "e.fabianski@rada-seniorow-tychy.example",
        "32 227 15 90",
        "",
        "19.05.1949",
        "43-100",
        "Tychy",
        "Rada Seniorów",
        " tak ",
        attended=True,
    ),
    Person(
        "16.03.2026 16:05:29",
        "Grzegorz",
        "Gajda",
        "g.gajda@sołectwo.example".replace("ł", "l"),
        "+48-733-450-118",
        "",
        "30.09.1990",
        "43-190",
        "Mikołów",
        "Sołectwo Borowa Wieś",
        "Tak",
        attended=True,
    ),
    Person(
        "17.03.2026 10:10:10",
        "Helena",
        "Hajduk",
        "helena.hajduk@ug-kobior.example",
        "733 450 119",
        "",
        "11.12.1958",
        "43-211",
        "Kobiór",
        "Koło Emerytów",
        "Tak",
        attended=True,
    ),
    Person(
        "18.03.2026 21:47:02",
        "Ireneusz",
        "Jarząbek",
        "ireneusz.jarzabek@osiedle-paprocany.example",
        "+48733450120",
        "",
        "23.04.1979",
        "43-100",
        "Tychy",
        "Rada Osiedla Paprocany",
        "tak – wyrażam zgodę",
        attended=True,
    ),
    Person(
        "19.03.2026 06:30:55",
        "Lidia",
        "Kołodziej",
        "lidia.kolodziej@kgw-wyry.example",
        "48 733 450 121",
        "",
        "08.08.1966",
        "43-175",
        "Wyry",
        "KGW Wyry",
        "Tak",
    ),  # not on the list: no certificate
    Person(
        "20.03.2026 13:13:13",
        "Bogdan",
        "Wawrzyczek",
        "b.wawrzyczek@stowarzyszenie-gostyn.example",
        "733.450.122",
        "",
        "17.01.1962",
        "43-176",
        "Gostyń",
        "Stowarzyszenie Gostyń",
        "Tak",
    ),
]
SPAM = Person(
    "15.03.2026 03:03:03",
    "Test",
    "Testowy",
    "test@test.example",
    "",
    "",
    "01.01.1980",
    "00-000",
    "Test",
    "test",
    "Tak",
    note="usunąć — spam",
)
REFUSED = [
    Person(
        "21.03.2026 09:00:01",
        "Romana",
        "Lewicka",
        "romana.lewicka@poczta-rady.example",
        "601 000 001",
        "",
        "12.12.1970",
        "43-100",
        "Tychy",
        "Rada Osiedla",
        "Nie wyrażam zgody.",
        quarantined=True,
    ),
    Person(
        "21.03.2026 09:00:02",
        "Zbigniew",
        "Łukowski",
        "z.lukowski@poczta-rady.example",
        "601-000-002",
        "",
        "13.12.1971",
        "43-100",
        "Tychy",
        "Rada Osiedla",
        "NIE.",
        quarantined=True,
    ),
    Person(
        "21.03.2026 09:00:03",
        "Wanda",
        "Majchrzak",
        "wanda.majchrzak@poczta-rady.example",
        "+48 601 000 003",
        "",
        "14.12.1972",
        "43-100",
        "Tychy",
        "Rada Osiedla",
        "odmawiam",
        quarantined=True,
    ),
    Person(
        "21.03.2026 09:00:04",
        "Czesław",
        "Nowara",
        "cz.nowara@poczta-rady.example",
        "601000004",
        "",
        "15.12.1973",
        "43-100",
        "Tychy",
        "Rada Osiedla",
        "-",
        quarantined=True,
    ),
    Person(
        "21.03.2026 09:00:05",
        "Jolanta",
        "Orzeł",
        "jolanta.orzel@poczta-rady.example",
        "0048601000005",
        "",
        "16.12.1974",
        "43-100",
        "Tychy",
        "Rada Osiedla",
        "?",
        quarantined=True,
    ),
    # a formula injection in a name, with a refusal: quarantined (Odrzucone), never a live formula
    Person(
        "21.03.2026 09:00:06",
        INJECTION,
        "Pasternak",
        "pasternak@poczta-rady.example",
        "601 000 006",
        "",
        "17.12.1975",
        "43-100",
        "Tychy",
        "Rada Osiedla",
        "NIE.",
        quarantined=True,
    ),
]
ODD = [
    Person(
        "22.03.2026 11:11:11",
        "Maksymilian" + "ia" * 560,
        "Rzepecki",
        "m.rzepecki@poczta-rady.example",
        "601 000 011",
        "",
        "01.06.1980",
        "43-100",
        "Tychy",
        "Rada",
        "Tak",
        quarantined=True,
    ),  # 1,131 chars
    Person(
        "22.03.2026 11:11:12",
        "Sabina",
        "\u200b\u200c\ufeff\u2060",
        "sabina.zw@poczta-rady.example",
        "601 000 012",
        "",
        "02.06.1981",
        "43-100",
        "Tychy",
        "Rada",
        "Tak",
        quarantined=True,
    ),  # zero-width only
    Person(
        "01.01.2099 00:00:00",
        "Tadeusz",
        "Sroczyński",
        "t.sroczynski@poczta-rady.example",
        "601 000 013",
        "",
        "12.05.2090",
        "43-100",
        "Tychy",
        "Rada",
        "Tak",
        quarantined=True,
    ),  # born 2090
    Person(
        "01.01.1900 00:00:00",
        "Urszula",
        "Tkacz",
        "u.tkacz@poczta-rady.example",
        "601 000 014",
        "",
        "03.02.1850",
        "43-100",
        "Tychy",
        "Rada",
        "Tak",
        quarantined=True,
    ),  # born 1850
]
TAB_B_ROWS = [
    Person(
        "02.05.2026 10:20:30",
        "Witold",
        "Zalewski",
        "witold.zalewski@rada-gminy.example",
        "+48 (32) 219 40 40",
        "",
        "09.09.1969",
        "43-143",
        "Lędziny",
        "Rada Gminy",
        "Tak",
        attended=True,
    ),
]
# night 2: new rows that are quarantined, and a near-duplicate pair whose organisation is a formula
NIGHT2_NEW = [
    Person(
        "03.05.2026 08:00:01",
        "Adela",
        "Urbańska",
        "adela.urbanska@poczta-rady.example",
        "601 000 021",
        "",
        "04.04.1977",
        "43-100",
        "Tychy",
        "Rada",
        "nie zgadzam się",
        quarantined=True,
    ),
    Person(
        "03.05.2026 08:00:02",
        "Feliks",
        "Wójcik",
        "feliks.wojcik@poczta-rady.example",
        "601 000 022",
        "",
        "05.04.1978",
        "43-100",
        "Tychy",
        "Rada",
        "brak zgody",
        quarantined=True,
    ),
    Person(
        "03.05.2026 08:00:03",
        "Genowefa",
        "Zięba",
        "genowefa.zieba(at)poczta",
        "601 000 023",
        "",
        "06.04.1979",
        "43-100",
        "Tychy",
        "Rada",
        "Tak",
        quarantined=True,
    ),  # e-mail unusable
    Person(
        "03.05.2026 08:00:04",
        "Dobrosława",
        "Kmiecik",
        "dobroslawa.kmiecik@kgw-imielin.example",
        "601 000 024",
        "",
        "07.07.1967",
        "41-407",
        "Imielin",
        "KGW Imielin",
        "Tak",
        street="Polna 12",
    ),
    Person(
        "04.05.2026 18:30:00",
        "Dobrosawa",
        "Kmiecik",
        "d.kmiecik@inny-adres.example",
        "601 000 025",
        "",
        "",
        "41-407",
        "Imielin",
        INJECTION,
        "Tak",
        street="Polna 12",
    ),
]
TRAILING_FORMULA = True


def form_rows(people: list[Person | None], *, age_at: str = "DATE(2026,6,1)", age_year: int = 2026) -> tuple[list[list], dict]:
    """Rows of a response tab (header first) and the cached values of its staff formulas."""
    rows: list[list] = [list(FORM_HEADER)]
    cached: dict[str, object] = {}
    for person in people:
        r = len(rows) + 1
        if person is None:  # a blank row staff inserted
            rows.append([None] * len(FORM_HEADER))
            continue
        rows.append(
            person.values()
            + [f'=DATEDIF({C["Data urodzenia"]}{r},{age_at},"y")', f"=LOWER(TRIM({C['Adres e-mail']}{r}))", person.note or None]
        )
        if person.born:
            d, m, y = (int(x) for x in person.born.split("."))
            cached[f"{C['Wiek (biuro)']}{r}"] = age_year - y - (1 if (m, d) > (6, 1) else 0)
        else:
            cached[f"{C['Wiek (biuro)']}{r}"] = "#NUM!"  # Excel's cached error for an empty date
        cached[f"{C['E-mail małymi (biuro)']}{r}"] = person.email.strip().lower()
    return rows, cached


def list_rows(people: list[Person]) -> tuple[list[list], dict]:
    rows: list[list] = [list(LIST_HEADER)]
    cached: dict[str, object] = {}
    for person in people:
        r = len(rows) + 1
        rows.append([person.first, person.last, person.email, "x", "x", f'=COUNTIF(D{r}:E{r},"x")'])
        cached[f"F{r}"] = 2
    return rows, cached


@dataclass
class Staff:
    """What the office has in its workbook, and how it saves it (as Excel does: formulas with values)."""

    tab_a: list[Person | None]
    tab_b: list[Person | None]
    attendance: list[Person]
    owned: dict[str, list[list]] = field(default_factory=dict)  # the pipeline's tabs, as staff re-save them
    age_at: str = "DATE(2026,6,1)"
    age_year: int = 2026

    def rows_to_count(self) -> int:
        """Rows the nightly must account for: every row under the header up to the last one with
        anything in it (a blank row between counts as empty, the formula-only trailing row too)."""
        n = 0
        for people in (self.tab_a, self.tab_b):
            n += len(people)
        n += 1 if TRAILING_FORMULA else 0
        return n + len(self.attendance)

    def expected_quarantined(self) -> int:
        return sum(1 for p in self.tab_a + self.tab_b if p is not None and p.quarantined)

    def save(self, path: Path) -> dict[str, bytes]:
        wb = Workbook()
        wb.remove(wb.active)
        cached_by_tab: dict[str, dict] = {}
        for title, people in ((TAB_A, self.tab_a), (TAB_B, self.tab_b)):
            rows, cached = form_rows(people, age_at=self.age_at, age_year=self.age_year)
            if title == TAB_A and TRAILING_FORMULA:  # staff dragged the formula one row too far
                rows.append([None] * (len(FORM_HEADER) - 2) + [f"=LOWER(TRIM({C['Adres e-mail']}{len(rows) + 1}))", None])
            ws = wb.create_sheet(title)
            _fill(ws, rows)
            ws.freeze_panes = "B2"
            ws.auto_filter.ref = f"A1:{C['Uwagi biura']}{len(rows)}"
            dv = DataValidation(type="list", formula1='"sprawdzone,do wyjaśnienia,usunąć — spam"', allow_blank=True)
            dv.add(f"{C['Uwagi biura']}2:{C['Uwagi biura']}400")
            ws.add_data_validation(dv)
            ws.column_dimensions[C[CONSENT_Q]].width = 42
            cached_by_tab[title] = cached
        rows, cached = list_rows(self.attendance)
        ws = wb.create_sheet(LIST)
        _fill(ws, rows)
        cached_by_tab[LIST] = cached
        for title, rows in self.owned.items():
            _fill(wb.create_sheet(title), rows, header_style=False)
        buf = io.BytesIO()
        wb.save(buf)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(_with_cached_values(buf.getvalue(), wb.sheetnames, cached_by_tab))
        return zip_members(path)


def _fill(ws, rows: list[list], header_style: bool = True) -> None:
    for r, row in enumerate(rows, start=1):
        for c, value in enumerate(row, start=1):
            if value is None or value == "":
                continue
            cell = ws.cell(row=r, column=c, value=value)
            if isinstance(value, str) and not (value.startswith("=") and header_style and r > 1 and _is_staff_formula(value)):
                cell.data_type = "s"  # typed text, even when it looks like a formula
            if header_style and r == 1:
                cell.font = Font(bold=True)
                cell.fill = PatternFill("solid", fgColor="BDD7EE")
            elif header_style and r % 3 == 0:
                cell.fill = PatternFill("solid", fgColor="FCE4D6")


def _is_staff_formula(value: str) -> bool:
    return value.startswith(("=DATEDIF(", "=LOWER(", "=COUNTIF("))


def _with_cached_values(xlsx: bytes, titles: list[str], cached_by_tab: dict[str, dict]) -> bytes:
    """Put the results Excel would store into the formula cells (openpyxl leaves ``<v>`` empty);
    a formula cell without a cached value (the trailing one) stays without."""
    zin = zipfile.ZipFile(io.BytesIO(xlsx))
    parts = {f"xl/worksheets/sheet{i + 1}.xml": cached_by_tab.get(t, {}) for i, t in enumerate(titles)}

    def filler(cached: dict):
        def fill(m: re.Match) -> str:
            ref, attrs, formula = m.group(1), m.group(2), m.group(3)
            if ref not in cached:
                return m.group(0)
            value = cached[ref]
            if isinstance(value, int):
                return f'<c r="{ref}"{attrs}><f>{formula}</f><v>{value}</v></c>'
            text = value.replace("&", "&amp;").replace("<", "&lt;")
            if text.startswith("#"):
                return f'<c r="{ref}"{attrs} t="e"><f>{formula}</f><v>{text}</v></c>'
            return f'<c r="{ref}"{attrs} t="str"><f>{formula}</f><v>{text}</v></c>'

        return fill

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename in parts and parts[info.filename]:
                xml, n = re.subn(
                    r'<c r="([A-Z]+\d+)"([^>]*)><f>([^<]*)</f><v\s*/?>(?:</v>)?</c>', filler(parts[info.filename]), data.decode("utf-8")
                )
                assert xml.count("<v>") >= len(parts[info.filename])
                data = xml.encode("utf-8")
            zout.writestr(info, data)
    return out.getvalue()


def zip_members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def owned_parts(path: Path) -> set[str]:
    names = set(load_workbook(path, read_only=True).sheetnames)
    return {sheet_part_of(path, t) for t in OWNED if t in names}


def personal_values(people: list[Person]) -> set[str]:
    """Every PESEL, e-mail and phone of the workbook: as typed, digits only, national and E.164."""
    values: set[str] = set()
    for p in people:
        if p.pesel:
            values |= {p.pesel, re.sub(r"\D", "", p.pesel)}
        if "@" in p.email and not p.email.startswith("test@"):
            values |= {p.email, p.email.lower()}
        digits = re.sub(r"\D", "", p.phone)
        if digits:
            national = digits[-9:]
            values |= {p.phone, digits, national, "+48" + national, "48" + national}
    return values


def run_nightly(
    project: Path, data: Path, home: Path, db_url: str, extra: dict[str, str] | None = None
) -> tuple[subprocess.CompletedProcess, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNERGIA_", "PREFECT_"))}
    env.update(extra or {})
    env.update(
        PYTHONPATH=str(REPO),
        PREFECT_HOME=str(home),
        SYNERGIA_DATA_DIR=str(data),
        SYNERGIA_DATABASE_URL=db_url,
        SYNERGIA_MAIL_FROM="biuro@fundacja-rad.example",
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
        COLUMNS="200",
    )
    result = subprocess.run(
        [sys.executable, "-m", "cli", "run", "nightly", "-p", str(project)],
        cwd=project.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    return result, result.stdout + result.stderr


ACCOUNTING = re.compile(r"przyjęte \+ kwarantanna \+ puste = wiersze \((\d+) \+ (\d+) \+ (\d+) = (\d+)\)")


def accounting(output: str) -> tuple[int, int, int, int]:
    m = ACCOUNTING.search(output)
    assert m, output[-3000:]
    return tuple(int(g) for g in m.groups())  # type: ignore[return-value]


def registry_state(db_url: str) -> dict:
    engine = create_engine(db_url)
    try:
        with Session(engine) as s:
            return {
                "certs": {c.id: (c.person_id, c.number, c.revision, c.status) for c in s.scalars(select(Certificate))},
                "deliveries": s.scalar(select(func.count()).select_from(MailDelivery)),
                "postcodes": sorted(
                    str(a.data.get("postal_code")) for a in s.scalars(select(Application)) if a.active and a.data.get("city") == "Pszczyna"
                ),
            }
    finally:
        engine.dispose()


def cell_xml(path: Path, tab: str, needle: str) -> list[str]:
    """The ``<c>`` elements of ``tab`` whose text contains ``needle`` (XML-escaped)."""
    xml = zipfile.ZipFile(path).read(sheet_part_of(path, tab)).decode("utf-8")
    esc = needle.replace("&", "&amp;").replace('"', "&quot;")
    cells = re.findall(r"<c [^>]*>.*?</c>", xml)
    return [c for c in cells if esc in c or needle.replace("&", "&amp;") in c]


def owned_values(path: Path) -> dict[str, list[list]]:
    wb = load_workbook(path)
    return {t: [list(row) for row in wb[t].iter_rows(values_only=True)] for t in OWNED if t in wb.sheetnames}


@pytest.mark.prefect
@pytest.mark.timeout(1500)  # two nightly runs in subprocesses, each allowed 600 s
@pytest.mark.parametrize("db", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_two_hostile_nights(db: str, tmp_path: Path, request: pytest.FixtureRequest) -> None:
    data, home = tmp_path / "data", tmp_path / "prefect-home"
    data.mkdir()
    home.mkdir()
    db_url = f"sqlite:///{data / 'synergia.db'}" if db == "sqlite" else request.getfixturevalue("pg_database")
    project = tmp_path / "wrogie-noce.yaml"
    project.write_text(PROJECT_YAML, encoding="utf-8")
    workbook = data / WORKBOOK

    # --- night 1 ---------------------------------------------------------------------------------
    tab_a = GOOD[:4] + [SPAM] + GOOD[4:] + REFUSED + ODD
    staff = Staff(tab_a=list(tab_a), tab_b=list(TAB_B_ROWS), attendance=[p for p in GOOD + TAB_B_ROWS if p.attended])
    staff.save(workbook)
    os.chmod(workbook, 0o640)
    saved = zip_members(workbook)

    first, out1 = run_nightly(project, data, home, db_url)
    assert first.returncode == 0, out1[-4000:]
    accepted, quarantined, empty, rows = accounting(out1)
    assert rows == staff.rows_to_count() == 1 + 10 + 6 + 4 + 1 + 1 + 9
    assert (accepted + quarantined + empty, quarantined, empty) == (rows, staff.expected_quarantined(), 1), out1[-3000:]
    for code in (
        "consent_refused:rodo: 4",
        "consent_unclear:rodo: 2",
        "too_long:first_name: 1",
        "name_invalid:last_name: 1",
        "birth_date_implausible: 2",
    ):
        assert code in out1, (code, out1[-3000:])
    assert "1 wierszy z formułą bez obliczonej wartości" in out1
    night1 = registry_state(db_url)
    attended = sum(p.attended for p in GOOD + TAB_B_ROWS)
    assert len(night1["certs"]) == attended and night1["deliveries"] == attended
    assert {v[3] for v in night1["certs"].values()} == {"valid"}
    assert night1["postcodes"] == ["02-100"]  # the number 2100, repaired where unambiguous
    outbox1 = sorted(p.name for p in (data / "outbox").glob("*.eml"))
    assert len(outbox1) == attended
    after1 = zip_members(workbook)
    ours1 = owned_parts(workbook)
    index = {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}  # tabs added tonight
    assert {m for m in saved if saved[m] != after1.get(m)} <= ours1 | index
    assert set(after1) - set(saved) <= ours1
    assert stat.S_IMODE(os.stat(workbook).st_mode) == 0o640

    # --- a day of staff work, re-saved in "Excel" (formulas with their values, our tabs kept) ------
    moved = GOOD[6]  # Helena Hajduk: certified, moved to tab 2
    tab_a = [p for p in tab_a if p is not SPAM and p is not moved] + NIGHT2_NEW
    tab_a.sort(key=lambda p: (p.last.strip("\u200b\u200c\ufeff\u2060"), p.ts))
    tab_a.insert(7, None)  # a blank row to separate groups
    staff = Staff(
        tab_a=tab_a,
        tab_b=list(TAB_B_ROWS) + [moved],
        attendance=staff.attendance,
        owned=owned_values(workbook),
        age_at="DATE(2026,9,1)",
        age_year=2026,
    )  # the formula edited
    staff.save(workbook)
    os.chmod(workbook, 0o640)
    saved = zip_members(workbook)

    second, out2 = run_nightly(project, data, home, db_url)
    assert second.returncode == 0, out2[-4000:]
    accepted2, quarantined2, empty2, rows2 = accounting(out2)
    assert rows2 == staff.rows_to_count() == rows - 1 + len(NIGHT2_NEW) + 1
    assert (accepted2 + quarantined2 + empty2, empty2) == (rows2, 2)
    assert quarantined2 == staff.expected_quarantined() == quarantined + 3
    night2 = registry_state(db_url)
    assert night2["certs"] == night1["certs"]  # holder, number, revision, status
    assert night2["deliveries"] == night1["deliveries"]
    assert sorted(p.name for p in (data / "outbox").glob("*.eml")) == outbox1

    after2 = zip_members(workbook)
    ours2 = owned_parts(workbook)
    assert ours2 and {m for m in saved if saved[m] != after2.get(m)} <= ours2  # no tab added: index kept
    assert set(after2) == set(saved)
    assert stat.S_IMODE(os.stat(workbook).st_mode) == 0o640

    # the injection reached "Do sprawdzenia" as text: an inline string, never a formula
    review = cell_xml(workbook, "Do sprawdzenia", "evil.example")
    assert review, "the near-duplicate pair with the formula-like organisation is in Do sprawdzenia"
    for c in review:
        assert 't="inlineStr"' in c and "<f>" not in c and "<f " not in c, c
    shown = [v for row in owned_values(workbook)["Do sprawdzenia"] for v in row if v and "evil" in str(v)]
    assert shown and all(str(v).startswith("'=") for v in shown), shown

    # nobody's PESEL, e-mail or phone in the terminal, Prefect's tables or any file under PREFECT_HOME
    everyone = GOOD + [SPAM] + REFUSED + ODD + TAB_B_ROWS + NIGHT2_NEW
    values = personal_values(everyone)
    assert len(values) > 100
    for name, text in (("night 1", out1), ("night 2", out2)):
        assert not leaks(text, values), f"personal data in the terminal ({name})"
    assert_prefect_home_clean(home, values)


def test_csv_backend_escapes_the_injection_it_writes(tmp_path: Path) -> None:
    """The CSV form of the owned tabs (the same rows) holds the injection as text: ``'=HYPERLINK``."""
    import csv

    from synergia.sheets.workbook import WorkbookBackend

    folder = tmp_path / "rekrutacja"
    folder.mkdir()
    (folder / f"{TAB_A}.csv").write_text(",".join(FORM_HEADER) + "\n", encoding="utf-8")
    rows = [["Klucz pary", "Organizacja A"], ["3-9", INJECTION], ["4-9", "+48 601 000 024"], ["5-9", "@SUMA(A1)"]]
    WorkbookBackend(tmp_path).write_tab("rekrutacja", "Do sprawdzenia", rows)
    with (folder / "Do sprawdzenia.csv").open(encoding="utf-8-sig", newline="") as fh:
        cells = [c for row in csv.reader(fh) for c in row]
    assert "'" + INJECTION in cells and INJECTION not in cells
    assert not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")]


# --- the same nights against the Sheets emulator, with a quarantine past Google's 1,000-row grid ---

SHEET_KEY = "1WrogieNoceArkuszTestowyAbCdEfGhIjKlMnOpQr"
MANY = 1_050


def _text(v) -> str:
    return "" if v is None else str(v)


def sheets_tabs(tab_a: list[Person | None], tab_b: list[Person], attendance: list[Person]) -> dict[str, list[list[str]]]:
    """The staff tabs as the API shows them (strings; staff helper columns as their shown values)."""

    def rows(people):
        out = [list(FORM_HEADER)]
        for p in people:
            out.append([""] * len(FORM_HEADER) if p is None else [_text(v) for v in p.values()] + ["", p.email.strip().lower(), p.note])
        return out

    return {
        TAB_A: rows(tab_a),
        TAB_B: rows(tab_b),
        LIST: [list(LIST_HEADER)] + [[p.first, p.last, p.email, "x", "x", "2"] for p in attendance],
    }


def refusals(n: int) -> list[Person]:
    words = ["Nie wyrażam zgody.", "NIE.", "odmawiam", "nie zgadzam się", "brak zgody", "-", "?", "Nie, dziękuję"]
    return [
        Person(
            f"{1 + i % 28:02d}.04.2026 {8 + i % 12:02d}:{i % 60:02d}:{i // 60 % 60:02d}",
            "Odmowa",
            f"Nr{i}",
            f"odmowa.{i}@odmowy-testowe.example",
            "",
            "",
            "",
            "",
            "Tychy",
            "Rada",
            words[i % len(words)],
            quarantined=True,
        )
        for i in range(n)
    ]


@pytest.mark.prefect
@pytest.mark.timeout(1500)  # two nightly runs in subprocesses, each allowed 600 s
def test_two_hostile_nights_on_google_sheets_past_the_grid(tmp_path: Path, socket_emulator, socket_key) -> None:
    emu, url = socket_emulator
    data, home = tmp_path / "data", tmp_path / "prefect-home"
    data.mkdir()
    home.mkdir()
    db_url = f"sqlite:///{data / 'synergia.db'}"
    project = tmp_path / "wrogie-noce-google.yaml"
    project.write_text(
        PROJECT_YAML.replace(f"spreadsheet: {{id: {WORKBOOK}}}", f"spreadsheet: {{id: {SHEET_KEY}, backend: gsheets}}"), encoding="utf-8"
    )
    many = refusals(MANY)
    tab_a = GOOD[:4] + [SPAM] + GOOD[4:] + REFUSED + ODD + many
    attendance = [p for p in GOOD + TAB_B_ROWS if p.attended]
    tabs = sheets_tabs(tab_a, TAB_B_ROWS, attendance)
    emu.create_spreadsheet("Rekrutacja rad", spreadsheet_id=SHEET_KEY, tabs=tabs)  # bare: no tab of ours yet
    extra = {
        "SYNERGIA_SHEETS_BACKEND": "gsheets",
        "SYNERGIA_GOOGLE_CREDENTIALS": str(socket_key),
        "SYNERGIA_GOOGLE_API_URL": url,
        "SYNERGIA_GOOGLE_RETRY_ATTEMPTS": "3",
        "SYNERGIA_GOOGLE_RETRY_MAX_TOTAL": "5",
    }
    expected_q = sum(p.quarantined for p in tab_a + TAB_B_ROWS)

    first, out1 = run_nightly(project, data, home, db_url, extra)
    assert first.returncode == 0, out1[-4000:]
    a, q, e, rows = accounting(out1)
    assert rows == len(tab_a) + len(TAB_B_ROWS) + len(attendance) and (a + q + e, q) == (rows, expected_q)
    assert q > 1_000
    odrzucone = emu.tab_values(SHEET_KEY, "Odrzucone")
    assert len(odrzucone) - 1 == q  # past the new tab's 1,000-row grid
    night1 = registry_state(db_url)
    assert len(night1["certs"]) == len(attendance) == night1["deliveries"]
    outbox1 = sorted(p.name for p in (data / "outbox").glob("*.eml"))
    assert len(outbox1) == len(attendance)
    staff_before = {t: emu.tab_values(SHEET_KEY, t) for t in tabs}

    # night 2: a spam row deleted, sorted by surname, a blank row, a row moved, more refusals
    moved = GOOD[6]
    tab_a = [p for p in tab_a if p is not SPAM and p is not moved] + NIGHT2_NEW + refusals(MANY + 60)[MANY:]
    tab_a.sort(key=lambda p: (p.last, p.ts))
    tab_a.insert(5, None)
    tabs2 = sheets_tabs(tab_a, TAB_B_ROWS + [moved], attendance)
    ss = emu.spreadsheets[SHEET_KEY]
    with emu._lock:  # staff edit their tabs in place (ours stay)
        for title in (TAB_A, TAB_B):
            ss.by_title(title).cells.clear()
            ss.by_title(title).grow(len(tabs2[title]) + 20, len(FORM_HEADER))  # staff inserted rows
            ss.values_update(f"'{title}'!A1", tabs2[title], major="ROWS", input_option="RAW")
    assert [r[:5] for r in emu.tab_values(SHEET_KEY, TAB_B)] == [r[:5] for r in tabs2[TAB_B]]
    second, out2 = run_nightly(project, data, home, db_url, extra)
    assert second.returncode == 0, out2[-4000:]
    a2, q2, e2, rows2 = accounting(out2)
    assert (a2 + q2 + e2, e2) == (rows2, 1) and q2 == sum(p.quarantined for p in tab_a + TAB_B_ROWS if p is not None)
    assert len(emu.tab_values(SHEET_KEY, "Odrzucone")) - 1 == q2
    night2 = registry_state(db_url)
    assert night2["certs"] == night1["certs"] and night2["deliveries"] == night1["deliveries"]
    assert sorted(p.name for p in (data / "outbox").glob("*.eml")) == outbox1
    assert emu.tab_values(SHEET_KEY, LIST) == staff_before[LIST]
    review = [v for row in emu.tab_values(SHEET_KEY, "Do sprawdzenia") for v in row if "evil" in v]
    assert review and all(v.startswith("'=") for v in review)
    sheet = ss.by_title("Do sprawdzenia")
    assert all(c.formula is None for c in sheet.cells.values())
    values = personal_values(GOOD + REFUSED + ODD + TAB_B_ROWS + NIGHT2_NEW)
    assert not leaks(out1 + out2, values)
    assert not leaks(dump_prefect_db(home / "prefect.db"), values)
