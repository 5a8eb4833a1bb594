"""Pair outcomes, every veto, and clustering without chaining."""

from __future__ import annotations

import random
from datetime import date

import pytest

from devtools.synthetic import make_pesel
from synergia.dedupe.cluster import cluster_records
from synergia.dedupe.compare import (
    V_DOB,
    V_GENDER,
    V_NAMES,
    V_PESEL,
    Outcome,
    compare,
    veto,
)
from synergia.dedupe.engine import cluster_ids, deduplicate
from synergia.dedupe.normalize import normalize_record

RNG = random.Random(7)


def rec(**fields):
    return normalize_record(fields, 0, fields.get("id"))


def pesel(born: date, female: bool) -> str:
    return make_pesel(born, female, RNG)


def groups(rows):
    ids = cluster_ids(deduplicate(rows, id_field="id"))
    out = {}
    for rid, cid in ids.items():
        out.setdefault(cid, set()).add(rid)
    return sorted(sorted(g) for g in out.values())


# --- vetoes -------------------------------------------------------------------


def test_two_different_valid_pesels_veto_even_with_everything_else_equal() -> None:
    born = date(1990, 5, 1)
    a = rec(first_name="Anna", last_name="Nowak", pesel=pesel(born, True), email="a@x.pl")
    b = rec(first_name="Anna", last_name="Nowak", pesel=pesel(born, True), email="a@x.pl")
    assert a.pesel != b.pesel
    assert veto(a, b) == V_PESEL
    assert compare(a, b).outcome is Outcome.DIFFERENT and compare(a, b).veto


def test_different_birth_dates_veto_a_father_and_son_with_one_name_and_phone() -> None:
    a = rec(first_name="Jan", last_name="Kowalski", birth_date="1961-04-02", phone="600100200", street="Polna 1", postal_code="00-001")
    b = rec(first_name="Jan", last_name="Kowalski", birth_date="1989-04-02", phone="+48 600 100 200", street="Polna 1", postal_code="00001")
    assert veto(a, b) == V_DOB
    assert compare(a, b).outcome is Outcome.DIFFERENT


def test_different_sex_vetoes() -> None:
    a = rec(first_name="Alex", last_name="Nowak", gender="K", email="x@y.pl")
    b = rec(first_name="Alex", last_name="Nowak", gender="M", email="x@y.pl")
    assert veto(a, b) == V_GENDER


@pytest.mark.parametrize(("x", "y"), [("Maria", "Marta"), ("Jan", "Jana"), ("Anna", "Hanna"), ("Daniel", "Dawid"), ("Katarzyna", "Kamila")])
def test_different_real_first_names_veto_even_one_letter_apart(x: str, y: str) -> None:
    a = rec(first_name=x, last_name="Wiśniewska", birth_date="2001-01-01", street="Lipowa 3", postal_code="30-001")
    b = rec(first_name=y, last_name="Wiśniewska", birth_date="2001-01-01", street="Lipowa 3", postal_code="30-001")
    assert veto(a, b) == V_NAMES


def test_a_typo_in_a_first_name_is_not_a_veto() -> None:
    a = rec(first_name="Katarzyna", last_name="Kowalska", birth_date="1990-01-01")
    b = rec(first_name="Katarzna", last_name="Kowalska", birth_date="1990-01-01")
    assert veto(a, b) is None
    assert compare(a, b).outcome is Outcome.SAME


# --- positive evidence ----------------------------------------------------------


def test_same_pesel_merges_despite_diacritics_case_and_diminutive() -> None:
    p = pesel(date(1985, 7, 9), True)
    a = rec(first_name="Małgorzata", last_name="Wójcik", pesel=p)
    b = rec(first_name="GOSIA", last_name="wojcik", pesel=p)
    d = compare(a, b)
    assert d.outcome is Outcome.SAME and d.reason.startswith("zgodne: imię+nazwisko+PESEL")


def test_name_and_birth_date_merge_across_gendered_surname_forms() -> None:
    a = rec(first_name="Kasia", last_name="Kowalski", birth_date="07.03.1990")
    b = rec(first_name="Katarzyna", last_name="Kowalska", birth_date="1990-03-07")
    d = compare(a, b)
    assert (d.outcome, d.reason) == (Outcome.SAME, "zgodne: imię+nazwisko+data urodzenia")


def test_name_and_email_merge_an_attendance_row() -> None:
    a = rec(first_name="Zofia", last_name="Lis", email="Zofia.Lis@wp.pl", organisation="OSP")
    b = rec(first_name="Zosia", last_name="LIS", email="zofia.lis@wp.pl", birth_date="1970-01-01", phone="600200300")
    d = compare(a, b)
    assert (d.outcome, d.reason) == (Outcome.SAME, "zgodne: imię+nazwisko+e-mail")


def test_name_and_address_only_goes_to_review() -> None:
    a = rec(first_name="Jan", last_name="Kowalski", street="ul. Polna 1", postal_code="00-001", city="Warszawa")
    b = rec(first_name="Jan", last_name="Kowalski", street="Polna 1", postal_code="00001", city="Warszawa", birth_date="1960-01-01")
    assert compare(a, b).outcome is Outcome.REVIEW


def test_a_shared_phone_with_someone_elses_mailbox_goes_to_review() -> None:
    """Father and son with one name share the family phone; the father typed the
    mailbox of a person of another name. Nothing tells them apart: staff decide."""
    son = rec(first_name="Radosław", last_name="Nowicki", email="radoslaw.nowicki@op.pl", phone="+48 894 072 420")
    father = rec(first_name="Radosław", last_name="Nowicki", email="halina.mroz67@op.pl", phone="894072420")
    d = compare(son, father)
    assert (d.outcome, d.reason) == (Outcome.REVIEW, "zgodne: imię+nazwisko+telefon; różne: e-mail")
    # a relative's mailbox (same surname) or two mailboxes of one's own still merge on the phone
    own = rec(first_name="Maja", last_name="Ziółkowska", email="maj.ziolkowska@op.pl", phone="888024897")
    for other in ("iwona.ziolkowska@interia.pl", "maja.z@gmail.com"):
        d = compare(own, rec(first_name="Maja", last_name="Ziolkowska", email=other, phone="888 024 897"))
        assert (d.outcome, d.reason) == (Outcome.SAME, "zgodne: imię+nazwisko+telefon; różne: e-mail"), other


def test_name_alone_is_not_enough() -> None:
    a = rec(first_name="Anna", last_name="Nowak", email="a1@x.pl")
    b = rec(first_name="Anna", last_name="Nowak", email="a2@y.pl")
    assert compare(a, b).outcome is Outcome.DIFFERENT


def test_id_numbers_one_typo_apart_are_compared_and_match_with_the_same_name_and_town() -> None:
    """A document number with one digit mistyped (no PESEL, no birth date on one form):
    the pair must be blocked together and merge on the full name and the town."""
    from synergia.dedupe.blocking import candidate_pairs

    a = normalize_record({"first_name": "Tomasz", "last_name": "Alagić", "pesel": "ABC379088", "city": "Toruń"}, 0, 1)
    b = normalize_record(
        {"first_name": "Tomasz", "last_name": "Alagic", "pesel": "ABC379068", "city": "Torun", "birth_date": "1980-01-02"}, 1, 2
    )
    c = normalize_record({"first_name": "Tomasz", "last_name": "Alagic", "pesel": "ABC379068", "city": "Gdańsk"}, 2, 3)
    assert (0, 1) in candidate_pairs([a, b, c])
    d = compare(a, b)
    assert (d.outcome, d.reason) == (Outcome.SAME, "zgodne: imię+nazwisko+numer identyfikacyjny (z literówką)+miejscowość/organizacja")
    e = normalize_record({"first_name": "Tomasz", "last_name": "Alagic", "pesel": "ABC379968", "city": "Gdańsk"}, 3, 4)
    assert compare(a, e).outcome is not Outcome.SAME  # two digits off in another town
    f = normalize_record({"first_name": "Tomek", "last_name": "Kowalczyk", "pesel": "ABC379068", "city": "Torun"}, 4, 5)
    assert compare(a, f).outcome is not Outcome.SAME  # another surname: a near number is not enough


def test_a_postcode_typo_keeps_the_address_only_with_the_same_street_number_and_town() -> None:
    from synergia.dedupe.compare import _same_address

    a = rec(street="ul. Polna 16", postal_code="44-100", city="Gliwice")
    assert _same_address(a, rec(street="Polna 16", postal_code="44-101", city="Gliwice"))
    assert _same_address(a, rec(street="Polna 16", postal_code="41-100", city="Gliwcie"))  # a digit + a town typo
    assert not _same_address(a, rec(street="Polna 18", postal_code="44-101", city="Gliwice"))
    assert not _same_address(a, rec(street="Polna 16", postal_code="44-191", city="Gliwice"))
    assert not _same_address(a, rec(street="Polna 16", postal_code="44-101", city="Zabrze"))


# --- clustering -------------------------------------------------------------------


def test_household_sharing_an_email_is_not_merged_through_it() -> None:
    rows = [
        {"id": 1, "first_name": "Jan", "last_name": "Nowak", "email": "dom@x.pl", "birth_date": "1970-01-01"},
        {"id": 2, "first_name": "Anna", "last_name": "Nowak", "email": "dom@x.pl", "birth_date": "1972-02-02"},
        {"id": 3, "first_name": "Janek", "last_name": "NOWAK", "email": "dom@x.pl"},
        {"id": 4, "first_name": "Ania", "last_name": "Nowak", "phone": "600100100", "email": "dom@x.pl"},
        {"id": 5, "first_name": "Piotr", "last_name": "Nowak", "email": "dom@x.pl", "phone": "600100100"},
    ]
    assert groups(rows) == [[1, 3], [2, 4], [5]]


def test_twins_stay_apart() -> None:
    base = {
        "last_name": "Zielińska",
        "birth_date": "2004-06-01",
        "street": "Leśna 4",
        "postal_code": "80-100",
        "city": "Gdańsk",
        "email": "zielinscy@x.pl",
        "phone": "600300300",
    }
    rows = [{"id": 1, "first_name": "Maria", **base}, {"id": 2, "first_name": "Marta", **base}, {"id": 3, "first_name": "Marysia", **base}]
    assert groups(rows) == [[1, 3], [2]]


def test_a_name_only_attendance_row_joins_the_only_namesake_in_town() -> None:
    from synergia.dedupe.compare import R_ONLY_NAMESAKE

    registered = {
        "id": 1,
        "first_name": "Jan",
        "last_name": "Kowalski",
        "birth_date": "1961-04-02",
        "email": "jan.kowalski@x.pl",
        "city": "Gliwice",
    }
    attendance = {"id": 2, "first_name": "JAN", "last_name": "KOWALSKI", "city": "Gliwice"}
    result = deduplicate([registered, attendance], id_field="id")
    assert result.clusters == [[1, 2]]
    assert [m.reason for m in result.merges] == [R_ONLY_NAMESAKE]
    # a second Jan Kowalski in Gliwice (the son): the row fits both, staff decide
    son = {
        "id": 3,
        "first_name": "Jan",
        "last_name": "Kowalski",
        "birth_date": "1989-04-02",
        "email": "jkowalski89@x.pl",
        "city": "Gliwice",
    }
    result = deduplicate([registered, attendance, son], id_field="id")
    assert result.clusters == [[1], [2], [3]]
    assert {(r.a, r.b) for r in result.reviews} >= {(1, 2)}
    # two rows of other e-mails are two people, not one name in one town
    other = {**attendance, "email": "inny@x.pl"}
    assert deduplicate([registered, other], id_field="id").clusters == [[1], [2]]


def test_no_chaining_through_a_record_that_fits_two_people() -> None:
    # 2 fits father 1 (phone) and son 3 (phone): all three share a phone, 1 and 3 veto each other
    rows = [
        {"id": 1, "first_name": "Jan", "last_name": "Kowalski", "phone": "600100200", "birth_date": "1960-01-01"},
        {"id": 2, "first_name": "Jan", "last_name": "Kowalski", "phone": "600100200"},
        {"id": 3, "first_name": "Jan", "last_name": "Kowalski", "phone": "600100200", "birth_date": "1990-01-01"},
    ]
    result = deduplicate(rows, id_field="id")
    assert sorted(map(sorted, result.clusters)) == [[1], [2], [3]]
    assert {(rv.a, rv.b) for rv in result.reviews} & {(1, 2), (2, 3)}


def test_a_cluster_never_holds_two_records_that_veto_each_other() -> None:
    # 1~2 by PESEL, 2~3 by name+email; but 1 and 3 have different birth dates
    p = pesel(date(1980, 1, 1), False)
    rows = [
        {"id": 1, "first_name": "Adam", "last_name": "Lis", "pesel": p},
        {"id": 2, "first_name": "Adam", "last_name": "Lis", "pesel": p, "email": "lis@x.pl"},
        {"id": 3, "first_name": "Adam", "last_name": "Lis", "email": "lis@x.pl", "birth_date": "2005-05-05"},
    ]
    assert groups(rows) == [[1, 2], [3]]


def test_staff_decisions_override_the_matcher() -> None:
    rows = [
        {"id": 1, "first_name": "Ewa", "last_name": "Sowa", "email": "e@x.pl"},
        {"id": 2, "first_name": "Ewa", "last_name": "Sowa", "email": "e@x.pl"},
        {"id": 3, "first_name": "Ewa", "last_name": "Sowa-Kania", "city": "Opole"},
    ]
    recs = [normalize_record(r, i, r["id"]) for i, r in enumerate(rows)]
    assert sorted(map(sorted, cluster_records(recs, cannot_link=[(1, 2)]).clusters)) == [[1], [2], [3]]
    assert sorted(map(sorted, cluster_records(recs, must_link=[(1, 3)]).clusters)) == [[1, 2, 3]]
    # NIE wins over TAK on the same groups
    both = cluster_records(recs, must_link=[(1, 3)], cannot_link=[(2, 3)])
    assert [2, 3] not in [sorted(c) for c in both.clusters] and not any({2, 3} <= set(c) for c in both.clusters)


def test_the_same_organisation_explains_a_new_contact_a_household_does_not() -> None:
    """Name and home agree, the e-mails differ: a new address of one person, or a father
    and son of one name? The organisation a person represents is theirs, not the household's:
    the same one merges (and says so), another one or none leaves the pair to staff."""
    from synergia.dedupe.compare import R_OWN_ORGANISATION

    home = {"first_name": "Błażej", "last_name": "Wilupalski", "street": "Polna 12/4", "postal_code": "23-400", "city": "Biłgoraj"}
    first = {"id": 1, **home, "birth_date": "1993-12-15", "email": "blazej.wilupalski@interia.pl"}
    later = {"id": 2, **home, "email": "blazej7@onet.pl"}
    org = "Stowarzyszenie Razem dla Biłgoraja"
    assert groups([first, later]) == [[1], [2]]
    result = deduplicate([{**first, "organisation": org}, {**later, "organisation": org.upper()}], id_field="id")
    assert result.clusters == [[1, 2]]
    assert len(result.merges) == 1 and result.merges[0].reason.endswith(R_OWN_ORGANISATION)
    assert groups([{**first, "organisation": org}, {**later, "organisation": "Urząd Gminy Biłgoraj"}]) == [[1], [2]]
    # one group gave the organisation, the other did not: nothing explains the new e-mail
    assert groups([{**first, "organisation": org}, later]) == [[1], [2]]


def test_the_same_organisation_lets_an_only_namesake_in_town_keep_a_new_phone() -> None:
    from synergia.dedupe.compare import R_ONLY_NAMESAKE, R_OWN_ORGANISATION

    org = "Fundacja Zielone Gliwice"
    registered = {
        "id": 1,
        "first_name": "Jan",
        "last_name": "Kowalski",
        "birth_date": "1961-04-02",
        "phone": "600100200",
        "city": "Gliwice",
        "organisation": org,
    }
    row = {"id": 2, "first_name": "Jan", "last_name": "Kowalski", "phone": "600999888", "city": "Gliwice", "organisation": org}
    result = deduplicate([registered, row], id_field="id")
    assert result.clusters == [[1, 2]]
    assert [m.reason for m in result.merges] == [R_ONLY_NAMESAKE + R_OWN_ORGANISATION]
    assert groups([registered, {**row, "organisation": ""}]) == [[1], [2]]
