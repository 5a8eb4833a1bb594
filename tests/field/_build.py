"""Small builders for field tests: a project with one form source, and raw rows typed by hand."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import yaml
from openpyxl import Workbook

from config.project import ProjectConfig
from synergia.sheets.rows import RawRow, SourceRef

FORM_COLUMNS = {
    "Sygnatura czasowa": "submitted_at",
    "Imię": "first_name",
    "Nazwisko": "last_name",
    "Adres e-mail": "email",
    "Telefon": "phone",
    "PESEL": "pesel",
    "Data urodzenia": "birth_date",
    "Płeć": "gender",
    "Ulica": "street",
    "Kod pocztowy": "postal_code",
    "Miejscowość": "city",
    "Gmina": "gmina",
    "Organizacja": "organisation",
    "Typ podmiotu": "organisation_type",
    "Kategoria": "category",
    "Uwagi": "notes",
    "Zgoda na przetwarzanie danych": "consent.rodo",
    "Zgoda na wizerunek": "consent.wizerunek",
}


def project(**kwargs) -> ProjectConfig:
    return ProjectConfig.model_validate(project_data(**kwargs))


def write_project(path: Path, **kwargs) -> Path:
    """The same project as a YAML file (for flows and the CLI, which take a project path)."""
    path.write_text(yaml.safe_dump(project_data(**kwargs), allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


def write_workbook(path: Path, tabs: dict[str, list[list]]) -> Path:
    """An XLSX with the given tabs; every value literal text unless it starts with '=' (a formula)."""
    wb = Workbook()
    wb.remove(wb.active)
    for title, rows in tabs.items():
        ws = wb.create_sheet(title)
        for r, row in enumerate(rows, start=1):
            for col, value in enumerate(row, start=1):
                cell = ws.cell(row=r, column=col, value=value)
                if isinstance(value, str) and not value.startswith("="):
                    cell.data_type = "s"
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def form_table(rows: list[dict[str, str]], headers: list[str] | None = None) -> list[list[str]]:
    headers = headers or list(FORM_COLUMNS)
    return [headers] + [[r.get(h, "") for h in headers] for r in rows]


def people(n: int, seed: int = 0) -> list[dict[str, str]]:
    """``n`` distinct, valid form rows (own values: surnames of Polish rivers, unique e-mails)."""
    rivers = [
        "Wisłocka",
        "Sanowska",
        "Bugajska",
        "Narewska",
        "Odrzańska",
        "Wartecka",
        "Pilicka",
        "Drwęcka",
        "Bzurska",
        "Nyska",
        "Prosnowska",
        "Wieprzecka",
        "Liwiecka",
        "Dunajecka",
        "Popradzka",
        "Rabska",
    ]
    firsts = ["Halina", "Jadwiga", "Teresa", "Urszula", "Wanda", "Irena", "Lucyna", "Danuta"]
    out = []
    for i in range(n):
        k = i + seed * 100
        out.append(
            good_values(
                **{
                    "Imię": firsts[k % len(firsts)],
                    "Nazwisko": rivers[k % len(rivers)] + ("" if k < len(rivers) else f"-{firsts[(k // 3) % 8]}owa"),
                    "Adres e-mail": f"uczestniczka{k}@pole-testowe.pl",
                    "Telefon": f"6{k % 10}1 {200 + k:03d} {300 + k % 700:03d}",
                    "Data urodzenia": f"{1 + k % 28:02d}.{1 + k % 12:02d}.{1950 + k % 50}",
                    "Sygnatura czasowa": f"{1 + k % 28:02d}.04.2026 {8 + k % 12}:{k % 60:02d}:00",
                }
            )
        )
    return out


def project_data(
    *,
    period=(date(2026, 3, 1), date(2027, 6, 30)),
    consents: dict | None = None,
    source_extra: dict | None = None,
    extra_sources: list[dict] | None = None,
) -> dict:
    form = {
        "id": "formularz",
        "kind": "recruitment",
        "worksheet": "Odpowiedzi",
        "columns": dict(FORM_COLUMNS),
        "required_consents": ["rodo"],
        "consent_version": "v1",
    }
    form.update(source_extra or {})
    data = {
        "slug": "pole-testowe",
        "name": "Pole testowe",
        "organiser": {"name": "Stowarzyszenie Testowe"},
        "funder": {"name": "Fundusz"},
        "period": {"start": period[0].isoformat(), "end": period[1].isoformat()},
        "spreadsheet": {"id": "pole.xlsx"},
        "sources": [form] + list(extra_sources or []),
        "events": [{"id": "warsztat-1", "type": "warsztat", "title": "Warsztat", "dates": ["2026-05-12"], "sessions": 2, "hours": 6}],
    }
    if consents is not None:
        data["consents"] = consents
    return data


def good_values(**overrides: str) -> dict[str, str]:
    values = {
        "Sygnatura czasowa": "14.04.2026 10:21:07",
        "Imię": "Bożena",
        "Nazwisko": "Wróblewska",
        "Adres e-mail": "b.wroblewska@przyklad.org.pl",
        "Telefon": "512 340 987",
        "PESEL": "",
        "Data urodzenia": "03.09.1971",
        "Płeć": "Kobieta",
        "Ulica": "Lipowa 3",
        "Kod pocztowy": "58-500",
        "Miejscowość": "Jelenia Góra",
        "Gmina": "Jelenia Góra",
        "Organizacja": "Koło Gospodyń Wiejskich w Maciejowej",
        "Typ podmiotu": "NGO",
        "Kategoria": "",
        "Uwagi": "",
        "Zgoda na przetwarzanie danych": "Tak",
        "Zgoda na wizerunek": "",
    }
    for header, value in overrides.items():
        values[header] = value
    return values


def raw(values: dict[str, str], row: int = 2, source_id: str = "formularz", worksheet: str = "Odpowiedzi") -> RawRow:
    return RawRow(SourceRef(source_id, "pole.xlsx", worksheet, row), values)
