"""The emulator's writes are all-or-nothing like Google's, on a working copy that shares its frozen cells."""

from __future__ import annotations

import dataclasses
import json

import pytest

from devtools.emulator.app import SheetsEmulator
from devtools.emulator.store import Cell

BASE = "https://sheets.googleapis.com/v4/spreadsheets"


def _emulator() -> tuple[SheetsEmulator, str]:
    emu = SheetsEmulator(require_auth=False, quota_per_minute=None, locale="pl_PL", time_zone="Europe/Warsaw")
    sid = emu.create_spreadsheet("Rekrutacja", tabs={"Zgłoszenia": [["Imię", "Gmina"], ["Ala", "Gniezno"], ["Olek", "Wągrowiec"]]})
    return emu, sid


def _batch(emu: SheetsEmulator, sid: str, requests: list[dict]) -> int:
    return emu.handle("POST", f"{BASE}/{sid}:batchUpdate", {"Content-Type": "application/json"}, json.dumps({"requests": requests})).status


def test_a_failing_request_leaves_every_earlier_one_uncommitted():
    emu, sid = _emulator()
    tab_id = emu.spreadsheets[sid].sheets[0].sheet_id
    status = _batch(
        emu,
        sid,
        [
            {
                "updateCells": {
                    "start": {"sheetId": tab_id, "rowIndex": 1, "columnIndex": 1},
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "Kłecko"}}]}],
                    "fields": "userEnteredValue",
                }
            },
            {"addSheet": {"properties": {"title": "Odrzucone"}}},
            {"updateSheetProperties": {"properties": {"sheetId": tab_id, "title": "Inna"}, "fields": "title"}},
            {"addSheet": {"properties": {"title": "Odrzucone"}}},  # already exists: the whole request fails
        ],
    )
    assert status == 400
    assert emu.tab_values(sid, "Zgłoszenia") == [["Imię", "Gmina"], ["Ala", "Gniezno"], ["Olek", "Wągrowiec"]]
    assert [sh.title for sh in emu.spreadsheets[sid].sheets] == ["Zgłoszenia"]


def test_a_committed_write_does_not_change_the_copy_taken_before_it():
    emu, sid = _emulator()
    before = emu.spreadsheets[sid]
    tab_id = before.sheets[0].sheet_id
    ok = _batch(
        emu,
        sid,
        [
            {
                "updateCells": {
                    "start": {"sheetId": tab_id, "rowIndex": 2, "columnIndex": 0},
                    "rows": [{"values": [{"userEnteredValue": {"stringValue": "Olgierd"}}]}],
                    "fields": "userEnteredValue",
                }
            },
            {
                "updateSheetProperties": {
                    "properties": {"sheetId": tab_id, "gridProperties": {"rowCount": 50}},
                    "fields": "gridProperties.rowCount",
                }
            },
        ],
    )
    assert ok == 200
    assert emu.tab_values(sid, "Zgłoszenia")[2] == ["Olgierd", "Wągrowiec"]
    assert before.sheets[0].cells[(2, 0)].value == "Olek" and before.sheets[0].rows == 1000  # the old object untouched
    assert emu.spreadsheets[sid].sheets[0].cells[(1, 1)] is before.sheets[0].cells[(1, 1)]  # unchanged cells shared


def test_cells_cannot_be_changed_in_place():
    with pytest.raises(dataclasses.FrozenInstanceError):
        Cell("Ala").value = "Ola"  # type: ignore[misc]
