"""Fixtures of the Google Sheets emulator: a service-account key, the emulator in-process and on a socket.

A plugin of tests/conftest.py (``pytest_plugins``), so every test directory can ask for them by name.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from devtools.emulator import EmulatorAdapter, SheetsEmulator, serve
from devtools.emulator.__main__ import write_service_account_key
from synergia.google import RetryPolicy, make_clients
from synergia.sheets import gsheets


class Sleeps(list):
    """Records backoff waits instead of sleeping them (keeps the retry tests fast)."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


@pytest.fixture(scope="session")
def key_material(tmp_path_factory) -> tuple[dict, object]:
    """A real RSA service-account key (token_uri rewritten per test) and its public key."""
    path = tmp_path_factory.mktemp("sa") / "key.json"
    email, public = write_service_account_key(path, "https://oauth2.googleapis.com/token")
    return json.loads(path.read_text()), public


@pytest.fixture
def emulator(key_material) -> SheetsEmulator:
    """A fresh emulator; the backend's spreadsheet-metadata cache is cleared before and after."""
    info, public = key_material
    emu = SheetsEmulator(locale="pl_PL", time_zone="Europe/Warsaw")
    emu.trusted_keys[info["client_email"]] = public
    gsheets.clear_metadata_cache()
    yield emu
    gsheets.clear_metadata_cache()


@pytest.fixture
def sleeps() -> Sleeps:
    return Sleeps()


@pytest.fixture
def clients(emulator, key_material, sleeps):
    """Clients on the real gspread/google-auth/requests stack, transport = in-process emulator."""
    info, _ = key_material
    return make_clients(
        info,
        timeout=5.0,
        policy=RetryPolicy(max_attempts=5, base_delay=0.5, max_delay=8.0, max_total=60.0),
        mount=EmulatorAdapter(emulator).mount_on,
        sleep=sleeps,
    )


@pytest.fixture
def backend(clients) -> gsheets.GoogleSheetsBackend:
    return gsheets.GoogleSheetsBackend(clients.gspread(), cache_key="in-process")


@pytest.fixture
def socket_emulator(emulator):
    server, _ = serve(emulator)
    yield emulator, server.url
    server.shutdown()
    server.server_close()


@pytest.fixture
def socket_key(key_material, socket_emulator, tmp_path) -> Path:
    """Key file whose token_uri points at the socket emulator (a non-default path on purpose)."""
    info, _ = key_material
    _, url = socket_emulator
    path = tmp_path / "sa.json"
    path.write_text(json.dumps(dict(info, token_uri=f"{url}/oauth2/v4/token")))
    return path
