"""Row accounting, idempotent reruns and corrected rows — on SQLite and on PostgreSQL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import select, text

from config.project import load_project
from config.settings import PROJECTS_DIR
from devtools.demo.generator import generate_workbook
from synergia.registry.db import Registry
from synergia.registry.sync import apply_outcomes, mirror_events
from synergia.registry.tables import Application, ApplicationVersion, Quarantine
from synergia.sheets.read import read_project_sources
from synergia.sheets.workbook import WorkbookBackend
from synergia.validation.batch import validate_snapshot

pytestmark = pytest.mark.both_backends  # `registry` on SQLite and on PostgreSQL

PROJECT = load_project(PROJECTS_DIR / "demo.yaml")


@pytest.fixture
def workbook(tmp_path: Path) -> Path:
    path = tmp_path / PROJECT.spreadsheet.id
    generate_workbook(PROJECT, path, seed=11, people=120)
    return path


def sync(reg: Registry, base: Path) -> dict:
    snap = read_project_sources(PROJECT, WorkbookBackend(base))
    batch = validate_snapshot(PROJECT, snap)
    with reg.session() as session:
        mirror_events(session, PROJECT)
        return apply_outcomes(session, PROJECT, batch.outcomes, batch.read_worksheets).as_dict()


def data_rows_in_workbook(path: Path) -> int:
    """Counted straight from the file: every row under a source tab's header, up to its last non-empty row."""
    wb = load_workbook(path, read_only=True)
    total = 0
    for tab in {s.worksheet for s in PROJECT.sources}:
        rows = list(wb[tab].iter_rows(values_only=True))[1:]
        while rows and not any(v not in (None, "") for v in rows[-1]):
            rows.pop()
        total += len(rows)
    return total


def dump(reg: Registry) -> list:
    out = []
    with reg.engine.connect() as conn:
        for table in ("persons", "applications", "application_versions", "quarantine", "events", "attendance"):
            out.append(sorted(map(tuple, conn.execute(text(f"select * from {table}")).all()), key=repr))
    return out


def test_every_row_accounted_for(registry: Registry, workbook: Path) -> None:
    counts = sync(registry, workbook.parent.parent)
    assert counts["rows"] == data_rows_in_workbook(workbook)
    assert counts["accepted"] + counts["quarantined"] + counts["empty"] == counts["rows"]
    assert counts["quarantined"] > 0 and counts["empty"] > 0 and counts["new"] == counts["accepted"]
    with registry.session() as s:
        assert s.query(Application).count() == counts["accepted"]
        assert s.query(Quarantine).count() == counts["quarantined"]


def test_rerun_on_unchanged_input_changes_nothing(registry: Registry, workbook: Path) -> None:
    base = workbook.parent.parent
    first = sync(registry, base)
    before = dump(registry)
    second = sync(registry, base)
    assert second["new"] == second["changed"] == second["deactivated"] == second["newly_quarantined"] == 0
    assert second["unchanged"] == first["accepted"]
    assert dump(registry) == before


def _edit(path: Path, tab: str, header: str, row: int, value: str) -> None:
    wb = load_workbook(path)
    ws = wb[tab]
    col = next(c.column for c in ws[1] if c.value == header)
    ws.cell(row=row, column=col, value=value)
    wb.save(path)


def _first_accepted(reg: Registry, worksheet: str) -> Application:
    with reg.session() as s:
        return s.scalars(select(Application).where(Application.worksheet == worksheet).order_by(Application.row_number)).first()


def test_corrected_row_updates_application_and_keeps_previous_version(registry: Registry, workbook: Path) -> None:
    base = workbook.parent.parent
    sync(registry, base)
    app = _first_accepted(registry, "Formularz JST")
    old = dict(app.data)
    _edit(workbook, "Formularz JST", "Telefon", app.row_number, "+48 881 234 567")
    counts = sync(registry, base)
    assert counts["changed"] == 1 and counts["new"] == 0
    with registry.session() as s:
        now = s.get(Application, app.id)
        assert now.version == 2 and now.data["phone"] == "+48881234567" and now.person_id == app.person_id
        (previous,) = s.scalars(select(ApplicationVersion).where(ApplicationVersion.application_id == app.id)).all()
        assert previous.version == 1 and previous.data == old


def test_row_turning_invalid_is_quarantined_without_losing_the_application(registry: Registry, workbook: Path) -> None:
    base = workbook.parent.parent
    sync(registry, base)
    app = _first_accepted(registry, "Formularz NGO i rady")
    _edit(workbook, "Formularz NGO i rady", "Adres e-mail", app.row_number, "to nie jest e-mail")
    counts = sync(registry, base)
    assert counts["newly_quarantined"] == 1 and counts["deactivated"] == 1
    with registry.session() as s:
        kept = s.get(Application, app.id)
        assert kept is not None and kept.active is False and kept.data == app.data
        q = s.scalars(
            select(Quarantine).where(Quarantine.row_number == app.row_number, Quarantine.worksheet == "Formularz NGO i rady")
        ).one()
        assert q.reason_codes == ["email_invalid"] and f"wiersz {app.row_number}" in q.message
    # staff fix it again: the quarantine entry is resolved and the application comes back
    _edit(workbook, "Formularz NGO i rady", "Adres e-mail", app.row_number, app.data["email"])
    again = sync(registry, base)
    assert again["changed"] == 1
    with registry.session() as s:
        assert s.get(Application, app.id).active is True
        assert (
            s.scalars(select(Quarantine).where(Quarantine.row_number == app.row_number, Quarantine.worksheet == "Formularz NGO i rady"))
            .one()
            .resolved_at
            is not None
        )


def test_quarantine_holds_no_personal_data(registry: Registry, workbook: Path) -> None:
    sync(registry, workbook.parent.parent)
    wb = load_workbook(workbook, read_only=True)
    cells = {str(v) for ws in wb.worksheets for row in ws.iter_rows(values_only=True) for v in row if v}
    personal = {c for c in cells if re.search(r"@|\d{9,}", c) or re.fullmatch(r"[\d +()-]{9,}", c)}
    with registry.session() as s:
        text_blob = " ".join(f"{q.message} {q.reason_codes}" for q in s.scalars(select(Quarantine)))
    assert personal and not [p for p in personal if p in text_blob]


def test_missing_worksheet_is_reported_not_fatal(tmp_path: Path) -> None:
    path = tmp_path / PROJECT.spreadsheet.id
    path.parent.mkdir(parents=True)
    generate_workbook(PROJECT, path, seed=2, people=30)
    wb = load_workbook(path)
    del wb["Formularz JST"]
    wb.save(path)
    snap = read_project_sources(PROJECT, WorkbookBackend(tmp_path))
    batch = validate_snapshot(PROJECT, snap)
    assert batch.missing == [("rekrutacja-jst", "Formularz JST")]
    assert batch.summary()["accepted"] > 0
