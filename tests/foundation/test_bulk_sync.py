"""The bulk (Core-only) sync: an unchanged night sends no write at all, a corrected row is one new
version, and two projects with the same rows in one registry never touch each other's records.
SQLite and PostgreSQL; rows built here with our own values."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import event, func, select

from config.project import load_project
from config.settings import PROJECTS_DIR
from synergia.registry.db import Registry
from synergia.registry.sync import apply_outcomes, mirror_events
from synergia.registry.tables import Application, ApplicationVersion, Attendance, Quarantine
from synergia.sheets.read import read_project_sources
from synergia.sheets.workbook import WorkbookBackend
from synergia.validation.batch import validate_snapshot
from tests.examples import examples

DEMO = load_project(PROJECTS_DIR / "demo.yaml")
OTHER = DEMO.model_copy(update={"slug": "drugi-projekt"})
TAB = "Formularz NGO i rady"
HEADER = [
    "Sygnatura czasowa",
    "Imię",
    "Nazwisko",
    "Adres e-mail",
    "Telefon kontaktowy",
    "PESEL",
    "Data urodzenia",
    "Płeć",
    "Ulica i numer domu",
    "Kod pocztowy",
    "Miejscowość",
    "Gmina",
    "Nazwa organizacji / rady",
    "Typ podmiotu",
    "Wyrażam zgodę na przetwarzanie moich danych osobowych w celu realizacji projektu",
    "Zgoda na publikację wizerunku",
]


def _rows() -> list[list[str]]:
    first = ["Zenobia", "Klemens", "Aurelia", "Bonifacy", "Cecylia", "Dionizy"]
    last = ["Grzebyk", "Miodek", "Parzych", "Stróż", "Wach", "Żmuda"]
    rows = [
        [
            f"2026-05-{d + 1:02d} 09:{d:02d}:00",
            f,
            surname,
            f"{f[:3].lower()}.{surname[:4].lower()}@gmina.example",
            f"+48 700 100 2{d:02d}",
            "",
            f"1{d}.04.198{d}",
            "Kobieta" if f.endswith("a") else "Mężczyzna",
            f"ul. Klonowa {d + 3}",
            "43-100",
            "Tychy",
            "Tychy",
            "Stowarzyszenie Klon",
            "Organizacja pozarządowa",
            "Wyrażam zgodę",
            "Tak",
        ]
        for d, (f, surname) in enumerate(zip(first, last))
    ]
    rows[4][3] = "brak-maila"  # quarantined every night
    return rows


def _write(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.title = TAB
    for r in [HEADER, *rows]:
        ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


@pytest.fixture(params=["sqlite", "postgresql"])
def registry(request: pytest.FixtureRequest, tmp_path: Path) -> Registry:
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    reg = Registry(url)
    yield reg
    reg.dispose()


def _night(reg: Registry, base: Path, project=DEMO) -> tuple[dict, list[str]]:
    snap = read_project_sources(project, WorkbookBackend(base))
    batch = validate_snapshot(project, snap)
    statements: list[str] = []

    def seen(conn, cursor, statement, *args) -> None:
        statements.append(statement.split(None, 1)[0].upper())

    event.listen(reg.engine, "before_cursor_execute", seen)
    try:
        with reg.session() as s:
            mirror_events(s, project)
            counts = apply_outcomes(s, project, batch.outcomes, batch.read_worksheets).as_dict()
    finally:
        event.remove(reg.engine, "before_cursor_execute", seen)
    return counts, statements


def _state(reg: Registry, slug: str) -> list:
    with reg.session() as s:
        apps = s.execute(
            select(
                Application.id,
                Application.row_key,
                Application.row_number,
                Application.version,
                Application.active,
                Application.data,
                Application.person_id,
            )
            .where(Application.project == slug)
            .order_by(Application.id)
        ).all()
        qs = s.execute(
            select(Quarantine.id, Quarantine.row_key, Quarantine.resolved_at, Quarantine.reason_codes)
            .where(Quarantine.project == slug)
            .order_by(Quarantine.id)
        ).all()
    return [tuple(a) for a in apps] + [tuple(q) for q in qs]


def test_unchanged_night_sends_no_write_and_a_correction_is_one_version(registry: Registry, tmp_path: Path) -> None:
    book = tmp_path / DEMO.spreadsheet.id
    rows = _rows()
    _write(book, rows)
    first, _ = _night(registry, tmp_path)
    assert (first["new"], first["quarantined"]) == (5, 1)
    before = _state(registry, DEMO.slug)

    again, statements = _night(registry, tmp_path)
    assert (again["unchanged"], again["new"], again["changed"], again["newly_quarantined"]) == (5, 0, 0, 0)
    assert not [s for s in statements if s in ("INSERT", "UPDATE", "DELETE", "WITH")], statements
    assert _state(registry, DEMO.slug) == before

    rows[1][4] = "+48 700 999 000"  # staff correct a phone
    rows[0], rows[2] = rows[2], rows[0]  # and sort the tab
    _write(book, rows)
    fixed, statements = _night(registry, tmp_path)
    assert (fixed["changed"], fixed["unchanged"], fixed["new"], fixed["moved"]) == (1, 4, 0, 2)
    with registry.session() as s:
        versions = s.scalars(select(ApplicationVersion)).all()
        assert len(versions) == 1 and versions[0].version == 1 and versions[0].data["phone"] == "+48700100201"
        app = s.get(Application, versions[0].application_id)
        assert app.version == 2 and app.data["phone"] == "+48700999000" and app.person_id is not None
        assert sorted(s.scalars(select(Application.row_number).where(Application.project == DEMO.slug))) == [2, 3, 4, 5, 7]


def test_two_projects_with_the_same_rows_keep_their_own_records(registry: Registry, tmp_path: Path) -> None:
    rows = _rows()
    _write(tmp_path / "a" / DEMO.spreadsheet.id, rows)
    _write(tmp_path / "b" / DEMO.spreadsheet.id, rows)
    _night(registry, tmp_path / "a", DEMO)
    _night(registry, tmp_path / "b", OTHER)
    mine = _state(registry, DEMO.slug)
    rows[3][1] = "Bonifacy Jan"
    del rows[0]
    _write(tmp_path / "b" / DEMO.spreadsheet.id, rows)
    other, _ = _night(registry, tmp_path / "b", OTHER)
    assert (other["changed"], other["deactivated"]) == (1, 1)
    assert _state(registry, DEMO.slug) == mine  # the first project's records are untouched
    with registry.session() as s:
        for slug in (DEMO.slug, OTHER.slug):
            assert s.scalar(select(func.count()).select_from(Application).where(Application.project == slug)) == 5
        assert s.scalar(select(func.count()).select_from(Attendance)) == 0
        persons = {
            slug: set(s.scalars(select(Application.person_id).where(Application.project == slug))) for slug in (DEMO.slug, OTHER.slug)
        }
        assert not persons[DEMO.slug] & persons[OTHER.slug]


def test_a_first_night_inserts_in_batches_and_each_application_gets_its_own_row_and_person(registry: Registry, tmp_path: Path) -> None:
    """Not one INSERT per row (SQLAlchemy's ordered RETURNING does that on SQLite); ids come back
    by row key, so every application holds its own row's data and a person of its own, ascending."""
    given = ["Hieronim", "Ludmiła", "Teodozja", "Wawrzyniec", "Kunegunda", "Sobiesław", "Bogumiła", "Radosław"]
    family = ["Kłos", "Nowina", "Pstrąg", "Wierzba", "Zając", "Olcha", "Sikora", "Dąbek", "Jarząb", "Kmieć"]
    base = _rows()[0]
    rows = []
    for n in range(80):
        f, surname = given[n % len(given)], family[n // len(given)]
        row = list(base)
        row[0] = f"2026-06-{n % 28 + 1:02d} {8 + n // 28:02d}:{n % 60:02d}:17"
        row[1], row[2] = f, surname
        row[3] = f"{f[:4].lower()}{n}@wies.example"
        row[4] = f"+48 600 200 {n:03d}"
        rows.append(row)
    rows.append(list(rows[7]))  # a double submission: the same key twice (#2)
    rows[11][3] = "bez-malpy"  # one quarantined row
    _write(tmp_path / DEMO.spreadsheet.id, rows)
    counts, statements = _night(registry, tmp_path)
    assert (counts["new"], counts["quarantined"]) == (80, 1)
    assert statements.count("INSERT") <= 6, statements.count("INSERT")
    with registry.session() as s:
        apps = s.execute(
            select(Application.id, Application.row_number, Application.row_key, Application.data, Application.person_id)
            .where(Application.project == DEMO.slug)
            .order_by(Application.id)
        ).all()
    assert [a.row_number for a in apps] == [n + 2 for n in range(len(rows)) if n != 11]  # inserted in row order
    for a in apps:
        assert a.data["email"] == rows[a.row_number - 2][3]
    assert sum(a.row_key.endswith("#2") for a in apps) == 1
    person_ids = [a.person_id for a in apps]
    assert person_ids == sorted(set(person_ids))  # one each, in the applications' order
    again, statements = _night(registry, tmp_path)
    assert (again["unchanged"], again["new"]) == (80, 0)
    assert not [s for s in statements if s in ("INSERT", "UPDATE", "DELETE", "WITH")], statements


# -- the fast paths against the reference copy of the previous sync, night after night --------------

JST_TAB = "Formularz JST"
JST_HEADER = ["Sygnatura czasowa", "Imię", "Nazwisko", "E-mail służbowy", "Telefon", "Płeć", "Data urodzenia", "Kod pocztowy", "Gmina",
              "Urząd / jednostka", "Zgoda RODO"]  # fmt: skip
LIST_TAB, LIST_HEADER = "Lista – Akademia cz. 2", ["Imię", "Nazwisko", "E-mail", "Telefon", "Dzień 1", "Dzień 2"]
ADVICE_TAB, ADVICE_HEADER = "Rejestr doradztwa", ["Imię", "Nazwisko", "E-mail", "Data", "Liczba godzin"]


def _jst(row: list[str]) -> list[str]:
    """The same person's form row as the JST form asks it (a row moved to the other recruitment tab)."""
    return [row[0], row[1], row[2], row[3], row[4], row[7], row[6], row[9], row[11], "Urząd Gminy Bojszowy", row[14]]


def _write_tabs(path: Path, tabs: dict[str, tuple[list[str], list[list[str]]]]) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    wb.remove(wb.active)
    for title, (header, rows) in tabs.items():
        ws = wb.create_sheet(title)
        for r in [header, *rows]:
            ws.append(r)
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)


def _dump(reg: Registry) -> dict[str, list[tuple]]:
    """Every stored value of the tables a sync writes, as the database holds it (text), by id."""
    from sqlalchemy import text

    out = {}
    with reg.session() as s:
        for table in ("persons", "applications", "application_versions", "quarantine", "attendance"):
            columns = [c.name for c in Application.metadata.tables[table].columns]
            listed = ", ".join(f'CAST("{c}" AS TEXT)' for c in columns)
            out[table] = [tuple(r) for r in s.execute(text(f'SELECT {listed} FROM "{table}" ORDER BY id'))]
    return out


def _apply_both(regs: dict[str, Registry], base: Path, now, stored_json: bool = False) -> dict[str, dict]:
    """One night on both registries ("new": this code, "old": the reference copy); outcomes read once."""
    from synergia.registry import sync
    from tests.foundation import _sync_reference as reference

    snap = read_project_sources(DEMO, WorkbookBackend(base))
    counts = {}
    for name, module in (("new", sync), ("old", reference)):
        outcomes = validate_snapshot(DEMO, snap).outcomes
        if stored_json:  # what validation hands over for reused rows: the stored text of that content
            _attach_stored_json(regs[name], outcomes)
        with regs[name].session() as s:
            mirror_events(s, DEMO)
            counts[name] = module.apply_outcomes(s, DEMO, outcomes, validate_snapshot(DEMO, snap).read_worksheets, now=now).as_dict()
    return counts


def _attach_stored_json(reg: Registry, outcomes: list) -> None:
    from sqlalchemy import Text, cast

    from synergia.validation.row import Accepted, reused_accepted

    with reg.session() as s:
        stored = {
            (src, digest): t
            for src, digest, t in s.execute(
                select(Application.source_id, Application.content_hash, cast(Application.data, Text)).where(Application.active.is_(True))
            )
        }
    for i, o in enumerate(outcomes):  # as validation reuses them: the stored text, decoded when read
        if isinstance(o, Accepted) and (o.ref.source_id, o.content_hash) in stored:
            outcomes[i] = reused_accepted(o.ref, o.kind, o.content_hash, stored[(o.ref.source_id, o.content_hash)])


@pytest.fixture(params=["sqlite", "postgresql"])
def two_registries(request: pytest.FixtureRequest, tmp_path: Path) -> dict[str, Registry]:
    regs = {}
    for name in ("new", "old"):
        if request.param == "sqlite":
            url = f"sqlite:///{tmp_path / f'{name}.db'}"
        else:
            url = request.getfixturevalue("pg_url").rsplit("/", 1)[0] + "/" + _fresh_pg(request.getfixturevalue("pg_url"), name)
        regs[name] = Registry(url)
    yield regs
    for reg in regs.values():
        reg.dispose()


def _fresh_pg(url: str, name: str) -> str:
    import uuid

    import sqlalchemy

    db = f"t_{name}_{uuid.uuid4().hex[:10]}"
    admin = sqlalchemy.create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{db}"'))
    admin.dispose()
    return db


@pytest.mark.parametrize(("stored_json", "forked"), [(False, None), (True, None), (False, "worker"), (False, "worker fails")])
def test_nights_store_byte_for_byte_what_the_previous_sync_stored(
    two_registries: dict[str, Registry], tmp_path: Path, stored_json: bool, forked: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    """New rows, an unchanged night, corrections, a sorted tab, a deleted row, a double submission,
    a row moved to the other recruitment tab, a quarantined row fixed and a valid one broken,
    attendance and advisory rows: after each night every stored value (ids, keys, JSON texts,
    timestamps) and the counts are those of the reference copy of the previous sync.
    ``forked``: new applications' rows made by a forked worker as from ``PARALLEL_MIN`` rows (the
    parent inserting its share meanwhile), or by a worker that fails (its share made again here)."""
    import functools
    import os
    from datetime import datetime, timedelta

    from synergia.registry import sync

    if forked:
        monkeypatch.setattr(sync, "_insert_new", functools.partial(sync._insert_new, processes=2))
        monkeypatch.setattr(sync, "PARENT_SHARE", 0.3)
    if forked == "worker fails":
        parent, attendance_rows = os.getpid(), sync._attendance_rows

        def failing(*args: object) -> list:
            if os.getpid() != parent:
                raise RuntimeError("worker")
            return attendance_rows(*args)

        monkeypatch.setattr(sync, "_attendance_rows", failing)

    book = tmp_path / "w" / DEMO.spreadsheet.id
    rows = _rows()
    rows.append(list(rows[1]))  # a double submission: the same key twice
    listed = [
        ["Zenobia", "Grzebyk", "zen.grze@gmina.example", "", "x", ""],
        ["Klemens", "Miodek", "kle.miod@gmina.example", "", "x", "tak"],
    ]
    advice = [
        ["Aurelia", "Parzych", "aur.parz@gmina.example", "2026-05-20", "1,5"],
        ["Dionizy", "Żmuda", "dio.żmud@gmina.example", "2026-05-21", "2"],
    ]
    jst: list[list[str]] = []
    start = datetime(2026, 6, 1, 2, 0, 0)  # no microseconds: SQLite's text of it must still carry ".000000"

    def night(n: int, **expect: int) -> dict:
        _write_tabs(
            book, {TAB: (HEADER, rows), JST_TAB: (JST_HEADER, jst), LIST_TAB: (LIST_HEADER, listed), ADVICE_TAB: (ADVICE_HEADER, advice)}
        )
        counts = _apply_both(two_registries, book.parent.parent, start + timedelta(days=n, microseconds=n * 1111), stored_json)
        assert json.dumps(counts["new"]) == json.dumps(counts["old"]), n  # as the sync run stores them: same keys, same order
        assert _dump(two_registries["new"]) == _dump(two_registries["old"]), n
        for k, v in expect.items():
            assert counts["new"][k] == v, (n, k, counts["new"])
        return counts["new"]

    night(0, new=10, quarantined=1)
    assert _dump(two_registries["new"])["attendance"]  # attendance and advisory rows were written
    night(1, unchanged=10, new=0, changed=0)
    rows[0][4] = "+48 700 555 111"  # a correction
    rows[2], rows[3] = rows[3], rows[2]  # a sorted tab
    jst.append(_jst(rows.pop(5)))  # moved to the JST form
    rows[4][3] = "cec.wach@gmina.example"  # the quarantined row fixed
    rows[1][6] = "31.02.1981"  # a valid row broken
    del listed[0]  # gone from the list
    advice[1][4] = "3"
    night(2, new=1, changed=3, deactivated=2, moved=5)
    night(3, changed=0, new=0)
    rows.insert(0, list(rows[2]))  # another double submission
    jst.pop()
    rows.append(_rows()[5])  # and back to the first form
    night(4, new=1, changed=1)
    night(5, changed=0, new=0)


# -- the pieces of the fast paths, each against what it stands for -----------------------------------


def test_stored_json_is_trusted_only_when_it_is_the_stored_text_of_an_outcome_validation_made() -> None:
    from synergia.registry.sync import _same_stored
    from synergia.validation.row import Accepted

    data = {"email": "ola.kos@wies.example", "n": 1.5, "consents": {"rodo": True}}
    stored = json.dumps(data)
    other = Accepted(ref=None, kind="recruitment", content_hash="h", data={**data, "email": "inna@wies.example"})  # type: ignore[arg-type]
    other.__dict__["_stored"] = stored  # a text that disagrees with the data: shows which one is read
    assert _same_stored(stored, other, trusted=True)  # the text speaks for the data: no serialising
    assert not _same_stored(stored, other, trusted=False)  # screened (e.g. PESEL dropped): its data is compared
    other.__dict__["_stored"] = stored.replace("1.5", "2.5")
    assert not _same_stored(stored, other, trusted=True)  # another text: the data is compared
    plain = Accepted(ref=None, kind="recruitment", content_hash="h", data=dict(data))  # type: ignore[arg-type]
    assert _same_stored(stored, plain, trusted=True) and not _same_stored(None, plain, trusted=True)
    assert _same_stored(json.dumps(data, indent=1), plain, trusted=True)  # another serialisation of equal data


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20,
)


@settings(max_examples=examples(300), deadline=None)
@given(st.dictionaries(st.text(max_size=10), json_values, max_size=8), st.lists(st.text(), max_size=5))
def test_fast_json_texts_are_json_dumps(data: dict, strings: list[str]) -> None:
    from synergia.registry.sync import _dumps, _json_strings

    assert _dumps(data) == json.dumps(data)
    assert _json_strings(tuple(strings)) == json.dumps(strings)


@settings(max_examples=examples(300), deadline=None)
@given(st.datetimes(), st.dates())
def test_fast_sqlite_datetimes_are_sqlalchemys(moment, day) -> None:
    from sqlalchemy import Date, DateTime
    from sqlalchemy.dialects import sqlite

    from synergia.registry.bulk import _sqlite_date, _sqlite_datetime

    dialect = sqlite.dialect()
    assert _sqlite_datetime(moment) == DateTime().dialect_impl(dialect).bind_processor(dialect)(moment)
    assert _sqlite_date(day) == Date().dialect_impl(dialect).bind_processor(dialect)(day)
    assert _sqlite_date(moment) is None  # a datetime in a date column: SQLAlchemy's own processor


class _R:
    def __init__(self, id, source_id, row_key, fingerprint, fallback_keys, place):
        self.id, self.source_id, self.row_key, self.fingerprint, self.fallback_keys = id, source_id, row_key, fingerprint, fallback_keys
        self.spreadsheet, self.worksheet, self.row_number = place
        self.content_hash = f"c{id % 3}"


_keys = st.sampled_from(["k1", "k2", "k3", "k1#2", "k2#3", "legacy:x", None])
_fps = st.sampled_from(["f1", "f2", "", None])
_fbs = st.lists(st.sampled_from(["t:1", "e:a", "e:b", "ln:x"]), max_size=2, unique=True)
_src = st.sampled_from(["a", "b", "gone"])


@settings(max_examples=examples(400), deadline=None)
@given(
    st.lists(st.tuples(_src, _keys, _fps, _fbs, st.integers(1, 4)), max_size=12),
    st.lists(st.tuples(_src, st.sampled_from(["k1", "k2", "k3"]), st.sampled_from(["f1", "f2", ""]), _fbs, st.integers(1, 4)), max_size=12),
)
def test_first_pass_pairs_and_the_rest_match_as_one_match_records(records, rows) -> None:
    from synergia.registry.identity import Incoming, match_records, pair_unique_firsts

    recs = [_R(i + 1, s, k, f, fb, ("x", "t", n)) for i, (s, k, f, fb, n) in enumerate(records)]
    news = [Incoming(i, s, "recruitment", k, f, tuple(fb), ("x", "t", n), f"c{i % 3}") for i, (s, k, f, fb, n) in enumerate(rows)]
    args = dict(kinds={"a": "recruitment", "b": "recruitment"}, read_sources={"a"}, kind_of=lambda r: "recruitment")
    whole = match_records(recs, news, **args)
    firsts = pair_unique_firsts(
        [(r.source_id, r.row_key, r.fingerprint) for r in recs], [(n.index, n.source_id, n.key, n.fingerprint) for n in news]
    )
    paired = set(firsts.values())
    rest = match_records([r for p, r in enumerate(recs) if p not in paired], [n for n in news if n.index not in firsts], **args)
    combined = {i: recs[p] for i, p in firsts.items()} | rest.matched
    assert combined == whole.matched
    assert rest.unmatched_records == whole.unmatched_records


def test_ids_drawn_on_sqlite_are_those_sqlite_gives_rows_inserted_without_one(tmp_path: Path) -> None:
    """``_draw_ids``: after the largest id of the whole table (another project's rows included), also
    when the highest row was deleted — what SQLite hands out to rows inserted one after the other."""
    from datetime import datetime

    from sqlalchemy import delete, insert

    from synergia.registry.sync import _draw_ids
    from synergia.registry.tables import Person

    reg = Registry(f"sqlite:///{tmp_path / 'ids.db'}")
    try:
        at = datetime(2026, 7, 3, 11, 15)
        for project, n, drop_last in (("gmina-a", 3, False), ("gmina-b", 4, True), ("gmina-a", 2, False), ("gmina-c", 5, True)):
            with reg.session() as s:
                drawn = _draw_ids(s.connection(), Person.__table__, n)
                given = [s.execute(insert(Person).values(project=project, created_at=at)).inserted_primary_key[0] for _ in range(n)]
                assert drawn == given, (project, drawn, given)
                if drop_last:
                    s.execute(delete(Person).where(Person.id == given[-1]))
    finally:
        reg.dispose()


def test_bulk_rows_are_bound_as_sqlalchemy_binds_them() -> None:
    """``registry.bulk.bound_rows`` (the sync's and the dedupe's one binder): each value as its column
    type binds it on SQLite (timestamps as SQLAlchemy's text, with and without microseconds; a
    float), None kept, the shared tail appended as given."""
    from datetime import datetime

    from sqlalchemy.dialects import sqlite

    from synergia.registry import bulk
    from synergia.registry.tables_dedupe import DedupeMerge

    dialect, table = sqlite.dialect(), DedupeMerge.__table__
    names = ("score", "created_at", "undone_at", "reason")
    rows = [
        (0.5, datetime(2026, 3, 1, 2, 0), None, "a'ż"),
        (1, datetime(2026, 3, 1, 2, 0, 0, 5), datetime(1999, 12, 31, 23, 59, 59, 999999), "b"),
    ]

    def own(name: str, value: object) -> object:
        process = table.c[name].type.dialect_impl(dialect).bind_processor(dialect)
        return value if process is None or value is None else process(value)

    assert bulk.bound_rows(table, names, rows, dialect, ("p",)) == [(*(own(n, v) for n, v in zip(names, r)), "p") for r in rows]
    assert bulk.bound_rows(table, names, rows, dialect)[1][1] == "2026-03-01 02:00:00.000005"


@pytest.mark.postgres
def test_a_failed_copy_of_the_sync_is_raised_as_sqlalchemy_raises_it_parameters_hidden(pg_database: str) -> None:
    """A driver error in the sync's COPY (``bulk.copy_rows``) comes as SQLAlchemy's DBAPIError with
    its parameters hidden, as the dedupe's bulk writes raise it (never a bare driver error)."""
    from sqlalchemy.exc import DBAPIError

    from synergia.registry import sync

    reg = Registry(pg_database)
    try:
        with pytest.raises(DBAPIError) as raised, reg.session() as s:  # no application 999999: a foreign key fails
            sync._insert_values(s, Attendance.__table__, sync._ATTENDANCE, [(999999, "e1", 1, 2.0, None)], {"project": "demo"})
        assert raised.value.hide_parameters
    finally:
        reg.dispose()
