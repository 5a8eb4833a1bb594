"""When the read may fork a worker (``synergia.parallel``): enough work, and a small process.

A forked worker shares the pages it inherits until either side writes them (and Python's
reference counts write to most of them). Forked from a process that already holds a night's
registry and dedupe state (several nights in one long-lived process), a worker could copy that
state: then the read stays in one process. The first step of a fresh process (each nightly flow
run) is small and forks.
"""

from __future__ import annotations

from synergia.parallel import resident_mb, worth_forking

#: resident MB of this process above which the read does not fork
MAX_PARENT_MB = 640


def may_fork(n: int, processes: int | None, minimum: int) -> bool:
    """``worth_forking``; with ``processes=None`` (automatic) also only while this process is small."""
    if not worth_forking(n, processes, minimum):
        return False
    if processes is not None:
        return True
    rss = resident_mb()
    return rss is None or rss <= MAX_PARENT_MB
