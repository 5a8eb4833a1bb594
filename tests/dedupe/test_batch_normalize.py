"""The batch paths of the speed work give exactly what the one-record paths give."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from synergia.dedupe.blocking import _unique
from synergia.dedupe.engine import _packed, _unpacked, deduplicate
from synergia.dedupe.normalize import PESEL_KEY, as_tuple, normalize_record, normalize_records
from tests.examples import examples

# few values per field, so a batch repeats them (the memo is hit); equal-but-different
# keys (1, 1.0, True; a str and a date), no-value answers, spaces and case variants
TEXT = ["Żaneta", " żaneta ", "ŻANETA", "Gośka", "Szczęsna-Wróbel", "brak", "-", "", "  ", None, "Nie dotyczy"]
ODD = [1, 1.0, True, 0, False, Decimal("1"), date(1987, 4, 12)]
FIELDS = {
    "first_name": TEXT + ["Krysa", "Bożydar", 1, True],
    "last_name": TEXT + ["Ćwik", "Dąbrowska", "dabrowski"],
    "email": ["ola.k@wp.pl", "OLA.K@WP.PL ", "o.l.a.k+x@gmail.com", "olak@gmail.com", "nie-mail", "brak", None, 1],
    "phone": ["512 345 678", "+48512345678", "0048 512-345-678", "123", "000 000 000", None, 1.0, 512345678],
    "pesel": ["87041212345", "8704121234", "brak", "abc 12", None, 87041212345, True],
    PESEL_KEY: ["k1", "k2", None, "", 1],
    "birth_date": ["12.04.1987", "1987-04-12", "1987 04 12", "31.02.1990", date(1987, 4, 12), None, 1],
    "gender": ["Kobieta", "pani", "M", "x", None, 1, True],
    "postal_code": ["05-077", "5077", "05077", "ab-cde", None, 5077],
    "street": ["ul. Długa 3", "Dluga 3", "al. Róż 1", None, 3],
    "city": ["Łódź", "LODZ", "brak", None, 1.0],
    "organisation": ["Koło Gospodyń", None, "", True],
}
row = st.fixed_dictionaries({k: st.sampled_from(v) for k, v in FIELDS.items()}, optional={"id": st.sampled_from(ODD)})


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(row, min_size=1, max_size=40), st.integers(0, 5))
def test_batch_equals_one_record_at_a_time(rows, start):
    for k, r in enumerate(rows):
        r["record_id"] = f"r{k}" if k % 3 else k  # str and int ids
    got = normalize_records(rows, start, len(rows))
    want = [normalize_record(rows[i], i, rows[i]["record_id"]) for i in range(start, len(rows))]
    assert list(map(as_tuple, got)) == list(map(as_tuple, want))


def test_batch_without_record_id_falls_back_like_one_record():
    rows = [{"id": 7, "record_id": None, "first_name": "Ola"}, {"record_id": None, "first_name": "Ola"}]
    got = normalize_records(rows, id_field="record_id")
    assert [r.rid for r in got] == [normalize_record(r).rid for r in rows] == [7, None]


@given(st.lists(st.integers(-(2**63), 2**63 - 1), max_size=60) | st.lists(st.integers(0, 5), max_size=60))
def test_sort_unique_equals_numpy_unique(values):
    a = np.asarray(values, dtype=np.int64)
    assert np.array_equal(_unique(a), np.unique(a))


class Ref:
    """A record id marshal cannot send (the worker falls back to pickle)."""

    def __init__(self, n: int) -> None:
        self.n = n

    def __hash__(self) -> int:
        return hash(self.n)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Ref) and other.n == self.n

    def __repr__(self) -> str:
        return f"Ref({self.n})"


def test_worker_result_packing_round_trips_and_falls_back():
    plain = [["a", None, ("x", 1, 2.5, True)], frozenset({"k"})]
    assert _packed(plain)[:1] == b"m" and _unpacked(_packed(plain)) == plain
    odd = [[Ref(1), Ref(2)]]
    assert _packed(odd)[:1] == b"p" and _unpacked(_packed(odd)) == odd


def test_two_processes_with_ids_marshal_cannot_send():
    rows = [
        {"record_id": Ref(k), "first_name": "Ola", "last_name": f"Nowak{k % 7}", "email": f"o{k % 5}@wp.pl", "birth_date": "1990-01-01"}
        for k in range(300)
    ]
    one, two = deduplicate(rows, processes=1), deduplicate(rows, processes=2)
    assert one.merges
    assert repr((one.clusters, one.merges, one.reviews)) == repr((two.clusters, two.merges, two.reviews))


def test_a_cell_of_spaces_is_an_empty_field():
    """It raised IndexError (and stopped the whole run) before."""
    r = normalize_record({"record_id": "x", "first_name": "Ola", "last_name": " \t ", "email": "   ", "city": " "})
    assert (r.fn, r.ln, r.ln_root, r.email, r.city) == ("ola", "", "", None, "")


def test_ids_given_beside_the_rows():
    rows = [{"first_name": "Ola", "email": "ola.k@wp.pl"}, {"first_name": "Jan"}, {"last_name": "Ćwik"}]
    got = normalize_records(rows, 1, rids=[10, 11, 12])
    assert list(map(as_tuple, got)) == [as_tuple(normalize_record(rows[i], i, 10 + i)) for i in (1, 2)]
