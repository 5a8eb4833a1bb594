"""Two real nightly runs on a staff XLSX whose e-mail and gmina columns are staff formulas with cached
values (issue 10, item 4): the second night reads exactly what the first read, quarantines nothing
more, and every zip member of the staff's is byte-identical after both nights."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from config.project import load_project
from config.settings import PROJECTS_DIR
from synergia.sheets.owned import DEFAULT_NAMES as OWNED_TABS
from synergia.sheets.workbook import WorkbookBackend
from tests.field.staff_workbook import FORM_TAB, LOOKUP_TAB, build, members, sheet_part_of

DEMO = PROJECTS_DIR / "demo.yaml"
pytestmark = [pytest.mark.prefect]


@pytest.mark.parametrize("template", [True, False], ids=["owned-tabs-in-template", "bare-workbook"])
def test_two_nights_keep_staff_formulas_and_quarantine_nothing_new(prefect_harness, synergia_env: Path, template: bool) -> None:
    from flows.nightly import nightly

    project = load_project(DEMO)
    path = synergia_env / project.spreadsheet.id
    path.parent.mkdir(parents=True, exist_ok=True)
    staff = build(path, people=22, invalid=3, owned_tabs=OWNED_TABS if template else ())
    os.chmod(path, 0o644)
    before = members(path)
    backend = WorkbookBackend(synergia_env)
    staff_values = backend.read_tabs(project.spreadsheet.id, [FORM_TAB, LOOKUP_TAB]).tabs

    first = nightly(project_path=str(DEMO))
    assert first["quarantined"] == staff.invalid  # only the rows without a usable e-mail
    assert first["accepted"] == staff.rows - staff.invalid
    second = nightly(project_path=str(DEMO))
    assert second["quarantined"] == first["quarantined"] and second["accepted"] == first["accepted"]
    assert second["new"] == second["changed"] == 0

    after = members(path)
    owned_parts = {sheet_part_of(path, t) for t in OWNED_TABS if t in after_names(path)}
    index_parts = set() if template else {"xl/workbook.xml", "xl/_rels/workbook.xml.rels", "[Content_Types].xml"}
    changed = {m for m in before if before[m] != after.get(m)}
    assert changed <= owned_parts | index_parts, sorted(changed - owned_parts - index_parts)
    assert set(after) - set(before) <= owned_parts
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o644
    assert backend.read_tabs(project.spreadsheet.id, [FORM_TAB, LOOKUP_TAB]).tabs == staff_values
    odrzucone = backend.read_tabs(project.spreadsheet.id, ["Odrzucone"]).tabs["Odrzucone"]
    assert len(odrzucone) - 1 == staff.invalid


def after_names(path: Path) -> set[str]:
    from openpyxl import load_workbook

    wb = load_workbook(path, read_only=True)
    try:
        return set(wb.sheetnames)
    finally:
        wb.close()
