"""Session-wide real services for the tests.

- ``pg_url``: a private PostgreSQL cluster made with initdb and started with
  pg_ctl on a free loopback port (as the ``postgres`` user when run as root),
  stopped at the end. Nothing is mocked.
- ``prefect_harness``: Prefect's test harness (a temporary API server and
  database) started once per session for the tests that run real flows.
- ``registry``: the one registry fixture — a migrated SQLite registry per
  test (copied from a template migrated once per session); a test or module
  marked ``both_backends`` runs once on SQLite and once on PostgreSQL (the
  PostgreSQL case carries the ``postgres`` marker).
- ``synergia_env``: a fresh data dir and SQLite registry per test, with the
  settings and runtime caches reset.
- The Sheets emulator fixtures (``emulator``, ``backend``, ``socket_emulator``,
  ...) come from the ``tests.fixtures_sheets`` plugin.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

from tests.examples import examples

pytest_plugins = ["tests.fixtures_sheets"]

# Properties check what is true, not how fast one example runs: on a busy 2-core CI box Hypothesis' 200 ms
# per-example deadline fails tests that are correct (seen in CI). Speed targets live in benchmarks/.
# Tests that name no number of examples draw Hypothesis' 100, scaled like the rest (tests/examples.py).
settings.register_profile("synergia", deadline=None, suppress_health_check=[HealthCheck.too_slow], max_examples=examples(100))
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "synergia"))

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"

# Tests never talk to Prefect Cloud or a user's server, and never report analytics.
# All of this must happen before anything imports prefect (it reads settings once, at import).
os.environ["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
os.environ.pop("PREFECT_API_URL", None)
# never the user's shared ~/.prefect (its SQLite database locks under other Prefect processes)
os.environ.setdefault("PREFECT_HOME", tempfile.mkdtemp(prefix="synergia-test-prefect-"))
if os.environ.get("PYTEST_XDIST_WORKER"):
    # an xdist worker inherits the controller's PREFECT_HOME: each worker gets its own (its SQLite database locks)
    os.environ["PREFECT_HOME"] = tempfile.mkdtemp(prefix=f"synergia-test-prefect-{os.environ['PYTEST_XDIST_WORKER']}-")
from synergia.bootstrap import prefect_environment  # noqa: E402

prefect_environment()
os.environ.pop("PREFECT_API_KEY", None)
for _name in [k for k in os.environ if k.startswith("SYNERGIA_")]:
    os.environ.pop(_name)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_binary(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    candidates = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"))
    return candidates[-1] if candidates else None


@pytest.fixture(scope="session")
def pg_url() -> str:
    """URL of a real PostgreSQL server private to this test session."""
    if os.environ.get("SYNERGIA_TEST_PG_URL"):
        yield os.environ["SYNERGIA_TEST_PG_URL"]
        return
    initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
    if not initdb or not pg_ctl:
        pytest.fail(
            "PostgreSQL binaries (initdb, pg_ctl) not found; `make test` installs them — run it, "
            "or set SYNERGIA_TEST_PG_URL to an existing server."
        )
    base = Path(tempfile.mkdtemp(prefix="synergia-pg-"))
    data, log = base / "data", base / "server.log"
    as_root = os.geteuid() == 0
    prefix: list[str] = []
    if as_root:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    port = _free_port()
    subprocess.run(
        prefix + [initdb, "-D", str(data), "-U", "synergia", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -F -c fsync=off -c synchronous_commit=off"
    subprocess.run(
        prefix + [pg_ctl, "-D", str(data), "-o", opts, "-l", str(log), "-w", "-t", "60", "start"], check=True, capture_output=True
    )
    try:
        url = f"postgresql+psycopg://synergia@127.0.0.1:{port}/postgres"
        import sqlalchemy

        engine = sqlalchemy.create_engine(url)
        for _ in range(50):
            try:
                with engine.connect() as conn:
                    conn.execute(sqlalchemy.text("select 1"))
                break
            except sqlalchemy.exc.OperationalError:
                time.sleep(0.2)
        engine.dispose()
        yield url
    finally:
        subprocess.run(prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"], capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture
def pg_database(pg_url: str) -> str:
    """A fresh, empty database on the session's PostgreSQL server."""
    import uuid

    import sqlalchemy

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    admin = sqlalchemy.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


BACKENDS = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]


#: a test that asks for one of these fixtures gets the marker (so `make test-fast` can leave it out)
MARKER_OF_FIXTURE = {"pg_url": "postgres", "pg_database": "postgres", "prefect_harness": "prefect"}
#: the PostgreSQL case of a test parametrised by backend (its fixture calls ``getfixturevalue("pg_database")``)
POSTGRES_PARAMS = {"postgresql", "postgres"}
#: slow tests (more than ~10 s on a busy 2-core machine) in tests/dedupe/, marked here while another
#: engineer edits those files — move each mark into its test when they are free
SLOW_ELSEWHERE = {
    "tests/dedupe/test_store.py::test_registry_result_equals_the_pure_core_on_synthetic_data",
    "tests/dedupe/test_benchmark.py::test_driver_runs_the_engine_in_child_processes_and_judges_the_targets",
    "tests/dedupe/test_benchmark.py::test_febrl4_is_read_as_one_batch_of_both_files",
    "tests/dedupe/test_benchmark.py::test_the_miss_report_accounts_for_every_missed_pair",
    "tests/dedupe/test_properties.py::test_clustering_does_not_depend_on_input_order",
    "tests/dedupe/test_parallel.py::test_two_processes_byte_identical_to_one",
    "tests/dedupe/test_parallel.py::test_two_processes_with_staff_decisions_and_new_records",
}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test by the services its fixtures start (PostgreSQL, the Prefect test server)."""
    for item in items:
        wanted = {MARKER_OF_FIXTURE[f] for f in getattr(item, "fixturenames", ()) if f in MARKER_OF_FIXTURE}
        callspec = getattr(item, "callspec", None)
        if callspec and POSTGRES_PARAMS & {v for v in callspec.params.values() if isinstance(v, str)}:
            wanted.add("postgres")
        if item.nodeid.split("[", 1)[0] in SLOW_ELSEWHERE:
            wanted.add("slow")
        for marker in sorted(wanted):
            if not item.get_closest_marker(marker):
                item.add_marker(marker)


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """``@pytest.mark.both_backends``: the test's ``registry`` is made once on SQLite and once on PostgreSQL."""
    if "registry" in metafunc.fixturenames and metafunc.definition.get_closest_marker("both_backends"):
        metafunc.parametrize("registry", BACKENDS, indirect=True)


@pytest.fixture(scope="session")
def _migrated_sqlite(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A SQLite registry migrated once per session; each test copies the file (Alembic takes ~1 s)."""
    from synergia.registry.db import Registry

    path = tmp_path_factory.mktemp("registry") / "template.db"
    Registry(f"sqlite:///{path}").dispose()
    return path


@pytest.fixture
def registry(request: pytest.FixtureRequest, tmp_path: Path):
    """A migrated, empty registry: SQLite, or PostgreSQL when parametrised so (see ``both_backends``)."""
    from synergia.registry.db import Registry

    if getattr(request, "param", "sqlite") == "postgresql":
        reg = Registry(request.getfixturevalue("pg_database"))
    else:
        path = tmp_path / "registry.db"
        shutil.copy(request.getfixturevalue("_migrated_sqlite"), path)
        reg = Registry(f"sqlite:///{path}", auto_migrate=False)
    yield reg
    reg.dispose()


@pytest.fixture(scope="session")
def prefect_harness():
    """A temporary Prefect API server + database for real flow runs (once per session)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


@pytest.fixture
def synergia_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Isolated SYNERGIA_DATA_DIR with its own SQLite registry; caches reset before and after."""
    from config.settings import reset_settings_cache
    from synergia import runtime

    data = tmp_path / "data"
    data.mkdir()
    monkeypatch.setenv("SYNERGIA_DATA_DIR", str(data))
    monkeypatch.setenv("SYNERGIA_DATABASE_URL", f"sqlite:///{data / 'synergia.db'}")
    reset_settings_cache()
    runtime.reset()
    yield data
    reset_settings_cache()
    runtime.reset()
