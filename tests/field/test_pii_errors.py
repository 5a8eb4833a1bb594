"""Errors leaving a task carry no personal data; a busy registry fails after a bounded wait.

Values below are invented for these tests (a valid PESEL, a reserved-domain e-mail, a mobile number).
"""

from __future__ import annotations

import pickle
import sqlite3
import time
import traceback
from pathlib import Path

import cloudpickle
import pytest
import sqlalchemy as sa

from synergia.errors import RegistryBusy, SafeMessage, StepFailed, is_instance, sanitize
from synergia.registry.db import is_busy, make_engine
from synergia.sheets.base import WorksheetNotFound

PESEL = "86022813472"
EMAIL = "celestyna.wrobel@adres-proba.example"
PHONE = "+48663915207"
PERSONAL = (PESEL, EMAIL, PHONE, "Wróbel")


def _everything_about(exc: BaseException) -> str:
    """All text a log, a state message or a pickle could hold of an exception."""
    return "\n".join(
        [
            str(exc),
            repr(exc),
            "".join(traceback.format_exception(exc)),
            cloudpickle.dumps(exc).decode("latin-1"),
            pickle.dumps(exc).decode("latin-1"),
        ]
    )


def _raise_with_data() -> None:
    try:
        int(f"PESEL {PESEL}")  # the cause quotes a cell
    except ValueError as inner:
        raise RuntimeError(f"wiersz Celestyna Wróbel {EMAIL} {PHONE}") from inner


def test_a_task_error_quoting_a_person_is_replaced_by_step_and_type() -> None:
    from tasks._prefect import synergia_task

    @synergia_task
    def przelicz(project_path: str) -> int:
        _raise_with_data()
        return 0

    with pytest.raises(StepFailed) as info:
        przelicz.fn("projekt.yaml")
    exc = info.value
    assert exc.__cause__ is None and exc.__context__ is None
    text = _everything_about(exc)
    assert not [p for p in PERSONAL if p in text], text
    assert exc.step == "przelicz" and exc.kind == "builtins.RuntimeError"
    assert "tests/field/test_pii_errors.py" in exc.where and "_raise_with_data" in exc.where
    assert "Krok przelicz nie powiódł się: builtins.RuntimeError" in str(exc)
    restored = pickle.loads(pickle.dumps(exc))  # Prefect pickles a failed flow's exception
    assert isinstance(restored, StepFailed) and str(restored) == str(exc) and restored.step == "przelicz"


def test_our_own_messages_stay_but_lose_their_chained_cause() -> None:
    try:
        try:
            raise KeyError(PESEL)
        except KeyError as inner:
            raise WorksheetNotFound("Brak arkusza 'Zgłoszenia' (worksheet missing).") from inner
    except WorksheetNotFound as exc:
        safe = sanitize(exc, "read_sources")
    assert isinstance(safe, WorksheetNotFound) and isinstance(safe, SafeMessage)
    assert str(safe) == "Brak arkusza 'Zgłoszenia' (worksheet missing)."
    assert PESEL not in _everything_about(safe)


def test_retry_rules_still_see_the_replaced_type() -> None:
    from tasks._prefect import sanitized

    def missing() -> None:
        raise WorksheetNotFound("Brak arkusza (worksheet missing).")

    class Transient(OSError):
        pass

    def flaky() -> None:
        raise Transient(f"connection reset while sending {EMAIL}")

    with pytest.raises(StepFailed) as info:
        sanitized(flaky)()
    assert is_instance(info.value, (OSError,)) and not is_instance(info.value, (WorksheetNotFound,))
    with pytest.raises(WorksheetNotFound):
        sanitized(missing)()


@pytest.fixture
def held_sqlite(tmp_path: Path):
    """A SQLite registry file with one table, and another writer holding it (BEGIN EXCLUSIVE)."""
    path = tmp_path / "rejestr.db"
    con = sqlite3.connect(path)
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE osoby (pesel TEXT, email TEXT)")
    con.commit()
    con.isolation_level = None
    con.execute("BEGIN EXCLUSIVE")
    yield f"sqlite:///{path}"
    con.rollback()
    con.close()


def _insert_person(engine: sa.Engine, table: str = "osoby") -> None:
    with engine.begin() as conn:
        conn.execute(sa.text(f"INSERT INTO {table} (pesel, email) VALUES (:p, :e)"), {"p": PESEL, "e": EMAIL})


def test_sqlite_busy_waits_the_configured_time_then_fails_without_parameters(held_sqlite: str) -> None:
    engine = make_engine(held_sqlite, busy_timeout_s=1.0)
    started = time.monotonic()
    with pytest.raises(sa.exc.OperationalError) as info:
        _insert_person(engine)
    waited = time.monotonic() - started
    engine.dispose()
    assert 0.8 <= waited < 15
    assert is_busy(info.value)
    assert PESEL not in str(info.value) and EMAIL not in str(info.value)  # hide_parameters=True
    safe = sanitize(info.value, "upsert_registry")
    assert isinstance(safe, RegistryBusy)
    assert "Rejestr jest zajęty" in str(safe) and "upsert_registry" in str(safe) and "\n" not in str(safe)
    assert not [p for p in PERSONAL if p in _everything_about(safe)]


def test_busy_timeout_comes_from_the_setting(held_sqlite: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from config.settings import reset_settings_cache

    monkeypatch.setenv("SYNERGIA_DATABASE_BUSY_TIMEOUT", "0.5")
    reset_settings_cache()
    try:
        engine = make_engine(held_sqlite)
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError):
            _insert_person(engine)
        engine.dispose()
        assert 0.3 <= time.monotonic() - started < 10
        assert "czekano 0.5 s" in str(RegistryBusy.after(0.5, "x"))
    finally:
        monkeypatch.delenv("SYNERGIA_DATABASE_BUSY_TIMEOUT")
        reset_settings_cache()


def test_other_database_errors_are_not_called_busy(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'r.db'}", busy_timeout_s=1.0)
    with pytest.raises(sa.exc.OperationalError) as info:
        _insert_person(engine, table="nie_ma_takiej")
    engine.dispose()
    assert not is_busy(info.value)
    safe = sanitize(info.value, "upsert_registry")
    assert isinstance(safe, StepFailed) and "sqlite3.OperationalError" in str(safe) and "SQLITE_ERROR" in str(safe)
    assert PESEL not in _everything_about(safe)


@pytest.mark.postgres
def test_postgres_lock_timeout_bounds_the_wait(pg_database: str) -> None:
    admin = sa.create_engine(pg_database)
    with admin.begin() as conn:
        conn.execute(sa.text("CREATE TABLE osoby (pesel TEXT, email TEXT)"))
    holder = admin.connect()
    tx = holder.begin()
    holder.execute(sa.text("LOCK TABLE osoby IN ACCESS EXCLUSIVE MODE"))
    engine = make_engine(pg_database, busy_timeout_s=1.0)
    try:
        started = time.monotonic()
        with pytest.raises(sa.exc.OperationalError) as info:
            _insert_person(engine)
        waited = time.monotonic() - started
    finally:
        tx.rollback()
        holder.close()
        engine.dispose()
        admin.dispose()
    assert 0.8 <= waited < 15
    assert is_busy(info.value)
    assert PESEL not in str(info.value) and EMAIL not in str(info.value)
    assert isinstance(sanitize(info.value, "upsert_registry"), RegistryBusy)


@pytest.mark.prefect
def test_in_a_flow_the_busy_registry_is_not_retried_and_prefect_keeps_no_data(prefect_harness, held_sqlite: str) -> None:
    from prefect import flow
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import LogFilter, LogFilterFlowRunId, TaskRunFilter, TaskRunFilterFlowRunId

    from tasks._prefect import synergia_task

    attempts: list[int] = []
    engine = make_engine(held_sqlite, busy_timeout_s=0.3)

    @synergia_task(retries=3, retry_delay_seconds=0)
    def zapisz_osobe() -> None:
        attempts.append(1)
        _insert_person(engine)

    @synergia_task(retries=2, retry_delay_seconds=0)
    def przelicz() -> None:
        attempts.append(2)
        _raise_with_data()

    @flow(name="pii-busy-test", persist_result=False)
    def noc(which: str) -> None:
        (zapisz_osobe if which == "busy" else przelicz)()

    busy = noc("busy", return_state=True)
    other = noc("other", return_state=True)
    engine.dispose()
    assert busy.is_failed() and other.is_failed()
    assert attempts == [1, 2, 2, 2]  # busy: once (the timeout was the wait); others: retried
    assert isinstance(busy.result(raise_on_failure=False), RegistryBusy)
    assert isinstance(other.result(raise_on_failure=False), StepFailed)
    with get_client(sync_client=True) as client:
        texts = []
        for state in (busy, other):
            run_id = state.state_details.flow_run_id
            texts += [log.message for log in client.read_logs(log_filter=LogFilter(flow_run_id=LogFilterFlowRunId(any_=[run_id])))]
            texts += [str(client.read_flow_run(run_id).state)]
            for tr in client.read_task_runs(task_run_filter=TaskRunFilter(flow_run_id=TaskRunFilterFlowRunId(any_=[run_id]))):
                texts += [str(s) for s in client.read_task_run_states(tr.id)]
    published = "\n".join(texts)
    assert "Rejestr jest zajęty" in published and "builtins.RuntimeError" in published
    assert not [p for p in PERSONAL if p in published], published
