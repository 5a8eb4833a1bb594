"""Small builders for field tests: a project with one form source, and raw rows typed by hand."""
from __future__ import annotations

from datetime import date

from config.project import ProjectConfig
from synergia.sources.base import RawRow, SourceRef

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


def project(*, period=(date(2026, 3, 1), date(2027, 6, 30)), consents: dict | None = None,
            source_extra: dict | None = None, extra_sources: list[dict] | None = None) -> ProjectConfig:
    form = {"id": "formularz", "kind": "recruitment", "worksheet": "Odpowiedzi", "columns": dict(FORM_COLUMNS),
            "required_consents": ["rodo"], "consent_version": "v1"}
    form.update(source_extra or {})
    data = {
        "slug": "pole-testowe", "name": "Pole testowe",
        "organiser": {"name": "Stowarzyszenie Testowe"}, "funder": {"name": "Fundusz"},
        "period": {"start": period[0].isoformat(), "end": period[1].isoformat()},
        "spreadsheet": {"id": "pole.xlsx"},
        "sources": [form] + list(extra_sources or []),
        "events": [{"id": "warsztat-1", "type": "warsztat", "title": "Warsztat", "dates": ["2026-05-12"], "sessions": 2, "hours": 6}],
    }
    if consents is not None:
        data["consents"] = consents
    return ProjectConfig.model_validate(data)


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
