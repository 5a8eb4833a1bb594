"""Seconds of a whole ``synergia demo`` process (what ``make demo`` runs after the install), cold and warm.

- **cold**: a fresh copy of the project's sources (nothing of the project
  compiled, ``PYTHONDONTWRITEBYTECODE``), a fresh data dir and so a fresh
  ``PREFECT_HOME`` (new Prefect database), the workbook generated; with
  ``--busy`` (default) one CPU-burning process per core runs alongside, as on a
  machine doing something else. The virtualenv is the installed one (``make
  install`` compiles its bytecode).
- **warm**: the same command again in the same data dir, project compiled
  (``make demo`` the second time).

Yardstick, in the same process: the same warm run with
``SYNERGIA_EARLY_PREFECT_SERVER=0``, i.e. Prefect starting its own temporary
server when the first flow runs instead of ours started first thing (see
``synergia/prefect_server.py``). ``--breakdown`` adds where the time goes
(CLI import, flows import, temporary server start alone).

Targets (issue 11): warm <= 30 s, cold <= 90 s with both cores busy.

Usage: python -m benchmarks.demo [--quick] [--no-busy] [--breakdown]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
WARM_TARGET, COLD_TARGET = 30.0, 90.0


def copy_sources(target: Path) -> Path:
    """The tracked files of this checkout (no ``__pycache__``), as a fresh clone would have them."""
    files = subprocess.run(["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True).stdout.split(b"\0")
    for name in filter(None, files):
        src = ROOT / name.decode()
        if src.is_file():
            dst = target / name.decode()
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    # uncommitted work counts too (a developer benchmarking their change)
    for src in ROOT.rglob("*.py"):
        rel = src.relative_to(ROOT)
        if rel.parts[0] in (".venv", ".tools", "var") or "__pycache__" in rel.parts:
            continue
        (target / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target / rel)
    return target


def _burn() -> None:  # pragma: no cover — runs in a child process
    while True:
        pass


class Burners:
    """One CPU-burning process per core while the block runs."""

    def __init__(self, n: int | None = None):
        self.n = n or os.cpu_count() or 2
        self.procs: list[multiprocessing.Process] = []

    def __enter__(self) -> Burners:
        ctx = multiprocessing.get_context("spawn")
        self.procs = [ctx.Process(target=_burn, daemon=True) for _ in range(self.n)]
        for p in self.procs:
            p.start()
        return self

    def __exit__(self, *exc) -> None:
        for p in self.procs:
            p.kill()
            p.join(5)


def demo_env(data: Path, *, source: Path | None = None, cold: bool = False, extra: dict | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "SYNERGIA_"))}
    env["SYNERGIA_DATA_DIR"] = str(data)  # PREFECT_HOME follows: <data>/prefect (synergia.bootstrap)
    env["PYTHONPATH"] = str(source or ROOT)
    if cold:
        env["PYTHONDONTWRITEBYTECODE"] = "1"
    env.update(extra or {})
    return env


def run_demo(
    data: Path,
    *,
    source: Path | None = None,
    cold: bool = False,
    extra: dict | None = None,
    timeout: float = 600,
    args: tuple[str, ...] = (),
) -> tuple[float, subprocess.CompletedProcess]:
    """``python -m cli demo`` (the ``synergia`` script's code path) in ``data``'s parent; seconds and result."""
    data.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "cli", "demo", *args],
        cwd=data.parent,
        env=demo_env(data, source=source, cold=cold, extra=extra),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    return time.perf_counter() - started, result


def _seconds(code: str, env: dict) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, check=True, capture_output=True, cwd=ROOT)
    return time.perf_counter() - started


def breakdown(data: Path) -> dict[str, float]:
    env = demo_env(data)
    env["PREFECT_HOME"] = str(data / "prefect")
    out = {
        "python + CLI import": _seconds("import synergia.bootstrap, cli.app", env),
        "flows import (prefect client, pandas, ...)": _seconds(
            "import synergia.bootstrap as b; b.prefect_environment(); import flows.nightly, flows.monthly", env
        ),
    }
    code = (
        "import subprocess, sys, time, urllib.request, socket\n"
        "s = socket.socket(); s.bind(('127.0.0.1', 0)); port = s.getsockname()[1]; s.close()\n"
        "p = subprocess.Popen([sys.executable, '-m', 'synergia.prefect_server', str(port), str(__import__('os').getpid())])\n"
        "while True:\n"
        "    try:\n"
        "        urllib.request.urlopen(f'http://127.0.0.1:{port}/api/health', timeout=1); break\n"
        "    except OSError: time.sleep(0.1)\n"
        "p.terminate(); p.wait()\n"
    )
    out["temporary Prefect server start (alone)"] = _seconds(code, env)
    return out


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="cold + warm only (no yardstick, no breakdown)")
    ap.add_argument("--no-busy", dest="busy", action="store_false", help="no CPU burners during the cold run")
    ap.add_argument("--breakdown", action="store_true", help="also time the parts")
    args = ap.parse_args()
    base = Path(tempfile.mkdtemp(prefix="synergia-bench-demo-"))
    failed = False
    try:
        source = copy_sources(base / "clone")
        with Burners() if args.busy else _Null():
            cold, result = run_demo(base / "cold" / "var", source=source, cold=True)
        failed |= result.returncode != 0
        print(
            f"cold{' (both cores busy)' if args.busy else ''}: {cold:6.1f} s  exit {result.returncode}  "
            f"target <= {COLD_TARGET:.0f} s  {'OK' if cold <= COLD_TARGET and not result.returncode else 'MISSED'}",
            flush=True,
        )
        run_demo(base / "warm" / "var")  # first run: workbook, registry, Prefect database, bytecode
        warm, result = run_demo(base / "warm" / "var")
        failed |= result.returncode != 0
        print(
            f"warm: {warm:6.1f} s  exit {result.returncode}  target <= {WARM_TARGET:.0f} s  "
            f"{'OK' if warm <= WARM_TARGET and not result.returncode else 'MISSED'}",
            flush=True,
        )
        if not args.quick:
            yard, result = run_demo(base / "warm" / "var", extra={"SYNERGIA_EARLY_PREFECT_SERVER": "0"})
            print(
                f"yardstick, warm with Prefect's own temporary server: {yard:6.1f} s  exit {result.returncode}  "
                f"ratio ours/yardstick {warm / yard:.2f}",
                flush=True,
            )
        if args.breakdown:
            for what, seconds in breakdown(base / "warm" / "var").items():
                print(f"  {what}: {seconds:5.1f} s", flush=True)
        if failed:
            print(result.stdout[-3000:] + result.stderr[-3000:])
    finally:
        shutil.rmtree(base, ignore_errors=True)
    return 1 if failed else 0


class _Null:
    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        pass


if __name__ == "__main__":
    sys.exit(main())
