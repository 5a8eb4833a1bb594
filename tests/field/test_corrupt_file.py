"""A corrupt or non-XLSX workbook is permanent: no task retry, one clear line naming the file."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from synergia.sheets.base import UnreadableWorkbook
from synergia.sheets.workbook import WorkbookBackend
from tests.field._build import write_project


@pytest.mark.parametrize("content", [b"Imi\xc4\x99;Nazwisko\nAnna;Nowak\n", b"PK\x03\x04" + b"\x00" * 64, b""])
def test_unreadable_workbook_is_its_own_permanent_error(tmp_path: Path, content: bytes) -> None:
    (tmp_path / "pole.xlsx").write_bytes(content)
    with pytest.raises(UnreadableWorkbook) as exc:
        WorkbookBackend(tmp_path).read_tabs("pole.xlsx", ["Odpowiedzi"])
    assert "pole.xlsx" in str(exc.value) and "Nowak" not in str(exc.value)


def test_ods_renamed_to_xlsx(tmp_path: Path) -> None:
    import zipfile

    with zipfile.ZipFile(tmp_path / "pole.xlsx", "w") as z:
        z.writestr("mimetype", "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<office:document-content/>")
    with pytest.raises(UnreadableWorkbook):
        WorkbookBackend(tmp_path).read_tabs("pole.xlsx", ["Odpowiedzi"])


@pytest.mark.prefect
def test_nightly_on_a_corrupt_file_fails_once_with_one_line(prefect_harness, synergia_env: Path, tmp_path: Path) -> None:
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import FlowRunFilter, FlowRunFilterId
    from prefect.client.schemas.sorting import FlowRunSort

    (synergia_env / "pole.xlsx").write_bytes(b"to nie jest skoroszyt, tylko tekst\n")
    project = write_project(tmp_path / "pole.yaml")
    started = time.monotonic()
    result = CliRunner().invoke(app, ["run", "nightly", "--project", str(project)])
    elapsed = time.monotonic() - started
    assert result.exit_code == 1
    failure = [line for line in result.output.splitlines() if "nie powiódł" in line]
    assert len(failure) == 1 and "pole.xlsx" in failure[0] and "XLSX" in failure[0]
    with get_client(sync_client=True) as client:
        (run,) = client.read_flow_runs(sort=FlowRunSort.START_TIME_DESC, limit=1)
        tasks = client.read_task_runs(flow_run_filter=FlowRunFilter(id=FlowRunFilterId(any_=[run.id])))
    (read,) = [t for t in tasks if t.name.startswith("read_sources")]
    assert read.run_count == 1, f"read_sources ran {read.run_count} times"
    assert elapsed < 120
