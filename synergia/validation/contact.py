"""E-mail, phone and postcode: normalised to the forms the registry stores."""
from __future__ import annotations

import re

import phonenumbers
from email_validator import EmailNotValidError, validate_email

from synergia.validation.errors import Invalid


def clean_email(raw: str) -> str:
    value = (raw or "").strip().strip("<>").strip()
    try:
        result = validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        raise Invalid("email_invalid", "nieprawidłowy adres e-mail") from None
    return result.normalized.lower()


def clean_phone(raw: str) -> str:
    """Any Polish way of writing a number -> E.164 (+48XXXXXXXXX); foreign numbers with their prefix."""
    value = (raw or "").strip()
    if value.endswith(".0") and value[:-2].isdigit():
        value = value[:-2]
    value = re.sub(r"^\(?0048\)?", "+48", re.sub(r"[\s\-().]", "", value))
    if re.fullmatch(r"48\d{9}", value):
        value = "+" + value
    if re.fullmatch(r"0\d{9}", value):  # trunk 0 typed by habit
        value = value[1:]
    try:
        number = phonenumbers.parse(value, "PL")
    except phonenumbers.NumberParseException:
        raise Invalid("phone_invalid", "nieprawidłowy numer telefonu") from None
    if not phonenumbers.is_valid_number(number):
        raise Invalid("phone_invalid", "nieprawidłowy numer telefonu")
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def clean_postal_code(raw: str) -> str:
    """``NN-NNN``; ``NNNNN`` gets its dash. Exactly four digits (``2100``, ``2100.0``) are a postcode
    Sheets stored as a number: Polish postcodes 00-000..09-999 lose their leading zero that way,
    and no other five-digit code can shrink to four digits, so ``2100`` -> ``02-100``. Nothing
    else is guessed (``210``, ``2-100``, ``43 10`` stay invalid)."""
    value = re.sub(r"\s", "", raw or "")
    if re.fullmatch(r"[0-9]+\.0", value):
        value = value[:-2]
    if re.fullmatch(r"[0-9]{2}-[0-9]{3}", value):
        return value
    if re.fullmatch(r"[0-9]{5}", value):
        return f"{value[:2]}-{value[2:]}"
    number = re.sub(r"\.0$", "", (raw or "").strip())
    if re.fullmatch(r"[0-9]{4}", number):  # a number cell: no spaces or dashes inside ("43 10" is not one)
        return f"0{number[0]}-{number[1:]}"
    raise Invalid("postal_code_invalid", "kod pocztowy musi mieć postać NN-NNN")
