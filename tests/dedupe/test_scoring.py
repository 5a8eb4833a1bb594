"""The scoring model (issue 13): each comparison level and veto, and quality on data
from the independent generator (tests/dedupe/independent_generator.py, never used to tune)."""

from __future__ import annotations

import pytest

from devtools.metrics import pairwise_scores
from synergia.dedupe.compare import (
    ADDRESS,
    PLACE,
    R_NAME_EMAIL_OTHER_PHONE,
    STRONG,
    V_DOB,
    V_GENDER,
    V_NAMES,
    V_PESEL,
    V_TWINS,
    Outcome,
    compare,
    veto,
    weigh,
)
from synergia.dedupe.engine import cluster_ids, deduplicate
from synergia.dedupe.normalize import normalize_record
from synergia.dedupe.score import (
    W_DOB,
    W_EMAIL,
    W_FN_CONFLICT,
    W_FN_OTHER,
    W_FN_TYPO,
    W_LN_OTHER_K,
    W_LN_TYPO,
    Frequencies,
    frequencies,
    to_score,
)
from tests.dedupe.independent_generator import HOLDOUT_SEEDS, generate


def rec(idx: int = 0, **fields):
    return normalize_record(fields, idx, fields.get("id", idx))


BASE = dict(first_name="Bożydar", last_name="Pstrągowski", gender="M")


def bits(a, b, freq=None):
    return weigh(a, b, None, freq or Frequencies()).bits


# --- comparison levels: each adds its own weight -----------------------------------


def test_first_name_levels_exact_variant_typo_other_conflict_missing() -> None:
    ref = rec(first_name="Katarzyna", last_name="Ząbek")
    exact = bits(ref, rec(first_name="KATARZYNA", last_name="Zabek"))
    variant = bits(ref, rec(first_name="Kasia", last_name="Zabek"))
    typo = bits(ref, rec(first_name="Katarzna", last_name="Zabek"))
    missing = bits(ref, rec(last_name="Zabek"))
    other = bits(ref, rec(first_name="Kleopatrixa", last_name="Zabek"))
    conflict = bits(ref, rec(first_name="Kamila", last_name="Zabek"))
    assert exact > variant > typo > missing > other > conflict
    assert round(typo - missing, 6) == W_FN_TYPO
    assert round(other - missing, 6) == W_FN_OTHER and round(conflict - missing, 6) == W_FN_CONFLICT


def test_short_first_name_typos_count_as_typos() -> None:
    for x, y in (("Olaf", "Olf"), ("Igor", "Iogr"), ("Kornelia", "Kronelia")):
        a, b = rec(first_name=x, last_name="Nowak"), rec(first_name=y, last_name="Nowak")
        assert "imię (z literówką)" in weigh(a, b).agreed, (x, y)


def test_a_typo_of_a_form_of_the_other_name_is_a_typo_not_twins() -> None:
    """'Kua' is Kuba (Jakub) mistyped, 'Ia' is Ida with a letter dropped, 'Rdek' is Radek
    (Radosław): one keystroke from a spelling of the other record's own name. With the
    same surname and birth date that is no twin pair; a real other name still is."""
    common = dict(last_name="Rosiak", birth_date="2008-01-13", street="Lipowa 4", postal_code="12-124", city="Wrocław")
    for x, y in (("Kua", "Jakub"), ("Ia", "Ida"), ("Rdek", "Radosław"), ("Aag", "Agnieszka")):
        a, b = rec(0, first_name=x, **common), rec(1, first_name=y, **common)
        d = compare(a, b)
        assert d.reason != V_TWINS and "imię (z literówką)" in d.reason, (x, y, d)
        assert d.outcome is Outcome.SAME, (x, y, d)
    assert compare(rec(0, first_name="Jarlo", **common), rec(1, first_name="Jakub", **common)).reason == V_TWINS


def test_surname_levels_and_a_womans_other_surname_weighs_less() -> None:
    ref = rec(first_name="Ewa", last_name="Kowalska", email="ewa.k@wp.pl")
    same = bits(ref, rec(first_name="Ewa", last_name="KOWALSKI", email="ewa.k@wp.pl"))
    typo = bits(ref, rec(first_name="Ewa", last_name="Kowakska", email="ewa.k@wp.pl"))
    none = bits(ref, rec(first_name="Ewa", email="ewa.k@wp.pl"))
    married = bits(ref, rec(first_name="Ewa", last_name="Zielińska", email="ewa.k@wp.pl"))
    assert same > typo > none > married
    assert round(typo - none, 6) == W_LN_TYPO and round(married - none, 6) == W_LN_OTHER_K


def test_birth_date_exact_typo_and_missing() -> None:
    ref = rec(**BASE, birth_date="1980-04-12", street="Lipowa 4", postal_code="11-222")
    assert (
        round(
            bits(ref, rec(**BASE, birth_date="12.04.1980", street="Lipowa 4", postal_code="11-222"))
            - bits(ref, rec(**BASE, street="Lipowa 4", postal_code="11-222")),
            6,
        )
        == W_DOB
    )
    typed = weigh(ref, rec(**BASE, birth_date="1980-04-21", street="Lipowa 4", postal_code="11222"))
    assert "data urodzenia (z literówką)" in typed.agreed


def test_a_shared_mailbox_weighs_less_per_extra_first_name_but_not_below_a_floor() -> None:
    a = rec(0, **BASE, email="dom@o2.pl")
    b = rec(1, **BASE, email="dom@o2.pl")
    family = [
        a,
        b,
        rec(2, first_name="Halina", last_name="Pstrągowska", email="dom@o2.pl"),
        rec(3, first_name="Kacper", last_name="Pstrągowski", email="dom@o2.pl"),
    ]
    own, shared = bits(a, b), bits(a, b, frequencies(family))
    assert shared < own
    assert own - shared <= W_EMAIL


def test_common_names_weigh_less_than_rare_ones_in_a_batch() -> None:
    batch = [rec(i, first_name="Anna", last_name="Nowak") for i in range(400)] + [
        rec(400, first_name="Bożydar", last_name="Pstrągowski"),
        rec(401, first_name="Bożydar", last_name="Pstrągowski"),
    ]
    f = frequencies(batch)
    common = bits(batch[0], batch[1], f)
    rare = bits(batch[400], batch[401], f)
    assert rare > common + 3


def test_score_is_monotone_and_calibrated_at_the_default_thresholds() -> None:
    assert to_score(19.0) == pytest.approx(0.92, abs=0.005)
    assert to_score(16.0) == pytest.approx(0.70, abs=0.005)
    assert to_score(-1000) == 0.0 and to_score(1000) == 1.0
    assert all(to_score(x) < to_score(x + 0.5) for x in range(0, 40))


def test_the_reason_says_which_fields_agreed_and_which_differed() -> None:
    a = rec(first_name="Zofia", last_name="Lis", email="zofia.lis@wp.pl", phone="600100200")
    b = rec(first_name="Zosia", last_name="LIS", email="zofia.lis@wp.pl", phone="700100200")
    d = compare(a, b)
    assert d.reason == "zgodne: imię+nazwisko+e-mail; różne: telefon"


def test_name_and_address_or_town_alone_never_merge_a_pair_directly() -> None:
    a = rec(first_name="Jan", last_name="Kowalski", street="Polna 1", postal_code="00-001", city="Warszawa")
    b = rec(first_name="Jan", last_name="Kowalski", street="ul. Polna 1", postal_code="00001", city="Warszawa")
    d = compare(a, b)
    assert d.outcome is Outcome.REVIEW and d.kind == ADDRESS
    c = rec(first_name="Jan", last_name="Kowalski", city="Warszawa")
    d = compare(c, rec(first_name="Jan", last_name="Kowalski", city="Warszawa"))
    assert d.outcome is Outcome.REVIEW and d.kind == PLACE


# --- vetoes ---------------------------------------------------------------------------


def test_vetoes_pesel_birth_date_sex() -> None:
    assert veto(rec(pesel="44051401359"), rec(pesel="02070803628")) == V_PESEL
    assert veto(rec(**BASE, birth_date="1960-01-01"), rec(**BASE, birth_date="1990-01-01")) == V_DOB
    assert veto(rec(first_name="Alex", gender="K"), rec(first_name="Alex", gender="M")) == V_GENDER


def test_first_names_are_vetoed_only_when_nothing_else_strongly_agrees() -> None:
    """Maria/Marika: a typo that lands on another real name. With the birth date and
    the person's own e-mail and phone agreeing it is one person; with less it is not."""
    full = dict(last_name="Wrzos", birth_date="1991-02-03", email="m.wrzos@wp.pl", phone="600700800")
    a, b = rec(0, first_name="Maria", **full), rec(1, first_name="Marta", **full)
    assert veto(a, b) is None
    assert compare(a, b).outcome is Outcome.SAME
    no_phone = {k: v for k, v in full.items() if k != "phone"}
    assert veto(rec(first_name="Maria", **no_phone), rec(first_name="Marta", **no_phone)) == V_NAMES
    # the pair itself puts its two first names on the e-mail and phone: still the person's own
    assert veto(a, b, None, frequencies([a, b])) is None
    # a third first name on them in the batch: a family's, not enough
    c = rec(2, first_name="Ewa", last_name="Wrzos", email="m.wrzos@wp.pl", phone="600700800")
    assert veto(a, b, None, frequencies([a, b, c])) == V_NAMES


def test_two_first_names_are_outweighed_by_birth_date_and_a_mailbox_naming_one_of_them() -> None:
    """Iga/Inga (a dropped letter that lands on another real name): the birth date and the
    one e-mail, whose name part is Inga's, agree; no phone on one form. A mailbox naming
    nobody, or another birth date, leaves the veto."""
    common = dict(last_name="Kanarek", birth_date="1952-07-12", street="Kościuszki 180", city="Wrocław")
    a = rec(0, first_name="Iga", email="inga.kanarek639@interia.pl", **common)
    b = rec(1, first_name="Inga", email="inga.kanarek639@interia.pl", phone="700832960", **common)
    assert veto(a, b, None, frequencies([a, b])) is None
    assert compare(a, b, freq=frequencies([a, b])).outcome is Outcome.SAME
    c = rec(0, first_name="Iga", email="kanarek639@interia.pl", **common)
    d = rec(1, first_name="Inga", email="kanarek639@interia.pl", phone="700832960", **common)
    assert veto(c, d, None, frequencies([c, d])) == V_NAMES


def test_married_surname_with_birth_date_email_and_phone_merges() -> None:
    a = rec(first_name="Agnieszka", last_name="Rabiej", birth_date="1964-08-07", email="aga64@gmail.com", phone="660184681")
    b = rec(first_name="Agnieszka", last_name="Witos", birth_date="7.8.1964", email="aga64@gmail.com", phone="+48 660 184 681")
    d = compare(a, b)
    assert d.outcome is Outcome.SAME and "różne: nazwisko" in d.reason


def test_first_name_typos_with_birth_date_email_and_phone_merge() -> None:
    for x, y in (("Igor", "Iogr"), ("Olaf", "Olf"), ("Kornelia", "Kronelia")):
        common = dict(last_name="Bąk", birth_date="1999-09-09", email="bak99@o2.pl", phone="511222333")
        assert compare(rec(first_name=x, **common), rec(first_name=y, **common)).outcome is Outcome.SAME, (x, y)


def test_twins_are_never_linked_by_the_pair_itself() -> None:
    home = dict(last_name="Zając", birth_date="2010-05-05", street="Leśna 4", postal_code="80-100", city="Gdańsk", phone="600300300")
    d = compare(rec(first_name="Tymon", **home), rec(first_name="Brajan", **home))  # Brajan: not in the name table
    assert d.outcome is Outcome.DIFFERENT and d.reason == V_TWINS
    rows = [{"id": 1, "first_name": "Tymon", **home}, {"id": 2, "first_name": "Brajan", **home}, {"id": 3, "first_name": "Tymek", **home}]
    assert len(deduplicate(rows, id_field="id").clusters) >= 2


def test_different_first_names_with_only_household_evidence_never_merge() -> None:
    home = dict(last_name="Grabowski", email="grabowscy@wp.pl", phone="600400500", street="Polna 3", postal_code="22-333", city="Lublin")
    d = compare(rec(first_name="Sebastian", **home), rec(first_name="Olgierd", **home))
    assert d.outcome is not Outcome.SAME


def test_a_pesel_pair_is_strong() -> None:
    a = rec(first_name="Jan", last_name="Nowak", pesel="44051401359")
    assert compare(a, rec(first_name="Janek", last_name="NOWAK", pesel="44051401359")).kind == STRONG


# --- quality on the independent generator (held-out seed, never tuned on) ------------


def _score(n: int, seed: int) -> dict:
    rows, truth = generate(n, seed)
    return pairwise_scores(cluster_ids(deduplicate(rows, processes=1)), truth)


def test_independent_generator_5k_does_not_regress() -> None:
    s = _score(5000, HOLDOUT_SEEDS[0])
    assert s["true_pairs"] > 1500
    assert s["precision"] >= 0.99 and s["recall"] >= 0.95, s


@pytest.mark.slow
@pytest.mark.xfail(
    strict=True,
    reason="issue 13 target not reached on every held-out seed at 5k (session 5: recall now met on all five, "
    "0.975-0.980; seed 7003 precision 0.9933 < 0.995), see README",
)
def test_independent_generator_5k_meets_the_issue_13_target() -> None:
    """Every held-out seed at 5k: P >= 0.995 and R >= 0.97 (one seed meeting it is luck, not the target)."""
    scores = {seed: _score(5000, seed) for seed in HOLDOUT_SEEDS}
    short = {
        seed: (round(s["precision"], 4), round(s["recall"], 4))
        for seed, s in scores.items()
        if s["precision"] < 0.995 or s["recall"] < 0.97
    }
    assert not short, short


def test_twin_pattern_yields_to_an_id_number_one_keystroke_off() -> None:
    # the same surname and birth date, two unknown first names: twins, unless the
    # (non-PESEL) id numbers are one keystroke apart — one person, the number mistyped
    both = dict(last_name="Wróblewicz", birth_date="1987-11-02", city="Kielce")
    a = rec(first_name="Brajan", pesel="ZX7731925", **both)
    near = compare(a, rec(first_name="Kewin", pesel="ZX7731952", **both))
    far = compare(a, rec(first_name="Kewin", pesel="QT4408116", **both))
    assert far.reason == V_TWINS
    assert near.reason != V_TWINS and not near.veto


def test_initial_and_surname_mailbox_is_the_persons_own() -> None:
    # j.kowalski-style mailbox names the person: another phone does not hold the link back;
    # a surname-only mailbox (a family's) does
    common = dict(BASE, city="Opole")
    own = compare(
        rec(email="b.pstragowski@o2.pl", phone="501100200", **common), rec(email="b.pstragowski@o2.pl", phone="602300400", **common)
    )
    family = compare(
        rec(email="pstragowscy@o2.pl", phone="501100200", **common), rec(email="pstragowscy@o2.pl", phone="602300400", **common)
    )
    assert own.kind == "weak" and family.kind == "email"


def test_a_family_mailbox_and_one_home_leave_two_phones_to_staff_an_own_mailbox_merges() -> None:
    """A family's mailbox and its home are both the household's: with two phones it is a
    father and son as well as one person with a new phone, so staff decide. A mailbox naming
    the person (``b.pstragowski``) is theirs: at the same home another phone is a new phone."""
    home = dict(BASE, street="Miodowa 12/3", postal_code="45-001", city="Opole")
    family = [
        {"id": 1, "phone": "501100200", "email": "pstragowscy@o2.pl", **home},
        {"id": 2, "phone": "602300400", "email": "pstragowscy@o2.pl", **home},
    ]
    result = deduplicate(family, id_field="id")
    assert result.clusters == [[1], [2]] and [r.reason for r in result.reviews] == [R_NAME_EMAIL_OTHER_PHONE]
    own = [{**row, "email": "b.pstragowski@o2.pl"} for row in family]
    assert deduplicate(own, id_field="id").clusters == [[1, 2]]
    # the family's mailbox and one phone: merged (the phone agrees)
    assert deduplicate([family[0], {**family[1], "phone": "501100200"}], id_field="id").clusters == [[1, 2]]


def test_an_email_naming_the_person_weighs_more_than_an_anonymous_one() -> None:
    from synergia.dedupe.score import W_EMAIL_OWN

    named = bits(rec(email="bozydar.p@o2.pl", **BASE), rec(email="bozydar.p@o2.pl", **BASE))
    anonymous = bits(rec(email="zx81qq@o2.pl", **BASE), rec(email="zx81qq@o2.pl", **BASE))
    assert named - anonymous == pytest.approx(W_EMAIL_OWN)


def test_plain_vetoes_at_once_are_exactly_the_pairs_veto_refuses_for_those_reasons() -> None:
    """The numpy pass (two PESELs, birth years, sexes) refuses a pair only when ``veto`` does;
    the exceptions — one id number on both sides, a keystroke within one year, two id numbers
    one typo apart — are left to ``veto``."""
    import numpy as np

    from synergia.dedupe.compare import plain_vetoes, veto_fields

    ln = dict(last_name="Głąbiński")
    cases = [  # (a, b, refused by the numpy pass)
        (dict(pesel="44051401359"), dict(pesel="02070803628"), True),  # two valid PESELs
        (dict(birth_date="1971-03-04"), dict(birth_date="1991-03-04"), True),  # another year
        (dict(birth_date="1971-03-04"), dict(birth_date="1971-04-03"), False),  # same year: veto decides
        (dict(birth_date="1971-03-04", pesel="AB123456"), dict(birth_date="1991-03-04", pesel="AB123456"), False),
        (dict(birth_date="1971-03-04", pesel="AB123456"), dict(birth_date="1991-03-04", pesel="AB123465"), False),
        (dict(birth_date="1971-03-04", pesel="AB123456"), dict(birth_date="1991-03-04"), True),
        (dict(gender="K"), dict(gender="M"), True),
        (dict(gender="K", pesel="AB123456"), dict(gender="M", pesel="AB123456"), False),
        (dict(gender="K"), dict(), False),
        (dict(first_name="Marta"), dict(first_name="Maria"), False),  # names: veto decides
    ]
    records = []
    for a, b, _ in cases:
        records += [rec(len(records), **{"first_name": "Jan", **ln, **a}), rec(len(records) + 1, **{"first_name": "Jan", **ln, **b})]
    i = np.arange(0, len(records), 2)
    got = plain_vetoes(veto_fields(records), i, i + 1)
    assert got.tolist() == [refused for *_, refused in cases]
    for k, refused in zip(i.tolist(), got.tolist()):
        if refused:
            assert veto(records[k], records[k + 1]) in (V_PESEL, V_DOB, V_GENDER)


def test_plain_vetoes_change_no_result() -> None:
    """Every candidate pair the numpy pass refuses is refused by ``compare`` too (independent set)."""
    from synergia.dedupe.blocking import candidate_pair_arrays
    from synergia.dedupe.compare import plain_vetoes, veto_fields

    rows, _truth = generate(1500, HOLDOUT_SEEDS[1])
    records = [normalize_record(r, k, r["record_id"]) for k, r in enumerate(rows)]
    pi, pj = candidate_pair_arrays(records)
    fast = plain_vetoes(veto_fields(records), pi, pj)
    assert fast.sum() > 100
    f = frequencies(records)
    for i, j in zip(pi[fast].tolist(), pj[fast].tolist()):
        assert compare(records[i], records[j], freq=f).veto
