"""PESEL, names and gender.

PESEL is strong evidence, not a key: we validate checksum *and* date with
python-stdnum, repair the leading zero Sheets drops for people born
1900–1909 / 2000–2009 (only if the checksum then holds), and check it agrees
with the birth date and gender the person typed in the form.
"""
from __future__ import annotations

import re
from datetime import date

from stdnum.exceptions import InvalidChecksum, InvalidComponent, InvalidFormat, InvalidLength
from stdnum.pl import pesel as stdnum_pesel

from synergia.validation.errors import Invalid
from synergia.validation.text import has_letter, visible

NO_PESEL_ANSWERS = {"brak", "brak pesel", "nie dotyczy", "nie posiadam", "-", "—", "n/d", "nd", "none"}

_GENDER = {
    "k": "K", "kobieta": "K", "female": "K", "f": "K", "pani": "K", "ż": "K",
    "m": "M", "mężczyzna": "M", "mezczyzna": "M", "male": "M", "pan": "M",
}
_GENDER_UNKNOWN = {"", "nie chcę podawać", "nie chce podawac", "wolę nie podawać", "inna", "inne", "nie podano", "nie dotyczy"}


def clean_pesel(raw: str) -> str | None:
    """Return an 11-digit valid PESEL, ``None`` for a declared "no PESEL", or raise ``Invalid``."""
    text = (raw or "").strip()
    if text.lower() in NO_PESEL_ANSWERS:
        return None
    if re.fullmatch(r"\d+\.0", text):  # a number cell exported as float
        text = text[:-2]
    value = re.sub(r"[\s\-.]", "", text)
    if not value:
        return None
    if not re.fullmatch(r"[0-9]+", value):
        raise Invalid("pesel_format", "PESEL musi składać się z 11 cyfr")
    if len(value) == 10:
        padded = "0" + value
        if stdnum_pesel.is_valid(padded):
            return padded
        raise Invalid("pesel_length", "PESEL ma 10 cyfr i nie da się go naprawić dopisaniem zera")
    try:
        return stdnum_pesel.validate(value)
    except InvalidLength:
        raise Invalid("pesel_length", "PESEL musi mieć 11 cyfr") from None
    except InvalidChecksum:
        raise Invalid("pesel_checksum", "PESEL ma błędną cyfrę kontrolną") from None
    except InvalidComponent:
        raise Invalid("pesel_date", "PESEL zawiera niemożliwą datę urodzenia") from None
    except InvalidFormat:
        raise Invalid("pesel_format", "PESEL musi składać się z 11 cyfr") from None


def pesel_birth_date(pesel: str) -> date:
    return stdnum_pesel.get_birth_date(pesel)


def pesel_gender(pesel: str) -> str:
    return "K" if stdnum_pesel.get_gender(pesel) == "F" else "M"


def clean_gender(raw: str) -> str | None:
    value = " ".join((raw or "").strip().lower().split())
    if value in _GENDER_UNKNOWN:
        return None
    if value in _GENDER:
        return _GENDER[value]
    raise Invalid("gender_unknown", "nierozpoznana płeć (oczekiwano: Kobieta / Mężczyzna / nie podano)")


_SMALL_WORDS = {"z", "de", "van", "von", "da", "di", "del"}


def clean_name(raw: str, field: str = "name") -> str:
    """Drop invisible characters (zero-width, bidi marks, NUL), NFC, collapse spaces; fix ALL-CAPS /
    all-lower typing, keep the person's own mixed case. A non-empty value without a single letter
    (only invisible characters, punctuation, digits or emoji) is not a name: ``name_invalid:<field>``."""
    value = visible(raw)
    value = re.sub(r"\s*-\s*", "-", value)
    if not (raw or "").strip():
        return ""
    if not has_letter(value):
        raise Invalid(f"name_invalid:{field}", f"pole '{field}' nie zawiera imienia ani nazwiska (brak liter)")
    if value.isupper() or value.islower():
        parts = re.split(r"([ \-'])", value.lower())
        value = "".join(p if p in " -'" or p in _SMALL_WORDS else p[:1].upper() + p[1:] for p in parts)
    return value
