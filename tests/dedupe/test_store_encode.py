"""The batch encodings of the nightly matching views store the very texts the one-record ones do:
``_encoded_columns`` (each distinct value of a field encoded once, records joined) against
``encode_record`` per record, and ``_parsed`` (one ``json.loads`` of the joined texts) against
one ``json.loads`` per text."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st

from synergia.dedupe import store
from synergia.dedupe.normalize import NORM_FIELDS, NormRecord, normalize_record, normalize_records
from tests.examples import examples

_CELLS = st.one_of(
    st.none(),
    st.sampled_from(["", " ", "brak", "Łucja", "ŁUCJA", "Kasia", "Nowak-Kowalska", "44051401359", "1990-02-03", "3.02.1990"]),
    st.sampled_from(["jan.nowak@o2.pl", "+48 601 222 333", "601222333", "02-100", "ul. Długa 5/7", "Łódź", "K", "M", "kobieta"]),
    st.text(max_size=12),
    st.integers(min_value=-5, max_value=10**11),
    st.booleans(),
    st.floats(allow_nan=False, allow_infinity=False, width=32),
)
_ROWS = st.lists(
    st.fixed_dictionaries(
        {},
        optional=dict.fromkeys(
            ("first_name", "last_name", "pesel", "birth_date", "gender", "email", "phone", "postal_code", "street", "city", "organisation"),
            _CELLS,
        ),
    ),
    min_size=1,
    max_size=30,
)


@settings(max_examples=examples(150), deadline=None)
@given(_ROWS)
def test_column_encoding_gives_the_texts_of_one_record_at_a_time(rows: list[dict]) -> None:
    records = normalize_records(rows, rids=list(range(len(rows))))
    columns = [list(c) for c in zip(*(store.as_tuple(r) for r in records))]
    assert store._encoded_columns(columns[2:]) == [store.encode_record(r) for r in records]
    assert [store.decode_record(t, r.idx, r.rid) for t, r in zip(store._encoded_columns(columns[2:]), records)] == records


def test_column_encoding_keeps_equal_but_different_values_apart() -> None:
    """1, 1.0 and True are one dict key but three JSON texts: such a column is encoded value by value."""
    base = store.as_tuple(normalize_record({"first_name": "Jan"}))[2:]
    n = NORM_FIELDS.index("pesel") - 2
    rows = []
    for v in (1, 1.0, True, "1", None):
        row = list(base)
        row[n] = v
        rows.append(row)
    columns = [list(c) for c in zip(*rows)]
    assert store._encoded_columns(columns) == [store._encode_values(r) for r in rows]
    assert [json.loads(t)[n] for t in store._encoded_columns(columns)] == [1, 1.0, True, "1", None]
    assert NormRecord  # the type the texts decode to


@settings(max_examples=examples(150), deadline=None)
@given(st.lists(st.one_of(st.none(), st.dictionaries(st.text(max_size=5), _CELLS, max_size=4).map(json.dumps)), max_size=20))
def test_one_parse_of_the_joined_texts_equals_one_parse_per_text(texts: list[str | None]) -> None:
    assert store._parsed(texts) == [(json.loads(t) if t is not None else None) or {} for t in texts]


def test_texts_that_are_not_one_value_each_are_parsed_one_by_one() -> None:
    """'1, 2' would make two items of the joined array: the count differs, so each is parsed alone."""
    texts = ["null", "{}", '{"a": 1}', None]
    assert store._parsed(texts) == [{}, {}, {"a": 1}, {}]
    try:
        store._parsed(["1, 2", "{}"])
    except ValueError:
        pass
    else:  # pragma: no cover - json.loads('1, 2') raises, as the per-text parse always did
        raise AssertionError("'1, 2' is no JSON value")
