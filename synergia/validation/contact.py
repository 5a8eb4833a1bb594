"""E-mail, phone and postcode: normalised to the forms the registry stores.

The one home of these rules: validation (``clean_*``, raising ``Invalid``) and
matching (``synergia.dedupe.normalize``, with the ``read_*`` functions, which
never raise) read a value the same way, so a phone validation rejects is no
phone in matching either, and a phone from a raw CSV compares equal to the same
number stored by the nightly sync. The ``read_*`` functions are pure and cached;
the common shapes (a Polish 9-digit number, a plain ASCII address) take a fast
path that gives the library's answer (proven against phonenumbers and
email-validator in ``tests/foundation/test_rules.py``) without its per-call cost.
"""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from synergia.validation.errors import Invalid

# --- e-mail ---------------------------------------------------------------------------------

#: a local part email-validator accepts as it is (a subset of RFC 5322 dot-atoms), lower-cased
_PLAIN_LOCAL = re.compile(r"[a-z0-9_%+\-]+(?:\.[a-z0-9_%+\-]+)*")
_PLAIN_DOMAIN = re.compile(r"[a-z0-9.\-]+")


@lru_cache(maxsize=8192)
def _domain(domain: str) -> str | None | bool:
    """email-validator's normalised domain (lower-case; ``xn--`` labels as Unicode) of a plain ASCII
    domain, ``None`` if it rejects it (no period, special-use names, a bad label), ``False`` for a
    domain that is not plain ASCII (the whole address then goes to email-validator). Domains repeat
    (gmail.com, wp.pl): one check each."""
    if not _PLAIN_DOMAIN.fullmatch(domain):
        return False
    try:
        return validate_email(f"a@{domain}", check_deliverability=False).domain.lower()
    except EmailNotValidError:
        return None


def _read_email(raw: str) -> str | None:
    """The stored form of an e-mail address (email-validator's normalised address, lower-cased;
    ``<...>`` around it dropped), ``None`` when it is not an address."""
    value = (raw or "").strip()
    if value[:1] == "<" or value[-1:] == ">":
        value = value.strip("<>").strip()
    lowered = value.lower()
    local, at, domain = lowered.rpartition("@")
    if at and len(local) <= 64 and len(lowered) <= 254 and _PLAIN_LOCAL.fullmatch(local):
        checked = _domain(domain)
        if checked is not False:
            return f"{local}@{checked}" if checked else None
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return None
    return result.normalized.lower()


read_email = lru_cache(maxsize=200_000)(_read_email)


def clean_email(raw: str) -> str:
    value = read_email(raw or "")
    if value is None:
        raise Invalid("email_invalid", "nieprawidłowy adres e-mail")
    return value


def mailbox_key(email: str) -> str:
    """The mailbox a stored address (``read_email``) delivers to: Gmail ignores dots and a
    ``+tag`` in the local part and treats googlemail.com as gmail.com. Used to compare people."""
    local, _, domain = email.rpartition("@")
    if domain in ("gmail.com", "googlemail.com"):
        return f"{local.split('+', 1)[0].replace('.', '')}@gmail.com"
    return email


@lru_cache(maxsize=200_000)
def email_key(raw: str) -> str | None:
    """``mailbox_key`` of the address ``read_email`` reads, ``None`` if it is no address: the key
    people are compared by (matching reads every e-mail cell with it)."""
    email = _read_email(raw)
    return mailbox_key(email) if email else None


# --- phone ----------------------------------------------------------------------------------

_PHONE_SEPARATORS = re.compile(r"[\s\-().]")
_PREFIX_0048 = re.compile(r"^\(?0048\)?")
_BARE_48 = re.compile(r"48\d{9}")
_TRUNK_0 = re.compile(r"0\d{9}")
_PL_NATIONAL = re.compile(r"(?:\+48)?([1-9]\d{8})")


def _pl_nine_digit_validity() -> re.Pattern:
    """``is_valid_number`` of a 9-digit Polish national number as one pattern built from
    phonenumbers' own PL metadata: the general pattern and one of the number types
    (the rule of phonenumbers' ``_number_type_helper``), types whose lengths include 9."""
    meta = phonenumbers.PhoneMetadata.metadata_for_region("PL")

    def fits(desc: phonenumbers.PhoneNumberDesc | None) -> bool:
        return bool(desc and desc.national_number_pattern and (not desc.possible_length or 9 in desc.possible_length))

    types = [
        getattr(meta, name)
        for name in (
            "premium_rate",
            "toll_free",
            "shared_cost",
            "voip",
            "personal_number",
            "pager",
            "uan",
            "voicemail",
            "fixed_line",
            "mobile",
        )
    ]
    union = "|".join(f"(?:{d.national_number_pattern})" for d in types if fits(d))
    general = meta.general_desc.national_number_pattern if fits(meta.general_desc) else "(?!)"
    return re.compile(f"(?=(?:{general})$)(?:{union or '(?!)'})")


_PL_VALID_9 = _pl_nine_digit_validity()


def phone_text(raw: str) -> str:
    """The text phonenumbers reads: separators out, ``600100200.0`` (a number cell) without ``.0``,
    ``0048`` and a bare ``48`` before nine digits as ``+48``, a trunk ``0`` typed by habit dropped."""
    value = (raw or "").strip()
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    value = _PREFIX_0048.sub("+48", _PHONE_SEPARATORS.sub("", value))
    if _BARE_48.fullmatch(value):
        value = "+" + value
    if _TRUNK_0.fullmatch(value):  # trunk 0 typed by habit
        value = value[1:]
    return value


@lru_cache(maxsize=200_000)
def read_phone(raw: str) -> str | None:
    """Any Polish way of writing a number -> E.164 (``+48XXXXXXXXX``); foreign numbers with their
    prefix; ``None`` when phonenumbers cannot parse it (``phone_text``) or says it is not a valid
    number (a typo, too short, a placeholder like ``000 000 000``)."""
    value = raw.strip()
    if len(value) == 9 and value.isascii() and value.isdigit() and value[0] != "0":  # most cells: 600100200
        return "+48" + value if _PL_VALID_9.fullmatch(value) else None
    value = phone_text(value)
    if value.isascii() and (m := _PL_NATIONAL.fullmatch(value)):  # fast path: the same answer, no parse
        return "+48" + m.group(1) if _PL_VALID_9.fullmatch(m.group(1)) else None
    try:
        number = phonenumbers.parse(value, "PL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_phone(raw: str) -> str:
    """Any Polish way of writing a number -> E.164 (+48XXXXXXXXX); foreign numbers with their prefix."""
    value = read_phone(raw or "")
    if value is None:
        raise Invalid("phone_invalid", "nieprawidłowy numer telefonu")
    return value


# --- postcode -------------------------------------------------------------------------------

_SPACES = re.compile(r"\s")
_FLOAT_DIGITS = re.compile(r"[0-9]+\.0")
_POSTCODE = re.compile(r"[0-9]{2}-[0-9]{3}")
_FIVE = re.compile(r"[0-9]{5}")
_FOUR = re.compile(r"[0-9]{4}")


@lru_cache(maxsize=100_000)
def read_postal_code(raw: str) -> str | None:
    """``NN-NNN``; ``NNNNN`` gets its dash. Exactly four digits (``2100``, ``2100.0``) are a postcode
    Sheets stored as a number: Polish postcodes 00-000..09-999 lose their leading zero that way,
    and no other five-digit code can shrink to four digits, so ``2100`` -> ``02-100``. Nothing
    else is guessed (``210``, ``2-100``, ``43 10`` stay invalid: ``None``)."""
    value = _SPACES.sub("", raw or "")
    if _FLOAT_DIGITS.fullmatch(value):
        value = value[:-2]
    if _POSTCODE.fullmatch(value):
        return value
    if _FIVE.fullmatch(value):
        return f"{value[:2]}-{value[2:]}"
    number = (raw or "").strip()
    number = number.removesuffix(".0")
    if _FOUR.fullmatch(number):  # a number cell: no spaces or dashes inside ("43 10" is not one)
        return f"0{number[0]}-{number[1:]}"
    return None


def clean_postal_code(raw: str) -> str:
    value = read_postal_code(raw or "")
    if value is None:
        raise Invalid("postal_code_invalid", "kod pocztowy musi mieć postać NN-NNN")
    return value
