"""Split work between this process and one forked worker.

Large batches (the 100k benchmark, a first full import) spend most of their
time in normalisation (split by rows) and in scoring and merging (split into
parts that share no pair, see ``cluster.cluster_records``). The worker is
forked *after* the input exists, so it reads it from inherited memory (nothing
is pickled on the way in); only its results come back, as plain tuples
(pickling dataclasses costs 4x more). The caller combines both parts so the
output is exactly that of a serial run. Small batches (nightly runs) stay
single-process: a fork costs more than it saves.
"""

from __future__ import annotations

import os
import pickle
from collections.abc import Callable
from typing import Any

PARALLEL_MIN = 20_000  # records; below this a second process does not pay off


def worth_forking(n: int, processes: int | None) -> bool:
    """``processes``: None = automatic (2 on a multi-core machine above PARALLEL_MIN), 1 = serial."""
    if processes is None:
        return n >= PARALLEL_MIN and (os.cpu_count() or 1) >= 2 and hasattr(os, "fork")
    return processes >= 2


def split_run(mine: Callable[[int, int], Any], theirs: Callable[[int, int], Any], n: int, parent_share: float = 0.5) -> tuple[Any, Any]:
    """``(mine(0, cut), theirs(cut, n))``, the second computed in a forked child.

    ``theirs`` should return plain tuples/strings (pickled back to us); the
    caller decodes and appends them after its own part."""
    cut = int(n * parent_share)
    return fork_pair(lambda: mine(0, cut), lambda: theirs(cut, n))


def fork_pair(mine: Callable[[], Any], theirs: Callable[[], Any]) -> tuple[Any, Any]:
    """``(mine(), theirs())``, the second computed in a forked child at the same time.

    A bare ``os.fork`` and a pipe: a ``multiprocessing.Pool`` costs ~0.1 s to
    start and shut down, a tenth of the work it would save here. The child
    pickles its result (or its error's type and place, never its message) into
    the pipe and leaves with ``_exit``."""
    read_fd, write_fd = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            os.close(read_fd)
            try:
                payload = pickle.dumps((True, theirs()), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:
                # the type and where, never the message: it may quote a cell (RODO)
                import traceback

                frame = traceback.extract_tb(exc.__traceback__)[-1:]
                where = f" at {os.path.basename(frame[0].filename)}:{frame[0].lineno}" if frame else ""
                payload = pickle.dumps((False, f"{type(exc).__name__}{where}"))
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    os.close(write_fd)
    try:
        own = mine()
    finally:
        with os.fdopen(read_fd, "rb") as pipe:
            payload = pipe.read()
        os.waitpid(pid, 0)
    if not payload:
        raise RuntimeError("worker process died without a result")
    ok, result = pickle.loads(payload)
    if not ok:
        raise RuntimeError(f"worker process failed: {result}")
    return own, result
