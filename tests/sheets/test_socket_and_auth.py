"""Over a real socket: endpoint override, token_uri from the key, Drive uploads, the emulator CLI."""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pytest
import requests

from config.settings import Settings
from devtools.emulator.__main__ import write_service_account_key
from synergia import runtime
from synergia.google import RetryPolicy, make_clients, rewrite_url
from synergia.google.retry import call_with_retry
from synergia.sheets import gsheets
from synergia.sheets.base import SpreadsheetError

REPO = Path(__file__).resolve().parents[2]


def settings_for(key: Path, url: str, **kw) -> Settings:
    return Settings(google_credentials=str(key), google_api_url=url, sheets_backend="gsheets", google_timeout=5.0, **kw)


def test_rewrite_keeps_path_and_query_and_leaves_token_host_alone():
    base = "http://127.0.0.1:8765"
    assert (
        rewrite_url("https://sheets.googleapis.com/v4/spreadsheets/x/values:batchGet?ranges=%27A%27", base)
        == "http://127.0.0.1:8765/v4/spreadsheets/x/values:batchGet?ranges=%27A%27"
    )
    assert (
        rewrite_url("https://www.googleapis.com/upload/drive/v3/files?uploadType=multipart", base + "/")
        == "http://127.0.0.1:8765/upload/drive/v3/files?uploadType=multipart"
    )
    assert rewrite_url("https://oauth2.googleapis.com/token", base) == "https://oauth2.googleapis.com/token"
    assert rewrite_url("https://sheets.googleapis.com/v4/x", None) == "https://sheets.googleapis.com/v4/x"


def test_nightly_shape_over_socket_with_token_uri_from_key(socket_emulator, socket_key):
    emu, url = socket_emulator
    sid = emu.create_spreadsheet("Rekrutacja", tabs={"Odpowiedzi": [["PESEL"], ["02270803628"]]})
    backend = runtime.google_sheets(settings_for(socket_key, url))
    data = backend.read_tabs(sid, ["Odpowiedzi", "Odrzucone"])
    assert data.tabs == {"Odpowiedzi": [["PESEL"], ["02270803628"]]}
    backend.write_tab(sid, "Odrzucone", [["Źródło", "Opis"], ["r1", "=1+1"]])
    assert emu.tab_values(sid, "Odrzucone") == [["Źródło", "Opis"], ["r1", "'=1+1"]]
    kinds = [(r.kind, r.path) for r in emu.log]
    # The JWT grant went to the key's token_uri (a non-default path), then only Sheets paths.
    assert kinds[0] == ("token", "/oauth2/v4/token")
    assert [k for k, _ in kinds[1:]] == ["read", "read", "write"]  # tab created and filled at once
    # Nothing leaves for Google with an override: google-auth's boundary lookup is off.
    assert backend.http.session.credentials._is_regional_access_boundary_lookup_required() is False
    assert all(p.startswith("/v4/spreadsheets/") for _, p in kinds[1:])


def test_a_key_the_server_does_not_trust_fails_cleanly(socket_emulator, tmp_path):
    emu, url = socket_emulator
    sid = emu.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]]})
    rogue = tmp_path / "rogue.json"
    email, _ = write_service_account_key(rogue, f"{url}/token", email="rogue@emulator.iam.gserviceaccount.com")
    backend = gsheets.GoogleSheetsBackend(runtime.google_clients(settings_for(rogue, url)).gspread(), cache_key="rogue")
    with pytest.raises(SpreadsheetError, match="uwierzytelnienie"):
        backend.read_tabs(sid, ["Odpowiedzi"])
    assert emu.counts(sid)["read"] == 0


def test_requests_without_token_get_google_shaped_401(socket_emulator):
    emu, url = socket_emulator
    sid = emu.create_spreadsheet("S")
    r = requests.get(f"{url}/v4/spreadsheets/{sid}", timeout=5)
    assert r.status_code == 401
    assert r.json()["error"]["status"] == "UNAUTHENTICATED" and r.json()["error"]["code"] == 401


def test_429_burst_over_socket_with_real_sleeps(socket_emulator, socket_key):
    emu, url = socket_emulator
    sid = emu.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]]})
    clients = make_clients(
        json.loads(socket_key.read_text()),
        api_url=url,
        timeout=5.0,
        policy=RetryPolicy(max_attempts=6, base_delay=0.02, max_delay=0.2, max_total=5.0),
    )
    emu.inject(429, count=4)
    start = time.monotonic()
    data = gsheets.GoogleSheetsBackend(clients.gspread(), cache_key="sleepy").read_tabs(sid, ["Odpowiedzi"])
    assert data.tabs == {"Odpowiedzi": [["a"]]}
    assert time.monotonic() - start < 5.0
    assert [r.status for r in emu.log if r.kind == "read"] == [429, 429, 429, 429, 200, 200]


def test_socket_timeout_is_retried_then_succeeds(socket_emulator, socket_key):
    emu, url = socket_emulator
    emu.timeout_delay = 1.0
    sid = emu.create_spreadsheet("S", tabs={"Odpowiedzi": [["a"]]})
    clients = make_clients(
        json.loads(socket_key.read_text()),
        api_url=url,
        timeout=0.3,
        policy=RetryPolicy(max_attempts=3, base_delay=0.01, max_delay=0.05, max_total=5.0),
    )
    emu.inject("timeout", count=1, path_contains="values:batchGet")
    data = gsheets.GoogleSheetsBackend(clients.gspread(), cache_key="slow").read_tabs(sid, ["Odpowiedzi"])
    assert data.tabs == {"Odpowiedzi": [["a"]]}


def test_quota_per_minute_answers_resource_exhausted(emulator):
    now = [1000.0]
    emulator.clock = lambda: now[0]
    emulator.quota_per_minute = (2, 1)
    emulator.require_auth = False
    sid = emulator.create_spreadsheet("S")
    url = f"https://sheets.googleapis.com/v4/spreadsheets/{sid}"
    assert [emulator.handle("GET", url, {}, None).status for _ in range(3)] == [200, 200, 429]
    body = json.loads(emulator.handle("GET", url, {}, None).body)
    assert body["error"]["status"] == "RESOURCE_EXHAUSTED" and "per minute" in body["error"]["message"]
    now[0] += 61
    assert emulator.handle("GET", url, {}, None).status == 200


def test_retry_gives_up_on_total_time_before_attempts():
    clock = [0.0]

    def sleep(s: float) -> None:
        clock[0] += s

    class R:
        status_code = 503
        headers = {"Retry-After": "30"}

    calls = []
    policy = RetryPolicy(max_attempts=100, base_delay=1.0, max_delay=30.0, max_total=60.0)
    resp = call_with_retry(lambda: calls.append(1) or R(), policy, sleep=sleep, clock=lambda: clock[0], rng=random.Random(1))
    assert resp.status_code == 503
    assert clock[0] <= 60.0 and len(calls) <= 3  # Retry-After 30 s: at most two waits fit in a minute


def test_drive_upload_multipart_over_socket(socket_emulator, socket_key):
    emu, url = socket_emulator
    folder = emu.create_folder("Zaświadczenia")
    storage = runtime.google_drive(settings_for(socket_key, url, gdrive_folder_id=folder))
    pdf = b"%PDF-1.7\n" + bytes(range(256)) * 40
    uri = storage.put("ZS-2026-0001.pdf", pdf, "application/pdf")
    assert uri.startswith("gdrive://")
    stored = emu.files[uri[len("gdrive://") :]]
    assert stored.content == pdf and stored.parents == [folder] and stored.mime_type == "application/pdf"
    drive = [(r.method, r.path) for r in emu.log if r.kind == "drive"]
    assert drive == [("GET", "/drive/v3/files"), ("POST", "/upload/drive/v3/files")]
    assert [r for r in emu.log if r.kind == "drive"][1].query["uploadType"] == ["multipart"]
    assert storage.get(uri) == pdf
    # Same name again (a re-issued certificate): replaced in place, same id, still one file.
    emu.clear_log()
    assert storage.put("ZS-2026-0001.pdf", b"%PDF-new", "application/pdf") == uri
    assert storage.get(uri) == b"%PDF-new"
    assert [f.name for f in emu.files.values()].count("ZS-2026-0001.pdf") == 1
    assert [(r.method, r.path) for r in emu.log if r.kind == "drive"][:2] == [
        ("GET", "/drive/v3/files"),
        ("PATCH", f"/upload/drive/v3/files/{uri[len('gdrive://') :]}"),
    ]
    assert storage.put("O'Brien.pdf", b"%PDF-2", "application/pdf") != uri


def test_drive_upload_to_missing_folder_is_a_clean_error(socket_emulator, socket_key):
    from synergia.storage.gdrive import StorageError

    _, url = socket_emulator
    storage = runtime.google_drive(settings_for(socket_key, url, gdrive_folder_id="nope"))
    with pytest.raises(StorageError, match="404"):
        storage.put("x.pdf", b"%PDF", "application/pdf")


def test_emulator_cli_serves_a_seeded_workbook(tmp_path):
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = "Odpowiedzi"
    ws.append(["Sygnatura czasowa", "PESEL", "Telefon"])
    ws.append(["21.11.2026 06:15:00", "02270803628", 600100200])
    wb.save(tmp_path / "rekrutacja.xlsx")
    key = tmp_path / "key.json"
    proc = subprocess.Popen(
        [sys.executable, "-m", "devtools.emulator", "--port", "0", "--seed", str(tmp_path / "rekrutacja.xlsx"), "--write-key", str(key)],
        cwd=REPO,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        url = None
        for line in proc.stderr:
            m = re.search(r"emulator on (http://\S+)", line)
            if m:
                url = m.group(1)
                break
        assert url, "emulator did not start"
        backend = runtime.google_sheets(settings_for(key, url))
        data = backend.read_tabs("rekrutacja", ["Odpowiedzi"])
        assert data.tabs["Odpowiedzi"][1] == ["21.11.2026 06:15:00", "02270803628", "600100200"]
        assert data.locale == "pl_PL"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def test_control_api_for_out_of_process_runs(socket_emulator):
    """A separately started emulator is steered over HTTP: seed, inject faults, read the request log."""
    emu, url = socket_emulator
    emu.require_auth = False
    sid = requests.post(f"{url}/_emulator/spreadsheets", json={"title": "S", "tabs": {"Odpowiedzi": [["a", ""]]}}, timeout=5).json()[
        "spreadsheetId"
    ]
    assert requests.post(f"{url}/_emulator/faults", json={"kind": 503, "count": 1}, timeout=5).status_code == 200
    first = requests.get(f"{url}/v4/spreadsheets/{sid}/values/Odpowiedzi", timeout=5)
    second = requests.get(f"{url}/v4/spreadsheets/{sid}/values/Odpowiedzi", timeout=5)
    assert first.status_code == 503 and first.json()["error"]["status"] == "UNAVAILABLE"
    assert second.json() == {"range": "Odpowiedzi!A1:Z1000", "majorDimension": "ROWS", "values": [["a"]]}
    log = requests.get(f"{url}/_emulator/requests", timeout=5).json()["requests"]
    assert [(r["kind"], r["status"]) for r in log] == [("read", 503), ("read", 200)]
