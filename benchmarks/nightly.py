"""Throughput of the whole nightly flow (issue 17), step by step, on SQLite and on PostgreSQL.

    python -m benchmarks.nightly                       # 20k form rows, SQLite + a private PostgreSQL
    python -m benchmarks.nightly --rows 100000         # the target size
    python -m benchmarks.nightly --db sqlite --rounds 3
    python -m benchmarks.nightly --backend emulator    # the Sheets backend against devtools.emulator
    python -m benchmarks.nightly --mode both           # also the whole `synergia run nightly` command
    python -m benchmarks.nightly --pg-url postgresql+psycopg://user@host:5432/db
    python -m benchmarks.nightly --rows 100000 --save-workbook /tmp/w100k.xlsx   # then --workbook /tmp/w100k.xlsx

The demo project (``config/projects/demo.yaml``) with its two recruitment forms holding
``--rows`` form rows in total (people from ``devtools.demo.generator.make_people``, rows
written by its form writer, so values are realistic and distinct: ~15 % noisy, 5 % invalid,
a few empty rows, double submissions), the attendance lists and manual tab of a small
``generate_workbook``. The workbook is written in one pass (``devtools.demo.xlsx``,
inline strings: 100k rows in seconds, where openpyxl took minutes).

Backends: ``workbook`` (the XLSX under ``SYNERGIA_DATA_DIR``) or ``emulator`` (the same tabs
seeded into ``devtools.emulator`` on a socket in its own process, the project pointed at it
with ``backend: gsheets`` — every read and write goes through gspread and HTTP as against Google).

``--mode steps`` (default): each night runs in its own child process, as each ``synergia run
nightly`` and each flow run of a Prefect process worker does (peak memory is the largest night's:
the sampled PSS of the child and the workers it forks; ``ru_maxrss`` of the child plus its
largest worker, which counts shared pages twice, is printed beside it): the nightly flow's steps, in the order
of ``flows/nightly.py``, called directly (``task.fn``, no Prefect server: flow time, not
Prefect's start-up), on a fresh registry — first night — then again on the same
workbook — unchanged night. Per-step seconds (wall and CPU), rows/s and peak MB are printed,
with pass/fail against the targets of issue 17. ``--rounds N`` repeats each child N times and
prints medians (the machine is shared: look at ``uptime``).

``--mode cli`` / ``both``: the whole command the user runs, ``python -m cli run nightly -p
<project>`` (= ``synergia run nightly``), twice in a subprocess with its own ``PREFECT_HOME``
(the temporary Prefect server it starts included): wall, CPU (the command and its children)
and peak MB of the command, and the flow run's own start→end and per-task times as Prefect
recorded them (read from that ``PREFECT_HOME``'s database afterwards). The gap between the
command's wall time and the flow run's, and between the flow run and the sum of its tasks, is
Prefect's and Python's overhead.

Yardstick, in this process: a bare python-calamine read of the same form tabs (nothing kept),
the floor of reading the workbook with the library the workbook backend reads with.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
PROJECT = REPO / "config" / "projects" / "demo.yaml"
TARGETS = {"first_s": 30.0, "unchanged_s": 10.0, "peak_mb": 1536.0, "target_rows": 100_000}
STEPS = (
    "prepare_registry",
    "read_sources",
    "validate_rows",
    "upsert_registry",
    "write_quarantine_tab",
    "cluster_participants",
    "issue_certificates",
    "publish_verification_site",
    "send_mail",
)


# -- the workbook ------------------------------------------------------------


def write_workbook(path: Path, rows: int, seed: int = 17) -> dict[str, int]:
    """The demo workbook with ``rows`` form rows over its recruitment tabs."""
    from python_calamine import CalamineWorkbook

    from config.project import load_project
    from devtools.demo import generator as g
    from devtools.demo.xlsx import write_text_workbook

    project = load_project(PROJECT)
    small = path.with_name("small.xlsx")
    g.generate_workbook(project, small, seed=seed, people=300)  # lists, advisory, manual values
    src = CalamineWorkbook.from_path(str(small))
    recruitment = [s for s in project.sources if s.kind == "recruitment"]
    rng = random.Random(seed)
    people = g.make_people(max(1, int(rows / 1.2)), rng, project.period.start, project.gminas)
    writer = g._Writer(project, rng)
    span = max((project.period.end - project.period.start).days, 1)
    by_tab: dict[str, list[list[str]]] = {s.worksheet: [] for s in recruitment}
    made, i = 0, 0
    while made < rows:
        p = people[i % len(people)]
        source = recruitment[i % len(recruitment)]
        day = project.period.start + g.timedelta(days=rng.randrange(span))
        when = g.datetime(day.year, day.month, day.day, rng.randint(7, 22), rng.randrange(60), rng.randrange(60))
        row = writer.form_row(source, list(source.columns), p, when, noisy=rng.random() < 0.15 or i >= len(people))
        if rng.random() < 0.05:
            g._corrupt(row, source, list(source.columns), rng, "field")
        elif rng.random() < 0.0005:
            row = [""] * len(row)
        by_tab[source.worksheet].append(row)
        made, i = made + 1, i + 1
    tabs: dict[str, list[list[str]]] = {}
    for name in src.sheet_names:
        body = [["" if v is None else str(v) for v in r] for r in src.get_sheet_by_name(name).to_python(skip_empty_area=False)]
        tabs[name] = [body[0], *by_tab[name]] if name in by_tab else body
    src.close()
    small.unlink()
    write_text_workbook(path, tabs)
    return {name: len(body) - 1 for name, body in tabs.items()}


def yardstick(path: Path, tabs: list[str]) -> tuple[float, int]:
    """A bare python-calamine read of the form tabs (what the workbook backend reads with), nothing kept."""
    from python_calamine import CalamineWorkbook

    t = time.perf_counter()
    book = CalamineWorkbook.from_path(str(path))
    n = sum(len(book.get_sheet_by_name(tab).to_python(skip_empty_area=False)) for tab in tabs)
    book.close()
    return time.perf_counter() - t, n


# -- PostgreSQL ----------------------------------------------------------------


def start_postgres(base: Path) -> tuple[str, list]:
    """A private cluster (initdb + pg_ctl, as in tests/conftest.py); returns (url, stop command)."""
    import glob
    import pwd
    import socket

    def binary(name: str) -> str:
        found = shutil.which(name) or (sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}")) or [None])[-1]
        if not found:
            raise SystemExit(f"{name} not found: pass --pg-url or --db sqlite")
        return found

    initdb, pg_ctl = binary("initdb"), binary("pg_ctl")
    prefix: list[str] = []
    if os.geteuid() == 0:
        user = pwd.getpwnam("postgres")
        os.chown(base, user.pw_uid, user.pw_gid)
        prefix = ["runuser", "-u", "postgres", "--"]
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    data = base / "pgdata"
    subprocess.run(
        prefix + [initdb, "-D", str(data), "-U", "synergia", "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"],
        check=True,
        capture_output=True,
    )
    opts = f"-p {port} -c listen_addresses=127.0.0.1 -k {base} -F -c fsync=off -c synchronous_commit=off"
    subprocess.run(
        prefix + [pg_ctl, "-D", str(data), "-o", opts, "-l", str(base / "pg.log"), "-w", "-t", "60", "start"],
        check=True,
        capture_output=True,
    )
    return f"postgresql+psycopg://synergia@127.0.0.1:{port}/postgres", prefix + [pg_ctl, "-D", str(data), "-m", "immediate", "-w", "stop"]


def fresh_pg_database(url: str, name: str) -> str:
    import sqlalchemy

    engine = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    engine.dispose()
    return url.rsplit("/", 1)[0] + "/" + name


# -- one child: first night + unchanged night ------------------------------------


def run_nights(data_dir: Path, db_url: str, project_path: str, nights: int = 2) -> dict:
    os.environ["SYNERGIA_DATA_DIR"] = str(data_dir)
    os.environ["SYNERGIA_DATABASE_URL"] = db_url
    from prefect.logging import disable_run_logger

    from config.settings import reset_settings_cache
    from synergia import runtime
    from synergia.sheets.owned import QUARANTINE, REVIEW
    from tasks.certificates import issue_certificates, publish_verification_site
    from tasks.dedupe import cluster_participants
    from tasks.mail import send_mail
    from tasks.registry import prepare_registry, upsert_registry
    from tasks.sources import read_sources
    from tasks.validate import validate_rows
    from tasks.writeback import write_quarantine_tab

    reset_settings_cache()
    runtime.reset()
    path = project_path
    sampler = PssSampler()
    out = []
    for _ in range(nights):
        times: dict[str, float] = {}
        cpu: dict[str, float] = {}
        peak: dict[str, float] = {}

        def step(name, fn, *args, times=times, cpu=cpu, peak=peak):
            t, c = time.perf_counter(), _cpu_with_workers()
            result = fn.fn(*args)
            times[name], cpu[name] = time.perf_counter() - t, _cpu_with_workers() - c
            peak[name] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # the process's peak so far
            return result

        with disable_run_logger():  # the order, and what is kept alive, of flows/nightly.py
            step("prepare_registry", prepare_registry, path)
            snapshot = step("read_sources", read_sources, path)
            batch = step("validate_rows", validate_rows, path, snapshot)
            del snapshot
            counts = step("upsert_registry", upsert_registry, path, batch)
            quarantine_current, review_current = batch.owned_tabs.get(QUARANTINE.key), batch.owned_tabs.get(REVIEW.key)
            del batch
            step("write_quarantine_tab", write_quarantine_tab, path, quarantine_current)
            dedupe = step("cluster_participants", cluster_participants, path, review_current)
            del quarantine_current, review_current
            certificates = step("issue_certificates", issue_certificates, path)
            step("publish_verification_site", publish_verification_site, path, certificates)
            step("send_mail", send_mail, path)
        out.append(
            {
                "times": times,
                "cpu": cpu,
                "peak": peak,
                "total": sum(times.values()),
                "cpu_total": sum(cpu.values()),
                "rows": counts["rows"],
                "reused": counts.get("reused", 0),
                "sources_unchanged": counts.get("sources_unchanged", 0),
                "counts": {k: counts[k] for k in ("accepted", "quarantined", "empty", "new", "changed", "unchanged")},
                "dedupe": {k: v for k, v in dedupe.items() if k in ("applications", "new_or_changed", "persons_merged")},
            }
        )
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    kids = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {"nights": out, "peak_mb": own + kids, "own_mb": own, "pss_mb": sampler.stop()}


def _cpu_with_workers() -> float:
    """CPU seconds of this process and of the workers it forked and waited for (a step that
    forks spends CPU outside ``process_time``)."""
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return time.process_time() + kids.ru_utime + kids.ru_stime


class PssSampler:
    """Peak proportional set size of this process plus its live children, sampled every 100 ms (~2 ms a sample).

    ``ru_maxrss`` of a process and of a forked worker counts the pages they share twice (the
    worker reads the parent's rows from inherited memory); PSS splits shared pages between the
    processes that map them, so the sum is the memory the step really holds. Linux only (0 elsewhere)."""

    def __init__(self, interval: float = 0.1) -> None:
        import threading

        self.peak, self._stop = 0, threading.Event()
        self._thread = threading.Thread(target=self._run, args=(interval,), daemon=True)
        if Path("/proc/self/smaps_rollup").exists():
            self._thread.start()

    @staticmethod
    def _pss(pid: int | str) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup", "rb") as f:
                for line in f:
                    if line.startswith(b"Pss:"):
                        return int(line.split()[1])
        except OSError:
            pass
        return 0

    @staticmethod
    def _children(pid: int) -> list[str]:
        out = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat", "rb") as f:
                        stat = f.read()
                except OSError:
                    continue
                if int(stat[stat.rindex(b")") + 2 :].split()[1]) == pid:  # field 4: the parent's pid
                    out.append(entry)
        return out

    def _run(self, interval: float) -> None:
        me = os.getpid()
        while not self._stop.wait(interval):
            self.peak = max(self.peak, self._pss(me) + sum(self._pss(c) for c in self._children(me)))

    def stop(self) -> float:
        self._stop.set()
        if self._thread.is_alive():
            self._thread.join()
        return self.peak / 1024


def child(args: argparse.Namespace) -> int:
    sys.path.insert(0, str(REPO))
    print(json.dumps(run_nights(Path(args.data_dir), args.db_url, args.project_path, nights=1)))
    return 0


# -- the Sheets emulator ------------------------------------------------------------

EMULATOR_KEY = "1SynergiaBenchKeyAbCdEfGhIjKlMnOpQrStUvWxYz0"


class Emulator:
    """``python -m devtools.emulator`` seeded with the workbook, in its own process (as Google is not
    in ours); ``env`` points the Sheets backend at it, ``project`` is the demo project with
    ``backend: gsheets`` and the emulator's spreadsheet key."""

    def __init__(self, book: Path, base: Path) -> None:
        import socket
        import urllib.request

        base.mkdir(parents=True, exist_ok=True)
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        key = base / "key.json"
        self.log = (base / "emulator.log").open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "devtools.emulator", "--port", str(port), "--seed", str(book)]
            + ["--spreadsheet-id", EMULATOR_KEY, "--write-key", str(key)],
            cwd=REPO,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 900  # seeding reads the workbook with openpyxl: ~1 min at 100k rows
        while not key.exists() or not self._answers(url, urllib.request):
            if self.proc.poll() is not None or time.monotonic() > deadline:
                raise SystemExit(f"the Sheets emulator did not start; see {base / 'emulator.log'}")
            time.sleep(0.5)
        self.env = {
            "SYNERGIA_SHEETS_BACKEND": "gsheets",
            "SYNERGIA_GOOGLE_CREDENTIALS": str(key),
            "SYNERGIA_GOOGLE_API_URL": url,
        }
        text = PROJECT.read_text(encoding="utf-8").replace("  id: demo/demo.xlsx", f"  id: {EMULATOR_KEY}\n  backend: gsheets", 1)
        self.project = base / "demo-emulator.yaml"
        self.project.write_text(text, encoding="utf-8")

    @staticmethod
    def _answers(url: str, request: object) -> bool:
        try:
            request.urlopen(url + "/", timeout=2)  # type: ignore[attr-defined]
        except OSError as exc:
            return hasattr(exc, "code")  # an HTTP error: something answered
        return True

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
            self.proc.wait()
        self.log.close()


# -- the whole command ----------------------------------------------------------------


def run_command(data_dir: Path, db_url: str, project: Path, extra_env: dict[str, str], nights: int = 2) -> list[dict]:
    """``python -m cli run nightly -p <project>`` ``nights`` times, each with Prefect's temporary server;
    wall / CPU / peak of the command, then the flow run's and its task runs' times as Prefect stored them."""
    home = data_dir / "prefect-home"
    home.mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env.update(extra_env)
    env.update(
        PYTHONPATH=str(REPO),
        PREFECT_HOME=str(home),
        SYNERGIA_DATA_DIR=str(data_dir),
        SYNERGIA_DATABASE_URL=db_url,
    )
    out = []
    for night in range(nights):
        log = (data_dir / f"command-{night}.log").open("wb")
        t = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-m", "cli", "run", "nightly", "-p", str(project)], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t
        proc.returncode = os.waitstatus_to_exitcode(status)
        log.close()
        if proc.returncode not in (0, 1):  # 1: the run finished but a source was skipped
            tail = (data_dir / f"command-{night}.log").read_text(encoding="utf-8", errors="replace")[-3000:]
            raise SystemExit(f"`synergia run nightly` exited with {proc.returncode}:\n{tail}")
        flow, tasks = flow_run_times(home)
        out.append(
            {
                "wall": wall,
                "cpu": usage.ru_utime + usage.ru_stime,
                "peak_mb": usage.ru_maxrss / 1024,
                "flow": flow,
                "tasks": tasks,
            }
        )
    return out


def flow_run_times(home: Path) -> tuple[float, dict[str, float]]:
    """The latest flow run's start→end seconds and its task runs' (name → seconds), from the
    temporary server's database in ``home`` (Prefect's own tables; counts and times only)."""
    import sqlite3
    from datetime import datetime

    def seconds(a: str, b: str) -> float:
        return (datetime.fromisoformat(b) - datetime.fromisoformat(a)).total_seconds()

    db = sqlite3.connect(home / "prefect.db")
    try:
        run_id, start, end = db.execute(
            "SELECT id, start_time, end_time FROM flow_run WHERE start_time IS NOT NULL ORDER BY start_time DESC LIMIT 1"
        ).fetchone()
        tasks = {
            name.rsplit("-", 1)[0]: seconds(a, b)
            for name, a, b in db.execute(
                "SELECT name, start_time, end_time FROM task_run WHERE flow_run_id = ? AND end_time IS NOT NULL ORDER BY start_time",
                (run_id,),
            )
        }
    finally:
        db.close()
    return seconds(start, end), tasks


# -- orchestration ------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.nightly")
    ap.add_argument("--rows", type=int, default=20_000, help="form rows over the recruitment tabs (target: 100000)")
    ap.add_argument("--db", choices=("sqlite", "postgresql", "both"), default="both")
    ap.add_argument("--pg-url", help="an existing PostgreSQL server (a database per run is created in it)")
    ap.add_argument("--rounds", type=int, default=1, help="children per database; medians printed")
    ap.add_argument("--backend", choices=("workbook", "emulator"), default="workbook", help="spreadsheet backend (default: workbook)")
    ap.add_argument(
        "--mode",
        choices=("steps", "cli", "both"),
        default="steps",
        help="steps: the flow's steps in-process; cli: the whole `synergia run nightly` command; both",
    )
    ap.add_argument("--workbook", type=Path, help="use this workbook (copied), do not write one")
    ap.add_argument("--save-workbook", type=Path, help="keep the generated workbook here (for --workbook next time)")
    ap.add_argument(
        "--unchanged-full",
        action="store_true",
        help="also a third night, unchanged again, with SYNERGIA_FULL_SYNC=1: the full read beside the skipped one",
    )
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--data-dir", help=argparse.SUPPRESS)
    ap.add_argument("--db-url", help=argparse.SUPPRESS)
    ap.add_argument("--project-path", default=str(PROJECT), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        return child(args)

    base = Path(tempfile.mkdtemp(prefix="synergia-bench-nightly-"))
    stop_pg = None
    emulators: list[Emulator] = []
    try:
        print(
            f"load: {os.getloadavg()[0]:.2f} {os.getloadavg()[1]:.2f} {os.getloadavg()[2]:.2f} (1/5/15 min), {os.cpu_count()} cores",
            flush=True,
        )
        book = base / "demo.xlsx"
        t, c = time.perf_counter(), time.process_time()
        if args.workbook:
            shutil.copy(args.workbook, book)
            stats = {}
        else:
            stats = write_workbook(book, args.rows)
            if args.save_workbook:
                shutil.copy(book, args.save_workbook)
        print(
            f"workbook: {book.stat().st_size / 1e6:.1f} MB in {time.perf_counter() - t:.1f} s (cpu {time.process_time() - c:.1f} s); "
            f"tabs {json.dumps(stats, ensure_ascii=False)}",
            flush=True,
        )
        from config.project import load_project

        project = load_project(PROJECT)
        form_tabs = sorted({s.worksheet for s in project.sources if s.kind == "recruitment"})
        reads = [yardstick(book, form_tabs) for _ in range(max(1, args.rounds))]
        yard = statistics.median(t for t, _ in reads)
        args.rows = reads[0][1] - len(form_tabs)  # the form rows really there (--workbook: not --rows)
        print(f"yardstick (bare python-calamine read of the form tabs): {yard:.2f} s", flush=True)

        dbs = ["sqlite", "postgresql"] if args.db == "both" else [args.db]
        pg_root = None
        if "postgresql" in dbs and not args.pg_url:
            pg_base = Path(tempfile.mkdtemp(prefix="synergia-bench-pg-"))
            pg_root, stop_pg = start_postgres(pg_base)
        elif args.pg_url:
            pg_root = args.pg_url
        modes = ["steps", "cli"] if args.mode == "both" else [args.mode]
        ok = True
        for db in dbs:
            for mode in modes:
                results = []
                for r in range(args.rounds):
                    data_dir = base / f"{db}-{mode}-{r}"
                    (data_dir / "demo").mkdir(parents=True)
                    shutil.copy(book, data_dir / "demo" / "demo.xlsx")
                    url = (
                        f"sqlite:///{data_dir / 'synergia.db'}"
                        if db == "sqlite"
                        else fresh_pg_database(pg_root, f"bench_nightly_{mode}_{r}")
                    )
                    project_path, env = PROJECT, {}
                    if args.backend == "emulator":
                        t = time.perf_counter()
                        emulators.append(Emulator(book, data_dir / "emulator"))
                        project_path, env = emulators[-1].project, emulators[-1].env
                        print(f"  emulator seeded in {time.perf_counter() - t:.1f} s", flush=True)
                    if mode == "cli":
                        results.append(run_command(data_dir, url, project_path, env))
                    else:
                        nights = []
                        for night in range(3 if args.unchanged_full else 2):  # each night in its own process, as each run is
                            full = {"SYNERGIA_FULL_SYNC": "1"} if night == 2 else {}
                            proc = subprocess.run(
                                [sys.executable, "-m", "benchmarks.nightly", "--child", "--data-dir", str(data_dir), "--db-url", url]
                                + ["--project-path", str(project_path)],
                                cwd=REPO,
                                capture_output=True,
                                text=True,
                                env={**os.environ, **env, **full},
                            )
                            if proc.returncode:
                                print(proc.stderr[-4000:], file=sys.stderr)
                                return 1
                            nights.append(json.loads(proc.stdout.strip().splitlines()[-1]))
                        results.append(
                            {
                                "nights": [n["nights"][0] for n in nights],
                                **{k: max(n[k] for n in nights) for k in ("peak_mb", "own_mb", "pss_mb")},
                            }
                        )
                    if emulators:
                        emulators.pop().stop()
                    shutil.rmtree(data_dir, ignore_errors=True)
                label = f"{db}, {args.backend}"
                ok &= report(label, results, yard, args.rows) if mode == "steps" else report_command(label, results, args.rows)
        return 0 if ok else 1
    finally:
        for emu in emulators:
            emu.stop()
        if stop_pg:
            subprocess.run(stop_pg, capture_output=True)
        shutil.rmtree(base, ignore_errors=True)


def report_command(label: str, results: list[list[dict]], rows: int) -> bool:
    """The whole command's numbers (medians over rounds) beside the flow run's and its tasks'."""
    med = statistics.median
    print(f"\n[{label}] `synergia run nightly`, {len(results)} round(s), medians (s):")
    print(f"  {'':28s} {'first':>9s} {'unchanged':>9s}")
    lines = [
        ("command wall", lambda n: n["wall"]),
        ("command cpu (+ children)", lambda n: n["cpu"]),
        ("flow run (Prefect start→end)", lambda n: n["flow"]),
        ("sum of task runs", lambda n: sum(n["tasks"].values())),
        ("outside the flow run", lambda n: n["wall"] - n["flow"]),
        ("flow run minus its tasks", lambda n: n["flow"] - sum(n["tasks"].values())),
    ]
    for name, get in lines:
        print(f"  {name:28s} {med(get(r[0]) for r in results):9.2f} {med(get(r[1]) for r in results):9.2f}")
    for task in results[0][0]["tasks"]:
        a, b = (med(r[n]["tasks"].get(task, 0.0) for r in results) for n in (0, 1))
        print(f"    task {task:26s} {a:6.2f} {b:9.2f}")
    peak = max(n["peak_mb"] for r in results for n in r)
    first, same = (med(r[n]["flow"] for r in results) for n in (0, 1))
    scale = rows / TARGETS["target_rows"]
    ok = True
    for name, value, target, unit in (
        ("first night (flow run)", first, TARGETS["first_s"] * scale, "s"),
        ("unchanged night (flow run)", same, TARGETS["unchanged_s"] * scale, "s"),
        ("peak memory (command)", peak, TARGETS["peak_mb"], "MB"),
    ):
        passed = value <= target
        ok &= passed
        print(f"  {'PASS' if passed else 'FAIL'} {name}: {value:.1f} {unit} (target <= {target:.1f} {unit})")
    print(f"  ({rows / first:,.0f} / {rows / same:,.0f} rows/s of flow run; the command adds Python's and Prefect's start-up)")
    return ok


def report(db: str, results: list[dict], yard: float, rows: int) -> bool:
    med = statistics.median
    print(f"\n[{db}] steps in-process, {len(results)} round(s), medians; counts of round 1:")
    third = len(results[0]["nights"]) > 2
    for night, label in ((0, "first night"), (1, "unchanged night"), (2, "unchanged night, SYNERGIA_FULL_SYNC=1"))[: 3 if third else 2]:
        n0 = results[0]["nights"][night]
        # Google Sheets (the emulator) has no cheap fingerprint: its fast path reads the cells, then skips
        fast = "sources read, not validated or synced again" if "emulator" in db else "sources not read again"
        path = f"{fast} (fast path)" if n0.get("sources_unchanged") else "sources read and validated (full path)"
        print(f"  {label}: {path}; {json.dumps(n0['counts'])} dedupe {json.dumps(n0['dedupe'])}")
    n = results[0]["nights"][0]["rows"]
    print(f"  {'step (wall s, cpu s, rows/s)':28s} {'first':>24s} {'unchanged':>24s}  peak MB after (first)")
    for s in STEPS:
        a, ac = (med(r["nights"][0][k][s] for r in results) for k in ("times", "cpu"))
        b, bc = (med(r["nights"][1][k][s] for r in results) for k in ("times", "cpu"))
        mb = med(r["nights"][0].get("peak", {}).get(s, 0.0) for r in results)
        extra = ""
        if third:
            c, cc = (med(r["nights"][2][k][s] for r in results) for k in ("times", "cpu"))
            extra = f"   full: {c:7.2f} {cc:7.2f}"
        print(f"  {s:28s} {a:7.2f} {ac:7.2f} {n / max(a, 1e-9):8,.0f} {b:7.2f} {bc:7.2f} {n / max(b, 1e-9):8,.0f}  {mb:7.0f}{extra}")
    first = med(r["nights"][0]["total"] for r in results)
    same = med(r["nights"][1]["total"] for r in results)
    peak = med(r.get("pss_mb") or r["peak_mb"] for r in results)
    rss_sum = med(r["peak_mb"] for r in results)
    # the targets are for 100k rows: scaled linearly for other sizes (a smaller run must be proportionally faster)
    scale = rows / TARGETS["target_rows"]
    t_first, t_same = TARGETS["first_s"] * scale, TARGETS["unchanged_s"] * scale
    first_cpu = med(r["nights"][0]["cpu_total"] for r in results)
    same_cpu = med(r["nights"][1]["cpu_total"] for r in results)
    print(
        f"  {'flow total':28s} {first:7.2f} {first_cpu:7.2f} {same:7.2f} {same_cpu:7.2f}   ({n} source rows; "
        f"{n / first:,.0f} / {n / same:,.0f} rows/s wall; unchanged night reused "
        f"{results[0]['nights'][1].get('reused', 0)} validations)"
    )
    if third:
        full_wall = med(r["nights"][2]["total"] for r in results)
        full_cpu = med(r["nights"][2]["cpu_total"] for r in results)
        print(
            f"  {'flow total, unchanged full':28s} {full_wall:7.2f} {full_cpu:7.2f}   (the same unchanged night with SYNERGIA_FULL_SYNC=1)"
        )
    print(
        "  (cpu = CPU time of this process and its forked workers: on a loaded machine the steady number; PostgreSQL's own CPU not in it)"
    )
    print(
        f"  peak memory: {peak:.0f} MB PSS of this process + its workers, sampled every 100 ms "
        f"(ru_maxrss of this process + its largest worker, shared pages counted twice: {rss_sum:.0f} MB)"
    )
    print(f"  ratio to yardstick ({yard:.2f} s): first {first / yard:.1f}x, unchanged {same / yard:.1f}x")
    checks = [
        ("first night", first, t_first, "s"),
        ("unchanged night", same, t_same, "s"),
        ("peak memory (PSS)", peak, TARGETS["peak_mb"], "MB"),
    ]
    ok = True
    for name, value, target, unit in checks:
        passed = value <= target
        ok &= passed
        print(
            f"  {'PASS' if passed else 'FAIL'} {name}: {value:.1f} {unit} (target <= {target:.1f} {unit}"
            f"{'' if unit == 'MB' or scale == 1 else ', scaled from 100k rows'})"
        )
    return ok


if __name__ == "__main__":
    sys.exit(main())
