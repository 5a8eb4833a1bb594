"""Google Sheets has no cheap fingerprint, so an unchanged night reads every source; the cells as read
are the fingerprint (``synergia.sheets.read.content_fingerprint``): when they, the rules and the
registry are the last run's, no row is made, validated or synced again, and the night ends exactly as
a full night (every registry table, the owned tabs, certificates, mail, counts).

Two environments, each with its own emulator on a socket (real gspread / google-auth / requests) and
the same spreadsheet (same key, so the same project file) seeded with the same tabs: A takes the fast
path, B runs with ``SYNERGIA_FULL_SYNC=1``. Staff edits are made through each emulator's store, between
nights."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from config.project import load_project
from config.settings import reset_settings_cache
from devtools.emulator import SheetsEmulator, serve
from devtools.emulator.__main__ import load_workbook_tabs
from synergia import runtime
from synergia.sheets import gsheets
from tests.foundation.test_sources_unchanged import (
    DEMO,
    FORM,
    OWN,
    Env,
    base_workbook,  # noqa: F401  (a fixture: the demo generator's small workbook plus rows of our own)
    both,
    erase_someone,
    night,
    registry_state,
    tomorrow,
)

KEY = "1SynergiaFastPathKeyAaAaAaAaAaAaAaAaAaAaAaAa0"


class SheetsEnv(Env):
    """An ``Env`` whose project reads its own spreadsheet on the socket emulator."""

    def __init__(self, root: Path, book: Path, full: bool, emulator: SheetsEmulator, url: str, key_file: Path) -> None:
        super().__init__(root, book, full)
        self.emulator, self.url, self.key_file, self.key = emulator, url, key_file, KEY
        tabs = load_workbook_tabs(book)
        for tab in OWN:
            tabs.setdefault(tab, [])
        emulator.create_spreadsheet("Współpraca się opłaca", spreadsheet_id=self.key, tabs=tabs)
        text = DEMO.read_text(encoding="utf-8").replace("  id: demo/demo.xlsx", f"  id: {self.key}\n  backend: gsheets", 1)
        assert self.key in text
        self.project.write_text(text, encoding="utf-8")

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SYNERGIA_SHEETS_BACKEND", "gsheets")
        monkeypatch.setenv("SYNERGIA_GOOGLE_CREDENTIALS", str(self.key_file))
        monkeypatch.setenv("SYNERGIA_GOOGLE_API_URL", self.url)
        super().use(monkeypatch)
        gsheets.clear_metadata_cache()  # each night is a new process

    @property
    def sheet(self):
        return self.emulator.spreadsheets[self.key]

    def set_cell(self, tab: str, ref: str, value: str) -> None:
        self.sheet.values_update(f"'{tab}'!{ref}", [[value]], major="ROWS", input_option="RAW")


def sheets_state(env: SheetsEnv, monkeypatch: pytest.MonkeyPatch) -> dict:
    return registry_state(env, monkeypatch, {t: env.emulator.tab_values(env.key, t) for t in OWN})


@pytest.fixture
def envs(tmp_path: Path, base_workbook: Path, key_material, monkeypatch: pytest.MonkeyPatch):  # noqa: F811
    info, public = key_material
    made, servers = [], []
    for name in ("a", "b"):
        emulator = SheetsEmulator(locale="pl_PL", time_zone="Europe/Warsaw")
        emulator.trusted_keys[info["client_email"]] = public
        server, _ = serve(emulator)
        servers.append(server)
        key_file = tmp_path / f"sa-{name}.json"
        key_file.write_text(json.dumps(dict(info, token_uri=f"{server.url}/oauth2/v4/token")))
        made.append(SheetsEnv(tmp_path / name, base_workbook, name == "b", emulator, server.url, key_file))
    yield made
    for server in servers:
        server.shutdown()
        server.server_close()
    gsheets.clear_metadata_cache()
    reset_settings_cache()
    runtime.reset()


def _answer_first_pair(env: SheetsEnv, answer: str) -> bool:
    from synergia.sheets.a1 import index_to_col
    from synergia.sheets.review_tab import DECISION_HEADER

    rows = env.emulator.tab_values(env.key, "Do sprawdzenia")
    if len(rows) < 2:
        return False
    env.set_cell("Do sprawdzenia", f"{index_to_col(rows[0].index(DECISION_HEADER))}2", answer)
    return True


def test_sheets_nights_with_the_fast_path_end_as_full_nights(envs, monkeypatch: pytest.MonkeyPatch) -> None:
    a, b = envs

    def nights(fast: bool) -> dict:
        return both(a, b, monkeypatch, fast=fast, state_of=sheets_state)[0]

    first = nights(fast=False)
    assert first["reasons"].get("birth_date_implausible") and first["new"] == first["accepted"] > 0

    second = nights(fast=True)  # our own tab writes of night 1 are not in the sources' fingerprints
    assert second["unchanged"] == second["accepted"] == first["accepted"] and second["new"] == second["changed"] == 0

    for env in (a, b):
        env.set_cell(FORM, "K2", "Mikołów")  # staff correct a town
    assert nights(fast=False)["changed"] == 1
    nights(fast=True)

    answered = [_answer_first_pair(env, "TAK") for env in (a, b)]
    fifth = nights(fast=True)  # the sources are the same; the answer is read all the same
    assert answered == [True, True] and fifth["dedupe.decisions_recorded"] == 1

    for env in (a, b):
        env.sheet.properties["locale"] = "en_US"  # another locale: other rules for the timestamps
    nights(fast=False)
    nights(fast=True)

    for env in (a, b):
        erase_someone(env, monkeypatch)
    assert nights(fast=False)["reasons"].get("erased")

    nights(fast=True)
    tomorrow(monkeypatch)
    nights(fast=False)  # a later date bound, and a row rejected for its birth date


def test_a_staff_edit_of_any_source_cell_reads_in_full(envs, monkeypatch: pytest.MonkeyPatch) -> None:
    """A cell outside every mapped column, a row added at the bottom, a cell of another tab: each is a
    change; a header renamed skips its source, and a night after a skipped source always reads in full."""
    a, _ = envs
    night(a, monkeypatch)
    assert night(a, monkeypatch)["sources_unchanged"] == 1
    width = len(a.emulator.tab_values(a.key, FORM)[0])
    from synergia.sheets.a1 import index_to_col

    edits = [
        lambda: a.set_cell(FORM, f"{index_to_col(width + 2)}3", "notatka"),  # a note beside the form's columns
        lambda: a.set_cell(FORM, f"A{len(a.emulator.tab_values(a.key, FORM)) + 1}", "07.04.2026 12:00:00"),
        lambda: a.set_cell("Formularz JST", "C3", "Nowak-Kowalska"),
    ]
    for edit in edits:
        edit()
        assert night(a, monkeypatch).get("sources_unchanged", 0) == 0
        assert night(a, monkeypatch)["sources_unchanged"] == 1
    a.set_cell("Formularz JST", "B1", "Imię uczestnika")
    for _ in range(2):
        skipped = night(a, monkeypatch)
        assert skipped["source_errors"] and skipped.get("sources_unchanged", 0) == 0


def test_the_content_fingerprint_is_of_the_cells_the_locale_and_uncached_formulas() -> None:
    from synergia.sheets.read import _Tab, content_fingerprint

    source = load_project(DEMO).sources[0]
    table = [["Imię", "E-mail"], ["Zofia", "z@example.org"], ["Ąć", ""]]

    def fp(t: list[list[str]], locale: str | None = "pl_PL", uncached: set | None = None) -> str:
        return content_fingerprint(_Tab(source, "s", locale, t, uncached))

    same = fp([[str(c) for c in r] for r in [["Imię", "E-mail"], ["Zofia", "z@example.org"], ["Ąć", ""]]])
    assert fp(table) == same  # equal cells, other objects
    others = {
        fp([["Imię", "E-mail"], ["Zofia", "z@example.org"], ["Ąć"]]),  # a trailing empty cell is a cell
        fp([["Imię", "E-mail"], ["Zofia ", "z@example.org"], ["Ąć", ""]]),
        fp([["Imię", "E-mail"], ["Ąć", ""], ["Zofia", "z@example.org"]]),
        fp([["Imię", "E-mail", ""], ["Zofia", "z@example.org"], ["Ąć", ""]]),
        fp([["Imię", "E-mail"], ["Zofia", "z@example.org"], ["Ąć", ""], []]),
        fp([["Imię", "E-mailZofia"], ["z@example.org"], ["Ąć", ""]]),
        fp(table, "en_US"),
        fp(table, None),
        fp(table, uncached={(1, 1)}),
    }
    assert fp(table) not in others and len(others) == 9
    assert fp(table).startswith("content:")


def test_a_missing_source_tab_gives_no_fingerprint(envs, monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = envs
    night(a, monkeypatch)
    sheet = a.sheet
    sheet.sheets[:] = [s for s in sheet.sheets if s.title != "Formularz JST"]
    for _ in range(2):
        result = night(a, monkeypatch)
        assert result.get("sources_unchanged", 0) == 0 and result["missing_sources"]


def test_full_sync_reads_validates_and_syncs(envs, monkeypatch: pytest.MonkeyPatch) -> None:
    a, _ = envs
    night(a, monkeypatch)
    monkeypatch.setenv("SYNERGIA_FULL_SYNC", "1")
    a.full = True
    assert night(a, monkeypatch).get("sources_unchanged", 0) == 0
    a.full = False
    assert night(a, monkeypatch)["sources_unchanged"] == 1  # a full night records the fingerprints too
