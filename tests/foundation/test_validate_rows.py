"""Column-at-a-time validation (``validate_rows``), the forked half of a big tab and reused rows'
lazily decoded data give exactly what the row-at-a-time code gave (``reference_validation.py``,
a copy of it): the same outcomes in the same order, the same codes and messages, the same data
with its keys in the same order (the registry stores the JSON text).

Values are our own, shaped like what respondents and staff really type (``field-behaviours.md``):
consents in words and ticks, PESELs with spaces and dots, phones in a dozen formats, dates in
every order, names with zero-width, NBSP, RTL marks, emoji and combining accents, a paragraph
in a short field, blank and formula cells, a form with two versions of a question."""

from __future__ import annotations

import functools
import json
import pickle
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from stdnum.pl import pesel as stdnum_pesel

from config.project import ProjectConfig, Source, load_project
from synergia.sheets.read import SourceSnapshot
from synergia.sheets.rows import RawRow, SourceRef
from synergia.validation import batch as batch_module
from synergia.validation.batch import validate_snapshot
from synergia.validation.row import Accepted, Empty, Rejected, RowPlan, StoredData, validate_rows
from tests.examples import examples
from tests.foundation import reference_validation as reference

_DEMO = Path(__file__).resolve().parents[2] / "config" / "projects" / "demo.yaml"
LATEST = date(2026, 6, 1)


def _pesel(first_ten: str) -> str:
    return first_ten + stdnum_pesel.calc_check_digit(first_ten)


GOOD_PESEL = _pesel("9102034567")  # born 1991-02-03, a man (9th digit odd)
OLD_PESEL = _pesel("0322117890")  # born 1903: the leading zero Sheets drops
YOUNG_PESEL = _pesel("2321056789")  # born 2023: too young
NAMES = [
    "Anna",
    "ANNA",
    "anna-maria",
    "\u200bJan",
    "Jan\u00a0Paweł",
    "😀",
    "\u200f",
    "O'BRIEN",
    "e\u0301wa",
    "van DIJK",
    "Ł" * 130,
    " ",
    "",
]
CONSENTS = ["Tak", "tak, wyrażam zgodę", "Wyrażam zgodę", "Nie wyrażam zgody.", "nie zgadzam się", "NIE", "odmawiam"]
CONSENTS += ["brak zgody", "-", "?", "✔", "TAK ", "\u200bTak", "x", "Tak, ale nie", "z" * 2100, "", "\u00a0"]
PESELS = [GOOD_PESEL, f"{GOOD_PESEL[:3]} {GOOD_PESEL[3:7]}-{GOOD_PESEL[7:]}", ".".join(GOOD_PESEL[i : i + 3] for i in range(0, 11, 3))]
PESELS += [OLD_PESEL[1:], OLD_PESEL, f"{GOOD_PESEL}.0", YOUNG_PESEL, GOOD_PESEL[:10] + "0", "brak", "nie posiadam", "12345", "9" * 45, ""]
PHONES = ["600100200", "+48 600 100 200", "0048600100200", "48600100200", "(600) 100-200", "600100200.0", "0600100200"]
PHONES += ["000 000 000", "+44 20 7946 0958", "12345", "tel. 600", ""]
DATES = ["03.02.1991", "1991-02-03", "3/2/1991", "2/3/1991", "19910203", "31.09.1991", "1850-01-01", "2020-01-01"]
DATES += ["1991.02.03", "03-02-1991", "  03.02.1991 14:00", "1991-02-03T00:00:00", "brak", ""]
STAMPS = ["12.03.2026 10:15:00", "3/12/2026 10:15:00", "1900-01-01 00:00", "2099-12-31 23:59:59", "12.03.2026", "12.03.2026 25:00"]
STAMPS += ["2026-03-12T10:15:00Z", "abc", ""]
EMAILS = ["a.nowak@przyklad.pl", "A.Nowak@Gmail.COM", "<x@wp.pl>", "to nie jest adres", "zażółć@przykład.pl", "a@b", " a@b.pl ", ""]
GENDERS = ["Kobieta", "M", "nie podano", "inna", "?", "Mężczyzna", "K", ""]
POSTCODES = ["43-100", "43100", "2100", "2100.0", "43 100", "210", ""]
PLACES = ["Tychy", "Tychy m.", "  tychy ", "Lędziny", "Bieruń\u200b", ""]
KINDS = ["ngo", "Stowarzyszenie", "stow.", "JST", "rada seniorów", "Organizacja pozarządowa", "coś innego", "", " "]
MARKS = ["x", "X", "✓", "obecna", "nie", "", " ", "1"]
HOURS = ["1,5", "2", "25", "0", "abc", ""]
BY_FIELD = {
    "first_name": NAMES,
    "last_name": NAMES,
    "pesel": PESELS,
    "phone": PHONES,
    "birth_date": DATES,
    "date": DATES,
    "submitted_at": STAMPS,
    "email": EMAILS,
    "gender": GENDERS,
    "postal_code": POSTCODES,
    "city": PLACES,
    "gmina": PLACES,
    "street": PLACES,
    "organisation": KINDS,
    "organisation_type": KINDS,
    "category": KINDS,
    "notes": PLACES,
    "hours": HOURS,
    "session": HOURS,
    "event": ["akademia-1", "Akademia Aktywnego Obywatela – narzędzia partycypacji", "nie ma takiego", ""],
}
_PIECES = st.sampled_from(
    list("aZąĄęłŁżó019 .,-@'\t") + ["\u00a0", "\u200b", "\ufeff", "\u200f", "\u00ad", "\x00", "\u0301", "\ud800", "😀"]
)
NOISE = st.lists(_PIECES, max_size=12).map("".join)

#: a form with two versions of a question (two columns, one field), two columns of one consent,
#: value maps, a default category and organisation type, more required fields
TEST_FORM = {
    "id": "formularz-testowy",
    "kind": "recruitment",
    "worksheet": "Formularz testowy",
    "consent_version": "V1",
    "required_consents": ["rodo"],
    "columns": {
        "Sygnatura czasowa": "submitted_at",
        "Imię": "first_name",
        "Imię (stara wersja)": "first_name",
        "Nazwisko": "last_name",
        "E-mail": "email",
        "Telefon": "phone",
        "PESEL": "pesel",
        "Data ur.": "birth_date",
        "Płeć": "gender",
        "Kod": "postal_code",
        "Gmina": "gmina",
        "Typ": "organisation_type",
        "Uwagi": "notes",
        "Zgoda": "consent.rodo",
        "Zgoda (druga kolumna)": "consent.rodo",
        "Zgoda foto": "consent.foto",
    },
    "require": ["email", "phone"],
    "category": "domyślna",
    "value_maps": {
        "gmina": {"Tychy m.": "Tychy", "Lędziny": ""},
        "organisation_type": {"stow.": "NGO"},
        "category": {"domyślna": "inna kategoria"},
    },
}


@functools.cache
def _project() -> ProjectConfig:
    demo = load_project(_DEMO)
    return demo.model_copy(update={"sources": [*demo.sources, Source.model_validate(TEST_FORM)]})


def _headers(source: Source) -> list[str]:
    return [*source.columns, *source.sessions, "Uwagi biura"]


#: values each rule accepts (drawn often, so that many rows are accepted and their data compared)
GOOD = {
    "consent": ["Tak", "Wyrażam zgodę", "✔"],
    "pesel": [GOOD_PESEL, OLD_PESEL[1:], "brak"],
    "gender": ["nie podano", "M", ""],
    "birth_date": ["03.02.1991", ""],
    "phone": ["600100200", "+48 600 100 200"],
    "email": ["a.nowak@przyklad.pl", "A.Nowak@Gmail.COM"],
    "submitted_at": ["12.03.2026 10:15:00", "3/12/2026 10:15:00"],
    "postal_code": ["43-100", "2100"],
    "gmina": ["Tychy m.", "Lędziny", "Tychy"],
}


def _pools(source: Source, header: str) -> tuple[list[str], list[str]]:
    """(values the rule accepts, every value) for one header of ``source``."""
    target = source.columns.get(header)
    if target is None:
        pool = MARKS if header in source.sessions else PLACES
    else:
        pool = CONSENTS if target.startswith("consent.") else BY_FIELD[target]
    return GOOD.get("consent" if target and target.startswith("consent.") else target or "", pool[:3]), pool


@st.composite
def _row(draw: st.DrawFn, source: Source, headers: list[str]) -> dict[str, str]:
    """Typical values everywhere but in up to three cells: a hostile value or noise there."""
    values = {h: draw(st.sampled_from(_pools(source, h)[0])) for h in headers}
    for header in draw(st.lists(st.sampled_from(headers), max_size=3, unique=True)):
        values[header] = draw(st.one_of(st.sampled_from(_pools(source, header)[1]), NOISE))
    return values


@st.composite
def tabs(draw: st.DrawFn) -> tuple[Source, list[RawRow]]:
    """One source's tab: rows of hostile cells, some repeated (the memo), some blank, some with a
    formula without a value."""
    project = _project()
    source = draw(st.sampled_from(project.sources))
    headers = _headers(source)
    distinct = draw(st.lists(_row(source, headers), min_size=1, max_size=6))
    distinct.append(dict.fromkeys(headers, " "))
    picks = draw(st.lists(st.integers(0, len(distinct) - 1), min_size=1, max_size=14))
    rows = []
    for number, i in enumerate(picks, start=2):
        formula = draw(
            st.sampled_from([frozenset(), frozenset(), frozenset(), frozenset(draw(st.sets(st.sampled_from(headers), max_size=2)))])
        )
        rows.append(RawRow(SourceRef(source.id, "book.xlsx", source.worksheet, number), dict(distinct[i]), formula))
    return source, rows


def _key(outcome: object) -> tuple:
    """Everything an outcome says, the data's key order included."""
    if isinstance(outcome, Accepted):
        return ("accepted", outcome.ref, outcome.kind, outcome.content_hash, json.dumps(outcome.data, ensure_ascii=False))
    if isinstance(outcome, Rejected):
        return ("rejected", outcome.ref, outcome.content_hash, outcome.reasons, outcome.message)
    assert isinstance(outcome, Empty)
    return ("empty", outcome.ref)


@given(tabs(), st.sampled_from([None, "pl_PL", "en_US"]))
@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
def test_validate_rows_equals_one_row_at_a_time(tab: tuple[Source, list[RawRow]], locale: str | None) -> None:
    source, rows = tab
    project = _project()
    plan = RowPlan(source, project, rows[0].values)
    hashes = [raw.content_hash() for raw in rows]
    expected = [
        reference.validate_planned(raw, source, project, plan, locale=locale, latest=LATEST, content_hash=h)
        for raw, h in zip(rows, hashes, strict=True)
    ]
    got = validate_rows(rows, source, project, plan, locale=locale, latest=LATEST, content_hashes=hashes)
    assert [_key(o) for o in got] == [_key(o) for o in expected]
    assert got == expected


def test_the_hostile_values_reach_every_kind_of_outcome() -> None:
    """The values above are not all accepted: each field's rule rejects some of them (so the
    equality above is tested on rejections and their messages too)."""
    project = _project()
    source = next(s for s in project.sources if s.id == "formularz-testowy")
    good = {
        "Sygnatura czasowa": "12.03.2026 10:15:00",
        "Imię": "ANNA",
        "Imię (stara wersja)": "",
        "Nazwisko": "nowak-kowalska",
        "E-mail": "A.Nowak@Gmail.COM",
        "Telefon": "+48 600 100 200",
        "PESEL": f"{GOOD_PESEL[:3]} {GOOD_PESEL[3:]}",
        "Data ur.": "",
        "Płeć": "",
        "Kod": "2100",
        "Gmina": "Tychy m.",
        "Typ": "stow.",
        "Uwagi": "",
        "Zgoda": "",
        "Zgoda (druga kolumna)": "tak, wyrażam zgodę",
        "Zgoda foto": "NIE",
        "Uwagi biura": "=A1",
    }
    bad = dict(good, **{"Imię": "\u200b\u200f", "PESEL": GOOD_PESEL[:10] + "0", "Zgoda (druga kolumna)": "Tak, ale nie", "Telefon": ""})
    rows = [RawRow(SourceRef(source.id, "b.xlsx", source.worksheet, i + 2), v) for i, v in enumerate([good, bad, dict.fromkeys(good, "")])]
    plan = RowPlan(source, project, good)
    ok, no, empty = validate_rows(rows, source, project, plan, locale=None, latest=LATEST, content_hashes=["a", "b", "c"])
    assert isinstance(ok, Accepted) and isinstance(empty, Empty) and isinstance(no, Rejected)
    assert list(ok.data) == [
        *("first_name", "last_name", "gmina", "email", "phone", "postal_code", "submitted_at", "pesel", "birth_date", "gender"),
        *("organisation_type", "category", "consents"),
    ]
    assert (ok.data["first_name"], ok.data["gmina"], ok.data["birth_date"], ok.data["gender"]) == ("Anna", "Tychy", "1991-02-03", "M")
    assert ok.data["consents"] == {"rodo": {"given": True, "version": "V1"}, "foto": {"given": False, "version": "V1"}}
    assert no.reasons == ("name_invalid:first_name", "pesel_checksum", "consent_unclear:rodo", "missing:phone")
    assert [_key(o) for o in (ok, no, empty)] == [
        _key(reference.validate_planned(raw, source, project, plan, locale=None, latest=LATEST, content_hash=h))
        for raw, h in zip(rows, "abc", strict=True)
    ]


# -- the snapshot: forked == serial == the old loop; reused rows -----------------------------------


def _snapshot(project: ProjectConfig, n: int) -> SourceSnapshot:
    """Every source's tab with ``n`` rows made from the hostile values (deterministic)."""
    snap = SourceSnapshot()
    for s_i, source in enumerate(project.sources):
        headers = _headers(source)
        rows = []
        for r in range(n):
            values = {}
            for c_i, header in enumerate(headers):
                target = source.columns.get(header)
                pool = (
                    (MARKS if header in source.sessions else PLACES)
                    if target is None
                    else (CONSENTS if target.startswith("consent.") else BY_FIELD[target])
                )
                pick = (r * (c_i + 3) + s_i + (r // 7) * c_i) % (len(pool) + 3)
                values[header] = pool[pick] if pick < len(pool) else ("Anna", "600100200", "Tak")[pick - len(pool)]
            uncached = frozenset({headers[r % len(headers)]}) if r % 97 == 5 else frozenset()
            rows.append(RawRow(SourceRef(source.id, "book.xlsx", source.worksheet, r + 2), values, uncached))
        snap.rows[source.id] = rows
        snap.headers[source.id] = headers
        snap.locales[source.id] = "en_US" if s_i % 3 == 2 else None
    return snap


@pytest.mark.parametrize("reuse", ["none", "json", "dict"])
def test_forked_equals_serial_equals_the_old_loop(monkeypatch: pytest.MonkeyPatch, reuse: str) -> None:
    project = _project()
    snap = _snapshot(project, 600)
    fresh, _ = reference.validate_snapshot_outcomes(project, snap, today=LATEST)
    known = None
    if reuse != "none":  # every other accepted row as the registry holds it
        known = {
            (o.ref.source_id, o.content_hash): (o.kind, json.dumps(o.data) if reuse == "json" else o.data)
            for o in fresh[::2]
            if isinstance(o, Accepted)
        }
    expected, expected_reused = reference.validate_snapshot_outcomes(project, snap, today=LATEST, known=known)
    assert sum(isinstance(o, Accepted) for o in expected) > 300 and sum(isinstance(o, Rejected) for o in expected) > 300
    monkeypatch.setattr(batch_module, "FORK_MIN", 100)
    for processes in (1, 2, None):
        got = validate_snapshot(project, snap, today=LATEST, known=known, processes=processes)
        assert [_key(o) for o in got.outcomes] == [_key(o) for o in expected], processes
        assert got.reused == expected_reused and got.formula_rows == sum(bool(r.uncached) for rows in snap.rows.values() for r in rows)
        if reuse == "json":
            assert {o.stored_json for o in got.outcomes if getattr(o, "stored_json", None)} == {v[1] for v in known.values()}
            assert sum(getattr(o, "stored_json", None) is not None for o in got.outcomes) == expected_reused > 0


def test_a_failed_worker_is_redone_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """The worker's half is computed in this process when the worker dies (``redo_here``)."""
    import os

    project = _project()
    snap = _snapshot(project, 300)
    expected, _ = reference.validate_snapshot_outcomes(project, snap, today=LATEST)
    monkeypatch.setattr(batch_module, "FORK_MIN", 100)
    parent, real_pack = os.getpid(), batch_module._Tab.pack

    def dying_pack(self: batch_module._Tab, start: int, stop: int) -> tuple[list, int]:
        if os.getpid() != parent:
            os._exit(3)
        return real_pack(self, start, stop)

    monkeypatch.setattr(batch_module._Tab, "pack", dying_pack)
    got = validate_snapshot(project, snap, today=LATEST, processes=2)
    assert [_key(o) for o in got.outcomes] == [_key(o) for o in expected]


def test_reused_data_is_decoded_only_when_read() -> None:
    ref = SourceRef("s", "b.xlsx", "t", 2)
    text = json.dumps({"first_name": "Zażółć", "consents": {"rodo": {"given": True, "version": None}}, "sessions": [1, 2]})
    lazy = Accepted(ref, "recruitment", "h", StoredData(text))
    assert "_data" not in lazy.__dict__ and lazy.stored_json == text and type(lazy.stored_json) is str
    eager = Accepted(ref, "recruitment", "h", json.loads(text))
    assert lazy == eager and eager == lazy and eager.stored_json is None
    assert lazy.data is lazy.data and lazy.data == json.loads(text)  # decoded once, kept
    assert pickle.loads(pickle.dumps(Accepted(ref, "recruitment", "h", StoredData(text)))) == eager
    changed = replace(lazy, data={"first_name": "Inna"})  # e.g. rodo.tombstones dropping a PESEL
    assert changed.stored_json is None and changed.data == {"first_name": "Inna"}
    assert "Zażółć" not in repr(lazy)
    with pytest.raises(TypeError):
        Accepted(ref, "recruitment", "h")  # type: ignore[call-arg]
