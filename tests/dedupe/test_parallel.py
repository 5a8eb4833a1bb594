"""Two processes give exactly the single-process result (large batches fork a worker)."""
from __future__ import annotations

from synergia.dedupe.cluster import cluster_records
from synergia.dedupe.engine import deduplicate
from synergia.dedupe.normalize import normalize_record
from synergia.dedupe.parallel import PARALLEL_MIN, worth_forking
from synergia.dedupe.synthetic import generate_records


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
    kwargs = dict(must_link=[(ids[0], ids[1])], cannot_link=[(ids[2], ids[3])],
                  groups={ids[4]: "p1", ids[5]: "p1"}, new=ids[1500:])
    serial = cluster_records(records, processes=1, **kwargs)
    forked = cluster_records(records, processes=2, **kwargs)
    assert serial.pairs_compared > 0
    assert _dump(forked) == _dump(serial)


def test_small_batches_stay_single_process():
    assert not worth_forking(PARALLEL_MIN - 1, None)
    assert not worth_forking(10**6, 1)
    assert worth_forking(10, 2)
