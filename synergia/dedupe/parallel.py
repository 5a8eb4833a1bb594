"""Split a pure per-item stage between this process and one forked worker.

Large batches (the 100k benchmark, a first full import) spend most of their
time in normalisation and pair scoring, both pure functions of their input.
The worker is forked *after* the input exists, so it reads it from inherited
memory (nothing is pickled on the way in); only its results come back, as
plain tuples (pickling dataclasses costs 4x more). The parent does the first
part itself and appends the worker's part after its own, so the output is the same list, in the same order, as a serial run.
Small batches (nightly runs) stay single-process: a fork costs more than it saves.
"""
from __future__ import annotations

import multiprocessing
import os
from typing import Any, Callable

PARALLEL_MIN = 20_000  # records; below this a second process does not pay off

_job: Callable[[int, int], Any] | None = None  # set before forking, read by the child


def _run_job(lo: int, hi: int) -> Any:
    assert _job is not None
    return _job(lo, hi)


def worth_forking(n: int, processes: int | None) -> bool:
    """``processes``: None = automatic (2 on a multi-core machine above PARALLEL_MIN), 1 = serial."""
    if processes is None:
        return n >= PARALLEL_MIN and (os.cpu_count() or 1) >= 2 and "fork" in multiprocessing.get_all_start_methods()
    return processes >= 2


def split_run(mine: Callable[[int, int], Any], theirs: Callable[[int, int], Any], n: int,
              parent_share: float = 0.5) -> tuple[Any, Any]:
    """``(mine(0, cut), theirs(cut, n))``, the second computed in a forked child.

    ``theirs`` should return plain tuples/strings (pickled back to us); the
    caller decodes and appends them after its own part."""
    global _job
    cut = int(n * parent_share)
    _job = theirs
    try:
        with multiprocessing.get_context("fork").Pool(1) as pool:
            pending = pool.apply_async(_run_job, (cut, n))
            own = mine(0, cut)
            return own, pending.get()
    finally:
        _job = None
