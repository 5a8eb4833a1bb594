"""Pure validators: PESEL, contacts, dates, names."""

from __future__ import annotations

import random
from datetime import date, datetime

import pytest

from devtools.people import make_pesel
from synergia.validation.contact import clean_email, clean_phone, clean_postal_code
from synergia.validation.dates import parse_date, parse_timestamp
from synergia.validation.errors import Invalid
from synergia.validation.identity import clean_gender, clean_name, clean_pesel, pesel_birth_date, pesel_gender


@pytest.mark.parametrize("born", [date(1850, 3, 14), date(1950, 12, 31), date(2005, 2, 28), date(2150, 7, 1), date(2250, 1, 9)])
@pytest.mark.parametrize("sex", ["K", "M"])
def test_pesel_century_offsets_roundtrip(born: date, sex: str) -> None:
    pesel = make_pesel(born, sex == "K", random.Random(7))
    assert clean_pesel(pesel) == pesel
    assert pesel_birth_date(pesel) == born
    assert pesel_gender(pesel) == sex


def test_pesel_month_encodes_century() -> None:
    assert pesel_birth_date("02270803624") == date(2002, 7, 8)  # month 27 = July 2000s
    assert pesel_birth_date("02070803628") == date(1902, 7, 8)


@pytest.mark.parametrize(
    "value,code",
    [
        ("44444444444", "pesel_date"),  # checksum holds, date 2144-04-44 does not exist
        ("55558888888", "pesel_date"),
        ("02070803627", "pesel_checksum"),
        ("0207080362", "pesel_length"),  # 10 digits whose padding does not validate
        ("020708036281", "pesel_length"),
        ("0207O803628", "pesel_format"),
    ],
)
def test_pesel_rejections(value: str, code: str) -> None:
    with pytest.raises(Invalid) as exc:
        clean_pesel(value)
    assert exc.value.code == code
    assert value not in str(exc.value) and value not in exc.value.message_pl


def test_ten_digit_pesel_repaired_only_if_checksum_holds() -> None:
    assert clean_pesel("2270803624") == "02270803624"  # Sheets dropped the leading zero
    assert clean_pesel("2070803628") == "02070803628"
    with pytest.raises(Invalid):
        clean_pesel("2270803625")


@pytest.mark.parametrize("answer", ["brak", "Brak PESEL", "nie dotyczy", "-", ""])
def test_declared_no_pesel_is_not_an_error(answer: str) -> None:
    assert clean_pesel(answer) is None


def test_pesel_tolerates_spaces_and_float_export() -> None:
    assert clean_pesel(" 0207 0803 628 ") == "02070803628"
    assert clean_pesel("2270803624.0") == "02270803624"


@pytest.mark.parametrize(
    "raw",
    [
        "+48 600 100 200",
        "600-100-200",
        "600100200",
        "0048600100200",
        "(+48) 600 100 200",
        "48600100200",
        "+48600100200",
        "0600100200",
        "600 100 200",
    ],
)
def test_phone_formats_to_e164(raw: str) -> None:
    assert clean_phone(raw) == "+48600100200"


def test_foreign_phone_keeps_its_country() -> None:
    assert clean_phone("+49 30 901820") == "+4930901820"


@pytest.mark.parametrize("raw", ["12 34", "600 100 20", "abc", "+48 000 000 000"])
def test_bad_phones(raw: str) -> None:
    with pytest.raises(Invalid) as exc:
        clean_phone(raw)
    assert exc.value.code == "phone_invalid"


def test_email_normalised_lower_and_rejected() -> None:
    assert clean_email(" Jan.Kowalski@Example.ORG ") == "jan.kowalski@example.org"
    for bad in ["jan.kowalski@", "jan kowalski@example.org", "jan at example.org", "a@b"]:
        with pytest.raises(Invalid):
            clean_email(bad)


def test_postcodes() -> None:
    assert clean_postal_code("43-100") == "43-100"
    assert clean_postal_code("43100") == "43-100"
    for bad in ["4-3100", "431000", "43 10", "ab-cde"]:
        with pytest.raises(Invalid):
            clean_postal_code(bad)


def test_forms_timestamps_pl_and_us_locale() -> None:
    assert parse_timestamp("21.11.2026 14:03:22") == datetime(2026, 11, 21, 14, 3, 22)
    assert parse_timestamp("11/21/2026 14:03:22", locale="en_US") == datetime(2026, 11, 21, 14, 3, 22)
    assert parse_timestamp("03/04/2026 9:05:00", locale="pl_PL") == datetime(2026, 4, 3, 9, 5)
    assert parse_timestamp("2026-11-21 14:03") == datetime(2026, 11, 21, 14, 3)


@pytest.mark.parametrize(
    "raw,expected",
    [("07.03.1980", date(1980, 3, 7)), ("1980-03-07", date(1980, 3, 7)), ("07/03/1980", date(1980, 3, 7)), ("7.3.1980", date(1980, 3, 7))],
)
def test_dates_in_form_formats(raw: str, expected: date) -> None:
    assert parse_date(raw) == expected


@pytest.mark.parametrize("raw", ["31.02.1980", "2026-13-01", "00.01.2000", "1980", "jutro"])
def test_impossible_dates(raw: str) -> None:
    with pytest.raises(Invalid):
        parse_date(raw, field="birth_date")


def test_names_and_gender() -> None:
    assert clean_name("  KOWALSKA-NOWAK ") == "Kowalska-Nowak"
    assert clean_name("anna  maria") == "Anna Maria"
    assert clean_name("McDonald") == "McDonald"
    assert clean_gender("Kobieta") == "K" and clean_gender("mężczyzna") == "M"
    assert clean_gender("Nie chcę podawać") is None
    with pytest.raises(Invalid):
        clean_gender("kot")
