"""The read computes row values, identities, fingerprints and content hashes column by column
(each distinct cell of a column normalised once), and for many rows half of them in a forked
worker. Stored registries hold keys, fingerprints and hashes written by the per-row code, so the
fast path must give exactly what that code gave: it is held here to a frozen copy of it
(``_identity_reference``) on hostile tabs (NBSP, zero-width and bidi marks, case, NFKC
ligatures, blank and short rows, duplicate and case-variant headers, cells that are not text,
stamps and dates in every shape, events with ``%`` or longer than a key), and forked == serial.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from openpyxl import Workbook
from pydantic import ValidationError

from config.project import Source, load_project
from synergia.sheets import read as read_module
from synergia.sheets.identity import RowIdentity, identify_columns, identities, row_identity, with_identities
from synergia.sheets.read import read_project_sources
from synergia.sheets.rows import ContentHasher, RawRow, SourceRef, content_digests, raw_rows, rows_from_table, tab_cells
from synergia.sheets.workbook import WorkbookBackend
from tests.examples import examples
from tests.foundation import _identity_reference as ref

_PIECES = st.sampled_from(
    list("aZąĄęłŁżóÓ019 .,-@'%:/\t\n")
    + ["\u00a0", "\u2009", "\u3000", "\u200b", "\ufeff", "\u200f", "\u00ad", "\x00", "\x7f", "\u2028"]
    + ["\u0301", "e\u0301", "\ud800", "ﬁ", "Ⅻ", "²", "٣", "😀", "ANNA", "anna", "Anna ", "TAK", "nie"]
    + ["Ola@Example.ORG", " ola@example.org ", "<ola@example.org>", "o la@exam ple.org"]
    + ["21.03.2026 10:15:02", "2026-03-21 10:15:02", "03/21/2026 10:15", "2026-03-21T10:15:02Z", "31.02.2026 10:00:00"]
    + ["21.03.2026", "2026-03-21", "3/4/2026", "20260321", "2026-13-01"]
)
_CELL = st.lists(_PIECES, max_size=4).map("".join)
#: a cell as a backend may hand it over: text, mostly; None or a number now and then
_ANY_CELL = st.one_of(_CELL, _CELL, _CELL, st.none(), st.integers(-5, 5))
_HEADERS = ["Sygnatura czasowa", "Imię", "imię ", "Nazwisko", "E-mail", "Adres  e-mail", "Data", "Wydarzenie"]
_HEADERS += ["Zgoda RODO", "Dzień 1", "Dzień 2", "dzień 1", "Gmina", "PESEL", "", "  "]
_TARGETS = ["submitted_at", "first_name", "last_name", "email", "date", "event", "gmina", "pesel", "consent.rodo", "hours"]


@st.composite
def sources(draw: st.DrawFn) -> Source:
    kind = draw(st.sampled_from(["recruitment", "attendance", "advisory"]))
    configured = draw(st.lists(st.sampled_from(_HEADERS + ["Nieobecna kolumna", "SYGNATURA CZASOWA"]), unique=True, max_size=9))
    columns = {h: draw(st.sampled_from(_TARGETS)) for h in configured if h.strip()}
    sessions = {
        h: draw(st.integers(1, 3)) for h in draw(st.lists(st.sampled_from(["Dzień 1", "Dzień 2", "dzień 1", "Dzień 9"]), unique=True))
    }
    event = draw(st.sampled_from([None, "ev-1", "e" * 70, "50%-off"]))
    try:
        return Source(id="src", kind=kind, worksheet="Tab", columns=columns, sessions=sessions, event=event)
    except ValidationError:
        assume(False)
        raise


@st.composite
def tables(draw: st.DrawFn) -> list[list]:
    header = draw(st.lists(st.sampled_from(_HEADERS), min_size=0, max_size=10))
    width = len(header)
    rows = draw(st.lists(st.lists(_ANY_CELL, max_size=width + 1), max_size=8))
    # repeated rows, as real tabs have them (the same gmina, consent, double submissions)
    rows += draw(st.lists(st.sampled_from(rows), max_size=4)) if rows else []
    return [list(header), *rows]


def _outcome(fn):
    try:
        return fn()
    except (UnicodeEncodeError, TypeError) as exc:  # a lone surrogate cannot be hashed; as before
        return type(exc).__name__


def _reference(table: list[list], source: Source, locale: str | None, uncached: set | None):
    rows = ref.rows_from_table("src", "b.xlsx", "Tab", table, uncached)
    identify = ref.identifier(source, locale)
    return [
        (r.ref, list(r.values.items()), r.uncached, _outcome(lambda r=r: _ident(identify(r.values))), ref.content_hash(r.values))
        for r in rows
    ]


def _fast(table: list[list], source: Source, locale: str | None, uncached: set | None):
    cells = tab_cells(table, uncached)
    tuples = _outcome(lambda: identify_columns(cells.columns, cells.n, source, locale, cells.names))
    digests = content_digests(cells.columns, cells.n)
    idents = [RowIdentity(*t) for t in tuples] if isinstance(tuples, list) else None
    rows = raw_rows("src", "b.xlsx", "Tab", cells, idents, digests)
    hasher = ContentHasher(cells.names)
    assert [hasher(r) for r in rows] == [r.content_hash() for r in rows] == digests
    return [(r.ref, list(r.values.items()), r.uncached, _ident(r.ref.identity) if idents else tuples, r.content_digest) for r in rows]


def _ident(identity: RowIdentity | None):
    return None if identity is None else (identity.key, identity.fingerprint, identity.fallbacks)


def _same_error_or_rows(a, b) -> None:
    if isinstance(b[0][3] if b else None, str):  # the fast path raised for the tab: the reference for some row
        assert any(row[3] == b[0][3] for row in a)
        return
    assert a == b


@given(sources(), tables(), st.sampled_from([None, "pl_PL", "en_US"]), st.data())
@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_column_path_equals_per_row_reference(source: Source, table: list[list], locale: str | None, data: st.DataObject) -> None:
    uncached = {(data.draw(st.integers(1, 9)), data.draw(st.integers(0, 10))) for _ in range(data.draw(st.integers(0, 2)))}
    expected = _reference(table, source, locale, uncached)
    got = _fast(table, source, locale, uncached)
    _same_error_or_rows(expected, got)


@given(sources(), tables(), st.sampled_from([None, "en_US"]))
@settings(max_examples=examples(150), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_per_row_functions_equal_reference(source: Source, table: list[list], locale: str | None) -> None:
    """``row_identity``, ``identities`` and ``with_identities`` (other modules' entry points) give
    the reference identities too, also for rows keyed by different headers in one list."""
    rows = ref.rows_from_table("src", "b.xlsx", "Tab", table)
    mixed = rows + [RawRow(SourceRef("src", "b", "Tab", 99), {"Imię": "Ola", "E-mail": "o@x.pl"})]
    expected = [_outcome(lambda r=r: _ident(ref.row_identity(r, source, locale))) for r in mixed]
    if any(isinstance(e, str) for e in expected):
        return  # a lone surrogate: covered by the test above
    assert [_ident(row_identity(r, source, locale)) for r in mixed] == expected
    assert [_ident(i) for i in identities([r.values for r in mixed], source, locale)] == expected
    assert [_ident(r.ref.identity) for r in with_identities(mixed, source, locale)] == expected


def test_known_values_keep_their_keys() -> None:
    """Keys written by earlier nights stay valid: fixed expected values (not recomputed)."""
    source = Source(
        id="f",
        kind="recruitment",
        worksheet="T",
        columns={"Sygnatura czasowa": "submitted_at", "Imię": "first_name", "E-mail": "email", "Zgoda": "consent.rodo"},
    )
    raw = RawRow(
        SourceRef("f", "b", "T", 2),
        {"Sygnatura czasowa": "21.03.2026 10:15:02", "Imię": "Zofia", "E-mail": " Z@Example.org", "Zgoda": "Tak"},
    )
    ident = row_identity(raw, source)
    assert ident.key == ref.row_identity(raw, source).key
    assert ident.key.startswith("f:2026-03-21T10:15:02:") and ident.fallbacks == ("t:2026-03-21T10:15:02",)
    assert ident.key.endswith(ref._h("z@example.org"))


def _workbook(path: Path, n: int) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Formularz JST"
    ws.append(["Sygnatura czasowa", "Imię", "Nazwisko", "E-mail służbowy", "Telefon", "Gmina", "Zgoda RODO"])
    for i in range(n):
        mail = f" Osoba{i % 37}@Example.org\u200b" if i % 5 else ""
        ws.append(
            [
                f"{1 + i % 28:02d}.03.2026 1{i % 10}:{i % 60:02d}:0{i % 7}",
                f"Ąna{i % 11}",
                f"Kos\u00a0{i % 13}",
                mail,
                f"+48 600 {i:03d}",
                "Tychy",
                "Tak" if i % 3 else "",
            ]
        )
    lst = wb.create_sheet("Lista – Akademia cz. 1")
    lst.append(["Imię", "Nazwisko", "E-mail", "Organizacja", "Dzień 1", "Dzień 2", "Dzień 3"])
    for i in range(n // 3):
        lst.append([f"IMIĘ{i % 7}", f"nazwisko {i}", f"m{i}@x.pl" if i % 2 else "", "ﬁrma", "x" if i % 2 else "", "", "✓"])
    wb.save(path)


def _snapshot(snap) -> list:
    return [
        (sid, r.ref, r.values, r.uncached, _ident(r.ref.identity), r.content_digest, r.content_hash())
        for sid, rows in snap.rows.items()
        for r in rows
    ]


def test_forked_read_equals_serial(tmp_path: Path) -> None:
    project = load_project(Path(__file__).resolve().parents[2] / "config" / "projects" / "demo.yaml")
    (tmp_path / "demo").mkdir()
    _workbook(tmp_path / "demo" / "demo.xlsx", 1500)  # > 2 * _SAMPLE: distinct columns are mapped straight through
    backend = WorkbookBackend(tmp_path)
    serial = read_project_sources(project, backend, processes=1)
    forked = read_project_sources(project, backend, processes=2)
    assert _snapshot(serial) == _snapshot(forked)
    assert sum(len(r) for r in serial.rows.values()) == 1500 + 500
    # and both are what the per-row reference gives
    for source in project.sources:
        rows = serial.rows[source.id]
        if not rows:
            continue
        expected = [_ident(ref.row_identity(r, source, serial.locales[source.id])) for r in rows]
        assert [_ident(r.ref.identity) for r in rows] == expected
        assert [r.content_digest for r in rows] == [ref.content_hash(r.values) for r in rows]


def test_failed_worker_part_is_computed_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker that fails gives no different rows: its part is computed in this process."""
    project = load_project(Path(__file__).resolve().parents[2] / "config" / "projects" / "demo.yaml")
    (tmp_path / "demo").mkdir()
    _workbook(tmp_path / "demo" / "demo.xlsx", 200)
    backend = WorkbookBackend(tmp_path)
    serial = _snapshot(read_project_sources(project, backend, processes=1))
    import os

    parent = os.getpid()
    real = read_module.content_digests

    def failing_in_child(columns, n):
        if os.getpid() != parent:
            raise RuntimeError("worker broke")
        return real(columns, n)

    monkeypatch.setattr(read_module, "content_digests", failing_in_child)
    assert _snapshot(read_project_sources(project, backend, processes=2)) == serial


def test_rows_from_table_keeps_its_contract() -> None:
    table = [["Imię", " Imię", "", "E-mail"], ["", "Ola", "x", None], ["Ala"], [" ", "", "", 5]]
    rows = rows_from_table("s", "b", "T", table, {(1, 3)})
    assert [r.values for r in rows] == [{"Imię": "Ola", "E-mail": ""}, {"Imię": "Ala", "E-mail": ""}, {"Imię": " ", "E-mail": "5"}]
    assert [r.uncached for r in rows] == [frozenset({"E-mail"}), frozenset(), frozenset()]
    assert [r.ref.row_number for r in rows] == [2, 3, 4]
    assert rows == ref.rows_from_table("s", "b", "T", table, {(1, 3)})


_STAMP_PIECES = st.sampled_from(list("0123456789012345.: -T/Z+") + ["٣", "\u00a0", "\n", "2026", "31.02.", "24:00", "10:15:02"])


@given(
    st.lists(_STAMP_PIECES, max_size=14).map("".join) | st.sampled_from(["21.03.2026 10:15:02", "1.3.2026 9:05:59", "31.04.2026 10:00:00"])
)
@settings(max_examples=examples(1500))
def test_stamp_fast_paths_read_as_parse_timestamp(text: str) -> None:
    from synergia.sheets.identity import _timestamp

    for locale in (None, "pl_PL", "en_US"):
        assert _timestamp(text, locale) == ref._timestamp(text, locale)


def test_column_letters_read_as_openpyxl_reads_them() -> None:
    from openpyxl.utils import column_index_from_string

    from synergia.sheets.workbook import _column_index

    for letters in ["A", "Z", "AA", "az", "XFD", "ZZZ", "BQ"]:
        assert _column_index(letters) == column_index_from_string(letters)
    for bad in ["", "AAAA", "A1", "Ą", "-"]:
        with pytest.raises(ValueError):
            column_index_from_string(bad)
        with pytest.raises(ValueError):
            _column_index(bad)


def test_a_big_process_reads_without_forking(monkeypatch: pytest.MonkeyPatch) -> None:
    """A worker's peak counts the pages it inherits: a process holding much already stays alone
    (automatic mode), unless told to fork."""
    from synergia.sheets import forking

    assert forking.resident_mb() is None or forking.resident_mb() > 1
    monkeypatch.setattr(forking, "resident_mb", lambda: forking.MAX_PARENT_MB + 1.0)
    assert not forking.may_fork(10**6, None, 1)
    assert forking.may_fork(10**6, 2, 1)
    assert not forking.may_fork(10**6, 1, 1)
    monkeypatch.setattr(forking, "resident_mb", lambda: forking.MAX_PARENT_MB - 1.0)
    assert forking.may_fork(10**6, None, 1) == (forking.worth_forking(10**6, None, 1))
    assert not forking.may_fork(10, None, 100)
