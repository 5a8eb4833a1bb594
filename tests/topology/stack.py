"""The production topology of Prefect's self-hosting guide, as processes on this machine.

PostgreSQL (initdb/pg_ctl) holding two databases — ``prefect`` (Prefect's own, through asyncpg) and
``registry`` (Synergia's) —, ``prefect server start``, a process work pool, ``deploy.py --work-pool``
and N ``prefect worker start --pool`` processes. Used by ``tests/topology`` and
``benchmarks/topology.py``; every process is started here and stopped by :meth:`Topology.close`.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
POOL = "synergia"
TERMINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _pg_binary(name: str) -> str:
    found = shutil.which(name) or (sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [None])[-1]
    if not found:
        raise RuntimeError(f"PostgreSQL binary {name} not found (scripts/ensure-system-deps.sh installs it)")
    return found


def call(method: str, url: str, *, attempts: int = 40, **kwargs: object):
    """One API call, retried on 503 and on a refused connection, as Prefect's own client does."""
    import httpx

    for attempt in range(attempts):
        try:
            response = httpx.request(method, url, timeout=60, **kwargs)
        except httpx.TransportError:
            if attempt == attempts - 1:
                raise
            time.sleep(min(1 + attempt, 5))
            continue
        if response.status_code != 503:
            break
        time.sleep(min(1 + attempt, 5))
    response.raise_for_status()
    return response.json() if response.content else None


class Topology:
    """Start with :meth:`start_postgres`, :meth:`start_server`, :meth:`deploy`, :meth:`start_worker`; stop with :meth:`close`."""

    def __init__(self, base: Path, *, heartbeat_seconds: int = 30) -> None:
        self.base = base
        self.base.mkdir(parents=True, exist_ok=True)
        self.data = base / "data"
        self.data.mkdir(exist_ok=True)
        self.logs = base / "logs"
        self.logs.mkdir(exist_ok=True)
        self.heartbeat_seconds = heartbeat_seconds
        self.procs: dict[str, subprocess.Popen] = {}
        self._pg_stop: list[str] | None = None
        self.pg_admin = self.prefect_db = self.registry_url = self.api = ""
        self.extra_env: dict[str, str] = {}  # e.g. SMTP settings for every worker

    # -- PostgreSQL -----------------------------------------------------------------
    def start_postgres(self) -> None:
        initdb, pg_ctl = _pg_binary("initdb"), _pg_binary("pg_ctl")
        # its own top-level temporary dir: the postgres user must reach it (pytest's tmp_path is 0700 root)
        pg = self._pg_dir = Path(tempfile.mkdtemp(prefix="synergia-topology-pg-"))
        prefix: list[str] = []
        if os.geteuid() == 0:  # PostgreSQL refuses to run as root
            user = pwd.getpwnam("postgres")
            os.chown(pg, user.pw_uid, user.pw_gid)
            prefix = ["runuser", "-u", "postgres", "--"]
        port = free_port()
        subprocess.run(
            prefix + [initdb, "-D", str(pg / "data"), "-U", "synergia", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
            check=True,
            capture_output=True,
        )
        opts = f"-p {port} -c listen_addresses=127.0.0.1 -k {pg} -c max_connections=200 -F -c fsync=off -c synchronous_commit=off"
        subprocess.run(
            prefix + [pg_ctl, "-D", str(pg / "data"), "-o", opts, "-l", str(pg / "server.log"), "-w", "-t", "60", "start"],
            check=True,
            capture_output=True,
        )
        self._pg_stop = prefix + [pg_ctl, "-D", str(pg / "data"), "-m", "immediate", "-w", "stop"]
        self.pg_admin = f"postgresql+psycopg://synergia@127.0.0.1:{port}/postgres"
        import sqlalchemy

        engine = sqlalchemy.create_engine(self.pg_admin, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            for name in ("prefect", "registry"):
                conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        engine.dispose()
        self.prefect_db = f"postgresql+asyncpg://synergia@127.0.0.1:{port}/prefect"
        self.registry_url = f"postgresql+psycopg://synergia@127.0.0.1:{port}/registry"

    # -- environment ----------------------------------------------------------------
    def env(self, **extra: str) -> dict[str, str]:
        """What every Prefect and Synergia process of this topology sees (no user's ~/.prefect, no SYNERGIA_ leftovers)."""
        env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SYNERGIA_"))}
        env.update(
            PREFECT_HOME=str(self.base / "prefect-home"),
            PREFECT_SERVER_ANALYTICS_ENABLED="false",
            PREFECT_LOGGING_LOG_PRINTS="false",
            SYNERGIA_DATA_DIR=str(self.data),
            SYNERGIA_DATABASE_URL=self.registry_url,
            PYTHONPATH=str(REPO),
        )
        if self.api:
            env["PREFECT_API_URL"] = self.api
        env.update(self.extra_env)
        env.update(extra)
        return env

    def _spawn(self, name: str, argv: list[str], env: dict[str, str]) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        # own session: killing it (or its group) never touches the test process
        proc = subprocess.Popen(
            argv, env=env, cwd=self.base, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
        )
        log.close()
        self.procs[name] = proc
        return proc

    def log(self, name: str, tail: int = 4000) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace")[-tail:] if path.exists() else ""

    # -- Prefect server ---------------------------------------------------------------
    def start_server(self, timeout: float = 300) -> None:
        port = free_port()
        env = self.env(PREFECT_API_DATABASE_CONNECTION_URL=self.prefect_db)
        env.pop("PREFECT_API_URL", None)
        proc = self._spawn("server", [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port), "--no-ui"], env)
        self.api = f"http://127.0.0.1:{port}/api"
        self.wait(lambda: _health(self.api), timeout, "the Prefect server to answer", watch=["server"])
        assert proc.poll() is None

    def wait(self, predicate, timeout: float, what: str, watch: list[str] = (), interval: float = 1.0):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for name in watch:
                proc = self.procs[name]
                if proc.poll() is not None:
                    raise AssertionError(f"{name} exited with {proc.returncode} while waiting for {what}:\n{self.log(name)}")
            try:
                value = predicate()
            except Exception:
                value = None
            if value:
                return value
            time.sleep(interval)
        raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}\nserver log:\n{self.log('server')}")

    def run_cli(self, name: str, argv: list[str], timeout: float = 600, attempts: int = 3) -> str:
        """A one-shot command (work-pool create, deploy.py): retried, because the server may answer 503 while busy."""
        out = ""
        for _ in range(attempts):
            done = subprocess.run(argv, check=False, env=self.env(), cwd=self.base, capture_output=True, text=True, timeout=timeout)
            out = done.stdout + done.stderr
            (self.logs / f"{name}.log").write_text(out)
            if done.returncode == 0:
                return done.stdout
            time.sleep(5)
        raise AssertionError(f"{' '.join(argv)} failed:\n{out[-4000:]}")

    def create_pool(self) -> None:
        self.run_cli("work-pool", [str(BIN / "prefect"), "work-pool", "create", POOL, "--type", "process", "--overwrite"])

    def deploy(self, projects: list[str] | None = None, crash_after: int = 120) -> list[dict]:
        argv = [sys.executable, str(REPO / "deploy.py"), "--work-pool", POOL, "--crash-after", str(crash_after)]
        for slug in projects or []:
            argv += ["--project", slug]
        self.run_cli("deploy", argv)
        return call("POST", f"{self.api}/deployments/filter", json={})

    # -- workers ----------------------------------------------------------------------
    def start_worker(self, name: str, limit: int | None = None) -> subprocess.Popen:
        env = self.env(
            PREFECT_FLOWS_HEARTBEAT_FREQUENCY=str(self.heartbeat_seconds),
            PREFECT_WORKER_QUERY_SECONDS="2",
            PREFECT_WORKER_HEARTBEAT_SECONDS="10",
        )
        argv = [str(BIN / "prefect"), "worker", "start", "--pool", POOL, "--name", name, "--type", "process"]
        if limit:
            argv += ["--limit", str(limit)]
        return self._spawn(name, argv, env)

    def wait_workers_online(self, names: list[str], timeout: float = 300) -> None:
        def online():
            workers = call("POST", f"{self.api}/work_pools/{POOL}/workers/filter", json={})
            return {w["name"] for w in workers if w["status"] == "ONLINE"} >= set(names)

        self.wait(online, timeout, f"workers {names} online", watch=names)

    def kill(self, name: str) -> None:
        """SIGKILL the worker process only (its flow-run processes are left to notice)."""
        os.kill(self.procs[name].pid, signal.SIGKILL)
        self.procs[name].wait(timeout=30)

    def kill_tree(self, name: str) -> list[int]:
        """SIGKILL a process and everything it started (its flow-run subprocesses run in sessions of their own):
        what a worker machine's power cut or an OOM-killed container does. Returns the pids killed."""
        root = self.procs[name].pid
        pids = [root, *descendants(root)]
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        self.procs[name].wait(timeout=30)
        return pids

    # -- runs ---------------------------------------------------------------------------
    def api_post(self, path: str, body: dict | None = None):
        return call("POST", f"{self.api}{path}", json=body or {})

    def trigger(self, deployment_id: str) -> str:
        return call("POST", f"{self.api}/deployments/{deployment_id}/create_flow_run", json={})["id"]

    def runs(self, ids: list[str]) -> list[dict]:
        return call("POST", f"{self.api}/flow_runs/filter", json={"flow_runs": {"id": {"any_": ids}}})

    def wait_finished(self, ids: list[str], timeout: float, watch: list[str] = ()) -> dict[str, dict]:
        def finished():
            runs = self.runs(ids)
            return runs if len(runs) == len(ids) and all(r["state"]["type"] in TERMINAL for r in runs) else None

        return {r["id"]: r for r in self.wait(finished, timeout, f"{len(ids)} flow runs to finish", watch=list(watch), interval=3)}

    def states(self, run_id: str) -> list[dict]:
        return call("GET", f"{self.api}/flow_run_states/", params={"flow_run_id": run_id})

    # -- teardown -----------------------------------------------------------------------
    def close(self) -> None:
        for proc in reversed(list(self.procs.values())):
            if proc.poll() is None:
                for pid in [proc.pid, *descendants(proc.pid)]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                for pid in [proc.pid, *descendants(proc.pid)]:
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if self._pg_stop:
            subprocess.run(self._pg_stop, check=False, capture_output=True)
            self._pg_stop = None
            shutil.rmtree(self._pg_dir, ignore_errors=True)


def _health(api: str) -> bool:
    import httpx

    return httpx.get(f"{api}/health", timeout=5).status_code == 200


def descendants(pid: int) -> list[int]:
    """Every process whose ancestry leads to ``pid`` (from /proc; sessions and process groups do not matter)."""
    parents: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        parents[int(entry.name)] = ppid
    found, frontier = [], [pid]
    while frontier:
        current = frontier.pop()
        children = [p for p, pp in parents.items() if pp == current]
        found += children
        frontier += children
    return found
