"""Alembic environment: runs against the URL given by synergia.registry.db.alembic_config."""

from __future__ import annotations

from alembic import context
from sqlalchemy import pool

from synergia.registry import all_tables  # noqa: F401  (registers every table module on Base.metadata)
from synergia.registry.base import Base
from synergia.registry.db import make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_offline() -> None:
    context.configure(
        url=config.get_main_option("sqlalchemy.url"), target_metadata=target_metadata, literal_binds=True, render_as_batch=True
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    url = config.get_main_option("sqlalchemy.url")
    engine = make_engine(url, poolclass=pool.NullPool)  # one-shot connection
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # batch migrations rebuild tables (copy, drop, rename): with foreign keys on, dropping a
            # table other rows point to fails. Off for the migration (outside its transaction), checked after.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
        with context.begin_transaction():
            context.run_migrations()
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(
                    f"migracja naruszyła klucze obce w tabelach {sorted({r[0] for r in broken})} (migration broke foreign keys)"
                )
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
