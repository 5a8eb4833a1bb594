"""One answer per people-data rule: validation (what staff see in ``Odrzucone``), matching
(``dedupe.normalize``) and the manual indicator tab read the same value the same way.

Cases follow ``shared/field-behaviours.md`` (a PESEL with spaces, dashes or dots; a phone in
any of a dozen formats; a postcode without the dash; a birth date in the format they like;
"brak"/"-" answers), with values of our own. The fast paths of ``validation.contact`` and
``validation.identity`` are checked against the libraries they stand in for.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from datetime import date
from typing import TypeVar

import phonenumbers
import pytest
from email_validator import EmailNotValidError, validate_email
from stdnum.exceptions import (
    InvalidChecksum,
    InvalidComponent,
    InvalidFormat,
    InvalidLength,
)
from stdnum.pl import pesel as stdnum_pesel

from synergia.dedupe import normalize
from synergia.dedupe.normalize import normalize_record
from synergia.indicators.manual import parse_manual_rows
from synergia.validation.contact import (
    clean_email,
    clean_phone,
    clean_postal_code,
    email_key,
    mailbox_key,
    phone_text,
    read_email,
    read_phone,
)
from synergia.validation.dates import iso_date, parse_date, read_date
from synergia.validation.errors import Invalid
from synergia.validation.identity import (
    capitalise_name,
    clean_gender,
    clean_name,
    clean_pesel,
    pesel_birth_date,
    pesel_gender,
    read_pesel,
)
from synergia.validation.text import ascii_key

T = TypeVar("T")


def make_pesel(born: date, female: bool, serial: int) -> str:
    """A valid PESEL built here (not by a generator under test): century in the month, sex in digit 10."""
    offset = {18: 80, 19: 0, 20: 20, 21: 40, 22: 60}[born.year // 100]
    body = f"{born.year % 100:02d}{born.month + offset:02d}{born.day:02d}{serial % 1000:03d}{(serial % 5) * 2 + (not female)}"
    return body + stdnum_pesel.calc_check_digit(body)


def verdict(fn: Callable[[str], T], raw: str) -> T | None:
    """The validator's value, or None when it rejects the text."""
    try:
        return fn(raw)
    except Invalid:
        return None


# --- PESEL ----------------------------------------------------------------------------------

ANNA = make_pesel(date(1987, 4, 23), True, 417)  # born in the 1900s
OLEK = make_pesel(date(2004, 12, 1), False, 88)  # born in the 2000s: month + 20
LEADING_ZERO = make_pesel(date(1906, 2, 14), True, 5)  # starts with 0: Sheets drops it -> 10 digits
assert LEADING_ZERO.startswith("0")
BAD_CHECK = ANNA[:10] + str((int(ANNA[10]) + 3) % 10)
NO_SUCH_DAY = "87023112345"  # 31 February


@pytest.mark.parametrize(
    "raw",
    [
        ANNA,
        f" {ANNA[:3]} {ANNA[3:6]} {ANNA[6:]} ",
        f"{ANNA[:6]}-{ANNA[6:]}",
        ".".join([ANNA[:4], ANNA[4:8], ANNA[8:]]),
        f"{ANNA}.0",
        OLEK,
        LEADING_ZERO,
        LEADING_ZERO[1:],
        f"{LEADING_ZERO[1:]}.0",
        BAD_CHECK,
        NO_SUCH_DAY,
        "brak",
        "BRAK",
        "-",
        "nan",
        "nie posiadam",
        "12345",
        "PESEL 87042312345",
        "8704231234567",
        BAD_CHECK[1:],
        "０" + ANNA[1:],
    ],
)
def test_pesel_has_one_answer_in_validation_and_matching(raw: str) -> None:
    valid = verdict(clean_pesel, raw)
    rec = normalize_record({"pesel": raw})
    assert rec.pesel == valid
    if valid:
        assert rec.dob == pesel_birth_date(valid).isoformat() and rec.gender == pesel_gender(valid)
        assert rec.other_id is None
    else:
        assert rec.dob is None and rec.gender is None


def test_ten_digit_pesel_is_repaired_in_matching_too() -> None:
    a = normalize_record({"pesel": LEADING_ZERO[1:]})
    b = normalize_record({"pesel": LEADING_ZERO})
    assert a.pesel == b.pesel == LEADING_ZERO and a.dob == "1906-02-14" and a.gender == "K"
    assert clean_pesel(LEADING_ZERO[1:]) == LEADING_ZERO


def test_an_invalid_pesel_is_no_pesel_anywhere() -> None:
    for raw in (BAD_CHECK, NO_SUCH_DAY):
        with pytest.raises(Invalid):
            clean_pesel(raw)
        rec = normalize_record({"pesel": raw})
        assert rec.pesel is None and rec.other_id == raw  # kept only as weak evidence, never a veto


def _stdnum_answer(value: str) -> tuple:
    try:
        number = stdnum_pesel.validate(value)
    except (InvalidLength, InvalidChecksum, InvalidComponent, InvalidFormat) as exc:
        return None, None, None, type(exc).__name__
    return number, stdnum_pesel.get_birth_date(number), "K" if stdnum_pesel.get_gender(number) == "F" else "M", None


_CODES = {
    "pesel_length": "InvalidLength",
    "pesel_checksum": "InvalidChecksum",
    "pesel_date": "InvalidComponent",
    "pesel_format": "InvalidFormat",
}


def test_read_pesel_gives_python_stdnum_answer() -> None:
    rng = random.Random(20261201)
    values = [
        make_pesel(date(1800, 1, 1).fromordinal(rng.randrange(657_072, 803_533)), rng.random() < 0.5, i) for i in range(3000)
    ]  # valid, 1800..2199
    values += ["".join(rng.choice(string.digits) for _ in range(11)) for _ in range(5000)]  # mostly bad checksum
    values += [v[:2] + f"{rng.randrange(100):02d}" + f"{rng.randrange(40):02d}" + v[6:] for v in values[:3000]]
    for value in values:
        reading = read_pesel(value)
        number, born, sex, error = _stdnum_answer(value)
        assert (reading.pesel, reading.birth_date, reading.gender) == (number, born, sex), value
        assert (_CODES[reading.problem[0]] if reading.problem else None) == error, value


# --- phone ----------------------------------------------------------------------------------

PHONES = [
    "+48 601 234 567",
    "601-234-567",
    "601 234 567",
    "0048601234567",
    "(0048) 601 234 567",
    "48601234567",
    "601234567.0",
    "0601234567",
    "(+48) 60 123 45 67",
    "+48 (22) 628 12 34",
    "22 628 12 34",
    "+49 30 1234567",
    "0049 30 1234567",
    "000 000 000",
    "000000000",
    "111 111 111",
    "601 234 56",
    "60123456789",
    "12",
    "tel. 601 234 567",
    "brak",
    "-",
    "+48 123",
    "٦٠١٢٣٤٥٦٧",
]


@pytest.mark.parametrize("raw", PHONES)
def test_phone_has_one_answer_in_validation_and_matching(raw: str) -> None:
    assert normalize_record({"phone": raw}).phone == verdict(clean_phone, raw)


def test_unparseable_phones_are_no_key_so_two_people_cannot_share_them() -> None:
    a = normalize_record({"first_name": "Ewa", "phone": "000 000 000"})
    b = normalize_record({"first_name": "Iza", "phone": "000-000-000"})
    c = normalize_record({"first_name": "Ola", "phone": "601 234 56"})  # a digit short
    d = normalize_record({"first_name": "Ida", "phone": "(601) 234-56"})
    assert a.phone is b.phone is c.phone is d.phone is None


def _reference_phone(raw: str) -> str | None:
    """phonenumbers itself on the cleaned text, for every value (no fast path)."""
    try:
        number = phonenumbers.parse(phone_text(raw), "PL")
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)


def test_read_phone_gives_phonenumbers_answer() -> None:
    rng = random.Random(7)
    values = []
    for _ in range(6000):
        nine = f"{rng.randrange(1, 10)}{rng.randrange(10**8):08d}"
        values.append(rng.choice([nine, f"+48{nine}", f"48{nine}", f"0{nine}", f"0048 {nine}", f"{nine[:3]} {nine[3:6]} {nine[6:]}"]))
    values += [
        f"{p}{rng.randrange(10**6):06d}" for p in ("2212", "6012", "8001", "7001", "3912", "8041", "6412", "4712") for _ in range(200)
    ]
    for value in values:
        assert read_phone(value) == _reference_phone(value), value


# --- e-mail ---------------------------------------------------------------------------------

EMAILS = [
    "Jan.Kowalski@WP.PL",
    " <anna.nowak@onet.pl> ",
    "ewa_zielinska%1@interia.pl",
    "Jan.Kowalski+kurs@gmail.com",
    "jan.kowalski@googlemail.com",
    "żaneta@wp.pl",
    "jan@kowalski",
    "jan..k@wp.pl",
    ".jan@wp.pl",
    "jan.@wp.pl",
    "jan@-wp.pl",
    "jan@localhost",
    "jan@wp.test",
    "jan kowalski@wp.pl",
    "brak",
    "-",
    "jan@@wp.pl",
    "a" * 65 + "@wp.pl",
    "jan@xn--bcher-kva.example",
    "JAN@WP.PL.",
    "jan@wp.123",
]


@pytest.mark.parametrize("raw", EMAILS)
def test_email_has_one_answer_in_validation_and_matching(raw: str) -> None:
    stored = verdict(clean_email, raw)
    assert normalize_record({"email": raw}).email == (mailbox_key(stored) if stored else None)


def test_read_email_gives_email_validator_answer() -> None:
    rng = random.Random(11)
    alphabet = string.ascii_letters + string.digits + "._%+-@!#'" + "ąż"
    values = EMAILS + [
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(3, 20)))
        + rng.choice(["@wp.pl", "@gmail.com", "@o2.pl", "@x", "@a-.pl", "@sub.domena.com.pl", "@1.2", ".pl"])
        for _ in range(4000)
    ]
    for value in values:
        try:
            expected = validate_email(value.strip().strip("<>").strip(), check_deliverability=False).normalized.lower()
        except EmailNotValidError:
            expected = None
        assert read_email(value) == expected, value


# --- dates ----------------------------------------------------------------------------------

DATES = [
    "07.03.1990",
    "7.3.1990",
    "1990-03-07",
    "07/03/1990",
    "07-03-1990",
    "1990.03.07",
    "1990/03/07",
    "19900307",
    "1990-03-07T00:00:00",
    "07.03.1990 12:30",
    "31.09.1990",
    "2021-13-01",
    "29.02.2023",
    "29.02.2024",
    "1990 03 07",
    "1990-03.07",
    "kiedyś",
    "",
    "-",
]


@pytest.mark.parametrize("raw", DATES)
def test_date_has_one_answer_in_validation_matching_and_the_manual_tab(raw: str) -> None:
    day = verdict(lambda v: parse_date(v, field="birth_date"), raw)
    assert normalize_record({"birth_date": raw}).dob == (day.isoformat() if day else None)
    assert iso_date(raw) == (day.isoformat() if day else None) and read_date(raw) == day
    values, bad, _ = parse_manual_rows([["Wskaźnik", "Data", "Wartość"], ["W1", raw, "3"]], {"W1"}, "Wartości ręczne")
    assert [v.on for v in values] == ([day] if day else [])
    assert len(bad) == (0 if day else 1)


def test_month_first_locale_reads_slashes_month_first_only_when_asked() -> None:
    assert parse_date("03/07/1990", locale="en_US") == date(1990, 3, 7)
    assert read_date("03/07/1990") == date(1990, 7, 3) == parse_date("03/07/1990", locale="pl_PL")


# --- gender, postcode, placeholders, names -------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [
        "Kobieta",
        "KOBIETA",
        " k ",
        "pani",
        "Ż",
        "Mężczyzna",
        "mezczyzna",
        "M",
        "pan",
        "female",
        "male",
        "nie podano",
        "Nie chcę podawać",
        "inna",
        "kot",
        "woman",
        "mąż",
    ],
)
def test_gender_has_one_answer_in_validation_and_matching(raw: str) -> None:
    assert normalize_record({"gender": raw}).gender == verdict(clean_gender, raw)


@pytest.mark.parametrize("raw", ["02-100", "02100", " 02 100 ", "2100", "2100.0", "43-100", "210", "2-100", "43 10", "021000", "brak"])
def test_postcode_has_one_answer_in_validation_and_matching(raw: str) -> None:
    code = verdict(clean_postal_code, raw)
    assert normalize_record({"postal_code": raw}).postal == (code.replace("-", "") if code else None)


@pytest.mark.parametrize("raw", ["brak", "BRAK", "Brak", " - ", "—", "nan", "NULL", "None", "n/d", "nie dotyczy"])
def test_no_value_answers_are_nothing_everywhere(raw: str) -> None:
    rec = normalize_record(
        {"first_name": raw, "last_name": raw, "email": raw, "phone": raw, "pesel": raw, "street": raw, "city": raw, "postal_code": raw}
    )
    assert (rec.fn, rec.ln, rec.email, rec.phone, rec.pesel, rec.other_id, rec.street, rec.city, rec.postal) == (
        "",
        "",
        None,
        None,
        None,
        None,
        "",
        "",
        None,
    )
    assert clean_pesel(raw) is None  # in the PESEL column: a declared "no PESEL", not an error


@pytest.mark.parametrize(
    ("raw", "written"),
    [
        ("JAN KOWALSKI", "Jan Kowalski"),
        ("anna-maria  nowak", "Anna-Maria Nowak"),
        ("o'brien", "O'Brien"),
        ("JAN VAN DIJK", "Jan van Dijk"),
        ("McDonald", "McDonald"),
        ("de Vries", "de Vries"),
        ("ANNA - MARIA", "Anna-Maria"),
        ("\u200bZOFIA\u00a0ŁUCZAK", "Zofia Łuczak"),
        ("łucja", "Łucja"),
    ],
)
def test_name_capitalisation_is_one_function(raw: str, written: str) -> None:
    assert capitalise_name(raw) == written == clean_name(raw)


def test_matching_uses_the_validation_functions_themselves() -> None:
    assert normalize.fold is ascii_key and normalize.normalize_phone is read_phone and normalize.normalize_email is email_key
    assert normalize.fold("ŁÓDŹ  Bałuty-Północ") == "lodz baluty polnoc"
