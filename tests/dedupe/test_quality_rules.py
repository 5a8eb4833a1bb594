"""Session 5 quality rules (issue 13), each with the look-alike that must stay apart:
a married name explained by the first name, birth date and town; a birth date typo
that one pair of a person's forms explains for all of them."""

from __future__ import annotations

from synergia.dedupe.compare import V_DOB, Outcome, compare, veto
from synergia.dedupe.engine import deduplicate
from synergia.dedupe.normalize import normalize_record


def rec(**fields):
    return normalize_record(fields, 0, fields.get("id"))


def clusters(rows):
    return sorted(sorted(c) for c in deduplicate(rows, id_field="id", processes=1).clusters)


# --- a married name -------------------------------------------------------------

BRIDE = {"first_name": "Agnieszka", "birth_date": "1987-05-14", "gender": "K", "city": "Gdańsk"}


def test_a_woman_with_her_birth_date_and_town_is_not_held_back_by_a_new_surname() -> None:
    a = rec(last_name="Wróblewska", phone="601 222 333", **BRIDE)
    b = rec(last_name="Lis-Mazur", **BRIDE)
    d = compare(a, b)
    assert d.outcome is Outcome.SAME, d
    assert "różne: nazwisko" in d.reason  # staff still see the surname differ


def test_the_married_name_rule_needs_the_first_name_the_date_and_the_place() -> None:
    looks_alike = {
        "another town": ({**BRIDE, "city": "Sopot"}, "Wróblewska"),
        "a typo of the first name": ({**BRIDE, "first_name": "Agneiszka"}, "Wróblewska"),
        "a man": ({**BRIDE, "first_name": "Tadeusz", "gender": "M"}, "Wróblewski"),
    }
    for what, (fields, maiden) in looks_alike.items():
        d = compare(rec(last_name=maiden, **BRIDE), rec(last_name="Lis-Mazur", **fields))
        if what == "a man":
            d = compare(rec(last_name=maiden, **fields), rec(last_name="Lis", **fields))
        assert d.outcome is not Outcome.SAME, (what, d)


def test_a_mother_and_daughter_of_one_name_stay_apart() -> None:
    mother = rec(last_name="Wróblewska", **{**BRIDE, "birth_date": "1962-02-03"})
    daughter = rec(last_name="Lis-Mazur", **BRIDE)
    assert veto(mother, daughter) == V_DOB


# --- one birth-date typo, explained once for the whole person -----------------------

HOME = {"first_name": "Tadeusz", "last_name": "Mazur", "gender": "M", "street": "Lipowa 5", "postal_code": "31-100", "city": "Kraków"}


def _person(third_date: str) -> list[dict]:
    return [
        # two forms with the right date, one of them from before a move (another street)
        {"id": "a1", **HOME, "birth_date": "1975-08-19", "email": "tmazur.krk@example.pl", "phone": "612 300 400"},
        {"id": "a2", **{**HOME, "street": "Kwiatowa 17", "postal_code": "30-200"}, "birth_date": "19.08.1975", "phone": "612300400"},
        # a form with the day mistyped; its e-mail is a1's, not a2's, and a2 lived elsewhere
        {"id": "a3", **HOME, "birth_date": third_date, "email": "tmazur.krk@example.pl"},
    ]


def test_a_typed_birth_date_explained_by_one_pair_holds_for_the_whole_person() -> None:
    rows = _person("1975-08-18")
    recs = [normalize_record(r, i, r["id"]) for i, r in enumerate(rows)]
    assert veto(recs[0], recs[2]) is None  # same e-mail and home: a keystroke in the day
    assert veto(recs[1], recs[2]) == V_DOB  # alone, this pair is refused
    assert clusters(rows) == [["a1", "a2", "a3"]]
    # whatever order the forms come in
    assert clusters(rows[::-1]) == [["a1", "a2", "a3"]]
    assert clusters([rows[1], rows[2], rows[0]]) == [["a1", "a2", "a3"]]


def test_another_birth_year_is_never_explained_away() -> None:
    rows = _person("1976-08-19")  # a year apart: another person (father and son differ in the year)
    assert clusters(rows) == [["a1", "a2"], ["a3"]]


def test_a_typed_date_no_pair_explains_keeps_the_groups_apart() -> None:
    rows = _person("1975-08-18")
    rows[2] = {**rows[2], "email": "", "phone": "790 555 111", "street": "Długa 3", "postal_code": "31-900"}
    recs = [normalize_record(r, i, r["id"]) for i, r in enumerate(rows)]
    assert veto(recs[0], recs[2]) == V_DOB and veto(recs[1], recs[2]) == V_DOB
    assert clusters(rows) == [["a1", "a2"], ["a3"]]


# --- a postcode is finer than a town ------------------------------------------------


def test_the_same_postcode_weighs_more_than_the_same_town() -> None:
    base = {"first_name": "Bożena", "last_name": "Krawczyk", "city": "Radom"}
    a = rec(email="bkrawczyk@example.pl", postal_code="26-600", **base)
    near = rec(email="bozena.k@example.com", postal_code="26-600", **base)
    town = rec(email="bozena.k@example.com", postal_code="26-612", **base)
    d_near, d_town = compare(a, near), compare(a, town)
    assert d_near.score > d_town.score
    # name + postcode despite another e-mail: staff look at it; name + town alone: not
    assert (d_near.outcome, d_town.outcome) == (Outcome.REVIEW, Outcome.DIFFERENT)
    # still never merged on the place alone
    assert compare(rec(postal_code="26-600", **base), rec(postal_code="26-600", **base)).outcome is Outcome.REVIEW


# --- a birth date one day off ------------------------------------------------------


def test_a_birth_date_one_day_off_with_names_and_home_is_a_slip() -> None:
    home = {"first_name": "Zdzisław", "last_name": "Pawlak", "street": "Żeromskiego 40/2", "postal_code": "25-004", "city": "Kielce"}
    a = rec(birth_date="1968-11-20", **home)
    for other in ("1968-11-19", "1968-11-21"):  # two digits change at 19/20, one slip of the day
        assert veto(a, rec(birth_date=other, **home)) is None, other
        assert compare(a, rec(birth_date=other, **home)).outcome is Outcome.SAME, other
    for other in ("1968-11-18", "1969-11-20"):  # two days, another year: someone else
        assert veto(a, rec(birth_date=other, **home)) == V_DOB, other
    assert veto(rec(birth_date="1968-12-31", **home), rec(birth_date="1969-01-01", **home)) == V_DOB  # another year


def test_a_date_slip_beside_a_married_name_needs_her_own_contact() -> None:
    common = {"first_name": "Halina", "gender": "K", "street": "Ogrodowa 3", "postal_code": "15-001", "city": "Białystok"}
    a = rec(last_name="Sowa", birth_date="1979-06-14", phone="505 111 222", **common)
    same_phone = rec(last_name="Kruk", birth_date="1979-06-13", phone="505111222", **common)
    home_only = rec(last_name="Kruk", birth_date="1979-06-13", phone="606 333 444", **common)
    assert veto(a, same_phone) is None
    assert veto(a, home_only) == V_DOB
    man = {**common, "first_name": "Henryk", "gender": "M"}
    assert (
        veto(
            rec(last_name="Sowa", birth_date="1979-06-14", phone="505 111 222", **man),
            rec(last_name="Kruk", birth_date="1979-06-13", phone="505111222", **man),
        )
        == V_DOB
    )


# --- a married name beside her own phone (session 7) ---------------------------------------

WIFE = {"first_name": "Jadwiga", "gender": "K", "street": "Storczykowa 12", "postal_code": "43-300", "city": "Bielsko-Biała"}


def test_a_married_name_with_her_phone_and_home_merges_despite_the_family_sharing_the_phone() -> None:
    # the husband and son use the same phone: a family's phone weighs less, yet her first name, home
    # and phone still make her one person under her old and new surname
    rows = [
        {"id": "w1", **WIFE, "last_name": "Cichoń", "phone": "691 404 515"},
        {"id": "w2", **WIFE, "last_name": "Zawadzka", "phone": "+48691404515"},
        {"id": "h1", **WIFE, "first_name": "Edmund", "gender": "M", "last_name": "Zawadzki", "phone": "691404515"},
        {"id": "s1", **WIFE, "first_name": "Ignacy", "gender": "M", "last_name": "Zawadzki", "phone": "691 404 515"},
    ]
    assert clusters(rows) == [["h1"], ["s1"], ["w1", "w2"]]
    d = compare(rec(**rows[0]), rec(**rows[1]))
    assert "różne: nazwisko" in d.reason and "telefon" in d.reason


def test_a_married_name_needs_her_first_name_and_a_place_beside_the_phone() -> None:
    a = rec(last_name="Cichoń", phone="691 404 515", **WIFE)
    # another woman of the family on that phone (another first name): not her
    sister = rec(last_name="Zawadzka", phone="691404515", **{**WIFE, "first_name": "Bogumiła"})
    assert compare(a, sister).outcome is not Outcome.SAME
    # the same first name and phone, but another town and no address: not explained by marriage
    away = rec(last_name="Zawadzka", phone="691404515", first_name="Jadwiga", gender="K", city="Opole")
    assert compare(a, away).outcome is not Outcome.SAME
    # a man of the same first name and phone with another surname is never a married name
    man = {**WIFE, "first_name": "Jan", "gender": "M"}
    d = compare(rec(last_name="Cichy", phone="691404515", **man), rec(last_name="Zawadzki", phone="691404515", **man))
    assert "różne: nazwisko" in d.reason and d.score < compare(a, rec(last_name="Zawadzka", phone="691404515", **WIFE)).score


# --- another form of the first name on the mailbox named after it (session 7) -------------


def test_an_unknown_form_of_the_name_on_the_mailbox_named_after_it_is_one_person() -> None:
    home = {"last_name": "Wierzbicki", "phone": "512 700 801", "street": "Lipowa 9", "postal_code": "87-100", "city": "Toruń"}
    a = rec(first_name="Zdzisław", email="zdzislaw.wierzbicki@example.pl", **home)
    b = rec(first_name="Zdzisiaczek", email="zdzislaw.wierzbicki@example.pl", **home)  # not in the name table
    d = compare(a, b)
    assert d.outcome is Outcome.SAME, d
    assert "inna forma" in d.reason


def test_a_real_other_name_on_the_mailbox_or_another_initial_stays_apart() -> None:
    home = {"last_name": "Wierzbicka", "phone": "512 700 801", "street": "Lipowa 9", "postal_code": "87-100", "city": "Toruń"}
    mail = {"email": "zofia.wierzbicka@example.pl"}
    a = rec(first_name="Zofia", **home, **mail)
    assert compare(a, rec(first_name="Zuzanna", **home, **mail)).outcome is not Outcome.SAME  # two real names
    assert compare(a, rec(first_name="Hela", **home, **mail)).outcome is not Outcome.SAME  # another initial
    # the mailbox names nobody of the two: a family's
    family = {"email": "wierzbiccy@example.pl"}
    assert compare(rec(first_name="Zofia", **home, **family), rec(first_name="Zdzisia", **home, **family)).outcome is not Outcome.SAME


# --- one-form diminutives (session 8: a one-element entry of the table was read letter by letter) ---


def test_a_one_form_diminutive_is_the_name_and_no_letter_is_a_name() -> None:
    from synergia.dedupe.names import KNOWN, canonical_first_name

    for short, full in (("andrzejek", "andrzej"), ("mareczek", "marek"), ("dominiczek", "dominik"), ("wiktorek", "wiktor")):
        assert canonical_first_name(short) == full
    assert not {letter for letter in KNOWN if len(letter) == 1}  # 'a', 'k', 'w' are initials, not Andrzej / Wiktor


def test_mareczek_with_his_birth_date_and_mailbox_is_marek_not_a_twin() -> None:
    marek = {"last_name": "Zawadzki", "birth_date": "1971-03-09", "email": "zawadzki.m71@poczta.example"}
    d = compare(rec(first_name="Marek", **marek), rec(first_name="Mareczek", **marek))
    assert d.outcome is Outcome.SAME, d


def test_an_initial_is_not_read_as_a_full_name() -> None:
    # 'W.' must not be Wiktor: with only the surname and the town it is at most a review pair
    a = rec(first_name="W.", last_name="Bartczak", city="Radom")
    b = rec(first_name="Wiktor", last_name="Bartczak", city="Radom")
    assert compare(a, b).outcome is not Outcome.SAME
    assert "inicjał" in compare(a, rec(first_name="Wiktor", last_name="Bartczak", birth_date="1990-01-02", city="Radom")).reason


# --- session 9: a mailbox named after the surname ------------------------------------


def test_a_mailbox_named_after_the_surname_used_by_one_first_name_is_not_held_back_by_a_new_phone() -> None:
    """Name + e-mail ``soboradak620@…`` + town, two phones (a new one): the mailbox names the
    surname and no other first name uses it, so it is the person's own (one person). The same
    mailbox used by another first name in the batch is a family's: the phones keep them apart."""
    person = dict(first_name="Filip", last_name="Soboradak", email="soboradak620@int.pl", city="Bielsko-Biała")
    rows = [{"id": 1, **person, "phone": "716650023"}, {"id": 2, **person, "phone": "708880835"}]
    assert clusters(rows) == [[1, 2]]
    family = rows + [{"id": 3, **person, "first_name": "Halina", "phone": "716650023"}]
    assert [1, 2] not in clusters(family)
    nameless = [{**r, "email": "fs620@int.pl"} for r in rows]  # names neither the person nor the surname
    assert clusters(nameless) == [[1], [2]]
