"""PESEL, names and gender: the one home of these rules (validation, matching, certificates call them).

PESEL is strong evidence, not a key: we validate checksum *and* date with
python-stdnum, repair the leading zero Sheets drops for people born
1900–1909 / 2000–2009 (only if the checksum then holds), and check it agrees
with the birth date and gender the person typed in the form. Matching
(``synergia.dedupe.normalize``) reads a PESEL with the same ``read_pesel``: a
10-digit value is repaired there too, and what validation rejects is never a
valid PESEL in matching either.

The ``read_*`` functions are pure and cached (values repeat: names, answers,
the same person's PESEL in several rows); they return plain values and never
raise. The ``clean_*`` functions raise ``Invalid`` with a reason code for the
row's quarantine message.
"""

from __future__ import annotations

import re
from datetime import date
from functools import lru_cache
from typing import NamedTuple

from stdnum.pl import pesel as stdnum_pesel

from synergia.validation.errors import Invalid
from synergia.validation.text import NO_VALUE, has_letter, visible

#: "No PESEL" answers: the shared no-value words and the PESEL-specific ones.
NO_PESEL_ANSWERS = NO_VALUE | {"brak pesel", "nie posiadam"}

_GENDER = {
    "k": "K",
    "kobieta": "K",
    "female": "K",
    "f": "K",
    "pani": "K",
    "ż": "K",
    "m": "M",
    "mężczyzna": "M",
    "mezczyzna": "M",
    "male": "M",
    "pan": "M",
}
_GENDER_UNKNOWN = {"", "nie chcę podawać", "nie chce podawac", "wolę nie podawać", "inna", "inne", "nie podano", "nie dotyczy"}

_PESEL_FORMAT = ("pesel_format", "PESEL musi składać się z 11 cyfr")
_PESEL_LENGTH = ("pesel_length", "PESEL musi mieć 11 cyfr")
_PESEL_TEN = ("pesel_length", "PESEL ma 10 cyfr i nie da się go naprawić dopisaniem zera")
_PESEL_CHECKSUM = ("pesel_checksum", "PESEL ma błędną cyfrę kontrolną")
_PESEL_DATE = ("pesel_date", "PESEL zawiera niemożliwą datę urodzenia")
_PESEL_SEPARATORS = re.compile(r"[\s\-.]")
_FLOAT_CELL = re.compile(r"\d+\.0")


class PeselReading(NamedTuple):
    """What a PESEL cell says: a valid ``pesel`` with its ``birth_date`` and ``gender``; all ``None``
    for nothing or a declared "no PESEL"; ``problem`` = (reason code, Polish message) if invalid."""

    pesel: str | None
    birth_date: date | None
    gender: str | None
    problem: tuple[str, str] | None


_NOTHING = PeselReading(None, None, None, None)


#: the century a PESEL's month carries (month + 80: 1800s, + 0: 1900s, + 20: 2000s, ...), as in stdnum
_CENTURY = {0: 1900, 1: 2000, 2: 2100, 3: 2200, 4: 1800}


def _check_pesel(value: str) -> PeselReading:
    """python-stdnum's rules (``stdnum.pl.pesel.validate``, in its order: length, check digit
    (``calc_check_digit``), a real birth date; even tenth digit = a woman) on 11 ASCII digits.
    The birth date is computed here as ``get_birth_date`` does (it cleans the text again on
    every call); ``tests/foundation/test_rules.py`` holds both to the same answers."""
    if len(value) != 11:
        return PeselReading(None, None, None, _PESEL_LENGTH)
    if stdnum_pesel.calc_check_digit(value[:10]) != value[10]:
        return PeselReading(None, None, None, _PESEL_CHECKSUM)
    month = int(value[2:4])
    try:
        born = date(_CENTURY[month // 20] + int(value[:2]), month % 20, int(value[4:6]))
    except ValueError:
        return PeselReading(None, None, None, _PESEL_DATE)
    return PeselReading(value, born, "K" if int(value[9]) % 2 == 0 else "M", None)


@lru_cache(maxsize=200_000)
def read_pesel(raw: str) -> PeselReading:
    """Read a PESEL cell (never raises). Spaces, dashes and dots are separators, ``123.0`` is a number
    cell; ``brak``, ``nie posiadam``, ``-`` (``NO_PESEL_ANSWERS``) declare no PESEL; 10 digits get the
    leading zero back when the checksum then holds (born 1900–1909 / 2000–2009), else ``pesel_length``."""
    text = (raw or "").strip()
    if len(text) == 11 and text.isascii() and text.isdigit():  # most cells: nothing to clean
        return _check_pesel(text)
    if text.lower() in NO_PESEL_ANSWERS:
        return _NOTHING
    if _FLOAT_CELL.fullmatch(text):  # a number cell exported as float
        text = text[:-2]
    value = _PESEL_SEPARATORS.sub("", text)
    if not value:
        return _NOTHING
    if not (value.isascii() and value.isdigit()):
        return PeselReading(None, None, None, _PESEL_FORMAT)
    if len(value) == 10:
        padded = _check_pesel("0" + value)
        return padded if padded.pesel else PeselReading(None, None, None, _PESEL_TEN)
    return _check_pesel(value)


def clean_pesel(raw: str) -> str | None:
    """Return an 11-digit valid PESEL, ``None`` for a declared "no PESEL", or raise ``Invalid``."""
    reading = read_pesel(raw or "")
    if reading.problem:
        raise Invalid(*reading.problem)
    return reading.pesel


def pesel_birth_date(pesel: str) -> date:
    """Birth date of a valid PESEL."""
    return read_pesel(pesel).birth_date


def pesel_gender(pesel: str) -> str:
    """``K`` / ``M`` of a valid PESEL."""
    return read_pesel(pesel).gender


@lru_cache(maxsize=4096)
def read_gender(raw: str) -> str | None:
    """``K`` / ``M``; ``""`` when the person chose not to say (``nie podano``, ``inna``, empty);
    ``None`` when the answer is not recognised. Case and spaces are ignored."""
    value = " ".join((raw or "").strip().lower().split())
    if value in _GENDER_UNKNOWN:
        return ""
    return _GENDER.get(value)


def clean_gender(raw: str) -> str | None:
    gender = read_gender(raw or "")
    if gender is None:
        raise Invalid("gender_unknown", "nierozpoznana płeć (oczekiwano: Kobieta / Mężczyzna / nie podano)")
    return gender or None


_SMALL_WORDS = {"z", "de", "van", "von", "da", "di", "del"}
_NAME_PARTS = re.compile(r"([ \-'])")
_HYPHEN = re.compile(r"\s*-\s*")


@lru_cache(maxsize=100_000)
def capitalise_name(text: str) -> str:
    """How a name is written: invisible characters out, one space, no space around a hyphen;
    ALL-CAPS or all-lower typing becomes ``Jan Kowalski-Nowak`` / ``O'Brien`` / ``van Dijk``
    (particles lower-case); the person's own mixed case (``McDonald``, ``de Vries``) is kept.
    Never raises: also for names already in the registry (certificates print them with this)."""
    value = _HYPHEN.sub("-", visible(text))
    if value.isupper() or value.islower():
        parts = _NAME_PARTS.split(value.lower())
        value = "".join(p if p in " -'" or p in _SMALL_WORDS else p[:1].upper() + p[1:] for p in parts)
    return value


def clean_name(raw: str, field: str = "name") -> str:
    """Drop invisible characters (zero-width, bidi marks, NUL), NFC, collapse spaces; fix ALL-CAPS /
    all-lower typing, keep the person's own mixed case (``capitalise_name``). A non-empty value
    without a single letter (only invisible characters, punctuation, digits or emoji) is not a
    name: ``name_invalid:<field>``."""
    if not (raw or "").strip():
        return ""
    value, letter = _name(raw)
    if not letter:
        raise Invalid(f"name_invalid:{field}", f"pole '{field}' nie zawiera imienia ani nazwiska (brak liter)")
    return value


@lru_cache(maxsize=100_000)  # first names repeat on every other row
def _name(raw: str) -> tuple[str, bool]:
    value = capitalise_name(raw)
    return value, has_letter(value)
