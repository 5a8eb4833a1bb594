"""The Prefect task in a real flow run on the demo workbook: merges, review tab, staff answers back."""

from __future__ import annotations

from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from config.project import load_project
from config.settings import PROJECTS_DIR
from devtools.demo.generator import generate_workbook
from synergia.sheets.owned import REVIEW
from synergia.sheets.review_tab import DECISION_HEADER, HEADER, KEY_HEADER

TAB = REVIEW.default_name

DEMO = PROJECTS_DIR / "demo.yaml"


def _flow():
    from prefect import flow

    from tasks.dedupe import cluster_participants
    from tasks.registry import prepare_registry, upsert_registry
    from tasks.sources import read_sources
    from tasks.validate import validate_rows

    @flow(name="dedupe-test", persist_result=False)
    def night(project_path: str) -> dict:
        prepare_registry(project_path)
        batch = validate_rows(project_path, read_sources(project_path))
        upsert_registry(project_path, batch)
        return cluster_participants(project_path, batch.owned_tabs.get(REVIEW.key))

    return night


@pytest.mark.prefect
def test_nightly_dedupe_step_merges_and_reads_staff_answers_back(prefect_harness, synergia_env: Path) -> None:
    from synergia import runtime
    from synergia.registry.tables import Application

    project = load_project(DEMO)
    workbook = synergia_env / project.spreadsheet.id
    generate_workbook(project, workbook, seed=21, people=200)  # a seed whose demo data has review pairs
    night = _flow()

    first = night(str(DEMO))
    assert first["persons_merged"] > 0 and first["applications"] > first["persons_merged"]
    with runtime.registry().session() as s:
        apps = s.scalar(select(func.count()).select_from(Application).where(Application.active.is_(True)))
        persons = s.scalar(select(func.count(func.distinct(Application.person_id))).where(Application.active.is_(True)))
    assert persons == apps - first["applications_moved"] and persons < apps

    wb = load_workbook(workbook)
    assert TAB in wb.sheetnames
    rows = [[c if c is not None else "" for c in r] for r in wb[TAB].iter_rows(values_only=True)]
    assert list(rows[0]) == HEADER
    assert len(rows) - 1 == first["reviews_open"] == first["review_rows"] > 0

    second = night(str(DEMO))  # nothing new: same persons, tab untouched
    assert second["new_or_changed"] == 0 and second["persons_merged"] == 0 and second["review_tab_written"] == 0

    ws = wb[TAB]
    dec_col = rows[0].index(DECISION_HEADER) + 1
    for r in range(2, ws.max_row + 1):
        ws.cell(row=r, column=dec_col, value="NIE")
    wb.save(workbook)
    third = night(str(DEMO))
    assert third["decisions_recorded"] == first["reviews_open"]
    assert third["reviews_open"] == 0 and third["review_rows"] == 0
    left = list(load_workbook(workbook)[TAB].iter_rows(values_only=True))
    assert len(left) == 1 and left[0][0] == KEY_HEADER
