"""Pairwise evidence, vetoes and the three outcomes of a pair.

Rules are explicit and explainable (every outcome carries a Polish reason that
staff see in the review tab). Strong contradicting evidence is a *veto*: two
different valid PESELs, different birth dates, different sexes, or first names
that are different real names (Maria/Marta, Jan/Jana, or a typo of another real
name: Kaiml is Kamil, not Kamila). Vetoed records never end up in one person,
even through a chain of other records.

A birth date is not a veto when it is one keystroke off (same year; one digit,
a digit swap or day<->month in day/month) *and* the names and the full address
with the house number agree: a father and son differ in the year, twins have
other names. The PESEL veto has no exception.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from enum import Enum
from typing import NamedTuple

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import ratio, token_sort_ratio

from synergia.dedupe.normalize import NormRecord


_NUMBERS = re.compile(r"\d+")


class Outcome(str, Enum):
    SAME = "same"
    REVIEW = "review"
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score cut-offs (``config.dedupe.DedupeConfig``): same >= match, review >= review."""

    match: float = 0.92
    review: float = 0.70


class Decision(NamedTuple):
    """The outcome of one pair (a named tuple: one is built per candidate pair)."""

    outcome: Outcome
    score: float
    reason: str
    veto: bool = False


# reasons (Polish: staff read them in the review tab and in --explain)
R_PESEL = "ten sam PESEL"
R_PESEL_NAMES = "ten sam PESEL, ale różne imiona"
R_NAME_DOB = "imię+nazwisko+data urodzenia"
R_ID = "ten sam numer identyfikacyjny (nie PESEL) i imię lub nazwisko"
R_ID_DOB_DIFF = "ten sam numer identyfikacyjny (nie PESEL), inna data urodzenia"
R_ID_DOB = "ten sam numer identyfikacyjny (nie PESEL)+data urodzenia, inne dane osobowe"
R_ID_SURNAME_DOB = "ten sam numer identyfikacyjny (nie PESEL)+nazwisko+data urodzenia, inne imię"
R_ID_NAMES = "ten sam numer identyfikacyjny, ale inne imię i nazwisko"
R_NEAR_ID = "numer identyfikacyjny z literówką+data urodzenia+nazwisko lub imię"
R_NEAR_ID_DOB_TYPO = "imię+nazwisko+numer identyfikacyjny z literówką, inna data urodzenia"
R_NEAR_ID_ADDRESS = "numer identyfikacyjny z literówką+imię+nazwisko+adres"
R_NEAR_ID_PLACE = "numer identyfikacyjny z literówką+imię+nazwisko+miejscowość, brak daty urodzenia"
R_NAME_ADDRESS_DOB_TYPO = "imię+nazwisko+pełny adres, data urodzenia z literówką"
R_CROSSED_DOB_ADDRESS = "imię wpisane jako nazwisko (lub odwrotnie)+data urodzenia+pełny adres"
R_NO_FIRST_NAME_DOB = "nazwisko+data urodzenia+adres, brak imienia"
R_ID_ADDRESS = "ten sam numer identyfikacyjny (nie PESEL)+adres+data urodzenia (z literówką), inne nazwisko"
R_NAME_EMAIL_PHONE = "imię+nazwisko+e-mail+telefon"
R_NAME_EMAIL = "imię+nazwisko+e-mail"
R_NAME_EMAIL_OTHER_PHONE = "imię+nazwisko+e-mail, ale różne telefony (wspólna skrzynka rodziny?)"
R_NAME_DOB_OTHER_CONTACTS = "imię+nazwisko (z literówką)+data urodzenia, ale inne e-mail i telefon"
R_NAME_PHONE = "imię+nazwisko+telefon"
R_NAME_PHONE_OTHER_EMAIL = "imię+nazwisko+telefon, ale różne e-maile, w tym cudzy (telefon rodziny?)"
R_NAME_ADDRESS = "imię+nazwisko+adres (może to rodzic i dziecko o tym samym imieniu)"
R_NAME_ADDRESS_CLEAN = "imię+nazwisko+adres, bez sprzecznych kontaktów i bez imiennika pod tym adresem"
R_NAME_PLACE = "imię+nazwisko+miejscowość/organizacja, brak innych danych"
R_ONLY_NAMESAKE = "imię+nazwisko+miejscowość/organizacja, jedyna taka osoba w danych"
R_SURNAME_CHANGE = "imię+data urodzenia+kontakt, inne nazwisko (zmiana nazwiska?)"
R_SURNAME_CHANGE_ADDRESS = "imię+data urodzenia+adres, inne nazwisko (zmiana nazwiska)"
R_NO_FIRST_NAME = "nazwisko+kontakt, brak imienia"
R_ONLY_NAME = "tylko imię i nazwisko"
R_NOTHING = "brak wspólnych danych"
V_PESEL = "różne numery PESEL"
V_DOB = "różne daty urodzenia"
V_GENDER = "różna płeć"
V_NAMES = "różne imiona"
R_STAFF_YES = "decyzja personelu: ta sama osoba"
R_CHAIN_CONFLICT = "pasuje, ale koliduje z innym rekordem tej osoby"
R_AMBIGUOUS = "wspólny kontakt z kilkoma różnymi osobami (np. rodzic i dziecko)"

#: evidence that only a shared contact supports: a household shares contacts,
#: so such a link is refused when the record fits two different people
CONTACT_REASONS = frozenset({"imię+nazwisko+e-mail+telefon", "imię+nazwisko+e-mail", "imię+nazwisko+telefon"})
#: links a record could make with two different people (a household, twins):
#: merged after the strong ones, and refused when the record fits two people
WEAK_REASONS = CONTACT_REASONS | {R_NO_FIRST_NAME_DOB, R_SURNAME_CHANGE_ADDRESS, R_CROSSED_DOB_ADDRESS}

# first-name relations
SAME, SIMILAR, UNKNOWN, OTHER, CONFLICT = "same", "similar", "unknown", "other", "conflict"
PART = "part"


def _typo(a: str, b: str) -> bool:
    """One edit (two for long strings), transpositions included."""
    n = min(len(a), len(b))
    if n < 4:
        return False
    limit = 2 if n >= 7 else 1
    if OSA.distance(a, b, score_cutoff=limit) <= limit:
        return True
    return n >= 5 and JaroWinkler.similarity(a, b, score_cutoff=0.93) >= 0.93


def first_name_relation(a: NormRecord, b: NormRecord) -> str:
    if not a.fn or not b.fn:
        return UNKNOWN
    if a.fn_canon == b.fn_canon:
        return SIMILAR if a.fn_fixed or b.fn_fixed else SAME
    if a.fn_gender and b.fn_gender and a.fn_gender != b.fn_gender:
        return CONFLICT
    if (a.fn_known and b.fn_known) or (a.fn_known and b.fn_fixed) or (a.fn_fixed and b.fn_known):
        return CONFLICT  # two real, different names (or a typo of another real name: 'Kaiml' is Kamil, not Kamila)
    if _typo(a.fn, b.fn) or _typo(a.fn_canon, b.fn_canon) or _typo(a.fn_full, b.fn_full):
        return SIMILAR
    # initial only ("K.") or truncated ("Ky" for "Kyo"; two known names were decided above)
    short, long_ = (a.fn, b.fn) if len(a.fn) <= len(b.fn) else (b.fn, a.fn)
    if long_.startswith(short) and (len(short) == 1 or len(long_) - len(short) <= 2):
        return SIMILAR
    return OTHER


def surname_relation(a: NormRecord, b: NormRecord) -> str:
    if not a.ln_root or not b.ln_root:
        return UNKNOWN
    if a.ln_root == b.ln_root:
        return SAME
    if _typo(a.ln_root, b.ln_root) or _typo(a.ln, b.ln):
        return SIMILAR
    if a.ln_parts & b.ln_parts:
        return PART
    return OTHER


def _swapped(a: NormRecord, b: NormRecord) -> bool:
    """First and last name entered in each other's field."""
    if not (a.fn and b.fn and a.ln and b.ln):
        return False
    return (a.fn == b.ln or _typo(a.fn, b.ln)) and (a.ln == b.fn or _typo(a.ln, b.fn))


def _crossed(a: NormRecord, b: NormRecord) -> bool:
    """One name found in the other field (a half-swapped entry)."""
    return bool(a.fn and b.ln and (a.fn == b.ln or _typo(a.fn, b.ln))) or bool(
        a.ln and b.fn and (a.ln == b.fn or _typo(a.ln, b.fn))
    )


def _near_id(a: NormRecord, b: NormRecord, limit: int = 2) -> bool:
    """Two non-PESEL id numbers one or two (``limit``) keystrokes apart."""
    x, y = a.other_id, b.other_id
    if not x or not y or x == y or min(len(x), len(y)) < 6:
        return False
    return OSA.distance(x, y, score_cutoff=limit) <= limit


def one_keystroke(x: str, y: str) -> bool:
    """Same length, one character different or two neighbours swapped."""
    if len(x) != len(y):
        return False
    diff = [i for i in range(len(x)) if x[i] != y[i]]
    if len(diff) == 1:
        return True
    return len(diff) == 2 and diff[1] == diff[0] + 1 and x[diff[0]] == y[diff[1]] and x[diff[1]] == y[diff[0]]


def dates_typo_close(x: str, y: str) -> bool:
    """Birth dates differing by one digit, a digit swap or day<->month."""
    dx, dy = x.replace("-", ""), y.replace("-", "")
    if len(dx) != len(dy):
        return False
    if one_keystroke(dx, dy):
        return True
    return dx[:4] == dy[:4] and dx[4:6] == dy[6:8] and dx[6:8] == dy[4:6]


def dates_soft(x: str, y: str) -> bool:
    """Same year, day/month differing by one digit, a digit swap or day<->month:
    a keystroke, not another person (a father and son differ in the year)."""
    return x[:4] == y[:4] and dates_typo_close(x, y)


def _house_number(street: str) -> list[str]:
    return _NUMBERS.findall(street)


def _typed_dob(a: NormRecord, b: NormRecord, fr: str) -> bool:
    """A birth date mistyped rather than a different person: same year, one
    keystroke in day/month, and the names *and* the full address (with the
    house number) agree."""
    if not dates_soft(a.dob, b.dob):
        return False
    if not (_house_number(a.street) and _same_address(a, b)):
        return False
    if fr in (SAME, SIMILAR) and surname_relation(a, b) in (SAME, SIMILAR):
        return True
    return _swapped(a, b)


def same_number(a: NormRecord, b: NormRecord) -> bool:
    """The same identity number: a valid PESEL, or the same other id string."""
    return bool((a.pesel and a.pesel == b.pesel) or (a.other_id and a.other_id == b.other_id))


def veto(a: NormRecord, b: NormRecord, fr: str | None = None) -> str | None:
    """Reason why ``a`` and ``b`` cannot be one person, or None.

    One identity number on both sides outweighs a birth date or sex typed
    differently (the number is the stronger identifier), never two numbers."""
    if a.pesel and b.pesel and a.pesel != b.pesel:
        return V_PESEL
    number = same_number(a, b)
    if fr is None:
        fr = first_name_relation(a, b)
    if a.dob and b.dob and a.dob != b.dob and not number:
        # an id number one typo apart, or a one-keystroke date with names and address agreeing
        if not _near_id(a, b) and not _typed_dob(a, b, fr):
            return V_DOB
    if a.gender and b.gender and a.gender != b.gender and not number:
        return V_GENDER
    if fr == CONFLICT and not number and not _swapped(a, b):
        return V_NAMES
    return None


def _postcode_typo(a: NormRecord, b: NormRecord) -> bool:
    """Postcodes one keystroke apart (a digit or a swap) with the very same street and
    house number in the same town (or the town with a typo)."""
    if a.street != b.street or not _house_number(a.street) or not a.city or not b.city:
        return False
    if not (a.city == b.city or _typo(a.city, b.city)):
        return False
    return one_keystroke(a.postal, b.postal)


def _same_address(a: NormRecord, b: NormRecord) -> bool:
    if not a.street or not b.street:
        return False
    if a.postal and b.postal and a.postal != b.postal:
        return _postcode_typo(a, b)
    if not (a.postal and b.postal) and not (a.city and a.city == b.city):
        return False
    if a.street == b.street:
        return True
    na, nb = _NUMBERS.findall(a.street), _NUMBERS.findall(b.street)
    if na and nb and na != nb:
        return False  # the neighbours' house
    ta, tb = _NUMBERS.sub("", a.street), _NUMBERS.sub("", b.street)
    return (token_sort_ratio(ta, tb, score_cutoff=85) >= 85
            or ratio(ta.replace(" ", ""), tb.replace(" ", ""), score_cutoff=85) >= 85)


def _foreign_email(r: NormRecord) -> bool:
    """The e-mail's name part names somebody of another name (``halina.mroz67`` on
    Radosław Nowicki's form), not this person (``radoslaw.nowicki``, ``slawomir.w``
    for Sławek) nor a relative with this surname (``iwona.ziolkowska`` for Maja)."""
    local = r.email.partition("@")[0] if r.email else ""
    if not local or not r.fn:
        return False
    for name in (r.fn_canon, r.fn):
        if len(name) >= 3 and name in local:
            return False
    if r.ln_root and r.ln_root[:4] in local:
        return False  # a relative's mailbox (same surname): people do use it for themselves
    return True


def _contacts_differ(a: NormRecord, b: NormRecord) -> bool:
    """Both e-mails and both phones given, and neither the same."""
    return bool(a.email and b.email and a.email != b.email and a.phone and b.phone and a.phone != b.phone)


def _same_place(a: NormRecord, b: NormRecord) -> bool:
    if a.org and b.org and (a.org == b.org or token_sort_ratio(a.org, b.org, score_cutoff=85) >= 85):
        return True
    return bool(a.city and a.city == b.city) or bool(a.postal and a.postal == b.postal)


def _score(score: float, reason: str, th: Thresholds) -> Decision:
    if score >= th.match:
        return Decision(Outcome.SAME, score, reason)
    if score >= th.review:
        return Decision(Outcome.REVIEW, score, reason)
    return Decision(Outcome.DIFFERENT, score, reason)


def compare(a: NormRecord, b: NormRecord, th: Thresholds = Thresholds()) -> Decision:
    """Decide one pair. Vetoes first, then the strongest positive evidence."""
    fr = first_name_relation(a, b)
    v = veto(a, b, fr)
    if v:
        return Decision(Outcome.DIFFERENT, 0.0, v, veto=True)
    sr = surname_relation(a, b)
    if fr in (OTHER, CONFLICT, UNKNOWN) and sr != UNKNOWN and _swapped(a, b):
        fr, sr = SAME, SAME
    if a.pesel and a.pesel == b.pesel:
        if fr == CONFLICT:
            return _score(0.85, R_PESEL_NAMES, th)
        return _score(1.0, R_PESEL, th)
    if a.other_id and a.other_id == b.other_id:
        names_agree = fr in (SAME, SIMILAR) or sr in (SAME, SIMILAR, PART) or _crossed(a, b)
        if fr != CONFLICT and not names_agree and a.dob and a.dob == b.dob:
            return _score(0.93, R_ID_DOB, th)
        if fr == CONFLICT and sr == SAME and a.dob and a.dob == b.dob:
            return _score(0.93, R_ID_SURNAME_DOB, th)  # the number, surname and birth date: a first name mistyped
        if fr == CONFLICT or not names_agree:
            if fr != CONFLICT and a.dob and b.dob and dates_typo_close(a.dob, b.dob) and _same_address(a, b):
                return _score(0.93, R_ID_ADDRESS, th)  # three independent fields agree
            return _score(0.85, R_ID_NAMES, th)
        dob_ok = not (a.dob and b.dob) or a.dob == b.dob
        return _score(0.98 if dob_ok else 0.93, R_ID if dob_ok else R_ID_DOB_DIFF, th)
    same_dob = bool(a.dob and a.dob == b.dob)
    if _near_id(a, b):
        if same_dob and (fr in (SAME, SIMILAR) or sr in (SAME, SIMILAR, PART) or _crossed(a, b)):
            return _score(0.94, R_NEAR_ID, th)
        if a.dob and b.dob and fr in (SAME, SIMILAR) and sr in (SAME, SIMILAR, PART):
            return _score(0.93, R_NEAR_ID_DOB_TYPO, th)
        if fr in (SAME, SIMILAR) and sr in (SAME, SIMILAR, PART) and _same_address(a, b):
            return _score(0.93, R_NEAR_ID_ADDRESS, th)
        if fr == SAME and sr == SAME and not (a.dob and b.dob) and _same_place(a, b) and _near_id(a, b, 1):
            return _score(0.92, R_NEAR_ID_PLACE, th)  # the birth date missing on one side
    same_email = bool(a.email and a.email == b.email)
    same_phone = bool(a.phone and a.phone == b.phone)
    if fr in (SAME, SIMILAR) and sr in (SAME, SIMILAR, PART):
        penalty = 0.02 * (fr == SIMILAR) + 0.02 * (sr == SIMILAR) + 0.03 * (sr == PART)
        if same_dob and penalty and _contacts_differ(a, b):
            return _score(0.85, R_NAME_DOB_OTHER_CONTACTS, th)  # Majewska/Gajewska born the same day
        if same_dob:
            return _score(0.99 - penalty, R_NAME_DOB, th)
        if same_email and same_phone:
            return _score(0.97 - penalty, R_NAME_EMAIL_PHONE, th)
        if same_email and a.phone and b.phone:  # two phones, one e-mail: a family mailbox
            return _score(0.85 - penalty, R_NAME_EMAIL_OTHER_PHONE, th)
        if same_email:
            return _score(0.95 - penalty, R_NAME_EMAIL, th)
        if same_phone and a.email and b.email and (_foreign_email(a) or _foreign_email(b)):
            return _score(0.85 - penalty, R_NAME_PHONE_OTHER_EMAIL, th)  # the family phone, someone else's mailbox
        if same_phone:
            return _score(0.95 - penalty, R_NAME_PHONE, th)
        if a.dob and b.dob and a.dob != b.dob and _same_address(a, b):  # not vetoed: a typed date
            return _score(0.93, R_NAME_ADDRESS_DOB_TYPO, th)
        if _same_address(a, b):
            return _score(0.85 - penalty, R_NAME_ADDRESS, th)
        if fr == SAME and sr == SAME and _same_place(a, b):
            return _score(0.75, R_NAME_PLACE, th)
        return Decision(Outcome.DIFFERENT, 0.5 - penalty, R_ONLY_NAME)
    if fr in (SAME, SIMILAR) and same_dob and (same_email or same_phone):
        return _score(0.85, R_SURNAME_CHANGE, th)
    if fr in (SAME, SIMILAR) and same_dob and _same_address(a, b):
        return _score(0.93 if fr == SAME else 0.92, R_SURNAME_CHANGE_ADDRESS, th)
    if same_dob and _crossed(a, b) and _house_number(a.street) and _same_address(a, b):
        return _score(0.92, R_CROSSED_DOB_ADDRESS, th)
    if fr == UNKNOWN and sr in (SAME, SIMILAR) and same_dob and _same_address(a, b):
        return _score(0.92, R_NO_FIRST_NAME_DOB, th)
    if fr == UNKNOWN and sr in (SAME, SIMILAR) and (same_email or same_phone) and (same_dob or _same_place(a, b)):
        return _score(0.72, R_NO_FIRST_NAME, th)
    return Decision(Outcome.DIFFERENT, 0.0, R_NOTHING)
