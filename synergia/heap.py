"""Habits for big in-memory batches (one night's rows, a 100k-record dedupe)."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager

#: objects allocated (and still alive) in one ``no_gc`` block from which its survivors are frozen
#: (a 100k-row night's steps leave 0.5-3 million; a test's or a demo's block a few thousand)
FREEZE_AFTER = 200_000


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause Python's cyclic garbage collector for one batch step. Matching and writing a night
    allocate tens of thousands of containers and make no cycles, yet every collection they
    trigger rescans the whole heap (the night's snapshot and outcomes included): 20–40 % of
    the step's CPU at 20k rows. Reference counting still frees everything as usual.

    After a big block (``FREEZE_AFTER`` objects or more still counted young) its survivors are
    frozen (``gc.freeze``): the collector would otherwise scan them once in the young generation
    as soon as it is enabled again, then again in each older one (at 100k rows 1–2 s per night,
    measured with ``gc.callbacks``), and a forked worker's collector would touch, and so copy,
    their pages. Frozen objects are still freed by reference counting when the night lets go of
    them; only a reference cycle among them would be kept until the process ends."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if gc.get_count()[0] >= FREEZE_AFTER:
            gc.freeze()
        if was:
            gc.enable()
