"""The nightly dedupe in two processes (normalising, hashing and matching forked) stores exactly
what one process stores, row for row and byte for byte (timestamps and the stored matching views
included), and a worker that dies gives the same result (its part is redone in this process)."""

from __future__ import annotations

import os
import random
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

import synergia.dedupe.cluster as cluster
import synergia.dedupe.engine as engine
import synergia.parallel as parallel
import synergia.registry.base as base
from synergia.dedupe.store import run_dedupe
from synergia.registry.db import Registry
from synergia.registry.tables import Application
from synergia.sheets.review_tab import StaffDecision
from tests.dedupe.test_store_incremental import P, _add, _application, _hash, _person

T0 = datetime(2026, 5, 4, 1, 2, 3, 400500)
TABLES = (
    "persons",
    "applications",
    "dedupe_merges",
    "dedupe_assignments",
    "dedupe_reviews",
    "dedupe_seen",
    "dedupe_norms",
    "dedupe_decisions",
)


def _raw(path: Path) -> dict[str, list[tuple]]:
    """Every stored value as SQLite holds it (type and text), row by row."""
    con = sqlite3.connect(path)
    try:
        out = {}
        for t in TABLES:
            cols = [r[1] for r in con.execute(f"PRAGMA table_info({t})")]
            out[t] = con.execute(f"SELECT {', '.join(f'typeof({c}), quote({c})' for c in cols)} FROM {t} ORDER BY rowid").fetchall()
        return out
    finally:
        con.close()


@pytest.fixture
def registries(tmp_path: Path) -> Iterator[list[tuple[Registry, Path]]]:
    paths = [tmp_path / f"{n}.db" for n in range(3)]
    regs = [(Registry(f"sqlite:///{p}"), p) for p in paths]
    yield regs
    for reg, _p in regs:
        reg.dispose()


def _nights(reg: Registry, processes: int) -> list[dict]:
    """Three nights: a first import, new and corrected rows with staff answers, nothing new."""
    rng = random.Random(23)
    people = [_person(rng, n) for n in range(60)]
    rows = [_application(rng, people) for _ in range(320)]
    counts = []
    with reg.session() as s:
        for n in range(240):
            _add(s, rows[n], n + 2)
    with reg.session() as s:
        counts.append(run_dedupe(s, P, now=T0, processes=processes).as_dict())
    with reg.session() as s:
        for n in range(240, 320):
            _add(s, rows[n], n + 2)
        for app in s.scalars(select(Application).where(Application.project == P).order_by(Application.id).limit(6)):
            data = {**app.data, "email": f"poprawiony.{app.id}@poczta.pl"}
            app.data, app.content_hash, app.version = data, _hash(data), app.version + 1
    decisions = [StaffDecision(1, 2, False), StaffDecision(3, 40, True)]
    with reg.session() as s:
        counts.append(run_dedupe(s, P, decisions=decisions, now=T0 + timedelta(days=1), processes=processes).as_dict())
    with reg.session() as s:
        counts.append(run_dedupe(s, P, now=T0 + timedelta(days=2), processes=processes).as_dict())
    return counts


class _Frozen(datetime):
    """The registry's clock stopped (``registry.base.utcnow``): rows added by the test carry equal timestamps."""

    @classmethod
    def now(cls, tz=None):
        return datetime(2026, 5, 1, 12, 0, tzinfo=tz)


def test_two_processes_store_what_one_stores_and_a_dying_worker_changes_nothing(registries, monkeypatch) -> None:
    monkeypatch.setattr(base, "datetime", _Frozen)
    (serial_reg, serial_path), (forked_reg, forked_path), (dying_reg, dying_path) = registries
    serial = _nights(serial_reg, processes=1)
    assert serial[0]["persons_merged"] > 0 and serial[1]["new_or_changed"] == 86

    forks = []
    real_fork_pair = parallel.fork_pair
    real_cluster_fork = cluster.fork_pair

    def counted(real):
        def fork_pair(*a, **k):
            forks.append(k.get("redo_here"))
            return real(*a, **k)

        return fork_pair

    monkeypatch.setattr(parallel, "fork_pair", counted(real_fork_pair))
    monkeypatch.setattr(cluster, "fork_pair", counted(real_cluster_fork))
    assert _nights(forked_reg, processes=2) == serial
    # night 1: normalising and matching forked; night 2: the new rows' views and matching; night 3: nothing to match
    assert len(forks) == 4 and all(forks)
    assert _raw(forked_path) == _raw(serial_path)

    parent = os.getpid()

    def dies_in_the_worker(real):
        def wrapped(*a, **k):
            if os.getpid() != parent:
                os._exit(3)  # the worker dies without a word
            return real(*a, **k)

        return wrapped

    monkeypatch.setattr(engine, "_packed", dies_in_the_worker(engine._packed))
    monkeypatch.setattr(cluster, "_merge_part", dies_in_the_worker(cluster._merge_part))
    forks.clear()
    assert _nights(dying_reg, processes=2) == serial
    assert len(forks) == 4
    assert _raw(dying_path) == _raw(serial_path)


def test_an_automatic_fork_only_when_the_worker_fits_in_the_memory_budget(monkeypatch) -> None:
    from synergia.dedupe import store
    from synergia.parallel import PARALLEL_MIN

    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    assert not store._fork(PARALLEL_MIN - 1, None)  # small: never
    assert not store._fork(10**6, 1)
    monkeypatch.setattr(store, "FORK_PEAK_MB", 10**6)
    assert store._fork(PARALLEL_MIN, None)
    monkeypatch.setattr(store, "FORK_PEAK_MB", 1)  # this process alone is over it
    assert not store._fork(PARALLEL_MIN, None)
    assert store._fork(10, 2)  # asked for: always


def test_giving_the_heap_back_starts_no_process() -> None:
    """A child process (``ctypes.util.find_library`` runs ``ldconfig``) would count this whole
    process's memory once more in the night's peak."""
    import subprocess
    import sys

    code = (
        "import resource; from synergia.dedupe.store import trim_heap; trim_heap(); "
        "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "0"
