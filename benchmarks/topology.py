"""Six projects' nightly runs at once on the production topology (README "Many projects").

PostgreSQL (initdb/pg_ctl; Prefect's database through asyncpg and the registry), ``prefect server start``,
a process work pool, ``deploy.py --work-pool``, two ``prefect worker start`` processes; each project gets
a generated workbook of about ``--rows`` form rows (devtools.demo.generator, the fast XLSX writer), then
every project's nightly deployment is triggered at the same moment. Printed: per project the rows, the
flow run's wall time (Prefect's start → end), the time it waited for a worker/slot and rows/s; in total
the wall time from the triggers to the last run's end and the rows/s of all projects together.
``--nights 2`` triggers an unchanged night after the first.

Usage: python -m benchmarks.topology [--rows 20000] [--nights 1] [--limit 3] [--keep DIR]
Long (generation + a Prefect server start + six nights): opt-in in ``python -m benchmarks``
(``python -m benchmarks topology``), never part of the default run.
No target: the numbers are for sizing a machine. On a 2-core box the six runs share two cores, so the
total is roughly the sum of the single-project nights divided by two.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def _people_for(project, rows: int, probe_dir: Path) -> int:
    """The generator's rows per person differ by project (forms, lists): measure them on a small probe."""
    from devtools.demo.generator import generate_workbook

    probe = 1000
    stats = generate_workbook(project, probe_dir / f"{project.slug}-probe.xlsx", seed=7, people=probe)
    return max(10, round(rows * probe / sum(stats.values())))


def _ts(value: str) -> float:
    return datetime.fromisoformat(value).timestamp()


def main(argv: list[str] | None = None) -> int:
    from config.project import load_project
    from config.settings import PROJECTS_DIR
    from devtools.demo.generator import generate_workbook
    from tests.topology.stack import Topology

    ap = argparse.ArgumentParser(prog="python -m benchmarks.topology")
    ap.add_argument("--rows", type=int, default=20_000, help="form rows per project (approximately)")
    ap.add_argument("--nights", type=int, default=1, choices=(1, 2), help="2: also an unchanged night")
    ap.add_argument("--limit", type=int, default=3, help="flow runs at once per worker (two workers)")
    ap.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one, removed)")
    args = ap.parse_args(argv)

    base = args.keep or Path(tempfile.mkdtemp(prefix="bench-topology-"))
    topo = Topology(base / "topology")
    started = time.perf_counter()
    try:
        topo.start_postgres()
        rows: dict[str, int] = {}
        gen = time.perf_counter()
        for path in sorted(PROJECTS_DIR.glob("*.yaml")):
            project = load_project(path)
            people = _people_for(project, args.rows, base)
            rows[project.slug] = sum(generate_workbook(project, topo.data / project.spreadsheet.id, seed=2026, people=people).values())
        print(
            f"workbooks: {len(rows)} projects, {sum(rows.values()):,} form rows, generated in {time.perf_counter() - gen:.1f} s", flush=True
        )
        step = time.perf_counter()
        topo.start_server(timeout=400)
        print(f"prefect server (PostgreSQL database): up in {time.perf_counter() - step:.1f} s", flush=True)
        step = time.perf_counter()
        topo.create_pool()
        deployments = topo.deploy()
        workers = ["worker-1", "worker-2"]
        for name in workers:
            topo.start_worker(name, limit=args.limit)
        topo.wait_workers_online(workers)
        print(f"work pool, {len(deployments)} deployments, 2 workers: {time.perf_counter() - step:.1f} s", flush=True)
        nightly = {d["name"].removesuffix("-nightly"): d["id"] for d in deployments if d["name"].endswith("-nightly")}
        failed = False
        for night in range(1, args.nights + 1):
            triggered = time.time()
            ids = {slug: topo.trigger(nightly[slug]) for slug in rows}
            runs = topo.wait_finished(list(ids.values()), 7200, watch=workers)
            label = "first night" if night == 1 else "unchanged night"
            print(f"\n{label}: six nightly runs triggered at once")
            print(f"{'project':28} {'rows':>8} {'state':>10} {'waited s':>9} {'flow s':>8} {'rows/s':>8}")
            last_end = triggered
            for slug, run_id in ids.items():
                run = runs[run_id]
                state = run["state"]["type"]
                failed |= state != "COMPLETED"
                start = _ts(run["start_time"]) if run["start_time"] else triggered
                end = _ts(run["end_time"]) if run["end_time"] else time.time()
                last_end = max(last_end, end)
                flow = end - start
                print(
                    f"{slug:28} {rows[slug]:>8,} {state:>10} {start - triggered:>9.1f} {flow:>8.1f} "
                    f"{rows[slug] / flow if flow else 0:>8,.0f}"
                )
            total = last_end - triggered
            print(
                f"{'total':28} {sum(rows.values()):>8,} {'':>10} {'':>9} {total:>8.1f} {sum(rows.values()) / total:>8,.0f}"
                "   (wall: triggers → last end)",
                flush=True,
            )
        print(f"\nwhole benchmark: {time.perf_counter() - started:.1f} s")
        if failed:
            for name in workers:
                print(f"--- {name} log ---\n{topo.log(name)}")
        return 1 if failed else 0
    finally:
        topo.close()
        if not args.keep:
            shutil.rmtree(base, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
