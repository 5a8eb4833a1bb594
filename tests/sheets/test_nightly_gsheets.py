"""The nightly flow end to end against the socket emulator, as production runs against Google."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from devtools.emulator.__main__ import load_workbook_tabs
from synergia.sheets.owned import DEFAULT_NAMES as OWNED_TABS

REPO = Path(__file__).resolve().parents[2]
SHEET_KEY = "1SynergiaDemoKeyAbCdEfGhIjKlMnOpQrStUvWxYz0"

pytestmark = [pytest.mark.prefect]


@pytest.fixture
def gsheets_project(request, tmp_path, synergia_env, socket_emulator, socket_key, monkeypatch):
    """Demo project pointed at a Google key; its seeded Polish form lives in the emulator."""
    from config.project import load_project
    from config.settings import reset_settings_cache
    from devtools.demo.generator import generate_workbook

    emu, url = socket_emulator
    text = (REPO / "config" / "projects" / "demo.yaml").read_text(encoding="utf-8")
    text = text.replace("  id: demo/demo.xlsx", f"  id: {SHEET_KEY}\n  backend: gsheets").replace("people: 400", "people: 60")
    project_path = tmp_path / "demo-gsheets.yaml"
    project_path.write_text(text, encoding="utf-8")
    project = load_project(project_path)
    workbook = tmp_path / "seed.xlsx"
    generate_workbook(project, workbook, seed=7)
    tabs = load_workbook_tabs(workbook)
    if getattr(request, "param", "template") == "template":
        for tab in OWNED_TABS:
            tabs[tab] = []  # the staff template already has the pipeline's tabs
    emu.create_spreadsheet("Współpraca się opłaca", spreadsheet_id=SHEET_KEY, tabs=tabs)
    monkeypatch.setenv("SYNERGIA_SHEETS_BACKEND", "gsheets")
    monkeypatch.setenv("SYNERGIA_GOOGLE_CREDENTIALS", str(socket_key))
    monkeypatch.setenv("SYNERGIA_GOOGLE_API_URL", url)
    monkeypatch.setenv("SYNERGIA_GOOGLE_RETRY_ATTEMPTS", "3")
    monkeypatch.setenv("SYNERGIA_GOOGLE_RETRY_MAX_TOTAL", "5")
    reset_settings_cache()
    return emu, str(project_path), tabs


def _sheets_counts(emu):
    c = emu.counts(SHEET_KEY)
    return c["read"], c["write"]


def _applications() -> int:
    from synergia import runtime
    from synergia.registry.tables import Application

    with runtime.registry().session() as session:
        return session.scalar(select(func.count()).select_from(Application))


def test_nightly_reads_twice_writes_once_then_nothing(prefect_harness, gsheets_project):
    from flows.nightly import nightly

    emu, project_path, tabs = gsheets_project
    counts = nightly(project_path=project_path)
    assert counts["accepted"] > 0 and counts["quarantined"] > 0
    assert _applications() > 0
    reads, writes = _sheets_counts(emu)
    owned_after_1 = _owned(emu)
    assert reads <= 2
    # One batchUpdate per owned tab whose content changed (all were empty), nothing else.
    assert writes == sum(1 for rows in owned_after_1.values() if rows) >= 1
    assert all(r.path.endswith(":batchUpdate") for r in emu.log if r.kind == "write")
    odrzucone = emu.tab_values(SHEET_KEY, "Odrzucone")
    assert odrzucone[0][:3] == ["Źródło", "Arkusz", "Wiersz"]
    assert len(odrzucone) - 1 == counts["quarantined"]
    # No personal data in the tab written back: no PESEL/e-mail from the form appears in it.
    form_cells = {
        c for t, rows in tabs.items() if t not in OWNED_TABS for r in rows[1:] for c in r if "@" in c or c.isdigit() and len(c) == 11
    }
    assert not form_cells & {c for r in odrzucone for c in r}
    # Tabs the pipeline does not own are exactly as staff left them.
    assert all(emu.tab_values(SHEET_KEY, t) == _trimmed(rows) for t, rows in tabs.items() if t not in OWNED_TABS)

    emu.clear_log()
    again = nightly(project_path=project_path)
    assert again["new"] == 0 and again["changed"] == 0
    assert _sheets_counts(emu) == (2, 0)  # nothing changed: two reads, no write

    # A new response with an invalid e-mail arrives: the quarantine tab changes, one write.
    emu.clear_log()
    ss = emu.spreadsheets[SHEET_KEY]
    assert ss.by_title("Formularz NGO i rady") is not None
    width = len(tabs["Formularz NGO i rady"][0])
    ss.values_update(
        f"'Formularz NGO i rady'!A{sheet_last_row(emu) + 2}",
        [["21.11.2026 06:15:00", "Jan", "Kowalski", "nie-email"] + [""] * (width - 4)],
        major="ROWS",
        input_option="RAW",
    )
    third = nightly(project_path=project_path)
    assert third["quarantined"] == counts["quarantined"] + 1
    changed = [t for t, rows in _owned(emu).items() if rows != owned_after_1[t]]
    assert "Odrzucone" in changed
    assert _sheets_counts(emu) == (2, len(changed))


@pytest.mark.parametrize("gsheets_project", ["bare form"], indirect=True)
def test_first_night_on_a_bare_form_creates_each_owned_tab_in_one_write(prefect_harness, gsheets_project):
    from flows.nightly import nightly

    emu, project_path, _ = gsheets_project
    nightly(project_path=project_path)
    created = [t for t in OWNED_TABS if emu.spreadsheets[SHEET_KEY].by_title(t) is not None]
    assert "Odrzucone" in created
    assert _sheets_counts(emu) == (2, len(created))
    assert emu.tab_values(SHEET_KEY, "Odrzucone")[0][:3] == ["Źródło", "Arkusz", "Wiersz"]


def _owned(emu) -> dict[str, list[list[str]]]:
    return {t: emu.tab_values(SHEET_KEY, t) for t in OWNED_TABS}


def sheet_last_row(emu) -> int:
    return len(emu.tab_values(SHEET_KEY, "Formularz NGO i rady"))


def _trimmed(rows: list[list[str]]) -> list[list[str]]:
    out = []
    for r in rows:
        r = list(r)
        while r and r[-1] == "":
            r.pop()
        out.append(r)
    while out and not out[-1]:
        out.pop()
    return out


def test_persistent_5xx_fails_the_run_without_registry_writes(prefect_harness, gsheets_project, monkeypatch):
    import flows.nightly as nightly_module
    from tasks.sources import read_sources

    emu, project_path, _ = gsheets_project
    # Same task, same retries, no waiting between them.
    monkeypatch.setattr(nightly_module, "read_sources", read_sources.with_options(retry_delay_seconds=0))
    emu.inject(500, count=10_000, path_contains="/v4/spreadsheets")
    with pytest.raises(Exception) as err:
        nightly_module.nightly(project_path=project_path)
    assert "02270803628" not in str(err.value)
    assert _applications() == 0
    assert emu.counts(SHEET_KEY)["write"] == 0
    assert emu.tab_values(SHEET_KEY, "Odrzucone") == []


def test_429_burst_in_the_nightly_is_absorbed(prefect_harness, gsheets_project):
    from flows.nightly import nightly

    emu, project_path, _ = gsheets_project
    emu.inject(429, count=2, path_contains="values:batchGet")
    counts = nightly(project_path=project_path)
    assert counts["accepted"] > 0
    statuses = [r.status for r in emu.log if r.kind == "read"]
    assert statuses.count(429) == 2 and statuses[-1] == 200


def test_key_from_a_prefect_secret_block(prefect_harness, socket_emulator, socket_key, monkeypatch):
    """SYNERGIA_GOOGLE_CREDENTIALS=block:<name> reads the key JSON from a Prefect Secret block."""
    from prefect.blocks.system import Secret

    from config.settings import Settings
    from synergia import runtime
    from tasks.secrets import read_secret_block

    runtime.use_secret_reader(read_secret_block)  # what tasks/ and cli/ do on import
    emu, url = socket_emulator
    sid = emu.create_spreadsheet("S", tabs={"Odpowiedzi": [["PESEL"], ["02270803628"]]})
    Secret(value=socket_key.read_text()).save("synergia-test-google-key", overwrite=True)
    settings = Settings(google_credentials="block:synergia-test-google-key", google_api_url=url)
    data = runtime.google_sheets(settings).read_tabs(sid, ["Odpowiedzi"])
    assert data.tabs == {"Odpowiedzi": [["PESEL"], ["02270803628"]]}
    assert emu.counts()["token"] == 1
