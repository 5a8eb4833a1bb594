"""Incremental dedupe nights (stored matching views, skipped matching on unchanged nights) give
exactly what normalising every application again gives, on SQLite and PostgreSQL.

Two registries live the same nights (new rows, corrected rows, a correction that keeps the
content hash, staff TAK/NIE, an unmerge, gone rows, an erasure); one runs ``run_dedupe`` as the
nightly does, the other with ``full=True`` (every application normalised again, matching always
run). Their registries must be equal row for row after every night, whatever the scoring rules.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import DateTime, select

import synergia.dedupe.store as store
import synergia.registry.all_tables  # noqa: F401 - every table in Base.metadata
from synergia.dedupe.normalize import normalize_record
from synergia.dedupe.store import decode_record, encode_record, run_dedupe, unmerge
from synergia.registry.base import Base
from synergia.registry.db import Registry
from synergia.registry.tables import Application, Person
from synergia.registry.tables_dedupe import DedupeNorm, DedupeReview
from synergia.sheets.review_tab import StaffDecision

P = "proj"
T0 = datetime(2026, 3, 1, 2, 0)

# our own people (not the synthetic generator): households share a phone or mailbox,
# namesakes live in one town, rows come with diminutives, case, formats and typos
FIRST = [("Małgorzata", "Gosia"), ("Krzysztof", "Krzyś"), ("Agnieszka", "Aga"), ("Tomasz", "Tomek"), ("Zofia", "Zosia")]
LAST = [("Wiśniewska", "Wiśniewski"), ("Dąbrowska", "Dąbrowski"), ("Zielińska", "Zieliński"), ("Lewandowska", "Lewandowski")]
TOWNS = ["Kielce", "Radom", "Sandomierz"]


def _person(rng: random.Random, n: int) -> dict:
    female = n % 2 == 0
    first = FIRST[rng.randrange(len(FIRST))][0] if female else rng.choice(["Piotr", "Marek", "Paweł"])
    last = LAST[rng.randrange(len(LAST))][0 if female else 1]
    return {
        "first_name": first,
        "last_name": last,
        "birth_date": f"19{rng.randint(50, 99)}-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}",
        "email": f"{first[:3].lower()}.{n}@poczta.pl",
        "phone": f"5{rng.randint(10, 99)}{n:06d}",
        "city": rng.choice(TOWNS),
        "postal_code": f"2{rng.randint(5, 7)}-{rng.randint(100, 999)}",
        "street": f"ul. Leśna {n % 7 + 1}",
    }


def _application(rng: random.Random, people: list[dict]) -> dict:
    base = dict(rng.choice(people))
    row = {k: v for k, v in base.items() if rng.random() < 0.8}
    row.setdefault("first_name", base["first_name"])
    row.setdefault("last_name", base["last_name"])
    for full, short in FIRST:
        if row["first_name"] == full and rng.random() < 0.3:
            row["first_name"] = short
    if rng.random() < 0.2:
        row["last_name"] = row["last_name"].upper()
    if "phone" in row and rng.random() < 0.3:
        p = row["phone"]
        row["phone"] = f"+48 {p[:3]} {p[3:6]} {p[6:]}"
    if "email" in row and rng.random() < 0.2:
        row["email"] = row["email"].upper()
    if rng.random() < 0.1:  # a household: someone else's phone
        row["phone"] = rng.choice(people)["phone"]
    if rng.random() < 0.05:
        row["birth_date"] = "brak"
    return row


def _hash(data: dict) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()


def _add(session, data: dict, row: int) -> None:
    session.add(
        Application(
            project=P,
            source_id="rekrutacja",
            spreadsheet="wb.xlsx",
            worksheet="Odpowiedzi",
            row_number=row,
            row_key=f"r{row}",
            kind="recruitment",
            content_hash=_hash(data),
            data=data,
            person=Person(project=P),
        )
    )


def _dump(session) -> dict[str, list[tuple]]:
    """Every row of every table the step touches, without timestamps and the erasure's random
    values (its own ``now``, the anonymised row's random hash and key)."""
    out = {}
    for name in ("persons", "applications", "dedupe_merges", "dedupe_assignments", "dedupe_decisions", "dedupe_reviews", "dedupe_seen"):
        table = Base.metadata.tables[name]
        cols = [c for c in table.c if not isinstance(c.type, DateTime) and c.name not in ("content_hash", "row_key")]
        out[name] = [tuple(r) for r in session.execute(select(*cols).order_by(*table.primary_key.columns))]
    return out


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def two_registries(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[Registry, Registry]]:
    if request.param == "sqlite":
        urls = [f"sqlite:///{tmp_path / 'a.db'}", f"sqlite:///{tmp_path / 'b.db'}"]
        created = []
    else:
        base = request.getfixturevalue("pg_url")
        created = [f"t_{uuid.uuid4().hex[:12]}" for _ in range(2)]
        admin = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in created:
                conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        urls = [base.rsplit("/", 1)[0] + f"/{name}" for name in created]
    regs = Registry(urls[0]), Registry(urls[1])
    yield regs
    for r in regs:
        r.dispose()
    if created:
        admin = sqlalchemy.create_engine(base, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            for name in created:
                conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_incremental_nights_equal_normalising_everything_every_night(two_registries, monkeypatch) -> None:
    nightly, full = two_registries
    rng = random.Random(5)
    people = [_person(rng, n) for n in range(45)]
    rows = [_application(rng, people) for _ in range(260)]
    for k in range(0, 140, 20):  # a question for staff: one name at one address, two phones (a parent and child?)
        home = {f: people[k // 4][f] for f in ("first_name", "last_name", "street", "postal_code", "city")}
        rows[k], rows[k + 1] = {**home, "phone": f"60{k:07d}"}, {**home, "phone": f"70{k:07d}", "birth_date": "1970-01-01"}
    calls = []  # one entry per application normalised (a batch of n adds n)
    real = store.record_columns
    monkeypatch.setattr(store, "record_columns", lambda rows, *a, **k: calls.extend(rows) or real(rows, *a, **k))

    def both(change, decisions=()):
        """One night on both registries; returns (nightly counts, full counts, records normalised by the nightly run)."""
        out = []
        for reg, is_full in ((nightly, False), (full, True)):
            with reg.session() as s:
                change(s)
            calls.clear()
            with reg.session() as s:
                counts = run_dedupe(s, P, decisions=decisions, now=T0 + timedelta(days=len(history)), full=is_full)
            out += [counts.as_dict(), len(calls)]
        with nightly.session() as a, full.session() as b:
            assert _dump(a) == _dump(b), f"night {len(history)}"
        history.append(out)
        return out[0], out[2], out[1]

    history: list = []

    def add(lo, hi):
        def change(s):
            for n in range(lo, hi):
                _add(s, rows[n], n + 2)

        return change

    c1, f1, normalised = both(add(0, 150))
    assert c1 == f1 and normalised == 150 and c1["persons_merged"] > 0

    # nothing new: the nightly run matches nothing and normalises nothing
    c2, f2, normalised = both(lambda s: None)
    assert normalised == 0 and c2["new_or_changed"] == 0 and c2 == f2

    def corrections(s):
        for n in range(150, 220):
            _add(s, rows[n], n + 2)
        apps = s.scalars(select(Application).where(Application.project == P).order_by(Application.id)).all()
        for app in apps[:8]:  # corrected rows: new content
            data = {**app.data, "phone": "48 600 700 8" + str(app.id % 10) + str(app.id % 7)}
            app.data, app.content_hash, app.version = data, _hash(data), app.version + 1
        for app in apps[10:14]:  # the same content hash, other data (validation rules changed)
            app.data, app.version = {**app.data, "email": f"inna.{app.id}@poczta.pl"}, app.version + 1

    c3, f3, normalised = both(corrections)
    assert c3 == f3 and c3["new_or_changed"] == 78 and normalised == 70 + 8 + 4

    # staff answer the open review pairs: TAK on some, NIE on the others
    with nightly.session() as s:
        open_pairs = s.execute(
            select(DedupeReview.application_a, DedupeReview.application_b).where(DedupeReview.status == "open").order_by(DedupeReview.id)
        ).all()
    assert len(open_pairs) >= 4
    with nightly.session() as s:  # and a TAK on two rows staff know are one person (never asked)
        (_p1, first), (_p2, second) = list(_members(s).items())[-2:]
    decisions = [StaffDecision(a, b, n % 2 == 0) for n, (a, b) in enumerate(open_pairs[:6])] + [StaffDecision(first[0], second[0], True)]
    c4, f4, normalised = both(lambda s: None, decisions)
    assert c4 == f4 and c4["decisions_recorded"] == len(decisions) and normalised == 0  # views from the store

    # an unmerge (staff split a person), then a night with nothing new
    with nightly.session() as s:
        pid, app_ids = next((p, ids) for p, ids in _members(s).items() if len(ids) >= 3)

    def split(s):
        unmerge(s, P, pid, app_ids[-1:], now=T0)

    c5, f5, normalised = both(split)
    assert c5 == f5 and normalised == 0

    # rows gone from the sheet, and an erased person (anonymised)
    from synergia.rodo.erase import erase

    with nightly.session() as s:
        gone, erased = list(_members(s).items())[3:5], next(iter(_members(s)))

    def leave(s):
        for _pid, ids in gone:
            for app in s.scalars(select(Application).where(Application.id.in_(ids))):
                app.active = False
        erase(s, P, erased, "anonymise", salt=b"salt", outbox_dir=None, operator="test")

    c6, f6, _ = both(leave)
    assert c6 == f6
    with nightly.session() as s:
        erased_ids = s.scalars(select(Application.id).where(Application.person_id == erased)).all()
        assert erased_ids and not s.scalars(select(DedupeNorm).where(DedupeNorm.application_id.in_(erased_ids))).all()

    c7, f7, _ = both(add(220, 260))
    assert c7 == f7 and c7["new_or_changed"] == 40


def _members(session) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for a_id, pid in session.execute(
        select(Application.id, Application.person_id).where(Application.project == P, Application.active.is_(True)).order_by(Application.id)
    ):
        out.setdefault(pid, []).append(a_id)
    return out


def test_a_changed_normaliser_rebuilds_every_stored_view_once(tmp_path: Path, monkeypatch) -> None:
    reg = Registry(f"sqlite:///{tmp_path / 'r.db'}")
    rng = random.Random(9)
    people = [_person(rng, n) for n in range(10)]
    calls = []  # one entry per application normalised (a batch of n adds n)
    real = store.record_columns
    monkeypatch.setattr(store, "record_columns", lambda rows, *a, **k: calls.extend(rows) or real(rows, *a, **k))
    try:
        with reg.session() as s:
            for n in range(30):
                _add(s, _application(rng, people), n + 2)
        with reg.session() as s:
            run_dedupe(s, P)
        assert len(calls) == 30
        monkeypatch.setattr(store, "norm_scheme", lambda: "another-normaliser")
        with reg.session() as s:
            _add(s, _application(rng, people), 40)
        calls.clear()
        with reg.session() as s:
            run_dedupe(s, P)
        assert len(calls) == 31  # every view rebuilt under the new scheme
        with reg.session() as s:
            _add(s, _application(rng, people), 41)
        calls.clear()
        with reg.session() as s:
            run_dedupe(s, P)
            assert set(s.scalars(select(DedupeNorm.scheme))) == {"another-normaliser"}
        assert len(calls) == 1
    finally:
        reg.dispose()


@pytest.mark.parametrize(
    "row",
    [
        {"first_name": "Łucja", "last_name": "Nowak-Kowalska", "pesel": "02270803628", "email": "Ł.x@wp.pl"},
        {"first_name": " zbigniew ", "last_name": "brak", "phone": "000 000 000", "postal_code": "2100"},
        {"first_name": "Anna Maria", "last_name": "Żółć", "pesel_key": "ab" * 32, "gender": "Kobieta"},
        {"first_name": "\u200bEwa", "last_name": "O'Brien", "birth_date": "1990 03 07", "organisation": "OSP Łęczna"},
        {},
    ],
)
def test_a_stored_view_reads_back_equal(row: dict) -> None:
    r = normalize_record(row, 3, 17)
    assert decode_record(encode_record(r), 3, 17) == r


def test_an_unchanged_night_runs_no_matching_but_a_new_tak_does(tmp_path: Path, monkeypatch) -> None:
    reg = Registry(f"sqlite:///{tmp_path / 'r.db'}")
    rng = random.Random(4)
    people = [_person(rng, n) for n in range(8)]
    runs = []
    real = store.cluster_records
    monkeypatch.setattr(store, "cluster_records", lambda *a, **k: runs.append(1) or real(*a, **k))
    try:
        with reg.session() as s:
            for n in range(20):
                _add(s, _application(rng, people), n + 2)
        with reg.session() as s:
            run_dedupe(s, P)
        assert len(runs) == 1
        with reg.session() as s:
            assert run_dedupe(s, P).new_or_changed == 0
        assert len(runs) == 1  # nothing new, nothing decided: no matching
        with reg.session() as s:
            (_p1, first), (_p2, second) = list(_members(s).items())[:2]
            run_dedupe(s, P, decisions=[StaffDecision(first[0], second[0], True)])
        assert len(runs) == 2  # a staff TAK across two persons is matching work
        with reg.session() as s:
            members = _members(s)
            assert any(first[0] in ids and second[0] in ids for ids in members.values())
            run_dedupe(s, P, decisions=[StaffDecision(first[0], second[0], True)])  # the same answer again
        assert len(runs) == 2
    finally:
        reg.dispose()
