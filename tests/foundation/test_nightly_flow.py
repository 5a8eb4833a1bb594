"""One real Prefect flow run of the nightly job on the demo project (harness started once per session)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from config.project import load_project
from config.settings import PROJECTS_DIR
from devtools.demo.generator import generate_workbook

DEMO = PROJECTS_DIR / "demo.yaml"


def _personal_values(workbook: Path) -> set[str]:
    """Every PESEL-, e-mail- and phone-looking value in the workbook, as typed and normalised."""
    wb = load_workbook(workbook, read_only=True)
    found: set[str] = set()
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            for v in row:
                s = str(v or "")
                if "@" in s:
                    found.add(s.strip().lower())
                digits = re.sub(r"\D", "", s)
                if len(digits) >= 9 and not re.fullmatch(r"\d{2}\.\d{2}\.\d{4}.*", s):
                    found.add(digits[-9:])  # phones end in the subscriber number, PESELs are 11 digits
                    found.add(digits)
    return found


@pytest.mark.prefect
def test_nightly_flow_runs_and_leaks_no_personal_data(prefect_harness, synergia_env: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId

    from flows.nightly import nightly

    project = load_project(DEMO)
    workbook = synergia_env / project.spreadsheet.id
    generate_workbook(project, workbook, seed=5, people=80)

    state = nightly(project_path=str(DEMO), return_state=True)
    assert state.is_completed()
    counts = state.result()
    assert counts["accepted"] + counts["quarantined"] + counts["empty"] == counts["rows"] > 0
    assert "Odrzucone" in load_workbook(workbook, read_only=True).sheetnames

    again = nightly(project_path=str(DEMO))
    assert again["new"] == again["changed"] == 0 and again["unchanged"] == counts["accepted"]

    personal = _personal_values(workbook)
    assert len(personal) > 50
    with get_client(sync_client=True) as client:
        run_id = state.state_details.flow_run_id
        logs = client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))
        artifacts = client.read_artifacts()
        run = client.read_flow_run(run_id)
    assert logs, "the flow should have logged its counts"
    published = " ".join(log.message for log in logs) + " " + " ".join(str(a.data) for a in artifacts) + " " + str(run.parameters)
    assert "przyjętych" in published
    leaked = [p for p in personal if p in re.sub(r"\s", "", published) or p in published]
    assert not leaked, f"{len(leaked)} personal values found in Prefect logs/artifacts/parameters"
    assert any(a.key == "demo-nightly" for a in artifacts)


@pytest.mark.prefect
def test_prefect_does_not_walk_the_rows_passed_between_tasks(prefect_harness, synergia_env: Path, monkeypatch) -> None:
    """Before a task starts Prefect visits (and rebuilds) every item of its arguments unless they are
    ``opaque``: for the snapshot and batch that was every row and cell, 30+ s per step at 20k rows.
    Record every object Prefect's traversal reaches in one whole flow run: no form cell among them."""
    import prefect.utilities.collections as collections

    from flows.nightly import nightly

    project = load_project(DEMO)
    workbook = synergia_env / project.spreadsheet.id
    generate_workbook(project, workbook, seed=11, people=60)
    personal = _personal_values(workbook)
    assert len(personal) > 50

    original = collections.visit_collection
    reached: list[str] = []

    def recording(expr, *args, **kwargs):  # nested visits go through the module's global name
        if isinstance(expr, str):
            reached.append(expr.strip().lower())
        return original(expr, *args, **kwargs)

    monkeypatch.setattr(collections, "visit_collection", recording)
    counts = nightly(project_path=str(DEMO))
    monkeypatch.setattr(collections, "visit_collection", original)
    assert counts["rows"] > 50
    assert reached, "the count dicts handed to the report task are still visited: the probe works"
    walked = [v for v in reached if v in personal or re.sub(r"\D", "", v) in personal]
    assert not walked, f"Prefect walked into {len(walked)} form cells passed between tasks"
