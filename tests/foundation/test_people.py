"""The one set of fake-person makers (devtools/people.py) makes what the registry's validation accepts."""

from __future__ import annotations

import random
import re
from datetime import date

import pytest

from devtools import synthetic
from devtools.demo import generator
from devtools.people import EXAMPLE_DOMAINS, make_email, make_pesel, make_phone, phone_variant
from synergia.validation.contact import clean_email, clean_phone
from synergia.validation.identity import clean_pesel, pesel_birth_date, pesel_gender


@pytest.mark.parametrize(
    "born", [date(1899, 12, 31), date(1900, 1, 1), date(1987, 2, 28), date(2000, 2, 29), date(2099, 7, 4), date(2230, 10, 10)]
)
@pytest.mark.parametrize("female", [True, False])
def test_pesel_is_valid_for_the_birth_date_and_sex(born: date, female: bool) -> None:
    rng = random.Random(born.toordinal())
    for _ in range(20):
        pesel = make_pesel(born, female, rng)
        assert clean_pesel(pesel) == pesel
        assert pesel_birth_date(pesel) == born
        assert pesel_gender(pesel) == ("K" if female else "M")


def test_phone_numbers_and_their_spellings_read_back_as_the_same_number() -> None:
    rng = random.Random(4)
    for _ in range(100):
        digits = make_phone(rng)  # real mobile prefixes: valid numbers, whichever way they are spelled
        assert len(digits) == 9 and digits.isdigit()
        assert clean_phone(phone_variant(digits, rng)) == clean_phone(digits) == "+48" + digits
    for _ in range(100):
        digits = make_phone(rng, "5678")  # the synthetic records' one-digit prefixes
        assert len(digits) == 9 and digits[0] in "5678"
        assert re.sub(r"\D", "", phone_variant(digits, rng))[-9:] == digits


def test_weighted_spellings_follow_the_cumulative_shares() -> None:
    rng = random.Random(9)
    styles = ("{d}", "{a}-{b}-{c}", "(+48) {w} {x} {y} {z}")
    seen = [phone_variant("601234567", rng, styles, cum_weights=(0.5, 1.0, 1.0)) for _ in range(400)]
    assert set(seen) == {"601234567", "601-234-567"}  # a style with no share never appears
    assert 150 < seen.count("601234567") < 250


def test_emails_are_ascii_at_reserved_domains_and_unique_when_asked() -> None:
    rng = random.Random(2)
    taken: set[str] = set()
    addresses = [
        make_email("Łucja", "Żółć-Gęślą", rng, patterns=("{first}.{last}", "{f}{last}{n}"), n=i, numbered=0.5, taken=taken)
        for i in range(60)
    ]
    assert len(set(addresses)) == 60 == len(taken)
    for a in addresses:
        assert a.isascii() and a == a.lower() and clean_email(a) == a
        assert a.split("@")[1] in EXAMPLE_DOMAINS


def test_both_generators_make_their_people_with_the_shared_makers() -> None:
    demo = generator.make_people(200, random.Random(1), date(2026, 1, 1))
    records, truth = synthetic.generate_records(300, seed=3)
    synthetic_people = synthetic.generate_people(150, seed=3)
    for p in [*demo, *synthetic_people]:
        assert clean_pesel(p.pesel) == p.pesel and pesel_gender(p.pesel) == p.gender and pesel_birth_date(p.pesel) == p.birth
    for p in demo:
        assert clean_phone(p.phone) == "+48" + p.phone and p.email.split("@")[1] in EXAMPLE_DOMAINS
    assert len(records) == 300 and set(truth) == {r["record_id"] for r in records}
