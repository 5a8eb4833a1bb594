"""Fixtures of the field tests: a registry on SQLite and on PostgreSQL."""
from __future__ import annotations

from pathlib import Path

import pytest

from synergia.registry.db import Registry


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Registry:
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    reg = Registry(url)
    yield reg
    reg.dispose()
