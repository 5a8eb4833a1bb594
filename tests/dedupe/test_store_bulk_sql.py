"""The dedupe's bulk writes through the driver's executemany store exactly what SQLAlchemy's own
executemany stores (timestamps with and without microseconds, NULLs, floats, text with quotes
and Polish letters), on SQLite and PostgreSQL; SQLite merge ids are the ones SQLite gives."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import Text, cast, delete, select

import synergia.registry.all_tables  # noqa: F401 - every table in Base.metadata
from synergia.dedupe import store
from synergia.registry.db import Registry
from synergia.registry.tables import Application, Person
from synergia.registry.tables_dedupe import DedupeAssignment, DedupeMerge, DedupeSeen

STAMPS = [datetime(2026, 3, 1, 2, 0), datetime(2026, 3, 1, 2, 0, 0, 5), datetime(1999, 12, 31, 23, 59, 59, 999999)]


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Registry]:
    if request.param == "sqlite":
        reg = Registry(f"sqlite:///{tmp_path / 'r.db'}")
        yield reg
        reg.dispose()
        return
    base = request.getfixturevalue("pg_url")
    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    reg = Registry(base.rsplit("/", 1)[0] + f"/{name}")
    yield reg
    reg.dispose()
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def _as_text(session, table) -> list[tuple]:
    """Every column as the database renders it as text (what a byte comparison sees)."""
    return [tuple(r) for r in session.execute(select(*(cast(c, Text) for c in table.c)).order_by(*table.primary_key.columns))]


def _application(n: int, person_id: int, data: dict, **given) -> Application:
    """Application ``n`` of project "p" (row ``n + 2`` of one form tab); ``given`` overrides a column."""
    columns = {
        "project": "p",
        "source_id": "rekrutacja",
        "spreadsheet": "wb.xlsx",
        "worksheet": "Odpowiedzi",
        "row_number": n + 2,
        "row_key": f"r{n}",
        "kind": "recruitment",
        "content_hash": f"h{n}",
        "data": data,
        "person_id": person_id,
    }
    return Application(**{**columns, **given})


def _merge_ids(s, returning: bool) -> tuple[list[int], list[tuple]]:
    """(ids, rows) of five merge rows inserted, the last two deleted, then the five again: by
    ``INSERT ... RETURNING`` (the database's own choice) or by ``store._insert_with_ids`` (ids we give)."""
    p = [Person(project="p") for _ in range(2)]
    s.add_all(p)
    s.flush()
    rows = [("p", p[0].id, p[1].id, None, None, f"r{k}", 1.0, STAMPS[0], None) for k in range(5)]
    table = DedupeMerge.__table__

    def insert() -> list[int]:
        if not returning:
            return store._insert_with_ids(s, table, store._MERGE_COLUMNS, rows)
        stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        return list(s.execute(stmt, [dict(zip(store._MERGE_COLUMNS, r)) for r in rows]).scalars())

    ids = insert()
    s.execute(delete(table).where(table.c.id >= ids[3]))
    return ids + insert(), rows


def test_driver_executemany_stores_what_sqlalchemy_stores(registry: Registry) -> None:
    with registry.session() as s:
        persons = [Person(project="p") for _ in range(4)]
        s.add_all(persons)
        s.flush()
        pids = [p.id for p in persons]
        apps = [_application(n, pids[n % 4], {"first_name": "Łucja"}) for n in range(6)]
        s.add_all(apps)
        s.flush()
        ids = [a.id for a in apps]

        merges = [
            ("p", pids[0], pids[1], ids[0], ids[1], "ten sam PESEL 'cytat' \"i\" żółw", 0.9375, STAMPS[0], None),
            ("p", pids[0], pids[2], None, None, "połączone przez inne zgłoszenia tej osoby", 1.0, STAMPS[1], STAMPS[2]),
        ]
        assignments = [("p", ids[k], pids[k % 4], pids[0], None, "merge", STAMPS[k % 3]) for k in range(6)]
        seen = [(ids[k], f"{k:064x}", STAMPS[k % 3]) for k in range(6)]
        dict_rows = {
            DedupeMerge.__table__: [dict(zip(store._MERGE_COLUMNS, r)) for r in merges],
            DedupeAssignment.__table__: [dict(zip(store._ASSIGNMENT_COLUMNS, r)) for r in assignments],
            DedupeSeen.__table__: [dict(zip(("application_id", "content_hash", "seen_at"), r)) for r in seen],
        }
        reference = {}
        for table, rows in dict_rows.items():  # SQLAlchemy's own executemany, then removed again
            s.execute(table.insert(), rows)
            reference[table.name] = _as_text(s, table)
            s.execute(delete(table))

        merge_ids = store._insert_with_ids(s, DedupeMerge.__table__, store._MERGE_COLUMNS, merges)
        store._insert_rows(s, DedupeAssignment.__table__, store._ASSIGNMENT_COLUMNS, assignments)
        store._insert_rows(s, DedupeSeen.__table__, ("application_id", "content_hash", "seen_at"), seen)
        assert merge_ids == sorted(merge_ids) and len(merge_ids) == 2
        for table in dict_rows:
            got = _as_text(s, table)
            if "id" in table.c:  # the ids differ (the reference rows came first): everything else equal
                assert [r[1:] for r in got] == [r[1:] for r in reference[table.name]], table.name
            else:
                assert got == reference[table.name], table.name
        assert [int(r[0]) for r in _as_text(s, DedupeMerge.__table__)] == merge_ids

        store._update_rows(s, DedupeSeen.__table__, ("content_hash", "seen_at"), "application_id", [("n" * 64, STAMPS[1], ids[2])])
        store._update_rows(s, Application.__table__, ("person_id",), "id", [(pids[3], ids[0]), (pids[3], ids[1])])
        s.expire_all()
        assert s.get(DedupeSeen, ids[2]).seen_at == STAMPS[1]
        assert [s.get(Application, i).person_id for i in ids[:3]] == [pids[3], pids[3], pids[2]]


def test_sqlite_merge_ids_are_the_ones_sqlite_gives(tmp_path: Path) -> None:
    """Ids given explicitly (largest + 1, ...) equal SQLite's own choice, after deleted rows too."""
    regs = [Registry(f"sqlite:///{tmp_path / f'{n}.db'}") for n in range(2)]
    try:
        got = []
        for n, reg in enumerate(regs):
            with reg.session() as s:
                ids, _rows = _merge_ids(s, returning=n == 0)
                got.append((ids, _as_text(s, DedupeMerge.__table__)))
        assert got[0] == got[1]
    finally:
        for reg in regs:
            reg.dispose()


def test_a_key_updated_twice_keeps_its_last_values(registry: Registry) -> None:
    """The set-based update (PostgreSQL: COPY + UPDATE ... FROM) ends as row-by-row updates in order do."""
    with registry.session() as s:
        persons = [Person(project="p") for _ in range(3)]
        s.add_all(persons)
        s.flush()
        pids = [p.id for p in persons]
        apps = [_application(n, pids[0], {}, row_key=f"k{n}") for n in range(3)]
        s.add_all(apps)
        s.flush()
        ids = [a.id for a in apps]
        store._update_rows(s, Application.__table__, ("person_id",), "id", [(pids[1], ids[0]), (pids[2], ids[1]), (pids[2], ids[0])])
        store._update_rows(s, Application.__table__, ("person_id",), "id", [(pids[1], ids[2])])  # the same table again
        s.expire_all()
        assert [s.get(Application, i).person_id for i in ids] == [pids[2], pids[2], pids[1]]


@pytest.mark.postgres
def test_postgresql_merge_ids_are_the_ones_returning_gives(pg_url: str) -> None:
    """Ids taken from the sequence equal those INSERT ... RETURNING gives, after deleted rows too,
    and the sequence goes on from the same value."""
    admin = sqlalchemy.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    names = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
    with admin.connect() as conn:
        for name in names:
            conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    regs = [Registry(pg_url.rsplit("/", 1)[0] + f"/{name}") for name in names]
    try:
        got = []
        for n, reg in enumerate(regs):
            with reg.session() as s:
                ids, rows = _merge_ids(s, returning=n == 0)
                s.add(DedupeMerge(**dict(zip(store._MERGE_COLUMNS, rows[0]))))  # the sequence goes on
                s.flush()
                got.append((ids, _as_text(s, DedupeMerge.__table__)))
        assert got[0] == got[1]
        assert len(got[0][0]) == 10
    finally:
        for reg in regs:
            reg.dispose()
        with admin.connect() as conn:
            for name in names:
                conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()
