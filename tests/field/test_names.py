"""Names made only of invisible characters, NUL, spaces or punctuation are not names;
otherwise zero-width/bidi marks are removed and the name NFC-normalised."""

from __future__ import annotations

import unicodedata

import pytest

from synergia.validation.row import Accepted, Rejected, validate_row
from tests.field._build import good_values, project, raw

PROJECT = project()
FORM = PROJECT.sources[0]


@pytest.mark.parametrize(
    "value",
    [
        "\u200b",
        "\u200b\u200c\u200d",
        "\x00",
        "\x00\x00 \x00",
        "\ufeff",
        "\u200e\u200f",
        "...",
        "-",
        "- -",
        "?!",
        "\u00a0\u200b",
        "\u202e\u202c",
        "123",
        "😀😀",
        "'",
    ],
)
def test_name_without_letters_is_quarantined(value: str) -> None:
    result = validate_row(raw(good_values(**{"Imię": value})), FORM, PROJECT)
    assert isinstance(result, Rejected)
    assert "name_invalid:first_name" in result.reasons
    result = validate_row(raw(good_values(**{"Nazwisko": value})), FORM, PROJECT)
    assert isinstance(result, Rejected) and "name_invalid:last_name" in result.reasons


def test_invisible_marks_are_removed_and_name_nfc_normalised() -> None:
    decomposed = unicodedata.normalize("NFD", "Zofia")  # nothing to decompose: stays
    surname = unicodedata.normalize("NFD", "Świątek-Żółć")  # combining diacritics as typed on some phones
    values = good_values(**{"Imię": "\u200bZo\u200dfia\u200e" + decomposed[:0], "Nazwisko": "\u202b" + surname + "\x00"})
    result = validate_row(raw(values), FORM, PROJECT)
    assert isinstance(result, Accepted), getattr(result, "reasons", None)
    assert result.data["first_name"] == "Zofia"
    assert result.data["last_name"] == "Świątek-Żółć"
    assert unicodedata.is_normalized("NFC", result.data["last_name"])


def test_non_breaking_spaces_inside_a_name_are_spaces() -> None:
    result = validate_row(raw(good_values(**{"Imię": "Anna\u00a0\u00a0Maria", "Miejscowość": "Jelenia\u00a0Góra\u200b"})), FORM, PROJECT)
    assert isinstance(result, Accepted)
    assert result.data["first_name"] == "Anna Maria" and result.data["city"] == "Jelenia Góra"


def test_empty_name_is_still_missing_not_invalid() -> None:
    result = validate_row(raw(good_values(**{"Imię": ""})), FORM, PROJECT)
    assert isinstance(result, Rejected) and "missing:first_name" in result.reasons
