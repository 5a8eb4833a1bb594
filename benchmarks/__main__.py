"""Run every benchmark: ``python -m benchmarks [--quick] [NAME ...]``.

Each benchmark prints its own numbers and the ratio against a yardstick run in
the same process (see each module's docstring). ``--quick`` passes small sizes
where a benchmark supports it (dedupe: FEBRL1 + Polish 2k). Long ones (``OPT_IN``: ``topology``,
six projects on a Prefect server with PostgreSQL and two workers) run only when named.
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import time

BENCHMARKS = ("dedupe", "certificates", "mail", "sheets", "indicators", "demo", "nightly", "generator")
OPT_IN = ("topology",)  # long: run only when named, e.g. ``python -m benchmarks topology``
QUICK_ARGS = {
    "dedupe": ["--quick"],
    "certificates": ["--n", "100"],
    "mail": ["--n", "100"],
    "sheets": ["--rows", "5000"],
    "indicators": ["--persons", "5000"],
    "demo": ["--quick"],
    "nightly": ["--rows", "5000"],
    "generator": ["--people", "10000"],
    "topology": ["--rows", "2000"],
}


def main() -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__.splitlines()[0])
    ap.add_argument("names", nargs="*", help=f"any of {', '.join(BENCHMARKS)}; opt-in: {', '.join(OPT_IN)}")
    ap.add_argument("--quick", action="store_true", help="small sizes, for a first look")
    args = ap.parse_args()
    names = args.names or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS + OPT_IN]
    if unknown:
        ap.error(f"unknown benchmark(s): {', '.join(unknown)}")
    failed = []
    for name in names:
        importlib.import_module(f"benchmarks.{name}")  # fail fast on a broken import
        print(f"\n=== benchmarks.{name} ===", flush=True)
        started = time.perf_counter()
        # each in its own process: peak-memory numbers must not include the previous benchmark
        code = subprocess.call([sys.executable, "-m", f"benchmarks.{name}", *(QUICK_ARGS[name] if args.quick else [])])
        print(f"--- benchmarks.{name}: exit {code}, {time.perf_counter() - started:.1f} s", flush=True)
        if code:
            failed.append(name)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
