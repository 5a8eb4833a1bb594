"""Every Sheets test starts with an empty spreadsheet-metadata cache (the emulator fixtures are in tests/fixtures_sheets.py)."""

from __future__ import annotations

import pytest

from synergia.sheets import gsheets


@pytest.fixture(autouse=True)
def _fresh_metadata_cache():
    gsheets.clear_metadata_cache()
    yield
    gsheets.clear_metadata_cache()
