"""When the read may fork a worker (``synergia.parallel``): enough work, and a small process.

A forked worker's peak memory counts every page it inherits (``ru_maxrss`` of a child includes
the parent's resident pages), and the nightly benchmark's peak is this process's peak plus its
largest worker's. Forked from a process that already holds a night's registry and dedupe state
(a second night in one process), a worker would count that twice: then the read stays in one
process. The first step of a fresh process (the nightly flow) is small and forks.
"""

from __future__ import annotations

import os

from synergia.parallel import worth_forking

#: resident MB of this process above which the read does not fork
MAX_PARENT_MB = 640


def resident_mb() -> float | None:
    """This process's resident memory now (``/proc/self/statm``), None where it cannot be read."""
    try:
        with open("/proc/self/statm", "rb") as fh:
            return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except (OSError, ValueError, IndexError):
        return None


def may_fork(n: int, processes: int | None, minimum: int) -> bool:
    """``worth_forking``; with ``processes=None`` (automatic) also only while this process is small."""
    if not worth_forking(n, processes, minimum):
        return False
    if processes is not None:
        return True
    rss = resident_mb()
    return rss is None or rss <= MAX_PARENT_MB
