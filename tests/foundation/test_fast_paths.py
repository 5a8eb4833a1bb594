"""The fast paths of reading and validation give what the plain rules give.

Each fast path (``visible`` without a per-character pass, ``has_letter`` on ASCII, the cached
timestamp and consent readings, the per-tab header plan of ``validate_row``, the shared JSON
encoder of the content hash and fingerprint) is held here to a straightforward reference
written in this file, on hypothesis-made text that mixes the characters forms really carry
(Polish letters, NBSP, zero-width and bidi marks, control characters, combining accents,
lone surrogates) with values of our own.
"""

from __future__ import annotations

import functools
import hashlib
import json
import unicodedata
from datetime import datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from config.project import CONSENT_PREFIX, ProjectConfig, load_project
from synergia.sheets.identity import _fingerprint, _Lookup
from synergia.sheets.rows import ContentHasher, RawRow, SourceRef, find_headers, norm_header
from synergia.validation.consent import _read_consent, read_consent
from synergia.validation.dates import _read_timestamp, parse_timestamp
from synergia.validation.errors import Invalid
from synergia.validation.row import Accepted, Rejected, RowPlan, validate_planned, validate_row
from synergia.validation.text import has_letter, visible
from tests.examples import examples

# What a form cell may hold: plain and Polish letters, digits, punctuation, every kind of space,
# invisible marks (ZWSP, BOM, RLM, soft hyphen), control characters, a combining accent, a lone surrogate.
_PIECES = st.sampled_from(
    list("aZąĄęłŁżŹóÓ019 .,-@'\t\n")
    + ["\u00a0", "\u2009", "\u3000", "\u200b", "\ufeff", "\u200f", "\u00ad", "\x00", "\x1f", "\x7f"]
    + ["\u0301", "\u0328", "e\u0301", "\ud800", "ﬁ", "Ⅻ", "²", "٣", "😀", "\u2028"]
)
CELL = st.one_of(st.lists(_PIECES, max_size=30).map("".join), st.text(max_size=20))

_DROP = ("Cf", "Cc", "Cs")


def visible_reference(text: str | None) -> str:
    """``visible`` as first written: every character looked at, then NFC, then the spaces."""
    value = "".join(c for c in (text or "") if c.isspace() or unicodedata.category(c) not in _DROP)
    value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


@given(CELL)
@settings(max_examples=examples(600), suppress_health_check=[HealthCheck.too_slow])
def test_visible_equals_reference(text: str) -> None:
    assert visible(text) == visible_reference(text)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Anna\u200b Maria", "Anna Maria"),  # zero-width space dropped, then spaces collapsed
        ("\ufeffJan", "Jan"),
        ("Zo\u0301fia", "Zófia"),  # decomposed accent composed (NFC)
        ("Jelenia\u00a0\u00a0Góra", "Jelenia Góra"),
        ("a\x00b", "ab"),
        ("  ", ""),
        (None, ""),
    ],
)
def test_visible_examples(text: str | None, expected: str) -> None:
    assert visible(text) == expected == visible_reference(text)


@given(CELL)
@settings(max_examples=examples(600))
def test_has_letter_equals_category_rule(text: str) -> None:
    assert has_letter(text) == any(unicodedata.category(c).startswith("L") for c in text)


_STAMP = st.one_of(
    st.builds(
        "{:02d}.{:02d}.{:04d} {:02d}:{:02d}:{:02d}".format,
        st.integers(0, 40),
        st.integers(0, 14),
        st.integers(1899, 2101),
        st.integers(0, 25),
        st.integers(0, 61),
        st.integers(0, 61),
    ),
    st.builds("{:04d}-{:02d}-{:02d}T{:02d}:{:02d}Z".format, st.integers(1, 2100), *(st.integers(0, 62) for _ in range(4))),
    st.builds("{}/{}/{} {}".format, st.integers(0, 13), st.integers(0, 32), st.integers(1999, 2030), st.sampled_from(["9:05", "", "x"])),
    CELL,
)


def _outcome(fn, *args, **kwargs):
    try:
        return fn(*args, **kwargs)
    except Invalid as exc:
        return ("Invalid", exc.code, exc.message_pl)


@given(_STAMP, st.sampled_from([None, "pl_PL", "en_US"]), st.sampled_from(["submitted_at", "date"]))
@settings(max_examples=examples(600))
def test_cached_timestamp_equals_uncached(text: str, locale: str | None, field: str) -> None:
    """Asked twice (identity, then validation), the cached reading equals the plain one, errors included."""
    plain = _outcome(_read_timestamp, text, bool(locale and locale.startswith("en_US")), field)
    assert _outcome(parse_timestamp, text, locale=locale, field=field) == plain
    assert _outcome(parse_timestamp, text, locale=locale, field=field) == plain


def test_timestamp_examples() -> None:
    assert parse_timestamp("21.11.2026 14:03:22") == datetime(2026, 11, 21, 14, 3, 22)
    assert parse_timestamp("11/21/2026 14:03", locale="en_US") == datetime(2026, 11, 21, 14, 3)
    with pytest.raises(Invalid) as exc:
        parse_timestamp("31.09.2026 10:00:00")
    assert exc.value.code == "date_invalid:submitted_at"
    with pytest.raises(Invalid):  # the same text again: from the cache, still an error
        parse_timestamp("31.09.2026 10:00:00")
    long_text = "21.11.2026 14:03:22" + " " * 100  # past the cache's length bound: read directly, same answer
    assert parse_timestamp(long_text) == datetime(2026, 11, 21, 14, 3, 22)


_ANSWERS = st.one_of(
    st.sampled_from(["Tak", "TAK – wyrażam zgodę", "nie", "Nie, dziękuję", "tak/nie", "?", "-", "✓", "Wyrażam zgodę na publikację"]),
    CELL,
)


@given(_ANSWERS, st.lists(st.sampled_from(["Zgadzam się", "Akceptuję regulamin", "TAK"]), max_size=2))
@settings(max_examples=examples(400))
def test_cached_consent_equals_uncached(text: str, accept: list[str]) -> None:
    assert read_consent(text, accept) == _read_consent.__wrapped__(text, tuple(accept))
    assert read_consent(text, iter(accept)) == read_consent(text, tuple(accept))  # any iterable of yes-texts


# -- the per-tab plan: headers matched once per tab, as each row once matched them ------------------


def _by_norm_reference(raw: RawRow, source) -> tuple[dict, dict, list]:
    """How ``validate_row`` mapped a row before the plan: a normalised-header dict per row."""
    by_norm = {" ".join(h.lower().split()): v for h, v in raw.values.items()}
    fields: dict[str, str] = {}
    consents: dict[str, str] = {}
    for header, target in source.columns.items():
        text = by_norm.get(" ".join(header.lower().split()), "")
        text = (text or "").strip() if target in ("first_name", "last_name") else visible_reference(text)
        if target.startswith(CONSENT_PREFIX):
            consents[target[len(CONSENT_PREFIX) :]] = text
        elif text or target not in fields:
            fields[target] = text
    present = []
    for header, number in source.sessions.items():
        mark = " ".join((by_norm.get(" ".join(header.lower().split()), "") or "").lower().split())
        if mark in {"x", "✓", "✔", "v", "tak", "t", "1", "obecny", "obecna", "ob.", "+", "true", "yes"}:
            present.append(number)
    return fields, consents, sorted(set(present))


_DEMO = Path(__file__).resolve().parents[2] / "config" / "projects" / "demo.yaml"


@functools.cache
def _project() -> ProjectConfig:
    """The demo project: two forms, attendance lists with sessions, an advisory register."""
    return load_project(_DEMO)


def test_find_headers_matches_case_and_spacing_last_equal_wins() -> None:
    headers = ["Imię", "  NAZWISKO ", "Adres  e-mail", "adres e-mail", "Inne"]
    assert find_headers(["imię", "Nazwisko", "Adres e-mail", "Telefon"], headers) == ["Imię", "  NAZWISKO ", "adres e-mail", None]
    assert norm_header("  Adres \u00a0 E-Mail ") == "adres e-mail"


@given(st.data())
@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
def test_plan_maps_like_a_per_row_lookup(data: st.DataObject) -> None:
    """Headers in any case, spacing and order, some missing, some doubled: the plan's mapping and
    the outcome equal the per-row lookup's (and ``validate_row`` = ``validate_planned``)."""
    from synergia.validation import row as row_module
    from tests.foundation import reference_validation as reference

    project = _project()
    source = data.draw(st.sampled_from(project.sources))
    wanted = list(source.columns) + list(source.sessions)
    chosen = data.draw(st.lists(st.sampled_from(wanted), unique=True, max_size=len(wanted)))
    spelled = [data.draw(st.sampled_from([h, h.upper(), f" {h.lower()}  ", h.replace(" ", "  ")])) for h in chosen]
    spelled += data.draw(st.lists(st.sampled_from(["Inne", "Uwagi"] + [s.lower() for s in spelled[:1]]), max_size=2))
    spelled = list(dict.fromkeys(spelled))
    values = {h: data.draw(st.one_of(CELL, st.sampled_from(["Tak", "x", "Anna", "600100200", "1,5", "01.04.2026"]))) for h in spelled}
    raw = RawRow(SourceRef(source.id, "book.xlsx", source.worksheet, 2), values)
    plan = RowPlan(source, project, raw.values)
    fields, consents, sessions = _by_norm_reference(raw, source)
    assert reference._mapped_values(raw, plan) == (fields, consents)
    assert row_module._sessions(raw, plan) == sessions
    latest = project.period.end
    a = validate_row(raw, source, project, today=latest)
    b = validate_planned(raw, source, project, plan, locale=None, latest=latest, content_hash=raw.content_hash())
    assert a == b == reference.validate_planned(raw, source, project, plan, locale=None, latest=latest, content_hash=raw.content_hash())
    if isinstance(a, Accepted | Rejected):
        assert a.content_hash == b.content_hash == raw.content_hash()
        if isinstance(a, Accepted):
            assert a.data == b.data


# -- hashes: the shared encoder writes what json.dumps(..., ensure_ascii=False) wrote --------------


@given(st.dictionaries(CELL, CELL, max_size=8))
@settings(max_examples=examples(300))
def test_content_hash_equals_json_dumps(values: dict[str, str]) -> None:
    raw = RawRow(SourceRef("s", "b", "w", 2), values)
    payload = json.dumps(sorted((k.strip(), v) for k, v in values.items()), ensure_ascii=False)
    assert raw.content_hash() == hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def test_content_hash_fixed_value() -> None:
    """The stored hashes of earlier nights stay valid: the hash of a known row is what it was."""
    raw = RawRow(SourceRef("s", "b", "w", 2), {"Imię ": "Zofia", "E-mail": "z@example.org"})
    payload = '[["E-mail", "z@example.org"], ["Imię", "Zofia"]]'
    assert raw.content_hash() == hashlib.sha256(payload.encode()).hexdigest()


@given(st.data())
@settings(max_examples=examples(150), suppress_health_check=[HealthCheck.too_slow])
def test_fingerprint_equals_json_dumps(data: st.DataObject) -> None:
    from synergia.sheets.identity import _norm_text, norm_email

    project = _project()
    source = data.draw(st.sampled_from(project.sources))
    values = {
        h: data.draw(st.lists(_PIECES.filter(lambda c: c != "\ud800"), max_size=12).map("".join))
        for h in list(source.columns) + list(source.sessions)
    }
    look = _Lookup(source, values)
    content: dict[str, str] = {}
    for header, target in source.columns.items():
        if target == "submitted_at":
            continue
        text = _norm_text(values[header])
        text = norm_email(text) if target == "email" else text
        if text or target not in content:
            content[target] = text
    marks = {str(n): _norm_text(values[h]) for h, n in source.sessions.items()}
    payload = json.dumps(
        {"event": source.event or "", "fields": sorted(content.items()), "marks": sorted(marks.items())}, ensure_ascii=False
    )
    assert _fingerprint(values, source, look) == hashlib.sha256(payload.encode("utf-8")).hexdigest()


@given(st.lists(CELL, max_size=8), st.data())
@settings(max_examples=examples(300), suppress_health_check=[HealthCheck.too_slow])
def test_content_hasher_equals_content_hash(headers: list[str], data: st.DataObject) -> None:
    """One tab's hasher (headers sorted once) gives every row's ``content_hash``: also for headers
    equal once stripped, a row keyed otherwise than the tab, and a value that is not text."""
    headers = list(dict.fromkeys(headers))
    hasher = ContentHasher(headers)
    for _ in range(3):
        values = {h: data.draw(st.one_of(CELL, st.none(), st.integers())) if data.draw(st.booleans()) else data.draw(CELL) for h in headers}
        if data.draw(st.booleans()) and values:  # a row with other headers than the tab's
            values.pop(next(iter(values)))
        raw = RawRow(SourceRef("s", "b", "w", 2), values)
        assert _hash_or_error(hasher, raw) == _hash_or_error(RawRow.content_hash, raw)


def _hash_or_error(fn, raw: RawRow) -> str:
    try:
        return fn(raw)
    except TypeError:  # None beside text under headers equal once stripped: the pairs do not sort
        return "TypeError"


# -- the workbook reader's scans of a sheet's XML: fewer passes, the same answers ------------------

_XML_PIECES = st.sampled_from(
    [b'<row r="2">', b'<c r="A2" t="inlineStr">', b"<is>", b"<t>", b"</t>", b"</is>", b"</c>", b"<v>1</v>", b"<f>", b"<f ", b"<f/>"]
    + [b"<x:f>", b"<x:f ", b"<x:f/>", b"<x:t>", b"<x:t ", b"<filterColumn>", b"<font>", b't="e"', b"t='e'", b"t =", b"t= ", b't\t="e"']
    + [b'<t xml:space="preserve">', b'<t foo="1">', b" ", b"\t", b"\r", b"\n", b"Anna", b"<", b">", b":f", b":t", b"x"]
)


def _formula_or_error_reference(xml: bytes) -> bool:
    """``_has_formula_or_error`` as first written: one search per literal."""
    from synergia.sheets.workbook import _HAS_ERROR, _HAS_FORMULA

    if any(lit in xml for lit in (b"<f>", b"<f ", b"<f/>", b't="e"', b"t='e'")):
        return True
    if any(lit in xml for lit in (b":f>", b":f ", b":f/>", b"t =", b"t= ")):
        return bool(_HAS_FORMULA.search(xml) or _HAS_ERROR.search(xml))
    return False


def _trimmed_reference(xml: bytes) -> bool:
    """``_trimmed_text`` as first written: one search per literal and white space."""
    from synergia.sheets.workbook import _trimmed_text_slow

    if b":t>" in xml or b":t " in xml or xml.count(b"<t ") != xml.count(b'<t xml:space="preserve">'):
        return _trimmed_text_slow(xml)
    for ws in (b" ", b"\t", b"\r", b"\n"):
        if b"<t>" + ws in xml:
            return True
        start = 0
        while (i := xml.find(ws + b"</t>", start)) >= 0:
            if not xml[xml.rfind(b"<", 0, i) : i].startswith(b'<t xml:space="preserve">'):
                return True
            start = i + 1
    return False


@given(st.lists(_XML_PIECES, max_size=25).map(b"".join))
@settings(max_examples=examples(1500))
def test_xml_scans_equal_reference(xml: bytes) -> None:
    from synergia.sheets.workbook import _has_formula_or_error, _trimmed_text

    assert _has_formula_or_error(xml) == _formula_or_error_reference(xml)
    assert _trimmed_text(xml) == _trimmed_reference(xml)


_COMMON_STAMP = st.builds(
    lambda y, mo, d, h, mi, s, dotted, pad: (
        f"{d:0{pad}d}.{mo:0{pad}d}.{y:04d} {h:0{pad}d}:{mi:02d}:{s:02d}" if dotted else f"{y:04d}-{mo:02d}-{d:02d} {h:02d}:{mi:02d}:{s:02d}"
    ),
    st.integers(1, 9999),
    st.integers(0, 13),
    st.integers(0, 32),
    st.integers(0, 25),
    st.integers(0, 61),
    st.integers(0, 61),
    st.booleans(),
    st.sampled_from([1, 2]),
)


@given(_COMMON_STAMP, st.sampled_from([None, "pl_PL", "en_US"]))
@settings(max_examples=examples(800))
def test_common_stamp_shapes_read_as_the_general_parser(text: str, locale: str | None) -> None:
    """The ISO and pl_PL Forms shapes skip the general parser (``dates._common_stamp``): same moment,
    and a day or time that does not exist still gets the general parser's error."""
    plain = _outcome(_read_timestamp, text, bool(locale and locale.startswith("en_US")), "submitted_at")
    assert _outcome(parse_timestamp, text, locale=locale) == plain
