"""The read's split between this process and a forked worker (``synergia.sheets.read._rows``):
the worker makes the columns of its own block of rows from the tab as read, this process makes
every ``RawRow`` and sets the worker's identities and hashes into its rows afterwards. Held to
the per-row reference (``_identity_reference``) on hostile tabs (see ``test_identity_columns``),
with the cut anywhere: inside a tab, at a tab's edge, before the first row, after the last.
Also the reader's text check (``workbook._as_text``) against ``format_cell`` cell by cell."""

from __future__ import annotations

import pickle
from contextlib import contextmanager
from datetime import date, datetime, time

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from synergia.sheets import read as read_module
from synergia.sheets import workbook as workbook_module
from synergia.sheets.read import _rows, _Tab
from synergia.sheets.rows import RawRow, SourceRef, raw_rows, tab_cells
from synergia.sheets.workbook import format_cell
from tests.examples import examples
from tests.foundation import _identity_reference as ref
from tests.foundation.test_identity_columns import _ident, sources, tables


def _expected(tab_args) -> list | None:
    out = []
    for source, table, locale, uncached in tab_args:
        rows = ref.rows_from_table(source.id, "b.xlsx", source.worksheet, table, uncached)
        identify = ref.identifier(source, locale)
        try:
            out.append([(r.ref, list(r.values.items()), r.uncached, _ident(identify(r.values)), ref.content_hash(r.values)) for r in rows])
        except (UnicodeEncodeError, TypeError):  # a lone surrogate cannot be hashed: the read raises
            return None
    return out


def _got(made: list[list[RawRow]]) -> list:
    return [[(r.ref, list(r.values.items()), r.uncached, _ident(r.ref.identity), r.content_digest) for r in rows] for rows in made]


def _tabs(tab_args) -> list[_Tab]:
    return [_Tab(source, "b.xlsx", locale, [list(row) for row in table], uncached) for source, table, locale, uncached in tab_args]


def _worker_first(mine, theirs, *, redo_here: bool = False):
    """``fork_pair`` in this process, the worker's part first: it finds no columns made yet, as
    a forked worker does (it makes its own block's)."""
    there = theirs()
    return mine(), there


@st.composite
def tab_sets(draw: st.DrawFn) -> list:
    out = []
    for i in range(draw(st.integers(1, 3))):
        source = draw(sources()).model_copy(update={"id": f"src{i}", "worksheet": f"Tab {i}"})
        table = draw(tables())
        uncached = {(draw(st.integers(1, 9)), draw(st.integers(0, 10))) for _ in range(draw(st.integers(0, 2)))}
        out.append((source, table, draw(st.sampled_from([None, "pl_PL", "en_US"])), uncached))
    return out


@given(tab_sets(), st.floats(0, 1))
@settings(max_examples=examples(300), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_split_rows_equal_the_per_row_reference(tab_args, share: float) -> None:
    expected = _expected(tab_args)
    with _split_here(share):
        if expected is None:
            with pytest.raises((UnicodeEncodeError, TypeError)):
                _rows(_tabs(tab_args), 2)
            return
        assert _got(_rows(_tabs(tab_args), 1)) == expected  # serial
        assert _got(_rows(_tabs(tab_args), 2)) == expected  # split at ``share``


@contextmanager
def _split_here(share: float):
    """``PARENT_SHARE`` = ``share`` and ``fork_pair`` run in this process, the worker's part first."""
    saved = read_module.PARENT_SHARE, read_module.fork_pair, read_module.may_fork
    read_module.PARENT_SHARE, read_module.fork_pair = share, _worker_first
    read_module.may_fork = lambda n, processes, minimum: processes != 1
    try:
        yield
    finally:
        read_module.PARENT_SHARE, read_module.fork_pair, read_module.may_fork = saved


@given(tab_sets(), st.floats(0, 1))
@settings(max_examples=examples(25), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
def test_really_forked_rows_equal_serial(tab_args, share: float) -> None:
    assume(_expected(tab_args) is not None)
    saved = read_module.PARENT_SHARE
    read_module.PARENT_SHARE = share
    try:
        assert _got(_rows(_tabs(tab_args), 2)) == _got(_rows(_tabs(tab_args), 1))
    finally:
        read_module.PARENT_SHARE = saved


def test_fast_rows_are_the_dataclass_rows() -> None:
    cells = tab_cells([["Imię", "E-mail"], ["Ola", "o@x.pl"], ["", ""]], {(2, 1)})
    made = raw_rows("s", "b", "T", cells, ["id1", None], ["d1", "d2"])
    built = [
        RawRow(SourceRef("s", "b", "T", 2, "id1"), {"Imię": "Ola", "E-mail": "o@x.pl"}, frozenset(), "d1"),
        RawRow(SourceRef("s", "b", "T", 3, None), {"Imię": "", "E-mail": ""}, frozenset({"E-mail"}), "d2"),
    ]
    for a, b in zip(made, built, strict=True):
        assert a == b and hash(a.ref) == hash(b.ref) and repr(a) == repr(b) and a.__dict__ == b.__dict__
        assert a.ref.__dict__ == b.ref.__dict__ and pickle.loads(pickle.dumps(a)).__dict__ == b.__dict__
        with pytest.raises(AttributeError):
            a.ref.row_number = 5  # still frozen


_VALUES = st.one_of(
    st.text(st.characters(codec="utf-16", exclude_categories=()), max_size=5) | st.sampled_from(["", " ", "\u00a0", "=1+1", "0012", "1e5"]),
    st.none(),
    st.booleans(),
    st.integers(-(10**12), 10**12),
    st.floats(allow_nan=True, allow_infinity=True),
    st.datetimes(datetime(1900, 1, 1), datetime(2100, 1, 1)),
    st.dates(date(1900, 1, 1), date(2100, 1, 1)),
    st.times(),
)


@given(st.lists(st.lists(_VALUES, max_size=6), max_size=12), st.integers(1, 4))
@settings(max_examples=examples(400), deadline=None)
def test_text_check_formats_every_cell_as_format_cell(rows: list[list], block: int) -> None:
    expected = [[v if type(v) is str else format_cell(v) for v in row] for row in rows]
    saved = workbook_module._BLOCK
    workbook_module._BLOCK = block
    try:
        got = [list(row) for row in rows]
        workbook_module._as_text(got)
    finally:
        workbook_module._BLOCK = saved
    assert got == expected
    assert all(type(v) is str for row in got for v in row)


def test_text_check_keeps_a_text_only_sheet_as_it_is() -> None:
    rows = [["a", "b"], ["", "ł"], []]
    same = [list(r) for r in rows]
    workbook_module._as_text(same)
    assert same == rows
    assert format_cell(time(10, 15)) == "10:15:00"
