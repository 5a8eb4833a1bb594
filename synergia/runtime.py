"""Shared wiring for tasks and CLI: the project config, settings and registry of this process."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from config.project import ProjectConfig, load_project
from config.settings import Settings, get_settings
from synergia.registry.db import Registry


@lru_cache(maxsize=32)
def _project(path: str, mtime: float) -> ProjectConfig:
    return load_project(path)


def project(path: str | Path) -> ProjectConfig:
    """Load (and cache while unchanged) a project file."""
    p = Path(path).resolve()
    return _project(str(p), p.stat().st_mtime if p.exists() else 0.0)


@lru_cache(maxsize=8)
def _registry(url: str) -> Registry:
    return Registry(url, auto_migrate=False)


def registry(settings: Settings | None = None, *, migrate: bool = False) -> Registry:
    """The registry of the configured database; ``migrate=True`` upgrades the schema first."""
    settings = settings or get_settings()
    url = settings.resolved_database_url
    if migrate:
        from synergia.registry.db import migrate as run_migrations

        run_migrations(url)  # the engine creates a SQLite file's folder itself
    return _registry(url)


def reset() -> None:
    """Forget cached registries/projects (tests switch databases)."""
    _registry.cache_clear()
    _project.cache_clear()
