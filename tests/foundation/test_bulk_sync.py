"""The bulk (Core-only) sync: an unchanged night sends no write at all, a corrected row is one new
version, and two projects with the same rows in one registry never touch each other's records.
SQLite and PostgreSQL; rows built here with our own values."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import event, func, select

from config.project import load_project
from config.settings import PROJECTS_DIR
from synergia.registry.db import Registry
from synergia.registry.sync import apply_outcomes, mirror_events
from synergia.registry.tables import Application, ApplicationVersion, Attendance, Quarantine
from synergia.sheets.read import read_project_sources
from synergia.sheets.workbook import WorkbookBackend
from synergia.validation.batch import validate_snapshot

DEMO = load_project(PROJECTS_DIR / "demo.yaml")
OTHER = DEMO.model_copy(update={"slug": "drugi-projekt"})
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


def _rows() -> list[list[str]]:
    first = ["Zenobia", "Klemens", "Aurelia", "Bonifacy", "Cecylia", "Dionizy"]
    last = ["Grzebyk", "Miodek", "Parzych", "Stróż", "Wach", "Żmuda"]
    rows = [
        [
            f"2026-05-{d + 1:02d} 09:{d:02d}:00",
            f,
            surname,
            f"{f[:3].lower()}.{surname[:4].lower()}@gmina.example",
            f"+48 700 100 2{d:02d}",
            "",
            f"1{d}.04.198{d}",
            "Kobieta" if f.endswith("a") else "Mężczyzna",
            f"ul. Klonowa {d + 3}",
            "43-100",
            "Tychy",
            "Tychy",
            "Stowarzyszenie Klon",
            "Organizacja pozarządowa",
            "Wyrażam zgodę",
            "Tak",
        ]
        for d, (f, surname) in enumerate(zip(first, last))
    ]
    rows[4][3] = "brak-maila"  # quarantined every night
    return rows


def _write(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = TAB
    for r in [HEADER, *rows]:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Registry:
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    reg = Registry(url)
    yield reg
    reg.dispose()


def _night(reg: Registry, base: Path, project=DEMO) -> tuple[dict, list[str]]:
    snap = read_project_sources(project, WorkbookBackend(base))
    batch = validate_snapshot(project, snap)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(reg.engine, "before_cursor_execute", seen)
    try:
        with reg.session() as s:
            mirror_events(s, project)
            counts = apply_outcomes(s, project, batch.outcomes, batch.read_worksheets).as_dict()
    finally:
        event.remove(reg.engine, "before_cursor_execute", seen)
    return counts, statements


def _state(reg: Registry, slug: str) -> list:
    with reg.session() as s:
        apps = s.execute(
            select(
                Application.id,
                Application.row_key,
                Application.row_number,
                Application.version,
                Application.active,
                Application.data,
                Application.person_id,
            )
            .where(Application.project == slug)
            .order_by(Application.id)
        ).all()
        qs = s.execute(
            select(Quarantine.id, Quarantine.row_key, Quarantine.resolved_at, Quarantine.reason_codes)
            .where(Quarantine.project == slug)
            .order_by(Quarantine.id)
        ).all()
    return [tuple(a) for a in apps] + [tuple(q) for q in qs]


def test_unchanged_night_sends_no_write_and_a_correction_is_one_version(registry: Registry, tmp_path: Path) -> None:
    book = tmp_path / DEMO.spreadsheet.id
    rows = _rows()
    _write(book, rows)
    first, _ = _night(registry, tmp_path)
    assert (first["new"], first["quarantined"]) == (5, 1)
    before = _state(registry, DEMO.slug)

    again, statements = _night(registry, tmp_path)
    assert (again["unchanged"], again["new"], again["changed"], again["newly_quarantined"]) == (5, 0, 0, 0)
    assert not [s for s in statements if s in ("INSERT", "UPDATE", "DELETE")], statements
    assert _state(registry, DEMO.slug) == before

    rows[1][4] = "+48 700 999 000"  # staff correct a phone
    rows[0], rows[2] = rows[2], rows[0]  # and sort the tab
    _write(book, rows)
    fixed, statements = _night(registry, tmp_path)
    assert (fixed["changed"], fixed["unchanged"], fixed["new"], fixed["moved"]) == (1, 4, 0, 2)
    with registry.session() as s:
        versions = s.scalars(select(ApplicationVersion)).all()
        assert len(versions) == 1 and versions[0].version == 1 and versions[0].data["phone"] == "+48700100201"
        app = s.get(Application, versions[0].application_id)
        assert app.version == 2 and app.data["phone"] == "+48700999000" and app.person_id is not None
        assert sorted(s.scalars(select(Application.row_number).where(Application.project == DEMO.slug))) == [2, 3, 4, 5, 7]


def test_two_projects_with_the_same_rows_keep_their_own_records(registry: Registry, tmp_path: Path) -> None:
    rows = _rows()
    _write(tmp_path / "a" / DEMO.spreadsheet.id, rows)
    _write(tmp_path / "b" / DEMO.spreadsheet.id, rows)
    _night(registry, tmp_path / "a", DEMO)
    _night(registry, tmp_path / "b", OTHER)
    mine = _state(registry, DEMO.slug)
    rows[3][1] = "Bonifacy Jan"
    del rows[0]
    _write(tmp_path / "b" / DEMO.spreadsheet.id, rows)
    other, _ = _night(registry, tmp_path / "b", OTHER)
    assert (other["changed"], other["deactivated"]) == (1, 1)
    assert _state(registry, DEMO.slug) == mine  # the first project's records are untouched
    with registry.session() as s:
        for slug in (DEMO.slug, OTHER.slug):
            assert s.scalar(select(func.count()).select_from(Application).where(Application.project == slug)) == 5
        assert s.scalar(select(func.count()).select_from(Attendance)) == 0
        persons = {
            slug: set(s.scalars(select(Application.person_id).where(Application.project == slug))) for slug in (DEMO.slug, OTHER.slug)
        }
        assert not persons[DEMO.slug] & persons[OTHER.slug]


def test_a_first_night_inserts_in_batches_and_each_application_gets_its_own_row_and_person(registry: Registry, tmp_path: Path) -> None:
    """Not one INSERT per row (SQLAlchemy's ordered RETURNING does that on SQLite); ids come back
    by row key, so every application holds its own row's data and a person of its own, ascending."""
    given = ["Hieronim", "Ludmiła", "Teodozja", "Wawrzyniec", "Kunegunda", "Sobiesław", "Bogumiła", "Radosław"]
    family = ["Kłos", "Nowina", "Pstrąg", "Wierzba", "Zając", "Olcha", "Sikora", "Dąbek", "Jarząb", "Kmieć"]
    base = _rows()[0]
    rows = []
    for n in range(80):
        f, surname = given[n % len(given)], family[n // len(given)]
        row = list(base)
        row[0] = f"2026-06-{n % 28 + 1:02d} {8 + n // 28:02d}:{n % 60:02d}:17"
        row[1], row[2] = f, surname
        row[3] = f"{f[:4].lower()}{n}@wies.example"
        row[4] = f"+48 600 200 {n:03d}"
        rows.append(row)
    rows.append(list(rows[7]))  # a double submission: the same key twice (#2)
    rows[11][3] = "bez-malpy"  # one quarantined row
    _write(tmp_path / DEMO.spreadsheet.id, rows)
    counts, statements = _night(registry, tmp_path)
    assert (counts["new"], counts["quarantined"]) == (80, 1)
    assert statements.count("INSERT") <= 6, statements.count("INSERT")
    with registry.session() as s:
        apps = s.execute(
            select(Application.id, Application.row_number, Application.row_key, Application.data, Application.person_id)
            .where(Application.project == DEMO.slug)
            .order_by(Application.id)
        ).all()
    assert [a.row_number for a in apps] == [n + 2 for n in range(len(rows)) if n != 11]  # inserted in row order
    for a in apps:
        assert a.data["email"] == rows[a.row_number - 2][3]
    assert sum(a.row_key.endswith("#2") for a in apps) == 1
    person_ids = [a.person_id for a in apps]
    assert person_ids == sorted(set(person_ids))  # one each, in the applications' order
    again, statements = _night(registry, tmp_path)
    assert (again["unchanged"], again["new"]) == (80, 0)
    assert not [s for s in statements if s in ("INSERT", "UPDATE", "DELETE")], statements
