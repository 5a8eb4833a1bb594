"""No input value may crash validation: over-long values quarantine as too_long naming the field;
a property test feeds arbitrary text (NUL, emoji, RTL marks, combining characters, huge strings) to every field."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from synergia.validation.limits import FIELD_MAX_LENGTH, max_length
from synergia.validation.row import Accepted, Empty, Rejected, validate_row
from tests.examples import examples
from tests.field._build import FORM_COLUMNS, good_values, project, raw

ATTENDANCE = {
    "id": "lista",
    "kind": "attendance",
    "worksheet": "Lista",
    "event": "warsztat-1",
    "columns": {"Imię": "first_name", "Nazwisko": "last_name", "E-mail": "email", "Sesja": "session", "Data": "date", "Godziny": "hours"},
    "sessions": {"Dzień 1": 1, "Dzień 2": 2},
}
ADVISORY = {
    "id": "doradztwo",
    "kind": "advisory",
    "worksheet": "Doradztwo",
    "columns": {
        "Imię": "first_name",
        "Nazwisko": "last_name",
        "Wydarzenie": "event",
        "Data": "date",
        "Godziny": "hours",
        "Zgoda": "consent.rodo",
    },
    "required_consents": ["rodo"],
}
PROJECT = project(extra_sources=[ATTENDANCE, ADVISORY])
FORM, LIST, ADVICE = PROJECT.sources


@pytest.mark.parametrize(
    "header,field,length",
    [
        ("Imię", "first_name", 1_000),
        ("Nazwisko", "last_name", 5_000),
        ("Adres e-mail", "email", 300),
        ("Miejscowość", "city", 10_000),
        ("Organizacja", "organisation", 100_000),
        ("Telefon", "phone", 500),
        ("PESEL", "pesel", 2_000),
        ("Kod pocztowy", "postal_code", 200),
        ("Uwagi", "notes", 50_000),
        ("Zgoda na przetwarzanie danych", "consent.rodo", 20_000),
    ],
)
def test_over_long_value_is_quarantined_naming_the_field(header: str, field: str, length: int) -> None:
    value = ("Maria" * (length // 5 + 1))[:length] if field != "email" else "a" * (length - 12) + "@przyklad.pl"
    result = validate_row(raw(good_values(**{header: value})), FORM, PROJECT)
    assert isinstance(result, Rejected)
    assert f"too_long:{field}" in result.reasons
    assert value[:40] not in result.message
    assert field in result.message


def test_limits_are_sane_and_in_one_place() -> None:
    assert max_length("first_name") == max_length("last_name") == 100
    assert max_length("email") == 254
    assert all(isinstance(n, int) and n > 0 for n in FIELD_MAX_LENGTH.values())


def test_values_at_the_limit_are_accepted() -> None:
    name = "Anna-Maria " * 9 + "Ewelina"  # 106 characters: over
    assert isinstance(validate_row(raw(good_values(**{"Imię": name})), FORM, PROJECT), Rejected)
    at_limit = ("Konstantynopolitańczykowianeczka" * 4)[:100]
    result = validate_row(raw(good_values(**{"Nazwisko": at_limit})), FORM, PROJECT)
    assert isinstance(result, Accepted), getattr(result, "reasons", None)


def test_a_thousand_a_first_name_does_not_crash() -> None:
    result = validate_row(raw(good_values(**{"Imię": "A" + "a" * 999})), FORM, PROJECT)
    assert isinstance(result, Rejected) and "too_long:first_name" in result.reasons


HOSTILE = st.sampled_from(
    [
        "\x00",
        "\u200b",
        "\u200d",
        "\u200e",
        "\u200f",
        "\u202e",
        "\u2066",
        "\ufeff",
        "\u00a0",
        "\u0301",
        "\u0328",
        "😀",
        "👩‍👩‍👧",
        "\U0001f1f5\U0001f1f1",
        "ﷺ",
        "٣",
        "²",
        "½",
        "Ⅻ",
        "ǅ",
        "İ",
        "ß",
        "\ud800",
        "\r\n",
        "\t",
        "=",
        "-",
        "inf",
        "nan",
        "1e308",
        "-0",
        "9" * 30,
        "1_0",
        "31.02.1980",
        "29.02.2023",
        "00-000",
        "+48",
        "@",
        "..",
        "TAK",
        "Nie",
        "?",
        "0",
        "2100",
        "2090-01-01",
        "01.01.1850",
        "9999-12-31",
        "0001-01-01",
        "24:00:00",
        "x",
    ]
)
TEXT = st.one_of(
    st.text(max_size=40),
    st.text(alphabet=st.characters(codec=None, exclude_categories=()), max_size=20),
    st.lists(st.one_of(HOSTILE, st.text(max_size=5)), max_size=8).map("".join),
    st.builds(lambda s, n: s * n, st.text(min_size=1, max_size=3), st.integers(50, 3_000)),
)


def _headers(source) -> list[str]:
    return list(source.columns) + list(source.sessions)


@pytest.mark.slow
@settings(max_examples=examples(400), deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data(), which=st.sampled_from([0, 1, 2]), locale=st.sampled_from([None, "pl_PL", "en_US"]))
def test_row_validator_never_raises(data, which: int, locale) -> None:
    source = PROJECT.sources[which]
    values = {h: data.draw(TEXT, label=h) for h in _headers(source)}
    result = validate_row(raw(values, source_id=source.id, worksheet=source.worksheet), source, PROJECT, locale=locale)
    assert isinstance(result, (Accepted, Rejected, Empty))
    if isinstance(result, Rejected):
        assert result.reasons and result.message
    if isinstance(result, Accepted):
        for field, value in result.data.items():
            if isinstance(value, str):
                assert len(value) <= max_length(field)
                assert "\x00" not in value and "\u200b" not in value


def test_every_form_field_is_covered_by_a_limit() -> None:
    for field in set(FORM_COLUMNS.values()) | {"session", "hours", "date", "event"}:
        assert max_length(field) < 100_000
