"""``owned.same_table`` compares cells without a formula lead as plain text: the same answer as
the rule it shortcuts (every cell through ``cells.matches_written``, the code before)."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from synergia.sheets.cells import as_text_cell, matches_written
from synergia.sheets.owned import same_table
from tests.examples import examples


def _reference(current, desired) -> bool:
    def norm(rows):
        out = [["" if c is None else str(c) for c in r] for r in (rows or [])]
        for r in out:
            while r and r[-1] == "":
                r.pop()
        while out and not out[-1]:
            out.pop()
        return out

    cur, want = norm(current), norm(desired)
    return len(cur) == len(want) and all(len(a) == len(b) and all(matches_written(x, y) for x, y in zip(a, b)) for a, b in zip(cur, want))


cells = st.sampled_from(
    ["", "a", "Kowalska", "=SUMA(A1)", "'=SUMA(A1)", "-5", "'-5", "+48 600", "'+48 600", "@x", "'@x", "\tX", "'\tX", "'", "1"]
)
tables = st.lists(st.lists(cells, max_size=4), max_size=4)


@settings(max_examples=examples(600), deadline=None)
@given(tables, tables)
def test_same_answer_as_every_cell_through_matches_written(current, desired) -> None:
    assert same_table(current, desired) == _reference(current, desired)


@settings(max_examples=examples(300), deadline=None)
@given(tables)
def test_a_tab_read_back_as_written_matches(desired) -> None:
    for medium in ("csv", "typed"):
        written = [[as_text_cell(c, medium) for c in row] for row in desired]
        assert same_table(written, desired) and _reference(written, desired)
