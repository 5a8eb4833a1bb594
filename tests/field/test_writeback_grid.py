"""Owned tabs past Google's grid (issue 10, item 6), on the Sheets emulator, which refuses a write
outside a tab's grid as Google does ("exceeds grid limits").

Before the fix the write to an existing owned tab was a values write into its 1,000-row grid: with
1,200 quarantined rows Google answered 400, Prefect retried it twice and the night failed.
"""

from __future__ import annotations

from datetime import date

import pytest

from synergia.sheets.base import RequestRejected
from tests.field.staff_workbook import HEADER, pesel

SHEET_KEY = "1FieldGridTestKeyAbCdEfGhIjKlMnOpQrStUvWxYz0"
QUARANTINE_HEADER = ["Źródło", "Arkusz", "Wiersz", "Kody przyczyn", "Opis", "Pierwszy raz", "Ostatnio"]


def _rows(n: int, width: int = 7) -> list[list[str]]:
    return [QUARANTINE_HEADER[:width]] + [[f"z{r}", "Formularz", str(r + 2)] + [f"k{r}"] * (width - 3) for r in range(n)]


def _grid(emu, sid: str, tab: str) -> tuple[int, int]:
    sheet = emu.spreadsheets[sid].by_title(tab)
    return sheet.rows, sheet.cols


def _writes(emu) -> list[tuple[str, int]]:
    return [(r.path.rsplit("/", 1)[-1].split(":", 1)[-1], r.status) for r in emu.log if r.kind == "write"]


def test_the_emulator_refuses_a_values_write_past_the_grid_like_google(emulator, backend) -> None:
    sid = emulator.create_spreadsheet("S", tabs={"Odrzucone": []})
    ss = emulator.spreadsheets[sid]
    from devtools.emulator.store import ApiError

    with pytest.raises(ApiError, match=r"Range \(Odrzucone!A1:G1201\) exceeds grid limits. Max rows: 1000, max columns: 26"):
        ss.values_update("'Odrzucone'!A1:G1201", _rows(1200), major="ROWS", input_option="RAW")
    with pytest.raises(ApiError, match="exceeds grid limits"):
        ss.values_update("'Odrzucone'!A1", _rows(1200), major="ROWS", input_option="RAW")
    with pytest.raises(ApiError, match=r"Range \(Odrzucone!AA1\) exceeds grid limits"):
        ss.values_update("'Odrzucone'!AA1", [["x"]], major="ROWS", input_option="RAW")
    assert _grid(emulator, sid, "Odrzucone") == (1000, 26)
    ss.values_append("'Odrzucone'!A1", _rows(1200), major="ROWS", input_option="RAW")  # append grows, as Google's
    assert _grid(emulator, sid, "Odrzucone")[0] == 1201


@pytest.mark.slow
def test_1200_rows_into_an_existing_1000_row_tab_is_one_atomic_request(emulator, backend) -> None:
    sid = emulator.create_spreadsheet("S", tabs={"Formularz": [["a"]], "Odrzucone": [["stare"]] * 30})
    backend.read_tabs(sid, ["Formularz", "Odrzucone"])
    emulator.clear_log()
    backend.write_tab(sid, "Odrzucone", _rows(1200))
    assert _writes(emulator) == [("batchUpdate", 200)]
    assert emulator.tab_values(sid, "Odrzucone") == _rows(1200)
    assert _grid(emulator, sid, "Odrzucone") == (1201, 26)
    # Fewer rows the next night: no stale row, and the grid is never shrunk.
    emulator.clear_log()
    backend.write_tab(sid, "Odrzucone", _rows(10, width=30))
    assert emulator.tab_values(sid, "Odrzucone") == _rows(10, width=30)
    assert _grid(emulator, sid, "Odrzucone") == (1201, 30)
    assert _writes(emulator) == [("batchUpdate", 200)]


def test_a_tab_staff_shrank_is_grown_back(emulator, backend) -> None:
    sid = emulator.create_spreadsheet("S", tabs={"Formularz": [["a"]], "Odrzucone": _rows(40)})
    sheet = emulator.spreadsheets[sid].by_title("Odrzucone")
    backend.read_tabs(sid, ["Formularz", "Odrzucone"])
    sheet.resize(rows=5, cols=3)  # after our read: the metadata we hold is stale
    emulator.clear_log()
    backend.write_tab(sid, "Odrzucone", _rows(60))
    assert emulator.tab_values(sid, "Odrzucone") == _rows(60)
    assert _grid(emulator, sid, "Odrzucone") == (61, 7)
    # The stale grid costs one refused write and one metadata read, then one write that grows it.
    assert _writes(emulator) == [("batchUpdate", 400), ("batchUpdate", 200)]


def test_a_grid_staff_made_larger_is_kept(emulator, backend) -> None:
    sid = emulator.create_spreadsheet("S", tabs={"Formularz": [["a"]], "Odrzucone": _rows(3)})
    emulator.spreadsheets[sid].by_title("Odrzucone").grow(5000, 40)
    backend.write_tab(sid, "Odrzucone", _rows(2))
    assert _grid(emulator, sid, "Odrzucone") == (5000, 40)
    assert emulator.tab_values(sid, "Odrzucone") == _rows(2)


def test_a_refused_request_is_not_retried(emulator, backend, sleeps) -> None:
    sid = emulator.create_spreadsheet("S", tabs={"Formularz": [["a"]], "Odrzucone": [["x"]]})
    backend.read_tabs(sid, ["Formularz", "Odrzucone"])
    emulator.clear_log()
    emulator.inject(400, count=100, method="POST")
    with pytest.raises(RequestRejected, match="400"):
        backend.write_tab(sid, "Odrzucone", [["y"]])
    # One try, one fresh metadata read (the tab may have changed), one more try; no backoff.
    assert [(r.kind, r.status) for r in emulator.log] == [("write", 400), ("read", 200), ("write", 400)]
    assert sleeps == []


@pytest.mark.parametrize("status", [400, 501])
def test_a_server_refusing_create_and_fill_gets_add_sheet_and_values(emulator, backend, status) -> None:
    sid = emulator.create_spreadsheet("S", tabs={"Formularz": [["a"]]})
    emulator.disabled_requests.add("updateCells")
    emulator.disabled_status = status
    backend.read_tabs(sid, ["Formularz", "Odrzucone"])
    emulator.clear_log()
    backend.write_tab(sid, "Odrzucone", _rows(1100))
    assert emulator.tab_values(sid, "Odrzucone") == _rows(1100)
    assert [s for _, s in _writes(emulator)] == [status, 200, 200]


def test_an_existing_tab_on_a_server_without_update_cells_gets_a_values_write(emulator, backend) -> None:
    sid = emulator.create_spreadsheet("S", tabs={"Formularz": [["a"]], "Odrzucone": _rows(20)})
    emulator.disabled_requests.add("updateCells")
    emulator.disabled_status = 501
    backend.read_tabs(sid, ["Formularz", "Odrzucone"])
    emulator.clear_log()
    backend.write_tab(sid, "Odrzucone", _rows(4))
    assert emulator.tab_values(sid, "Odrzucone") == _rows(4)
    assert _writes(emulator) == [("batchUpdate", 501), ("batchUpdate", 200)]


# --------------------------------------------------------------------------- the nightly run


@pytest.fixture
def grid_project(tmp_path, synergia_env, socket_emulator, socket_key, monkeypatch):
    """The demo project on the socket emulator; its form has 1,230 responses, 1,200 without an e-mail."""
    from config.project import load_project
    from config.settings import PROJECTS_DIR, reset_settings_cache
    from synergia.sheets.owned import DEFAULT_NAMES as OWNED_TABS

    emu, url = socket_emulator
    text = (PROJECTS_DIR / "demo.yaml").read_text(encoding="utf-8")
    project_path = tmp_path / "grid.yaml"
    project_path.write_text(text.replace("  id: demo/demo.xlsx", f"  id: {SHEET_KEY}\n  backend: gsheets"), encoding="utf-8")
    load_project(project_path)
    form = [HEADER[:14]]
    for i in range(1230):
        email = f"uczestnik.{i}@stowarzyszenie-{i % 7}.example" if i % 41 == 0 else ""
        form.append(
            [
                f"{1 + i % 28:02d}.04.2026 {8 + i % 10:02d}:{i % 60:02d}:{i % 59:02d}",
                f"Imię{chr(97 + i % 26)}",
                f"Nazwisko{chr(97 + (i // 26) % 26)}",
                email,
                "",
                pesel(date(1970 + i % 30, 1 + i % 12, 1 + i % 28), i, i % 2 == 0),
                "",
                "",
                "43-100",
                "Tychy",
                "Tychy",
                "Koło Gospodyń",
                "NGO",
                "Tak",
            ]
        )
    tabs = {"Formularz NGO i rady": form}
    tabs.update({t: [] for t in OWNED_TABS})  # the staff template has the pipeline's tabs (1,000-row grids)
    emu.create_spreadsheet("Grid", spreadsheet_id=SHEET_KEY, tabs=tabs)
    monkeypatch.setenv("SYNERGIA_SHEETS_BACKEND", "gsheets")
    monkeypatch.setenv("SYNERGIA_GOOGLE_CREDENTIALS", str(socket_key))
    monkeypatch.setenv("SYNERGIA_GOOGLE_API_URL", url)
    monkeypatch.setenv("SYNERGIA_GOOGLE_RETRY_ATTEMPTS", "3")
    monkeypatch.setenv("SYNERGIA_GOOGLE_RETRY_MAX_TOTAL", "5")
    reset_settings_cache()
    return emu, str(project_path)


@pytest.mark.prefect
def test_nightly_with_1200_quarantined_rows_completes(prefect_harness, grid_project) -> None:
    from flows.nightly import nightly

    emu, project_path = grid_project
    counts = nightly(project_path=project_path)
    assert counts["quarantined"] >= 1200 and counts["rows"] == 1230
    odrzucone = emu.tab_values(SHEET_KEY, "Odrzucone")
    assert len(odrzucone) - 1 == counts["quarantined"]
    assert emu.spreadsheets[SHEET_KEY].by_title("Odrzucone").rows >= len(odrzucone)
    assert all(r.status == 200 for r in emu.log if r.kind == "write")
    emu.clear_log()
    again = nightly(project_path=project_path)
    assert again["quarantined"] == counts["quarantined"]
    assert emu.counts(SHEET_KEY)["write"] == 0  # nothing changed: nothing written


@pytest.mark.prefect
def test_a_refused_write_fails_the_task_once_without_prefect_retries(prefect_harness, grid_project) -> None:
    from flows.nightly import nightly

    emu, project_path = grid_project
    emu.inject(400, count=10_000, method="POST")
    state = nightly(project_path=project_path, return_state=True)
    assert state.is_failed()
    # write_quarantine_tab: one try + one after fresh metadata, and no task retry (it would triple this).
    assert [r.status for r in emu.log if r.kind == "write"] == [400, 400]
