"""The pipeline's own tabs are one table (``synergia.sheets.owned``): each declared once, named by the
project file, written only when what the sheet shows differs from what we would write."""

from __future__ import annotations

import ast
from datetime import datetime
from pathlib import Path

import pytest

from config.project import ConfigError, ProjectConfig, load_project
from config.settings import PROJECTS_DIR
from config.tabs import DEFAULT_TABS, TabsConfig
from synergia.sheets import owned
from synergia.sheets.base import NotAnOwnedTab
from synergia.sheets.owned import INDICATORS, QUARANTINE, REVIEW, TABLE
from synergia.sheets.review_tab import ReviewItem
from synergia.sheets.workbook import WorkbookBackend

REPO = Path(__file__).resolve().parents[2]
DEMO_TEXT = (PROJECTS_DIR / "demo.yaml").read_text(encoding="utf-8")
CODE = ("synergia", "tasks", "flows", "config", "benchmarks", "devtools")


def _project(tmp_path: Path, spreadsheet_id: str, tabs: dict[str, str] | None = None) -> ProjectConfig:
    block = "".join(f'    {k}: "{v}"\n' for k, v in (tabs or {}).items())
    text = DEMO_TEXT.replace("  id: demo/demo.xlsx\n", f"  id: {spreadsheet_id}\n" + ("  tabs:\n" + block if block else ""))
    assert text != DEMO_TEXT
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    return load_project(path)


def _code_files():
    for base in CODE:
        yield from sorted((REPO / base).rglob("*.py"))


# --------------------------------------------------------------------------- the table itself


def test_every_owned_tab_is_declared_once_in_the_table() -> None:
    keys = [t.key for t in TABLE]
    assert len(set(keys)) == len(keys) == 3
    assert set(keys) == set(TabsConfig.model_fields)  # each configurable name has one entry, each entry a name
    assert owned.DEFAULT_NAMES == DEFAULT_TABS.names() == ("Odrzucone", "Do sprawdzenia", "Wskaźniki")
    assert [t.key for t in TABLE if t.parse is not None] == ["review"]  # staff answer only in the review tab
    headers = [t.header for t in TABLE]
    assert all(headers) and len(set(headers)) == 3


def test_each_builder_writes_its_declared_header(tmp_path: Path) -> None:
    from synergia.indicators.model import MonthSummary
    from synergia.registry.db import Registry

    assert REVIEW.build([]) == [list(REVIEW.header)]
    summary = MonthSummary("p", "P", "2026-03", datetime(2026, 1, 1).date(), datetime(2026, 12, 31).date(), ())
    assert INDICATORS.build(summary) == [list(INDICATORS.header)]
    registry = Registry(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        with registry.session() as session:
            assert QUARANTINE.build(session, "p") == [list(QUARANTINE.header)]
    finally:
        registry.dispose()


def test_no_code_outside_config_names_an_owned_tab() -> None:
    """The default names are written once, in config/tabs.py; code asks the table for a name."""
    defaults = set(DEFAULT_TABS.names())
    hits = []
    for path in _code_files():
        if path == REPO / "config" / "tabs.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Constant) and node.value in defaults:
                hits.append(f"{path.relative_to(REPO)}:{node.lineno}")
    assert hits == []


def test_tabs_are_written_through_the_table_only() -> None:
    """Outside the backends, ``write_tab`` is called by ``OwnedTab.write_if_changed`` and by the doctor's
    write check (which writes a tab back exactly as it is)."""
    callers = set()
    for path in _code_files():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "write_tab":
                callers.add(path.relative_to(REPO).as_posix())
    assert callers == {"synergia/sheets/owned.py", "synergia/doctor.py"}


# --------------------------------------------------------------------------- write only when changed


def _rows() -> dict[str, list[list[str]]]:
    """Rows with what makes a comparison hard: formula-like text (stored with a '), signed numbers
    kept as they are in typed cells, empty cells inside and at the end of a row."""
    review = REVIEW.build(
        [
            ReviewItem(
                3,
                9,
                "ten sam e-mail",
                0.81,
                {"first_name": '=HYPERLINK("http://x")', "phone": "+48 601 202 303", "email": "a@b.pl"},
                {"first_name": "Ola", "phone": "-", "city": "Płock"},
                source_a="rekrutacja",
            )
        ]
    )
    return {
        "quarantine": [
            list(QUARANTINE.header),
            ["rekrutacja", "Formularz", "12", "pesel_checksum", "@SUMA(A1)", "", ""],
            ["lista", "Lista", "4", "no_name", "-5", "2026-03-02 10:00", "2026-03-03 10:00"],
        ],
        "review": review,
        "indicators": [list(INDICATORS.header), ["ngo-osoby", "Osoby", "osoby", "120", "31.12.2026", "2026-03", "-3", "+7"]],
    }


def _two_runs(backend, project: ProjectConfig, writes, state=lambda: None) -> None:
    rows = _rows()
    for tab in TABLE:
        assert tab.write_if_changed(backend, project, rows[tab.key], tab.read(backend, project)) is True
    assert writes() == 3
    before = state()
    for tab in TABLE:  # the same content again: every tab reads back equal, no request writes
        assert tab.write_if_changed(backend, project, rows[tab.key], tab.read(backend, project)) is False
    current = owned.read_current(backend, project)  # one read of all three, as the nightly does
    assert not any(t.write_if_changed(backend, project, rows[t.key], current[t.key]) for t in TABLE)
    assert writes() == 3 and state() == before
    changed = rows["quarantine"] + [["lista", "Lista", "5", "no_name", "x", "", ""]]
    assert QUARANTINE.write_if_changed(backend, project, changed, QUARANTINE.read(backend, project)) is True
    assert writes() == 4
    assert QUARANTINE.write_if_changed(backend, project, changed, None) is True  # unknown current: write
    assert writes() == 5


@pytest.mark.parametrize("sheet", ["biuro.xlsx", "biuro"])
def test_an_unchanged_tab_is_not_written_to_a_workbook(tmp_path: Path, sheet: str) -> None:
    from openpyxl import Workbook

    path = tmp_path / sheet
    if sheet.endswith(".xlsx"):
        wb = Workbook()
        wb.active.title = "Formularz NGO i rady"
        wb.active.append(["Imię", "=1+1"])
        wb.save(path)
    else:
        path.mkdir()
        (path / "Formularz NGO i rady.csv").write_text("Imię\nOla\n", encoding="utf-8")
    backend = WorkbookBackend(tmp_path)
    project = _project(tmp_path, sheet)

    def state() -> dict[str, tuple[int, bytes]]:  # the files as they are on disk
        files = [path] if path.is_file() else sorted(path.glob("*.csv"))
        return {f.name: (f.stat().st_mtime_ns, f.read_bytes()) for f in files}

    _two_runs(backend, project, lambda: backend.writes, state)


@pytest.fixture
def sheets_project(tmp_path: Path, emulator):
    sid = emulator.create_spreadsheet("S", tabs={"Formularz NGO i rady": [["Imię"], ["Ola"]], "Odrzucone": []})
    return sid, _project(tmp_path, sid)


def test_an_unchanged_tab_makes_no_request_to_google_sheets(emulator, backend, sheets_project) -> None:
    sid, project = sheets_project
    emulator.clear_log()
    _two_runs(
        backend, project, lambda: emulator.counts(sid)["write"], lambda: {t: emulator.tab_values(sid, t) for t in owned.names(project)}
    )
    assert emulator.tab_values(sid, "Odrzucone")[1][4] == "'@SUMA(A1)"  # stored escaped, compared equal


# --------------------------------------------------------------------------- names from the project file


def test_renamed_tabs_are_written_under_their_names_and_nothing_else(tmp_path: Path) -> None:
    names = {"quarantine": "Kwarantanna", "review": "Pary", "indicators": "Wskaźniki 2026"}
    project = _project(tmp_path, "biuro", names)
    (tmp_path / "biuro").mkdir()
    backend = WorkbookBackend(tmp_path)
    assert owned.names(project) == ("Kwarantanna", "Pary", "Wskaźniki 2026")
    rows = _rows()
    for tab in TABLE:
        assert tab.write_if_changed(backend, project, rows[tab.key], tab.read(backend, project))
    assert sorted(p.stem for p in (tmp_path / "biuro").glob("*.csv")) == ["Kwarantanna", "Pary", "Wskaźniki 2026"]
    assert REVIEW.parse(REVIEW.read(backend, project)).decisions == []
    for tab in TABLE:
        assert not tab.write_if_changed(backend, project, rows[tab.key], tab.read(backend, project))
    assert backend.writes == 3
    with pytest.raises(NotAnOwnedTab):  # the default name is no owned tab of this project
        backend.write_tab("biuro", "Odrzucone", [["x"]], owned=owned.names(project))
    with pytest.raises(NotAnOwnedTab):  # a staff tab never is
        backend.write_tab("biuro", "Formularz NGO i rady", [["x"]], owned=owned.names(project))
    with pytest.raises(NotAnOwnedTab):  # without the project's names, a backend knows only the defaults
        backend.write_tab("biuro", "Kwarantanna", [["x"]])
    assert backend.writes == 3


def test_a_project_without_tabs_gets_the_defaults(tmp_path: Path) -> None:
    project = _project(tmp_path, "x.xlsx")
    assert project.spreadsheet.tabs == DEFAULT_TABS
    assert [t.name(project) for t in TABLE] == list(DEFAULT_TABS.names())


@pytest.mark.parametrize(
    ("tabs", "field", "words"),
    [
        ({"review": "Formularz JST"}, "spreadsheet.tabs.review", "zakładka personelu"),
        ({"quarantine": "wartości ręczne"}, "spreadsheet.tabs.quarantine", "zakładka personelu"),
        ({"quarantine": "Pary", "review": "PARY"}, "spreadsheet.tabs", "tę samą nazwę"),
        ({"indicators": "Wskaźniki/2026"}, "spreadsheet.tabs.indicators", "niedozwolony znak"),
        ({"indicators": "x" * 32}, "spreadsheet.tabs.indicators", "31 znaków"),
        ({"review": " "}, "spreadsheet.tabs.review", "pusta nazwa"),
    ],
)
def test_a_bad_tab_name_is_refused_naming_its_line(tmp_path: Path, tabs: dict[str, str], field: str, words: str) -> None:
    with pytest.raises(ConfigError) as exc:
        _project(tmp_path, "x.xlsx", tabs)
    ((line, where, msg),) = exc.value.problems
    assert where == field and words in msg
    text = (tmp_path / "p.yaml").read_text(encoding="utf-8").splitlines()
    assert line is not None and ("tabs:" in text[line - 1] or list(tabs)[-1] in text[line - 1])


def test_a_night_with_renamed_tabs_writes_them_reads_staff_answers_from_them(synergia_env: Path, tmp_path: Path) -> None:
    """The nightly steps (as plain functions) against a demo workbook whose project renames two tabs."""
    from openpyxl import load_workbook
    from prefect.logging import disable_run_logger

    from devtools.demo.generator import generate_workbook
    from synergia.sheets.review_tab import DECISION_HEADER
    from tasks.dedupe import cluster_participants
    from tasks.registry import prepare_registry, upsert_registry
    from tasks.sources import read_sources
    from tasks.validate import validate_rows
    from tasks.writeback import write_quarantine_tab

    text = DEMO_TEXT.replace(
        "  id: demo/demo.xlsx\n", '  id: demo/demo.xlsx\n  tabs:\n    quarantine: Kwarantanna\n    review: "Pary – do decyzji"\n'
    )
    path = tmp_path / "renamed.yaml"
    path.write_text(text, encoding="utf-8")
    project = load_project(path)
    review_name = "Pary – do decyzji"
    assert owned.names(project)[:2] == ("Kwarantanna", review_name)
    workbook = synergia_env / project.spreadsheet.id
    generate_workbook(project, workbook, seed=21, people=200)  # a seed whose demo data has review pairs

    def night() -> tuple[int, dict]:
        p = str(path)
        with disable_run_logger():
            prepare_registry.fn(p)
            batch = validate_rows.fn(p, read_sources.fn(p))
            upsert_registry.fn(p, batch)
            return (
                write_quarantine_tab.fn(p, batch.owned_tabs.get(QUARANTINE.key)),
                cluster_participants.fn(p, batch.owned_tabs.get(REVIEW.key)),
            )

    listed, dedupe = night()
    wb = load_workbook(workbook)
    assert {"Kwarantanna", review_name} <= set(wb.sheetnames)
    assert not {"Odrzucone", "Do sprawdzenia"} & set(wb.sheetnames)
    assert wb["Kwarantanna"].max_row - 1 == listed
    review = [[c if c is not None else "" for c in r] for r in wb[review_name].iter_rows(values_only=True)]
    assert review[0] == list(REVIEW.header) and len(review) - 1 == dedupe["review_rows"] > 0

    before = workbook.read_bytes()
    assert night()[1]["review_tab_written"] == 0
    assert workbook.read_bytes() == before  # nothing new: not one byte written

    ws = wb[review_name]
    col = review[0].index(DECISION_HEADER) + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=col, value="NIE")
    wb.save(workbook)
    third = night()[1]
    assert third["decisions_recorded"] == dedupe["reviews_open"] and third["review_rows"] == 0
