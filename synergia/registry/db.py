"""Engine, sessions and migrations of the registry (SQLite by default, PostgreSQL in production).

Every engine hides SQL parameters in its errors (``hide_parameters=True``): a
failed statement's parameters are names, PESELs, e-mails and phones. A
statement waits at most ``SYNERGIA_DATABASE_BUSY_TIMEOUT`` seconds for another
writer's lock (SQLite busy timeout, PostgreSQL ``lock_timeout``); ``is_busy``
recognises the error it then raises.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from alembic import command
from alembic.config import Config
from sqlalchemy import create_engine, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session, sessionmaker

if TYPE_CHECKING:
    from sqlalchemy.engine.interfaces import DBAPIConnection
    from sqlalchemy.pool import ConnectionPoolEntry

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"

_SQLITE_BUSY, _SQLITE_LOCKED = 5, 6
_PG_LOCK_NOT_AVAILABLE = "55P03"  # raised when lock_timeout expires


def busy_timeout() -> float:
    """The configured wait for another writer's lock, in seconds."""
    from config.settings import get_settings

    return get_settings().database_busy_timeout


def make_engine(url: str, *, busy_timeout_s: float | None = None, **kwargs: Any) -> Engine:
    """The one way an engine of the registry is made (also for migrations)."""
    timeout = busy_timeout() if busy_timeout_s is None else busy_timeout_s
    kwargs["hide_parameters"] = True  # parameters are names, PESELs, e-mails, phones
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": timeout}, **kwargs)

        @event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA journal_mode=WAL")
            # page cache of 64 MiB (default 2 MiB): a first night's bulk INSERT keeps its index pages in
            # memory instead of spilling and re-reading them; no effect on durability
            cur.execute("PRAGMA cache_size=-65536")
            cur.close()

        return engine
    engine = create_engine(url, pool_pre_ping=True, **kwargs)
    if engine.dialect.name == "postgresql":

        @event.listens_for(engine, "connect")
        def _lock_timeout(dbapi_conn: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            autocommit = dbapi_conn.autocommit
            dbapi_conn.autocommit = True
            cur = dbapi_conn.cursor()
            cur.execute(f"SET lock_timeout = {max(1, int(timeout * 1000))}")
            cur.close()
            dbapi_conn.autocommit = autocommit

    return engine


def is_busy(exc: BaseException) -> bool:
    """Is this (or what it wraps) the error of a registry held by another writer past our wait?"""
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen or len(seen) > 20:
            continue
        seen.add(id(e))
        orig = getattr(e, "orig", None)
        for candidate in (e, orig):
            if isinstance(candidate, sqlite3.OperationalError):
                code = getattr(candidate, "sqlite_errorcode", None)
                if code is not None and code & 0xFF in (_SQLITE_BUSY, _SQLITE_LOCKED):
                    return True
                if str(candidate).startswith(("database is locked", "database table is locked")):
                    return True
            sqlstate = getattr(candidate, "sqlstate", None) or getattr(candidate, "pgcode", None)
            if sqlstate == _PG_LOCK_NOT_AVAILABLE:
                return True
        todo += [e.__cause__, e.__context__]
    return False


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def migrate(url: str) -> None:
    """Bring the schema to the newest revision (all heads). Safe to call on every run."""
    command.upgrade(alembic_config(url), "heads")


class Registry:
    """A migrated database and its session factory."""

    def __init__(self, url: str, *, auto_migrate: bool = True, busy_timeout_s: float | None = None):
        self.url = url
        if auto_migrate:
            migrate(url)
        self.engine = make_engine(url, busy_timeout_s=busy_timeout_s)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A transaction: committed on success, rolled back on any error (no partial writes)."""
        with self.sessions() as session:
            with session.begin():
                yield session

    def dispose(self) -> None:
        self.engine.dispose()
