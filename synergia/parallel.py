"""Split work between this process and one forked worker.

Large batches (the 100k benchmark, a first full import) spend most of their
time in per-row work: normalisation and validation (split by rows), scoring
and merging (split into parts that share no pair, see
``dedupe.cluster.cluster_records``). The worker is forked *after* the input
exists, so it reads it from inherited memory (nothing is pickled on the way
in); only its results come back, as plain tuples (pickling dataclasses costs
4x more). The caller combines both parts so the output is exactly that of a
serial run. Small batches stay single-process: a fork costs more than it saves.

Inside a Prefect task (a process with other threads) a fork is only an
optimisation: with ``redo_here=True`` a worker that fails, dies or stops
answering (a lock another thread held at the fork) is killed and its part is
computed here, so the result never depends on the worker.
"""

from __future__ import annotations

import contextlib
import os
import pickle
import select
import signal
from collections.abc import Callable
from typing import Any

PARALLEL_MIN = 20_000  # records; below this a second process does not pay off
#: seconds without a byte from a worker (after our own part is done) before it is given up
PATIENCE = 60.0


def resident_mb() -> float | None:
    """This process's resident memory now (``/proc/self/statm``), None where it cannot be read:
    what a worker forked now starts from (its pages are shared until either side writes them)."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except (OSError, ValueError, IndexError):
        return None


def worth_forking(n: int, processes: int | None, minimum: int = PARALLEL_MIN) -> bool:
    """``processes``: None = automatic (2 on a multi-core machine from ``minimum`` rows), 1 = serial."""
    if processes is None:
        return n >= minimum and (os.cpu_count() or 1) >= 2 and hasattr(os, "fork")
    return processes >= 2 and hasattr(os, "fork")


def split_run(
    mine: Callable[[int, int], Any], theirs: Callable[[int, int], Any], n: int, parent_share: float = 0.5, *, redo_here: bool = False
) -> tuple[Any, Any]:
    """``(mine(0, cut), theirs(cut, n))``, the second computed in a forked child.

    ``theirs`` should return plain tuples/strings (pickled back to us); the
    caller decodes and appends them after its own part."""
    cut = int(n * parent_share)
    return fork_pair(lambda: mine(0, cut), lambda: theirs(cut, n), redo_here=redo_here)


def fork_pair(
    mine: Callable[[], Any], theirs: Callable[[], Any], *, redo_here: bool = False, patience: float = PATIENCE
) -> tuple[Any, Any]:
    """``(mine(), theirs())``, the second computed in a forked child at the same time.

    A bare ``os.fork`` and a pipe: a ``multiprocessing.Pool`` costs ~0.1 s to
    start and shut down, a tenth of the work it would save here. The child
    pickles its result (or its error's type and place, never its message) into
    the pipe and leaves with ``_exit``. ``redo_here``: a failed, dead or silent
    worker's part is computed in this process instead of raising."""
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
    except BaseException:
        _stop(pid, read_fd)
        raise
    ok, result, said = _answer(pid, read_fd, patience)
    if not ok:
        if redo_here:
            return own, theirs()
        raise RuntimeError(f"worker process failed: {result}" if said else result)
    return own, result


def fork_until_done(
    mine: Callable[[], Any],
    theirs: Callable[[Callable[[], bool], Callable[[Any], None]], Any],
    first: Callable[[Any], Any] = lambda sent: sent,
    *,
    redo_here: bool = False,
    patience: float = PATIENCE,
) -> tuple[Any, Any, Any]:
    """``fork_pair`` in two steps, the worker told when this process is done: ``theirs(done_here,
    send)`` may ``send(x)`` once early (a thread of the worker writes it while the worker goes on)
    and is told by ``done_here()`` (True once ``mine()`` and ``first(x)`` are done here: we close a
    second pipe) to stop optional work and answer. Returns ``(mine(), first(x), theirs' result)``.
    So this process works on the worker's first part (``first``) while the worker goes on with
    optional work (work the caller would otherwise do later). ``redo_here``: a worker that fails,
    dies or stays silent is redone here, with ``done_here`` always True."""
    read_fd, write_fd = os.pipe()
    early_r, early_w = os.pipe()
    done_r, done_w = os.pipe()
    pid = os.fork()
    if pid == 0:  # the child: never returns
        status = 1
        try:
            for fd in (read_fd, early_r, done_w):
                os.close(fd)
            import threading  # imported by the parent already (Prefect, logging): no import lock taken

            writers: list[threading.Thread] = []

            def send(obj: Any) -> None:
                if writers:
                    raise RuntimeError("send() once")
                data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)

                def write() -> None:
                    with os.fdopen(early_w, "wb") as pipe:
                        pipe.write(data)

                writers.append(threading.Thread(target=write, daemon=True))
                writers[-1].start()

            def done_here() -> bool:
                return bool(select.select([done_r], [], [], 0)[0])

            try:
                payload = pickle.dumps((True, theirs(done_here, send)), protocol=pickle.HIGHEST_PROTOCOL)
            except BaseException as exc:
                import traceback

                frame = traceback.extract_tb(exc.__traceback__)[-1:]
                where = f" at {os.path.basename(frame[0].filename)}:{frame[0].lineno}" if frame else ""
                payload = pickle.dumps((False, f"{type(exc).__name__}{where}"))  # never the message (RODO)
            for writer in writers:
                writer.join()
            if not writers:
                os.close(early_w)  # nothing sent early: the end of that pipe
            with os.fdopen(write_fd, "wb") as pipe:
                pipe.write(payload)
            status = 0
        finally:
            os._exit(status)
    for fd in (write_fd, early_w, done_r):
        os.close(fd)
    try:
        own = mine()
        sent, answered = _receive(early_r, patience)
        early = first(pickle.loads(sent)) if answered and sent else _FAILED
    except BaseException:
        os.close(done_w)
        _stop(pid, read_fd)
        raise
    finally:
        with contextlib.suppress(OSError):
            os.close(early_r)
    os.close(done_w)  # the worker's select sees the end of the pipe: done here
    if early is _FAILED:
        _stop(pid, read_fd)
        ok, result = False, "worker process failed before its first part"
    else:
        ok, result, _said = _answer(pid, read_fd, patience)
    if not ok:
        if not redo_here:
            raise RuntimeError(f"worker process failed: {result}")
        here: list = []
        result = theirs(lambda: True, here.append)
        if early is _FAILED:
            early = first(here[0]) if here else None
    return own, early, result


_FAILED = object()


def _answer(pid: int, fd: int, patience: float) -> tuple[bool, Any, bool]:
    """(ok, result or what went wrong, whether the worker said anything) of a forked worker that
    writes one pickle to ``fd``; a worker silent for ``patience`` seconds is killed, and reaped."""
    payload, answered = _receive(fd, patience)
    if not answered:
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
    said = bool(answered and payload)
    try:
        ok, result = pickle.loads(payload) if said else (False, "worker process died without a result")
    except Exception:  # a cut-off pickle: the worker died while writing
        ok, result = False, "worker process died while sending its result"
    return ok, result, said


def _receive(fd: int, patience: float) -> tuple[bytes, bool]:
    """Everything the worker writes until it closes the pipe; ``answered`` False when it stayed
    silent for ``patience`` seconds."""
    chunks = []
    try:
        while True:
            ready, _, _ = select.select([fd], [], [], patience)
            if not ready:
                return b"", False
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks), True
            chunks.append(chunk)
    finally:
        os.close(fd)


def _stop(pid: int, fd: int) -> None:
    os.close(fd)
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)
    os.waitpid(pid, 0)
