"""Unchanged rows are not validated again, and nothing else changes (issue 17): SQLite and PostgreSQL.

The nightly steps are called as plain functions (``task.fn``) on a workbook written here with
our own values; the registry's content after a night that reused outcomes must be what a full
validation gives."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import text

from config.project import load_project
from config.settings import PROJECTS_DIR
from synergia.sheets.read import SourceSnapshot
from synergia.validation.batch import checked_until, reusable, validation_context

DEMO = PROJECTS_DIR / "demo.yaml"
TAB = "Formularz NGO i rady"
HEADER = [
    "Sygnatura czasowa",
    "Imię",
    "Nazwisko",
    "Adres e-mail",
    "Telefon kontaktowy",
    "PESEL",
    "Data urodzenia",
    "Płeć",
    "Ulica i numer domu",
    "Kod pocztowy",
    "Miejscowość",
    "Gmina",
    "Nazwa organizacji / rady",
    "Typ podmiotu",
    "Wyrażam zgodę na przetwarzanie moich danych osobowych w celu realizacji projektu",
    "Zgoda na publikację wizerunku",
]
ROWS = [
    [
        "12.03.2026 10:15:00",
        "Halina",
        "Wróblewska",
        "h.wroblewska@przyklad.pl",
        "501 222 333",
        "",
        "02.11.1991",
        "Kobieta",
        "ul. Lipowa 4",
        "43-100",
        "Tychy",
        "Tychy",
        "Stowarzyszenie Lipa",
        "Organizacja pozarządowa",
        "Wyrażam zgodę",
        "Tak",
    ],
    [
        "14.03.2026 18:40:10",
        "Bogdan",
        "Kręcisz",
        "bkrecisz@poczta.example",
        "+48 602 111 909",
        "",
        "1979-06-30",
        "Mężczyzna",
        "ul. Polna 17",
        "43-143",
        "Lędziny",
        "Lędziny",
        "Rada Seniorów",
        "Rada seniorów",
        "Wyrażam zgodę",
        "Nie",
    ],
    [
        "15.03.2026 07:05:00",
        "Irena",
        "Sołtys",
        "to nie jest adres",
        "601 000 111",
        "",
        "11.01.1960",
        "Kobieta",
        "ul. Krótka 1",
        "43-100",
        "Tychy",
        "Tychy",
        "",
        "Organizacja pozarządowa",
        "Wyrażam zgodę",
        "Tak",
    ],
]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def env(request: pytest.FixtureRequest, synergia_env: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    from config.settings import reset_settings_cache
    from synergia import runtime

    if request.param == "postgresql":
        monkeypatch.setenv("SYNERGIA_DATABASE_URL", request.getfixturevalue("pg_database"))
        reset_settings_cache()
        runtime.reset()
    book = synergia_env / load_project(DEMO).spreadsheet.id
    book.parent.mkdir(parents=True)
    wb = Workbook()
    ws = wb.active
    ws.title = TAB
    for row in [HEADER, *ROWS]:
        ws.append(row)
    wb.save(book)
    return book


def night() -> dict:
    from prefect.logging import disable_run_logger

    from tasks.registry import prepare_registry, upsert_registry
    from tasks.sources import read_sources
    from tasks.validate import validate_rows

    with disable_run_logger():
        prepare_registry.fn(str(DEMO))
        batch = validate_rows.fn(str(DEMO), read_sources.fn(str(DEMO)))
        return upsert_registry.fn(str(DEMO), batch)


def dump() -> list:
    from synergia import runtime

    with runtime.registry().engine.connect() as conn:
        return [
            sorted(map(tuple, conn.execute(text(f"select * from {t}")).all()), key=repr)
            for t in ("persons", "applications", "application_versions", "quarantine", "attendance")
        ]


def test_unchanged_rows_reuse_their_outcome_and_write_nothing(env: Path) -> None:
    first = night()
    assert (first["accepted"], first["quarantined"], first["reused"]) == (2, 1, 0)
    before = dump()
    second = night()
    assert (second["accepted"], second["quarantined"], second["unchanged"], second["reused"]) == (2, 1, 2, 2)
    assert dump() == before

    wb = load_workbook(env)
    wb[TAB]["K3"] = "Bieruń"  # Bogdan's town corrected: validated again, a new version
    wb[TAB]["D4"] = "irena.soltys@przyklad.pl"  # the rejected row fixed: validated, accepted
    wb.save(env)
    third = night()
    assert (third["reused"], third["changed"], third["new"], third["quarantined"]) == (1, 1, 1, 0)
    persons, apps, versions, quarantine, _ = dump()
    assert len(versions) == 1 and len(apps) == 3 and len(persons) == 3 and len(quarantine) == 1
    from sqlalchemy import select

    from synergia import runtime
    from synergia.registry.tables import Application

    with runtime.registry().session() as session:
        towns = {a.data.get("last_name"): a.data.get("city") for a in session.scalars(select(Application))}
    assert towns["Kręcisz"] == "Bieruń" and towns["Wróblewska"] == "Tychy" and "Sołtys" in towns


def test_reused_outcome_equals_a_full_validation(env: Path) -> None:
    """Night 2 reuses; its outcomes must be exactly those of validating the rows afresh."""
    from synergia.sheets.read import read_project_sources
    from synergia.sheets.workbook import WorkbookBackend
    from synergia.validation.batch import validate_snapshot

    night()
    project = load_project(DEMO)
    snap = read_project_sources(project, WorkbookBackend(env.parent.parent))
    fresh = validate_snapshot(project, snap)
    known = {(o.ref.source_id, o.content_hash): (o.kind, o.data) for o in fresh.outcomes if hasattr(o, "data")}
    reused = validate_snapshot(project, snap, known=known)
    assert reused.reused == 2
    assert [(type(o), o.ref, o.content_hash, getattr(o, "data", None)) for o in reused.outcomes] == [
        (type(o), o.ref, o.content_hash, getattr(o, "data", None)) for o in fresh.outcomes
    ]


def test_other_rules_or_an_earlier_date_bound_validate_everything_again() -> None:
    project = load_project(DEMO)
    snap = SourceSnapshot(locales={"rekrutacja-ngo-rady": None})
    ctx = validation_context(project, snap)
    assert ctx == validation_context(project, snap)
    other = project.model_copy(update={"name": project.name + " (zmieniony)"})
    assert validation_context(other, snap) != ctx
    assert validation_context(project, SourceSnapshot(locales={"rekrutacja-ngo-rady": "en_US"})) != ctx
    until = checked_until(project)
    assert reusable(ctx, until.isoformat(), ctx, until)
    assert not reusable(ctx, until.isoformat(), validation_context(other, snap), until)
    assert not reusable(None, None, ctx, until)
    later = until.replace(year=until.year + 1)
    assert not reusable(ctx, later.isoformat(), ctx, until)  # the clock went back: validate again
