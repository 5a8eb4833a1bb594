"""Normalisation: Polish folding, surname roots, diminutives, phones, e-mails, dates, PESEL."""

from __future__ import annotations

import pytest

from devtools.synthetic import make_pesel
from synergia.dedupe.names import canonical_first_name, name_gender
from synergia.dedupe.normalize import (
    fold,
    normalize_email,
    normalize_phone,
    normalize_record,
    parse_date,
    pesel_facts,
    surname_root,
)


@pytest.mark.parametrize(
    ("raw", "folded"),
    [
        ("ŁÓDŹ", "lodz"),
        ("Łukasz", "lukasz"),
        ("Michał", "michal"),
        ("  Zażółć   gęślą  jaźń ", "zazolc gesla jazn"),
        ("KOWALSKA", "kowalska"),
        ("Anna-Maria", "anna maria"),
    ],
)
def test_fold_drops_diacritics_including_l_stroke(raw: str, folded: str) -> None:
    assert fold(raw) == folded


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("kowalski", "kowalska"),
        ("zawadzki", "zawadzka"),
        ("wysocki", "wysocka"),
        ("czarny", "czarna"),
    ],
)
def test_gendered_surnames_share_a_root(a: str, b: str) -> None:
    assert surname_root(a) == surname_root(b)


def test_different_surnames_keep_different_roots() -> None:
    assert surname_root("kowalski") != surname_root("kowalczyk")
    assert surname_root("nowak") == "nowak"


@pytest.mark.parametrize(
    ("dim", "full"),
    [
        ("kasia", "katarzyna"),
        ("gosia", "malgorzata"),
        ("asia", "joanna"),
        ("ola", "aleksandra"),
        ("zosia", "zofia"),
        ("kuba", "jakub"),
        ("bartek", "bartlomiej"),
        ("katarzyna", "katarzyna"),
    ],
)
def test_diminutives_map_to_the_full_name(dim: str, full: str) -> None:
    assert canonical_first_name(dim) == full


def test_name_gender_knows_kuba_is_a_man() -> None:
    assert name_gender("kuba") == "M"
    assert name_gender("kasia") == "K"
    assert name_gender("jan") == "M"
    assert name_gender("zzyzx") is None


@pytest.mark.parametrize("raw", ["+48 600 100 200", "600-100-200", "0048600100200", "600100200", "(+48) 60 010 02 00"])
def test_phones_become_e164(raw: str) -> None:
    assert normalize_phone(raw) == "+48600100200"


def test_foreign_phone_keeps_its_country() -> None:
    assert normalize_phone("+49 30 1234567") == "+49301234567"
    assert normalize_phone("12") is None


def test_email_lower_cased_and_gmail_dots_ignored() -> None:
    assert normalize_email(" Jan.Kowalski@WP.PL ") == "jan.kowalski@wp.pl"
    assert normalize_email("Jan.Kowalski+kurs@gmail.com") == "jankowalski@gmail.com"
    assert normalize_email("brak") is None


@pytest.mark.parametrize("raw", ["1990-03-07", "07.03.1990", "07/03/1990", "19900307", "7.3.1990"])
def test_dates_in_every_format(raw: str) -> None:
    assert parse_date(raw) == "1990-03-07"


def test_impossible_date_is_none() -> None:
    assert parse_date("31.02.1990") is None
    assert parse_date("kiedyś") is None


def test_pesel_gives_birth_date_and_sex_and_rejects_bad_checksum() -> None:
    import random
    from datetime import date

    rng = random.Random(1)
    p = make_pesel(date(2003, 11, 5), True, rng)
    valid, born, sex, other = pesel_facts(p)
    assert (valid, born, sex, other) == (p, "2003-11-05", "K", None)
    broken = p[:10] + str((int(p[10]) + 1) % 10)
    assert pesel_facts(broken) == (None, None, None, broken)


def test_record_takes_birth_date_from_pesel_over_the_typed_one() -> None:
    import random
    from datetime import date

    p = make_pesel(date(1980, 1, 2), False, random.Random(2))
    r = normalize_record({"id": 1, "first_name": "Kasia", "last_name": "KOWALSKA", "pesel": p, "birth_date": "1999-09-09"})
    assert r.dob == "1980-01-02" and r.gender == "M"
    assert r.fn_canon == "katarzyna" and r.ln_root == surname_root("kowalski")


def test_double_barrelled_surname_in_either_order() -> None:
    a = normalize_record({"last_name": "Kowalska-Nowak"})
    b = normalize_record({"last_name": "Nowak-Kowalska"})
    assert a.ln_root == b.ln_root


def test_an_unparseable_phone_is_no_key() -> None:
    """It used to become '+digits' and could match another person's typo or placeholder."""
    assert normalize_phone("601 234 56") is None  # a digit short
    assert normalize_phone("000 000 000") is None
    assert normalize_record({"phone": "111-111-111"}).phone is None


def test_a_ten_digit_pesel_gets_its_leading_zero_back() -> None:
    import random
    from datetime import date

    p = make_pesel(date(2005, 6, 30), True, random.Random(3))
    assert p.startswith("0")
    valid, born, sex, other = pesel_facts(p[1:])
    assert (valid, born, sex, other) == (p, "2005-06-30", "K", None)


def test_an_invalid_email_is_no_key() -> None:
    assert normalize_email("jan@kowalski") is None  # no domain ending
    assert normalize_email("jan..kowalski@wp.pl") is None
    assert normalize_email("<Jan.Kowalski@WP.PL>") == "jan.kowalski@wp.pl"
