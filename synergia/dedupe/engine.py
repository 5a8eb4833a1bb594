"""Dedupe plain dict records in one call (CLI, benchmark, tests)."""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Any, Callable, Iterator, Mapping, Sequence

from synergia.dedupe.cluster import ClusterResult, cluster_records
from synergia.dedupe.compare import Thresholds
from synergia.dedupe.normalize import normalize_record

INPUT_FIELDS = ("first_name", "last_name", "email", "phone", "pesel", "birth_date", "gender",
                "street", "postal_code", "city", "organisation")


@contextmanager
def no_gc() -> Iterator[None]:
    """Pause the cyclic garbage collector: matching allocates ~10 objects per
    record and creates no cycles, and the collector's passes cost ~20 %."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def deduplicate(
    rows: Sequence[Mapping[str, Any]],
    id_field: str = "record_id",
    thresholds: Thresholds = Thresholds(),
    on_progress: Callable[[int], None] | None = None,
) -> ClusterResult:
    """Cluster ``rows`` (each with a unique ``id_field``) into persons."""
    with no_gc():
        records = []
        for i, row in enumerate(rows):
            records.append(normalize_record(row, i, row[id_field]))
            if on_progress is not None and i % 1000 == 999:
                on_progress(1000)
        if on_progress is not None:
            on_progress(len(rows) % 1000)
        return cluster_records(records, thresholds)


def cluster_ids(result: ClusterResult) -> dict[Any, Any]:
    """record id -> cluster id, the cluster id being its smallest record id (stable across runs and orders)."""
    return {rid: members[0] for members in result.clusters for rid in members}
