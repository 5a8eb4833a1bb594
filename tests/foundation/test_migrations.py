"""Migrations are the only way the schema is made, and they match the models, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

import synergia.registry.all_tables  # noqa: F401
from synergia.registry.base import Base
from synergia.registry.db import alembic_config, migrate


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'm.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")


def test_one_head() -> None:
    script = ScriptDirectory.from_config(alembic_config("sqlite://"))
    assert script.get_heads() == ["0009"]


def test_upgrade_matches_models_and_downgrade_removes_everything(url: str) -> None:
    migrate(url)
    engine = create_engine(url)
    with engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), Base.metadata) == []
    migrate(url)  # idempotent
    command.downgrade(alembic_config(url), "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()


def test_no_create_all_in_production_code() -> None:
    root = Path(__file__).resolve().parents[2]
    offenders = [
        p
        for d in ("synergia", "tasks", "flows", "config")
        for p in (root / d).rglob("*.py")
        if "create_all(" in p.read_text(encoding="utf-8")
    ]
    assert offenders == []
