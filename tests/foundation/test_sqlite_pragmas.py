"""The registry's SQLite connections: a larger page cache for bulk writes, never weaker durability."""

from __future__ import annotations

from synergia.registry.db import make_engine


def test_sqlite_connection_pragmas(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}")
    try:
        with engine.connect() as conn:
            pragma = lambda name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()  # noqa: E731
            assert pragma("cache_size") == -65536
            assert pragma("journal_mode") == "wal"
            assert pragma("foreign_keys") == 1
            assert pragma("synchronous") == 2  # FULL, SQLite's default: a committed run survives a power cut
    finally:
        engine.dispose()
