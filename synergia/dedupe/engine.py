"""Dedupe plain dict records in one call (CLI, benchmark, tests)."""

from __future__ import annotations

import marshal
import pickle
from array import array
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from synergia.dedupe.blocking import key_hashes
from synergia.dedupe.cluster import ClusterResult, cluster_records, namesake_tie_hashes
from synergia.dedupe.compare import Thresholds
from synergia.dedupe.normalize import NormRecord, normalize_records, record_columns
from synergia.heap import no_gc
from synergia.parallel import split_run, worth_forking

PROGRESS_STEP = 1000  # rows normalised between two progress reports (one process)
#: rows normalised here when a worker is forked: the worker also packs its part for the way back,
#: this process unpacks it and rebuilds the records (measured at 100k records: the two then finish together)
PARENT_SHARE = 0.55


def deduplicate(
    rows: Sequence[Mapping[str, Any]],
    id_field: str = "record_id",
    thresholds: Thresholds = Thresholds(),
    on_progress: Callable[[int], None] | None = None,
    processes: int | None = None,
) -> ClusterResult:
    """Cluster ``rows`` (each with a unique ``id_field``) into persons.

    ``processes``: None = two processes for large batches (same result as
    one), 1 = always in this process. ``on_progress(n)``: n more rows normalised
    (per 1,000 rows in one process, all at once in two)."""
    with no_gc():
        if worth_forking(len(rows), processes):

            def normalize_slice(lo: int, hi: int) -> tuple[list[NormRecord], tuple[list[int], ...]]:
                recs = normalize_records(rows, lo, hi, id_field)
                return recs, (*key_hashes(recs), *namesake_tie_hashes(recs))

            def normalize_plain(lo: int, hi: int) -> tuple[bytes, tuple[bytes, ...]]:
                # the worker sends its records as columns of plain values (marshal: 3x faster than
                # pickling records) and its hashes as raw int64 bytes (stdlib array: no numpy here)
                cols = record_columns(rows, lo, hi, id_field)
                recs = list(map(NormRecord, *cols))
                hashed = (*key_hashes(recs), *namesake_tie_hashes(recs))
                cols[1] = None  # idx: the parent knows its range
                return _packed(cols), tuple(array("q", h).tobytes() for h in hashed)

            def normalize_here(lo: int, hi: int) -> tuple[list[NormRecord], tuple[list[int], ...]]:
                import numpy  # noqa: F401 - loaded here while the worker normalises, not before the fork

                return normalize_slice(lo, hi)

            (records, mine), (packed, raw) = split_run(normalize_here, normalize_plain, len(rows), parent_share=PARENT_SHARE)
            theirs = _unpacked(packed)
            del packed
            theirs[1] = range(len(records), len(rows))
            records += map(NormRecord, *theirs)
            ks, vs, ts, tv = (_joined(own, other) for own, other in zip(mine, raw))
            del theirs, raw, mine
            if on_progress is not None:
                on_progress(len(rows))  # two processes: one step for the whole normalisation
            return cluster_records(records, thresholds, processes=processes, hashed=(ks, vs), ties=(ts, tv))
        if on_progress is None:
            records = normalize_records(rows, 0, len(rows), id_field)
        else:
            records = []
            for lo in range(0, len(rows), PROGRESS_STEP):  # one batch per progress step
                records += normalize_records(rows, lo, min(lo + PROGRESS_STEP, len(rows)), id_field)
                on_progress(len(records) - lo)
        return cluster_records(records, thresholds, processes=processes)


def _packed(value: Any) -> bytes:
    """``value`` as bytes: marshal for plain values (the common case), pickle otherwise
    (a record id of another type); one leading byte says which."""
    try:
        return b"m" + marshal.dumps(value)
    except ValueError:
        return b"p" + pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)


def _unpacked(data: bytes) -> Any:
    return marshal.loads(memoryview(data)[1:]) if data[:1] == b"m" else pickle.loads(memoryview(data)[1:])


def _joined(own: list[int], other: bytes) -> Any:
    """This process's hash list followed by the worker's (raw int64 bytes), as one array."""
    import numpy as np

    return np.concatenate((np.asarray(own, dtype=np.int64), np.frombuffer(other, dtype=np.int64)))


def cluster_ids(result: ClusterResult) -> dict[Any, Any]:
    """record id -> cluster id, the cluster id being its smallest record id (stable across runs and orders)."""
    return {rid: members[0] for members in result.clusters for rid in members}
