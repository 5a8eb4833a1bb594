"""Properties of clustering: order-independent, never merges vetoed records."""

from __future__ import annotations

import random

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devtools.synthetic import generate_records
from synergia.dedupe.cluster import cluster_records
from synergia.dedupe.compare import veto
from synergia.dedupe.normalize import normalize_record
from tests.examples import examples

FIRST = ["Anna", "Ania", "Maria", "Marta", "Jan", "Janek", "Jana", "Kasia", "Katarzyna", None]
LAST = ["Nowak", "Kowalski", "Kowalska", "KOWALSKA", "Nowak-Kowalska", None]
EMAIL = ["dom@x.pl", "a@x.pl", "b@y.pl", None]
PHONE = ["600100200", "+48 600 100 200", "700100200", None]
DOB = ["1990-01-01", "01.01.1990", "1960-05-05", None]
PESEL = ["90010113784", "90010186702", "60050526112", "90010112345", None]  # three valid, one not
GENDER = ["K", "M", None]

record = st.fixed_dictionaries(
    {
        "first_name": st.sampled_from(FIRST),
        "last_name": st.sampled_from(LAST),
        "email": st.sampled_from(EMAIL),
        "phone": st.sampled_from(PHONE),
        "birth_date": st.sampled_from(DOB),
        "pesel": st.sampled_from(PESEL),
        "gender": st.sampled_from(GENDER),
    }
)


def partition(rows, order):
    recs = [normalize_record(rows[k], i, k) for i, k in enumerate(order)]
    return sorted(tuple(sorted(c)) for c in cluster_records(recs).clusters), recs


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record, min_size=2, max_size=14), st.randoms(use_true_random=False))
def test_clustering_does_not_depend_on_input_order(rows, rnd) -> None:
    order = list(range(len(rows)))
    first, _ = partition(rows, order)
    rnd.shuffle(order)
    second, _ = partition(rows, order)
    assert first == second


@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(record, min_size=2, max_size=14))
def test_no_cluster_holds_a_vetoed_pair(rows) -> None:
    clusters, recs = partition(rows, list(range(len(rows))))
    by_id = {r.rid: r for r in recs}
    for c in clusters:
        for i, a in enumerate(c):
            for b in c[i + 1 :]:
                assert veto(by_id[a], by_id[b]) is None


def test_synthetic_batch_is_order_independent() -> None:
    rows, _ = generate_records(1500, seed=3)
    ids = [r["record_id"] for r in rows]
    a = cluster_records([normalize_record(r, i, r["record_id"]) for i, r in enumerate(rows)]).clusters
    random.Random(5).shuffle(rows)
    b = cluster_records([normalize_record(r, i, r["record_id"]) for i, r in enumerate(rows)]).clusters
    assert sorted(map(tuple, a)) == sorted(map(tuple, b))
    assert sum(map(len, a)) == len(ids)
