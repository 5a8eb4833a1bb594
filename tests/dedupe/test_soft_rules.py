"""The softer rules (typed birth dates, corrected first names, missing first
name, id+address), each with a look-alike that must stay apart."""

from __future__ import annotations

from synergia.dedupe.blocking import blocking_keys
from synergia.dedupe.compare import (
    V_DOB,
    V_NAMES,
    Outcome,
    compare,
    first_name_relation,
    veto,
)
from synergia.dedupe.engine import deduplicate
from synergia.dedupe.names import corrected_first_name
from synergia.dedupe.normalize import normalize_record

R_NAME_ADDRESS_DOB_TYPO = "zgodne: imię+nazwisko+data urodzenia (z literówką)+adres"
R_NO_FIRST_NAME_DOB = "zgodne: nazwisko+data urodzenia+adres"
R_ID_ADDRESS = "zgodne: numer identyfikacyjny+data urodzenia (z literówką)+adres; różne: nazwisko"
R_ID_SURNAME_DOB = "zgodne: nazwisko+numer identyfikacyjny+data urodzenia; różne: imię"

HOME = {"last_name": "Kowalski", "street": "ul. Polna 12", "postal_code": "00-001", "city": "Warszawa"}


def rec(**fields):
    return normalize_record(fields, 0, fields.get("id"))


def clusters(rows):
    return sorted(sorted(c) for c in deduplicate(rows, id_field="id").clusters)


# --- a birth date typed with one keystroke --------------------------------------


def test_typed_birth_date_with_names_and_full_address_merges() -> None:
    for other in ("1990-03-17", "1990-03-21", "1990-12-03"):  # one digit, digit swap, day<->month
        a = rec(first_name="Jan", birth_date="1990-03-12", **HOME)
        b = rec(first_name="Janek", birth_date=other, **HOME)
        assert veto(a, b) is None, other
        d = compare(a, b)
        assert (d.outcome, d.reason) == (Outcome.SAME, R_NAME_ADDRESS_DOB_TYPO), other


def test_father_and_son_differing_in_the_year_stay_apart() -> None:
    a = rec(first_name="Jan", birth_date="1960-03-12", **HOME)
    b = rec(first_name="Jan", birth_date="1990-03-12", **HOME)  # one digit, but the year
    assert veto(a, b) == V_DOB


def test_typed_birth_date_without_the_house_number_is_still_a_veto() -> None:
    a = rec(first_name="Jan", birth_date="1990-03-12", **{**HOME, "street": "ul. Polna"})
    b = rec(first_name="Jan", birth_date="1990-03-17", **{**HOME, "street": "ul. Polna"})
    assert veto(a, b) == V_DOB
    c = rec(first_name="Jan", birth_date="1990-03-17", **{**HOME, "street": "ul. Polna 14"})  # the neighbours
    assert veto(rec(first_name="Jan", birth_date="1990-03-12", **HOME), c) == V_DOB


def test_birth_date_slip_with_both_names_exact_in_one_town_is_no_veto() -> None:
    """No street on one form: both names exactly and the town (or postcode) agreeing explain a
    date one keystroke or one day off in the same year; a name typo, another year or another
    town do not."""
    place = {"last_name": "Kajdas", "city": "Konin", "postal_code": "28-058"}
    a = rec(first_name="Gaja", birth_date="1986-08-18", street="ul. Leśna 3", **place)
    assert veto(a, rec(first_name="Gaja", birth_date="1986-08-19", **place)) is None
    assert veto(a, rec(first_name="Gaja", birth_date="1986-08-13", **place)) is None
    assert veto(a, rec(first_name="Gja", birth_date="1986-08-19", **place)) == V_DOB
    assert veto(a, rec(first_name="Gaja", birth_date="1987-08-18", **place)) == V_DOB
    assert veto(a, rec(first_name="Gaja", birth_date="1986-08-19", last_name="Kajdas", city="Koło")) == V_DOB


def test_typed_birth_date_never_joins_siblings_with_other_names() -> None:
    a = rec(first_name="Piotr", birth_date="1990-03-12", **HOME)
    b = rec(first_name="Paweł", birth_date="1990-03-13", **HOME)
    assert veto(a, b) is not None and compare(a, b).outcome is Outcome.DIFFERENT


# --- first names one keystroke off ---------------------------------------------


def test_a_misspelt_diminutive_is_corrected() -> None:
    assert corrected_first_name("krysa") == "krystyna"
    assert corrected_first_name("janke") == "jan"
    assert corrected_first_name("marya") is None  # Maria or Marta: no guess
    assert corrected_first_name("maria") is None  # known already
    a = rec(first_name="KRYSA", last_name="Domańska", email="kd@x.pl")
    b = rec(first_name="Krystyna", last_name="Domańska", email="kd@x.pl")
    assert compare(a, b).outcome is Outcome.SAME


def test_a_typo_of_the_twins_other_name_is_that_twin() -> None:
    kamila = rec(first_name="Kamila", last_name="Zalewska", birth_date="1972-03-31", **{k: v for k, v in HOME.items() if k != "last_name"})
    kaiml = rec(first_name="Kaiml", last_name="Zalewski", birth_date="1972-03-31", **{k: v for k, v in HOME.items() if k != "last_name"})
    assert veto(kamila, kaiml) == V_NAMES
    assert veto(rec(first_name="Kamil", last_name="Zalewski"), kaiml) is None


def test_a_truncated_first_name_is_similar_but_two_real_names_are_not() -> None:
    assert first_name_relation(rec(first_name="Ky"), rec(first_name="Kyo")) == "similar"
    assert first_name_relation(rec(first_name="Jan"), rec(first_name="Jana")) == "conflict"


# --- no first name, or other names around an id -------------------------------


def test_no_first_name_with_surname_birth_date_and_address_merges() -> None:
    rows = [
        {"id": 1, "first_name": "", "birth_date": "1961-05-20", **HOME},
        {"id": 2, "first_name": "Rafał", "birth_date": "1961-05-20", **HOME},
    ]
    d = compare(rec(**rows[0]), rec(**rows[1]))
    assert (d.outcome, d.reason) == (Outcome.SAME, R_NO_FIRST_NAME_DOB)
    assert clusters(rows) == [[1, 2]]


def test_no_first_name_fitting_both_twins_goes_to_review() -> None:
    base = {"last_name": "Zielińska", "birth_date": "2004-06-01", "street": "Leśna 4", "postal_code": "80-100", "city": "Gdańsk"}
    rows = [{"id": 1, "first_name": "Maria", **base}, {"id": 2, "first_name": "Marta", **base}, {"id": 3, "first_name": "", **base}]
    result = deduplicate(rows, id_field="id")
    assert sorted(map(sorted, result.clusters)) == [[1], [2], [3]]
    assert {(rv.a, rv.b) for rv in result.reviews} & {(1, 3), (2, 3)}


def test_same_other_id_with_address_and_typed_date_merges_a_changed_surname() -> None:
    a = rec(last_name="Hefford", pesel="9162672", birth_date="1944-08-05", **{k: v for k, v in HOME.items() if k != "last_name"})
    b = rec(last_name="Cogzell", pesel="9162672", birth_date="1944-09-05", **{k: v for k, v in HOME.items() if k != "last_name"})
    assert compare(a, b).reason == R_ID_ADDRESS and compare(a, b).outcome is Outcome.SAME
    c = rec(last_name="Cogzell", pesel="9162672", birth_date="1950-01-05", street="Lipowa 3", postal_code="30-001")
    assert compare(a, c).outcome is not Outcome.SAME  # the number alone, with other names, date and address


def test_same_other_id_surname_and_birth_date_outweigh_a_replaced_first_name() -> None:
    a = rec(first_name="Daniel", last_name="Hanna", pesel="8994110", birth_date="1924-12-16")
    b = rec(first_name="Dawid", last_name="Hanna", pesel="8994110", birth_date="1924-12-16")
    assert (compare(a, b).outcome, compare(a, b).reason) == (Outcome.SAME, R_ID_SURNAME_DOB)
    c = rec(first_name="Dawid", last_name="Hanna", pesel="8994110", birth_date="1950-01-01")
    assert compare(a, c).outcome is not Outcome.SAME


def test_names_typed_in_swapped_fields_share_a_birth_date_block() -> None:
    a = rec(first_name="Campbell", last_name="Ryan", birth_date="1946-05-29", postal_code="3059")
    b = rec(first_name="Ryan", last_name="Campbell", birth_date="1946-05-29", postal_code="3095")
    assert set(blocking_keys(a)) & set(blocking_keys(b))
    assert compare(a, b).outcome is Outcome.SAME


# --- a record sharing the family phone, but the father's own e-mail -------------

FATHER = {"first_name": "Dominik", "last_name": "Kopeć", "phone": "742219938"}


def test_a_contact_only_the_father_used_tells_father_and_son_apart() -> None:
    rows = [
        {"id": 1, **FATHER, "email": "ojciec@x.pl", "birth_date": "1971-08-16"},
        {"id": 2, **FATHER, "email": "syn@x.pl", "birth_date": "2004-08-16"},
        {"id": 3, **FATHER, "email": "ojciec@x.pl"},
    ]
    assert clusters(rows) == [[1, 3], [2]]


def test_only_the_shared_family_contacts_keep_the_record_apart() -> None:
    phone_only = [
        {"id": 1, **FATHER, "email": "ojciec@x.pl", "birth_date": "1971-08-16"},
        {"id": 2, **FATHER, "email": "syn@x.pl", "birth_date": "2004-08-16"},
        {"id": 3, **FATHER},
    ]
    assert clusters(phone_only) == [[1], [2], [3]]
    both_use_it = [
        {"id": 1, **FATHER, "email": "dom@x.pl", "birth_date": "1971-08-16"},
        {"id": 2, **FATHER, "email": "dom@x.pl", "birth_date": "2004-08-16"},
        {"id": 3, **FATHER, "email": "dom@x.pl"},
    ]
    result = deduplicate(both_use_it, id_field="id")
    assert sorted(map(sorted, result.clusters)) == [[1], [2], [3]]
    assert result.reviews


# --- contradicting contacts turn a weak match into a question -------------------


def test_one_email_but_two_different_phones_goes_to_review() -> None:
    a = dict(first_name="Jerzy", last_name="Sobczak", email="rodzina@x.pl", phone="600100200")
    b = dict(first_name="Jerzy", last_name="Sobczak", email="rodzina@x.pl", phone="700100200")
    a, b = {"id": 1, **a}, {"id": 2, **b}
    result = deduplicate([a, b], id_field="id")
    assert result.clusters == [[1], [2]] and [(r.a, r.b) for r in result.reviews] == [(1, 2)]
    c = {"id": 3, "first_name": "Jerzy", "last_name": "Sobczak", "email": "rodzina@x.pl"}  # no phone to contradict
    assert deduplicate([a, c], id_field="id").clusters == [[1, 3]]


def test_similar_surname_and_birth_date_with_other_contacts_weigh_less() -> None:
    a = rec(first_name="Helena", last_name="Majewska", birth_date="1974-08-07", email="h.m@wp.pl", phone="600100200")
    b = rec(first_name="Helena", last_name="Gajewska", birth_date="1974-08-07", email="h.g@op.pl", phone="700100200")
    c = rec(first_name="Helena", last_name="Gajewska", birth_date="1974-08-07", email="h.g@op.pl")  # a typo, one contact
    assert compare(a, c).outcome is Outcome.SAME
    # two contacts that differ weigh against it: less sure than with one (the score says so)
    assert compare(a, b).score < compare(a, c).score
    assert "różne: e-mail, telefon" in compare(a, b).reason
    d = rec(first_name="Helena", last_name="Majewska", birth_date="1974-08-07", email="h.g@op.pl", phone="700100200")
    assert compare(a, d).outcome is Outcome.SAME  # exact names and birth date outweigh a new e-mail and phone


# --- name+address once the groups are known --------------------------------------


def test_name_and_address_merge_when_nothing_contradicts() -> None:
    rows = [
        {"id": 1, "first_name": "Zofia", **HOME, "last_name": "Borkowska", "birth_date": "1950-02-02"},
        {"id": 2, "first_name": "Zosia", **HOME, "last_name": "Borkowska", "email": "zb@x.pl"},
    ]
    result = deduplicate(rows, id_field="id")
    assert sorted(map(sorted, result.clusters)) == [[1, 2]]


def test_name_and_address_with_other_contacts_or_a_namesake_at_home_stay_apart() -> None:
    other_phones = [
        {"id": 1, "first_name": "Jan", **HOME, "phone": "600100200", "birth_date": "1960-01-01"},
        {"id": 2, "first_name": "Jan", **HOME, "phone": "700100200"},
    ]
    assert clusters(other_phones) == [[1], [2]]
    father_and_son = [
        {"id": 1, "first_name": "Jan", **HOME, "birth_date": "1960-01-01"},
        {"id": 2, "first_name": "Jan", **HOME, "birth_date": "1990-01-01"},
        {"id": 3, "first_name": "Jan", **HOME},
    ]
    result = deduplicate(father_and_son, id_field="id")
    assert sorted(map(sorted, result.clusters)) == [[1], [2], [3]]
    assert result.reviews


def test_a_family_mailbox_does_not_join_people_whose_phones_differ() -> None:
    import random
    from datetime import date

    from devtools.synthetic import make_pesel

    p = make_pesel(date(1990, 1, 1), False, random.Random(3))
    base = {"first_name": "Jan", "last_name": "Nowak"}
    rows = [
        {"id": 1, **base, "email": "dom@x.pl", "phone": "600100200"},
        {"id": 2, **base, "email": "dom@x.pl", "pesel": p},
        {"id": 3, **base, "pesel": p, "phone": "700100200"},
    ]  # 2's person has another phone
    assert clusters(rows) == [[1], [2, 3]]
    rows[2].pop("phone")  # nothing tells them apart: the mailbox links them
    assert clusters(rows) == [[1, 2, 3]]


# --- names typed in the wrong field ---------------------------------------------


def test_a_name_in_the_wrong_field_with_birth_date_and_full_address_merges() -> None:
    home = {k: v for k, v in HOME.items() if k != "last_name"}
    a = rec(first_name="Ryan", last_name="Emalcene", birth_date="1972-06-15", **home)
    b = rec(first_name="Joel", last_name="Ryan", birth_date="1972-06-15", **home)
    assert compare(a, b).outcome is Outcome.SAME
    elsewhere = rec(first_name="Joel", last_name="Ryan", birth_date="1972-06-15", street="Lipowa 3", postal_code="30-001")
    assert compare(a, elsewhere).outcome is not Outcome.SAME
    other_day = rec(first_name="Joel", last_name="Ryan", birth_date="1972-07-16", **home)
    assert compare(a, other_day).outcome is Outcome.DIFFERENT


def test_swapped_names_with_a_typed_day_merge() -> None:
    home = {k: v for k, v in HOME.items() if k != "last_name"}
    a = rec(first_name="Jett", last_name="Colegate", birth_date="1902-12-19", **home)
    b = rec(first_name="Colegate", last_name="Jett", birth_date="1902-11-19", **home)
    assert veto(a, b) is None and compare(a, b).outcome is Outcome.SAME
    c = rec(first_name="Colegate", last_name="Jett", birth_date="1932-12-19", **home)  # another year
    assert veto(a, c) == V_DOB
