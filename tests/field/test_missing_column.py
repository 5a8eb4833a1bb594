"""A required column missing from a tab: one run-level error naming the source, the column and the
closest header; the source's rows are neither quarantined one by one nor deactivated."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from synergia.registry.db import Registry
from synergia.registry.sync import apply_outcomes, mirror_events
from synergia.registry.tables import Application, Quarantine
from synergia.sheets.read import read_project_sources
from synergia.sheets.workbook import WorkbookBackend
from synergia.validation.batch import validate_snapshot
from synergia.validation.columns import check_columns
from tests.field._build import FORM_COLUMNS, form_table, people, project, write_project, write_workbook

pytestmark = pytest.mark.both_backends  # `registry` on SQLite and on PostgreSQL

LIST = {
    "id": "lista",
    "kind": "attendance",
    "worksheet": "Lista",
    "event": "warsztat-1",
    "columns": {"Imię": "first_name", "Nazwisko": "last_name", "E-mail": "email"},
    "sessions": {"Dzień 1": 1, "Dzień 2": 2},
}
PROJECT = project(extra_sources=[LIST])


def _tabs(form_headers: list[str], rows: list[dict]) -> dict:
    list_rows = [["Imię", "Nazwisko", "E-mail", "Dzień 1", "Dzień 2"]] + [
        [r["Imię"], r["Nazwisko"], r["Adres e-mail"], "x", "x"] for r in rows[:5]
    ]
    renamed = dict(zip(FORM_COLUMNS, form_headers))
    return {"Odpowiedzi": form_table([{renamed[k]: v for k, v in r.items()} for r in rows], form_headers), "Lista": list_rows}


def sync(reg: Registry, base: Path) -> dict:
    batch = validate_snapshot(PROJECT, read_project_sources(PROJECT, WorkbookBackend(base)))
    with reg.session() as session:
        mirror_events(session, PROJECT)
        counts = apply_outcomes(session, PROJECT, batch.outcomes, batch.read_worksheets)
    return {
        **counts.as_dict(),
        "source_errors": batch.source_errors,
        "source_warnings": batch.source_warnings,
        "skipped_rows": batch.skipped_rows,
    }


def headers_with(**renames: str) -> list[str]:
    return [renames.get(h, h) for h in FORM_COLUMNS]


def test_closest_header_tolerates_case_space_and_missing_diacritics() -> None:
    form = PROJECT.sources[0]
    for found in ("Imie", "IMIE ", "imię (wymagane)", "Imiē"):
        problems = check_columns(form, headers_with(**{"Imię": found}))
        (problem,) = [p for p in problems if p.required]
        assert problem.column == "Imię" and problem.closest == found.strip()
        text = problem.message()
        assert "formularz" in text and "'Imię'" in text and f"'{found.strip()}'" in text
    assert check_columns(form, headers_with(**{"Imię": " imię  "})) == []  # case and spaces already match


def test_missing_optional_column_is_a_warning_not_an_error() -> None:
    problems = check_columns(PROJECT.sources[0], headers_with(**{"PESEL": "Numer PESEL (opcjonalnie)"}))
    (problem,) = problems
    assert not problem.required and problem.column == "PESEL" and problem.closest == "Numer PESEL (opcjonalnie)"


def test_missing_session_column_of_a_list_is_an_error() -> None:
    problems = check_columns(PROJECT.sources[1], ["Imię", "Nazwisko", "E-mail", "Dzien 1"])
    assert {(p.column, p.closest) for p in problems if p.required} == {("Dzień 1", "Dzien 1"), ("Dzień 2", "Dzien 1")}


def test_renamed_required_header_skips_the_source_and_keeps_its_applications(registry: Registry, tmp_path: Path) -> None:
    rows = people(12)
    book = tmp_path / "pole.xlsx"
    write_workbook(book, _tabs(list(FORM_COLUMNS), rows))
    first = sync(registry, tmp_path)
    assert first["accepted"] == 17 and not first["source_errors"]

    write_workbook(book, _tabs(headers_with(**{"Nazwisko": "Nazwisko ", "Imię": "Imie"}), rows))
    second = sync(registry, tmp_path)
    (error,) = second["source_errors"]
    assert "formularz" in error and "'Imię'" in error and "'Imie'" in error and "Odpowiedzi" in error
    assert second["skipped_rows"] == 12
    assert second["quarantined"] == 0 and second["deactivated"] == 0
    assert second["rows"] == second["accepted"] == 5  # the list was still read
    with registry.session() as s:
        assert s.scalar(select(Application).where(Application.active.is_(False))) is None
        assert s.query(Application).filter_by(source_id="formularz", active=True).count() == 12
        assert s.query(Quarantine).count() == 0
    for row in rows:
        assert row["Nazwisko"] not in error and row["Adres e-mail"] not in error

    write_workbook(book, _tabs(list(FORM_COLUMNS), rows))  # staff fixed the header
    third = sync(registry, tmp_path)
    assert not third["source_errors"] and third["unchanged"] == 17 and third["deactivated"] == 0


@pytest.mark.prefect
def test_nightly_cli_prints_one_error_line_and_exits_1(prefect_harness, synergia_env: Path, tmp_path: Path) -> None:
    from sqlalchemy import create_engine, text
    from typer.testing import CliRunner

    from cli.app import app

    rows = people(9, seed=2)
    project_file = write_project(tmp_path / "pole.yaml", extra_sources=[LIST])
    write_workbook(synergia_env / "pole.xlsx", _tabs(list(FORM_COLUMNS), rows))
    first = CliRunner().invoke(app, ["run", "nightly", "--project", str(project_file)])
    assert first.exit_code == 0, first.output

    write_workbook(synergia_env / "pole.xlsx", _tabs(headers_with(**{"Imię": "Imie"}), rows))
    second = CliRunner().invoke(app, ["run", "nightly", "--project", str(project_file)])
    assert second.exit_code == 1
    # CliRunner closes each invocation's stream; Prefect's console handler, set up in the first one, then reports a
    # "Logging error" echoing the record as `Message: "…"` (an artefact of two invocations in one process, not output)
    lines = [line for line in second.output.splitlines() if "brak wymaganej kolumny" in line and not line.startswith("Message: ")]
    assert len(lines) == 1 and "'Imię'" in lines[0] and "'Imie'" in lines[0] and "formularz" in lines[0]
    assert "Pominięto 9 wierszy" in second.output
    engine = create_engine(f"sqlite:///{synergia_env / 'synergia.db'}")
    with engine.connect() as conn:
        active = conn.execute(text("select count(*) from applications where source_id='formularz' and active")).scalar()
        quarantined = conn.execute(text("select count(*) from quarantine where resolved_at is null")).scalar()
    engine.dispose()
    assert active == 9 and quarantined == 0
