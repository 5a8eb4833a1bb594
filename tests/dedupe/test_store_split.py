"""The nightly dedupe's fast paths give what the plain paths give (own hostile values, not the
generator's): the split of matching between two processes and the bulk rows (COPY on PostgreSQL)."""

from __future__ import annotations

from datetime import date, timedelta

import numpy as np
from stdnum.pl import pesel as stdnum_pesel

import synergia.dedupe.cluster as cluster
from synergia.dedupe.blocking import candidate_pair_arrays, components
from synergia.dedupe.compare import plain_vetoes, veto_fields
from synergia.dedupe.normalize import normalize_record
from tests.dedupe.test_store_bulk_sql import registry  # noqa: F401 - the SQLite / PostgreSQL fixture

FIRST = ["Zenon", "Bożena", "Ryszard", "Halina", "Wiesław", "Jadwiga", "Czesław", "Grażyna", "Tadeusz", "Urszula"]


def _pesel(born: date, serial: int, woman: bool) -> str:
    month = born.month + (20 if born.year >= 2000 else 0)
    digits = f"{born.year % 100:02d}{month:02d}{born.day:02d}{serial % 1000:03d}{(serial % 5) * 2 + (0 if woman else 1)}"
    return digits + stdnum_pesel.calc_check_digit(digits)


def _chained_rows(n: int = 2400) -> list[dict]:
    """One surname and postcode for everybody, ten first names, a distinct valid PESEL each, and
    an e-mail and a phone shared by neighbours of different names (a family's): every blocking key chains
    records whose PESELs differ (refused by ``plain_vetoes``, never scored) into one part; every
    fifth person filled a second form (the same PESEL, a typo or another phone): scored pairs."""
    rows = []
    for k in range(n):
        name = FIRST[k % len(FIRST)]
        born = date(1951, 1, 1) + timedelta(days=(k * 37) % 20000)
        row = {
            "record_id": f"r{k:05d}",
            "first_name": name,
            "last_name": "Wójcik" if k % 2 else "Wójcik-Zając ",
            "pesel": _pesel(born, k, name.endswith("a")),
            "postal_code": "43-100",
            "city": "Tychy",
            "street": f"ul. Długa {k % 40}",
            "email": f"dom{k // 2}@poczta.example",
            "phone": f"60{(k + 1) // 2:07d}",
        }
        rows.append(row)
        if k % 5 == 0:
            again = dict(row, record_id=f"s{k:05d}", phone=f"51{k:07d}")
            if k % 10 == 0:
                again["first_name"] = name[:-1] + name[-1] * 2  # a typo
            rows.append(again)
    return rows


def _dump(result) -> str:
    return repr((result.clusters, result.merges, result.reviews, result.vetoed, result.pairs_compared))


def test_refused_pairs_do_not_tie_the_parts_and_forked_matching_equals_one_process(monkeypatch) -> None:
    rows = _chained_rows()
    records = [normalize_record(r, i, r["record_id"]) for i, r in enumerate(rows)]
    n = len(records)
    pi, pj = candidate_pair_arrays(records, [True] * n)
    plain = plain_vetoes(veto_fields(records), pi, pj)
    assert np.bincount(components(n, [(pi, pj)])).max() > 0.9 * n  # all pairs: one part, nothing to share out
    sides = []

    def spy(*args):
        sides.append(real(*args))
        return sides[-1]

    real = cluster._worker_side
    monkeypatch.setattr(cluster, "_worker_side", spy)
    new = [r.rid for r in records]
    serial = cluster.cluster_records(records, new=new, processes=1)
    forked = cluster.cluster_records(records, new=new, processes=2)
    assert serial.merges and serial.vetoed > 1000
    assert _dump(forked) == _dump(serial)
    (side,) = sides
    scored = ~plain
    assert 0.3 < side[pi[scored]].sum() / scored.sum() < 0.7  # both processes score
    assert (side[pi[scored]] == side[pj[scored]]).all()
    assert len({bool(side[r.idx]) for r in records if r.name_key == records[0].name_key and r.street == records[0].street}) == 1


HOSTILE = [
    "tab\there, new\nline, cr\r, back\\slash, \\N, \\., 'quote' \"dq\" ; --",
    "Łódź żółć ĄĘ — emoji 🙂 zero\u200bwidth bidi\u202e nbsp\u00a0",
    "",
    " leading and trailing ",
    "x" * 5000,
]


def test_bulk_views_and_history_rows_store_what_sqlalchemy_stores(registry) -> None:  # noqa: F811 - the imported fixture
    """``_insert_rows`` (SQLite: the driver's executemany; PostgreSQL: COPY) against SQLAlchemy's
    own executemany, on text COPY would have to escape, NULLs and timestamps."""
    from datetime import datetime

    from sqlalchemy import delete

    from synergia.dedupe import store
    from synergia.registry.tables import Person
    from synergia.registry.tables_dedupe import DedupeAssignment, DedupeNorm
    from tests.dedupe.test_store_bulk_sql import _application, _as_text

    with registry.session() as s:
        person = Person(project="p")
        s.add(person)
        s.flush()
        apps = [_application(n, person.id, {"first_name": "Ola"}, source_id="r", row_key=f"k{n}") for n in range(len(HOSTILE))]
        s.add_all(apps)
        s.flush()
        stamps = [datetime(2026, 1, 2, 3, 4, 5), datetime(2026, 1, 2, 3, 4, 5, 6), None]
        norms = [(a.id, "s" * 32, f"{n:032x}", text) for n, (a, text) in enumerate(zip(apps, HOSTILE))]
        history = [("p", a.id, None if n % 2 else person.id, person.id, None, HOSTILE[n][:16], stamps[n % 2]) for n, a in enumerate(apps)]
        for table, columns, rows in (
            (DedupeNorm.__table__, ("application_id", "scheme", "data_digest", "record"), norms),
            (DedupeAssignment.__table__, store._ASSIGNMENT_COLUMNS, history),
        ):
            s.execute(table.insert(), [dict(zip(columns, r)) for r in rows])
            reference = _as_text(s, table)
            s.execute(delete(table))
            store._insert_rows(s, table, columns, rows)
            got = _as_text(s, table)
            if "id" in table.c:  # drawn again from the table's sequence / rowid: all else equal, in order
                assert [r[1:] for r in got] == [r[1:] for r in reference]
                assert [int(r[0]) for r in got] == sorted(int(r[0]) for r in got)
            else:
                assert got == reference


def test_the_callers_writes_run_once_beside_a_worker_that_matches_nearly_everything() -> None:
    """``alongside`` runs once in this process and a forked match with ``parent_share`` 0 (the
    worker takes all but the heaviest part) equals one process, on 301 namesakes in one town
    beside a pair of them. (It does not yet reach the only-namesake merge across the parts:
    the proof that the town index must cover every record is in ``_namesake_indexes``.)"""
    name = {"first_name": "Bronisław", "last_name": "Kaczmarczyk", "city": "Pszczyna"}
    rows = [
        {"record_id": "a", **name, "postal_code": "43-200"},
        {"record_id": "b", **name, "postal_code": "43-200", "email": "bk@poczta.example", "phone": "601222333"},
    ]
    rows += [{"record_id": f"o{k:03d}", **name, "postal_code": f"44-{k:03d}", "email": f"b{k}@poczta.example"} for k in range(301)]
    letters = "bcdfghklmnprstwz"
    rows += [  # other people (the name is rare in the batch, so the pair is worth a look)
        {
            "record_id": f"z{k:05d}",
            "first_name": FIRST[k % 10],
            "last_name": "Ko" + letters[k % 16] + letters[k // 16 % 16] + letters[k // 256],
            "city": "Gliwice",
        }
        for k in range(4000)
    ]
    records = [normalize_record(r, i, r["record_id"]) for i, r in enumerate(rows)]
    new = [r.rid for r in records]
    calls = []
    serial = cluster.cluster_records(records, new=new, processes=1)
    forked = cluster.cluster_records(records, new=new, processes=2, alongside=lambda: calls.append(1), parent_share=0.0)
    assert calls == [1]
    assert serial.pairs_compared >= 1 and ["a", "b"] not in serial.clusters
    assert _dump(forked) == _dump(serial)
