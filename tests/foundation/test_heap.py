"""``heap.no_gc``: the collector paused for a block; a big block's survivors frozen, a small one's not."""

from __future__ import annotations

import gc
import weakref

from synergia import heap


class _Node:
    pass


def test_collector_paused_inside_and_restored_after():
    assert gc.isenabled()
    with heap.no_gc():
        assert not gc.isenabled()
    assert gc.isenabled()


def test_collector_left_off_when_it_was_off():
    gc.disable()
    try:
        with heap.no_gc():
            pass
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_big_block_survivors_are_frozen_and_still_freed_by_refcount(monkeypatch):
    monkeypatch.setattr(heap, "FREEZE_AFTER", 5_000)
    gc.collect()
    before = gc.get_freeze_count()
    try:
        with heap.no_gc():
            rows = [{"row": [n]} for n in range(10_000)]
            probe = _Node()
            rows.append({"probe": probe})
        assert gc.get_freeze_count() >= before + 20_000  # the rows' dicts and lists, not scanned again
        assert gc.get_count()[0] < 1_000  # nothing left for the next young collection
        alive = weakref.ref(probe)
        del rows, probe
        assert alive() is None  # reference counting frees frozen objects as before
    finally:
        gc.unfreeze()


def test_small_block_is_not_frozen(monkeypatch):
    monkeypatch.setattr(heap, "FREEZE_AFTER", 5_000)
    gc.collect()
    before = gc.get_freeze_count()
    with heap.no_gc():
        rows = [{"row": [n]} for n in range(100)]
    assert gc.get_freeze_count() == before
    assert rows


def test_freezing_survives_an_exception_in_the_block(monkeypatch):
    monkeypatch.setattr(heap, "FREEZE_AFTER", 5_000)
    gc.collect()
    try:
        try:
            with heap.no_gc():
                rows = [[n] for n in range(10_000)]
                raise ValueError("boom")
        except ValueError:
            pass
        assert gc.isenabled() and rows
    finally:
        gc.unfreeze()
