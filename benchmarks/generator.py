"""Generating the demo/benchmark workbook, against a yardstick in the same process.

- measured: ``devtools.demo.generator.generate_workbook`` for N people of a project
  (default: the demo project, 100k people → ~121k form rows), wall and CPU time;
  the workbook is read back (openpyxl read-only) to check the row counts it reported;
- yardstick: the same number of rows × the widest tab's columns of one constant string,
  written with openpyxl in write-only mode (the fastest openpyxl way; the generator
  itself writes inline-string sheet parts, devtools.demo.xlsx).

Usage: python -m benchmarks.generator [--people 100000] [--project demo] [--no-yardstick]
Target: 100k people in <= 20 s wall time. On a machine busy with other work the CPU time
(printed too) is the number that says what an idle machine takes.
"""

from __future__ import annotations

import argparse
import resource
import sys
import tempfile
import time
from pathlib import Path

TARGET_SECONDS = 20.0
TARGET_PEOPLE = 100_000


def _yardstick(rows: int, width: int, path: Path) -> float:
    from openpyxl import Workbook

    started = time.perf_counter()
    wb = Workbook(write_only=True)
    ws = wb.create_sheet("Yardstick")
    row = ["Wartość tekstowa"] * width
    for _ in range(rows):
        ws.append(row)
    wb.save(path)
    return time.perf_counter() - started


def main(argv: list[str] | None = None) -> int:
    from openpyxl import load_workbook

    from config.project import load_project
    from devtools.demo.generator import generate_workbook

    ap = argparse.ArgumentParser(prog="python -m benchmarks.generator")
    ap.add_argument("--people", type=int, default=TARGET_PEOPLE)
    ap.add_argument("--project", default="demo", help="slug of config/projects/<slug>.yaml")
    ap.add_argument("--no-yardstick", action="store_true")
    args = ap.parse_args(argv)

    project = load_project(Path(__file__).resolve().parent.parent / "config" / "projects" / f"{args.project}.yaml")
    work = Path(tempfile.mkdtemp(prefix="bench-generator-"))
    out = work / "demo.xlsx"
    wall, cpu = time.perf_counter(), time.process_time()
    stats = generate_workbook(project, out, seed=2026, people=args.people)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024

    wb = load_workbook(out, read_only=True)
    try:
        width = 0
        for tab, count in stats.items():
            ws = wb[tab]
            rows = sum(1 for _ in ws.iter_rows(values_only=True)) - 1
            if rows != count:
                print(f"FAIL: tab '{tab}' has {rows} rows, generator reported {count}")
                return 1
            width = max(width, ws.max_column or 0)
    finally:
        wb.close()
    total = sum(stats.values())
    print(
        f"people={args.people} project={args.project}: {total:,} rows in {len(stats)} tabs, "
        f"{out.stat().st_size / 2**20:.1f} MB; wall {wall:.2f} s, CPU {cpu:.2f} s "
        f"({total / wall:,.0f} rows/s), peak RSS {peak_mb:.0f} MB"
    )
    if not args.no_yardstick:
        base = _yardstick(total, width, work / "yardstick.xlsx")
        print(
            f"yardstick (openpyxl write-only, {total:,} rows x {width} constant strings): {base:.2f} s; "
            f"generator / yardstick = {wall / base:.2f}"
        )
    scaled = wall * TARGET_PEOPLE / args.people
    ok = scaled <= TARGET_SECONDS
    note = "" if args.people == TARGET_PEOPLE else f" (scaled linearly to {TARGET_PEOPLE:,} people: {scaled:.1f} s)"
    print(
        f"target {TARGET_PEOPLE:,} people <= {TARGET_SECONDS:.0f} s wall{note}: {'PASS' if ok else 'FAIL'}"
        + ("" if ok or cpu > 0.8 * wall else f" — the machine is busy: CPU {cpu:.1f} s of {wall:.1f} s wall")
    )
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
