"""Two processes give exactly the single-process result (large batches fork a worker)."""

from __future__ import annotations

from devtools.synthetic import generate_records
from synergia.dedupe.cluster import cluster_records
from synergia.dedupe.engine import deduplicate
from synergia.dedupe.normalize import normalize_record
from synergia.parallel import PARALLEL_MIN, worth_forking


def _dump(result) -> bytes:
    """Every field as text (pickle bytes would also encode which equal strings share an object)."""
    return repr((result.clusters, result.merges, result.reviews, result.vetoed, result.pairs_compared)).encode()


def test_two_processes_byte_identical_to_one():
    rows, _truth = generate_records(6000, seed=11)
    serial = deduplicate(rows, processes=1)
    forked = deduplicate(rows, processes=2)
    assert serial.merges and serial.reviews and serial.vetoed  # the data exercises every path
    assert _dump(forked) == _dump(serial)


def test_two_processes_with_staff_decisions_and_new_records():
    rows, _truth = generate_records(3000, seed=5)
    records = [normalize_record(r, i, r["record_id"]) for i, r in enumerate(rows)]
    ids = [r.rid for r in records]
    kwargs = dict(must_link=[(ids[0], ids[1])], cannot_link=[(ids[2], ids[3])], groups={ids[4]: "p1", ids[5]: "p1"}, new=ids[1500:])
    serial = cluster_records(records, processes=1, **kwargs)
    forked = cluster_records(records, processes=2, **kwargs)
    assert serial.pairs_compared > 0
    assert _dump(forked) == _dump(serial)


def test_small_batches_stay_single_process():
    assert not worth_forking(PARALLEL_MIN - 1, None)
    assert not worth_forking(10**6, 1)
    assert worth_forking(10, 2)


def test_worker_part_is_real_and_keeps_namesakes_together():
    """The forked run is only a test of the split if both processes get work, and
    records that share a contact, home or town under one name must land on one side."""
    from synergia.dedupe.blocking import candidate_pair_arrays
    from synergia.dedupe.cluster import _Groups, _namesake_indexes, _worker_side, namesake_tie_hashes

    rows, _truth = generate_records(6000, seed=11)
    records = [normalize_record(r, i, r["record_id"]) for i, r in enumerate(rows)]
    pi, pj = candidate_pair_arrays(records)
    g = _Groups(records, {})
    side = _worker_side(g, len(records), pi, pj, namesake_tie_hashes(records, places=True))
    worker_pairs = int(side[pi].sum())
    assert 0.3 < worker_pairs / len(pi) < 0.7
    assert (side[pi] == side[pj]).all()  # no candidate pair crosses the parts
    for index in _namesake_indexes(records, range(len(records)), places=True):
        for members in index.values():
            assert len({bool(side[m]) for m in members}) == 1


def test_components_match_a_plain_union_find():
    import random

    import numpy as np

    from synergia.dedupe.blocking import components

    rnd = random.Random(7)
    for _ in range(100):
        n = rnd.randint(1, 200)
        m = rnd.randint(0, 300)
        i = np.array([rnd.randrange(n) for _ in range(m)], dtype=np.int64)
        j = np.array([rnd.randrange(n) for _ in range(m)], dtype=np.int64)
        parent = list(range(n))

        def find(x: int, parent: list[int] = parent) -> int:
            while parent[x] != x:
                x = parent[x]
            return x

        for a, b in zip(i.tolist(), j.tolist()):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        assert components(n, [(i, j)] if m else []).tolist() == [find(x) for x in range(n)]


def test_a_failing_worker_raises_in_the_parent():
    import pytest

    from synergia.parallel import fork_pair

    assert fork_pair(lambda: 1, lambda: (2, "dwa")) == (1, (2, "dwa"))

    def boom():
        raise ValueError("jan.kowalski@example.pl")  # a message may quote a cell: it must not travel

    with pytest.raises(RuntimeError, match=r"ValueError at test_parallel\.py:\d+") as err:
        fork_pair(lambda: 1, boom)
    assert "@" not in str(err.value)


def test_a_worker_that_fails_dies_or_hangs_is_redone_here_when_asked():
    """In a Prefect task the fork is an optimisation: the result must not depend on the worker."""
    import os
    import time

    import pytest

    from synergia.parallel import fork_pair

    parent = os.getpid()

    def fails():
        if os.getpid() != parent:
            raise ValueError("only in the worker")
        return "here"

    def dies():
        if os.getpid() != parent:
            os._exit(3)
        return "here"

    def hangs():
        if os.getpid() != parent:
            time.sleep(60)
        return "here"

    assert fork_pair(lambda: 1, fails, redo_here=True) == (1, "here")
    assert fork_pair(lambda: 1, dies, redo_here=True) == (1, "here")
    started = time.perf_counter()
    assert fork_pair(lambda: 1, hangs, redo_here=True, patience=0.5) == (1, "here")
    assert time.perf_counter() - started < 10
    with pytest.raises(RuntimeError, match="died"):
        fork_pair(lambda: 1, dies)
