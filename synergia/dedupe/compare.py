"""Pairwise evidence, vetoes and the three outcomes of a pair.

Rules are explicit and explainable (every outcome carries a Polish reason that
staff see in the review tab). Strong contradicting evidence is a *veto*: two
different valid PESELs, different birth dates, different sexes, or first names
that are different real names (Maria/Marta, Jan/Jana, or a typo of another real
name: Kaiml is Kamil, not Kamila). Vetoed records never end up in one person,
even through a chain of other records.

A birth date is not a veto when it is one keystroke off (same year; one digit,
a digit swap or day<->month in day/month, or one day) *and* the names and the full
address with the house number (or an e-mail or phone, or — both names exact — the town,
postcode or organisation) agree: a father and son differ in the year, twins have
other names. The PESEL veto has no exception.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, NamedTuple

from rapidfuzz.distance import OSA, JaroWinkler
from rapidfuzz.fuzz import ratio, token_sort_ratio

from synergia.dedupe.names import KNOWN, canonical_first_name, typo_of_form
from synergia.dedupe.normalize import NormRecord
from synergia.dedupe.score import (
    L_ADDRESS,
    L_DOB,
    L_EMAIL,
    L_FN,
    L_ID,
    L_LN,
    L_PESEL,
    L_PHONE,
    L_PLACE,
    NO_FREQUENCIES,
    W_ADDRESS,
    W_ADDRESS_OTHER,
    W_DOB,
    W_DOB_OTHER,
    W_DOB_TYPO,
    W_EMAIL,
    W_EMAIL_FOREIGN,
    W_EMAIL_OTHER,
    W_EMAIL_OWN,
    W_FN_CONFLICT,
    W_FN_INITIAL,
    W_FN_OTHER,
    W_FN_TYPO,
    W_FN_VARIANT,
    W_ID,
    W_ID_NEAR,
    W_ID_NEAR2,
    W_ID_OTHER,
    W_LN_OTHER,
    W_LN_OTHER_K,
    W_LN_PART,
    W_LN_TYPO,
    W_ORG,
    W_PESEL,
    W_PHONE,
    W_PHONE_OTHER,
    W_PLACE,
    W_PLACE_OTHER,
    W_POSTCODE,
    Frequencies,
    Weighed,
    contact_weight,
    short_typo,
    to_score,
)

if TYPE_CHECKING:
    import numpy as np

_NUMBERS = re.compile(r"\d+")
_LETTERS = re.compile(r"[a-z]+")


class Outcome(StrEnum):
    SAME = "same"
    REVIEW = "review"
    DIFFERENT = "different"


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Score cut-offs (``config.dedupe.DedupeConfig``): same >= match, review >= review."""

    match: float = 0.92
    review: float = 0.70


class Decision(NamedTuple):
    """The outcome of one pair (a named tuple: one is built per candidate pair).

    ``kind`` tells the clustering when to use the link: ``strong`` (an identifier
    and the names agree) first, then ``weak`` (a shared contact, a changed surname:
    a household shares those) and ``email`` (weak, only an e-mail), then ``address``
    and ``place`` (sent to review, merged later only when nothing contradicts)."""

    outcome: Outcome
    score: float
    reason: str
    veto: bool = False
    kind: str = ""


# reasons (Polish: staff read them in the review tab and in --explain). A pair's reason
# lists the fields that agreed ("zgodne: imię+nazwisko+e-mail") and those that
# differed ("różne: telefon"), see ``explain``.
R_NOTHING = "brak wspólnych danych"
R_ADDRESS_HINT = " (może to rodzic i dziecko o tym samym imieniu)"
R_SHARED_HINT = " (wspólny kontakt rodziny?)"
V_PESEL = "różne numery PESEL"
V_DOB = "różne daty urodzenia"
V_GENDER = "różna płeć"
V_NAMES = "różne imiona"
V_TWINS = "to samo nazwisko i data urodzenia, inne imię (bliźnięta?)"
R_NAME_EMAIL_OTHER_PHONE = "imię+nazwisko+e-mail, ale różne telefony (wspólna skrzynka rodziny?)"
R_NAME_ADDRESS_CLEAN = "imię+nazwisko+adres, bez sprzecznych kontaktów i bez imiennika pod tym adresem"
R_ONLY_NAMESAKE = "imię+nazwisko+miejscowość/organizacja, jedyna taka osoba w danych"
R_OWN_ORGANISATION = " (ta sama organizacja: inny e-mail lub telefon to nowy kontakt tej osoby)"
R_STAFF_YES = "decyzja personelu: ta sama osoba"
R_CHAIN_CONFLICT = "pasuje, ale koliduje z innym rekordem tej osoby"
R_AMBIGUOUS = "wspólny kontakt z kilkoma różnymi osobami (np. rodzic i dziecko)"

# kinds of link (``Decision.kind``), in the order the clustering uses them
STRONG, WEAK, EMAIL, ADDRESS, PLACE = "strong", "weak", "email", "address", "place"
WEAK_KINDS = frozenset((WEAK, EMAIL))

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
    if (b.fn_known and typo_of_form(a.fn, b.fn_canon)) or (a.fn_known and typo_of_form(b.fn, a.fn_canon)):
        return SIMILAR  # a typo of one of the other's forms: 'Kua' for Kuba (Jakub), 'Ia' for Ida
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
    return bool(a.fn and b.ln and (a.fn == b.ln or _typo(a.fn, b.ln))) or bool(a.ln and b.fn and (a.ln == b.fn or _typo(a.ln, b.fn)))


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


def dates_one_day(x: str, y: str) -> bool:
    """Birth dates of one year and month one day apart (19th/20th: two digits, one slip)."""
    if x[:8] != y[:8] or len(x) != 10 or len(y) != 10:
        return False
    dx, dy = x[8:], y[8:]
    return dx.isdigit() and dy.isdigit() and abs(int(dx) - int(dy)) == 1


def dates_soft(x: str, y: str) -> bool:
    """Same year, day/month differing by one digit, a digit swap, day<->month or one
    day: a slip, not another person (a father and son differ in the year)."""
    return x[:4] == y[:4] and (dates_typo_close(x, y) or dates_one_day(x, y))


def _house_number(street: str) -> list[str]:
    return _NUMBERS.findall(street)


def _typed_dob(a: NormRecord, b: NormRecord, fr: str) -> bool:
    """A birth date mistyped rather than a different person: same year, one
    keystroke in day/month (or one day), the names agree, and so does the full address (with
    the house number) or an e-mail or phone — or both names agree exactly (no typo) and so
    does the town, postcode or organisation (a father and son differ in the year,
    twins have other names). A woman's other surname (married) with her first name
    needs the e-mail or phone."""
    if not dates_soft(a.dob, b.dob):
        return False
    names = (fr in (SAME, SIMILAR) and surname_relation(a, b) in (SAME, SIMILAR)) or _swapped(a, b)
    if not names and fr in (SAME, SIMILAR) and "K" in (a.gender or a.weak_gender, b.gender or b.weak_gender):
        # a married name as well: then her own e-mail or phone must agree (an address is not enough)
        return bool((a.email and a.email == b.email) or (a.phone and a.phone == b.phone))
    if not names:
        return False
    if _house_number(a.street) and _same_address(a, b):
        return True
    if fr == SAME and surname_relation(a, b) == SAME and _same_place(a, b) and not (a.street and b.street):
        # both names exactly (no typo) in one town, postcode or organisation, no two homes to
        # compare: two namesakes there born in one year a keystroke or a day apart are far
        # rarer than one slip (two streets given: the full address above decides)
        return True
    return bool((a.email and a.email == b.email) or (a.phone and a.phone == b.phone))


def same_number(a: NormRecord, b: NormRecord) -> bool:
    """The same identity number: a valid PESEL, or the same other id string."""
    return bool((a.pesel and a.pesel == b.pesel) or (a.other_id and a.other_id == b.other_id))


def veto(a: NormRecord, b: NormRecord, fr: str | None = None, freq: Frequencies = NO_FREQUENCIES) -> str | None:
    """Reason why ``a`` and ``b`` cannot be one person, or None.

    One identity number on both sides outweighs a birth date or sex typed
    differently (the number is the stronger identifier), never two numbers.
    Different first names are a veto only when nothing else strongly agrees
    (``names_outweighed``: the birth date and the person's own e-mail and phone);
    the twin pattern (same surname and birth date, another first name) likewise."""
    if a.pesel and b.pesel and a.pesel != b.pesel:
        return V_PESEL
    number = same_number(a, b)
    if fr is None:
        fr = first_name_relation(a, b)
    # a differing date vetoes unless an id number one typo apart, or a one-keystroke date with names and
    # address agreeing, explains it
    if a.dob and b.dob and a.dob != b.dob and not number and not _near_id(a, b) and not _typed_dob(a, b, fr):
        return V_DOB
    if a.gender and b.gender and a.gender != b.gender and not number:
        return V_GENDER
    if number or fr not in (CONFLICT, OTHER) or _swapped(a, b):
        return None
    if fr == CONFLICT and not names_outweighed(a, b, freq):
        return V_NAMES
    return None


def _codes(values: list[str]) -> np.ndarray:
    """A 64-bit code per value, 0 for a missing one (''). Codes are hashes: two values
    sharing one (never seen) only make ``plain_vetoes`` leave that pair to ``veto``."""
    import numpy as np

    h = np.fromiter(map(hash, values), dtype=np.int64, count=len(values))  # hash('') == 0
    zero = np.flatnonzero(h == 0)
    if len(zero):  # a present value hashing to 0 must not pass for a missing one
        h[zero[[bool(values[k]) for k in zero.tolist()]]] = 1
    return h


def veto_fields(records: Sequence[NormRecord]) -> np.ndarray:
    """Per record the fields the plain vetoes read, as integer codes (one row per
    field: PESEL, other id, birth date, birth year, sex; 0 = missing)."""
    import numpy as np

    dobs = [r.dob or "" for r in records]
    return np.vstack(
        (
            _codes([r.pesel or "" for r in records]),
            _codes([r.other_id or "" for r in records]),
            _codes(dobs),
            _codes([d[:4] for d in dobs]),
            _codes([r.gender or "" for r in records]),
        )
    )


def plain_vetoes(fields: np.ndarray, i: np.ndarray, j: np.ndarray) -> np.ndarray:
    """Which pairs ``veto`` refuses for a plain reason, decided for all pairs at once
    (numpy): two different valid PESELs; birth dates of different years with no
    shared id number and no second id number to be one keystroke off; a different
    sex with no shared id number. Exactly the pairs ``veto`` refuses first for these
    reasons (the exceptions it makes need the same year or two id numbers); the
    rest — names, a keystroke in a date — are left to ``veto`` itself."""
    pesel, oid, dob, year, sex = fields  # codes: equal values have equal codes
    pa, pb, oa, ob = pesel[i], pesel[j], oid[i], oid[j]
    number = ((pa != 0) & (pa == pb)) | ((oa != 0) & (oa == ob))
    out = (pa != 0) & (pb != 0) & (pa != pb)
    da, db, ya, yb = dob[i], dob[j], year[i], year[j]
    out |= (da != 0) & (db != 0) & (ya != yb) & ~number & ((oa == 0) | (ob == 0))
    sa, sb = sex[i], sex[j]
    out |= (sa != 0) & (sb != 0) & (sa != sb) & ~number
    return out


def twins(a: NormRecord, b: NormRecord, fr: str, freq: Frequencies = NO_FREQUENCIES) -> bool:
    """The twin pattern: the same surname and birth date, another first name (not a
    typo of it) and no shared identity number (nor one a keystroke from the other:
    that is one number mistyped, twins' numbers are not that close). The pair is never linked; the
    records may still meet through others (a twin's own e-mail on a later form)."""
    return (
        fr in (OTHER, CONFLICT)
        and bool(a.dob)
        and a.dob == b.dob
        and not same_number(a, b)
        and not _near_id(a, b, 1)
        and not short_typo(a.fn, b.fn)
        and surname_relation(a, b) in (SAME, SIMILAR, PART)
        and not names_outweighed(a, b, freq)
        and not _swapped(a, b)
    )


def names_outweighed(a: NormRecord, b: NormRecord, freq: Frequencies = NO_FREQUENCIES) -> bool:
    """Everything else agrees so strongly that two first names must be one mistyped:
    the birth date, the person's own e-mail and own phone (no first name but the pair's
    own two uses them in the batch: the pair itself puts both on them), and the names at
    most two keystrokes apart (Maria/Marika)."""
    if not (a.dob and a.dob == b.dob and a.email and a.email == b.email):
        return False
    if freq.sharers(a.email, True) > 2:
        return False
    if a.phone and a.phone == b.phone:
        if freq.sharers(a.phone, False) > 2:
            return False
    elif not _mailbox_names_one(a, b):
        return False
    return OSA.distance(a.fn, b.fn, score_cutoff=2) <= 2


def _mailbox_names_one(a: NormRecord, b: NormRecord) -> bool:
    """The shared e-mail's name part holds one of the two first names (``inga.kanarek``
    beside Iga and Inga): the mailbox's owner, whose name one form mistyped."""
    local = a.email.partition("@")[0] if a.email else ""
    return any(len(name) >= 3 and name in local for name in (a.fn, b.fn))


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
    return token_sort_ratio(ta, tb, score_cutoff=85) >= 85 or ratio(ta.replace(" ", ""), tb.replace(" ", ""), score_cutoff=85) >= 85


def _foreign_email(r: NormRecord) -> bool:
    """The e-mail's name part names somebody of another first name (``halina.mroz67``
    on Radosław Nowicki's form), not this person (``radoslaw.nowicki``, ``slawomir.w``
    for Sławek), a relative with this surname (``iwona.ziolkowska`` for Maja) or
    nobody (``h.m``, ``rodzina``)."""
    local = r.email.partition("@")[0] if r.email else ""
    if not local or not r.fn:
        return False
    for name in (r.fn_canon, r.fn):
        if len(name) >= 3 and name in local:
            return False
    if r.ln_root and r.ln_root[:4] in local:
        return False  # a relative's mailbox (same surname): people do use it for themselves
    return any(len(t) >= 4 and canonical_first_name(t) != r.fn_canon and t in KNOWN for t in _LETTERS.findall(local))


def _own_mailbox(r: NormRecord) -> bool:
    """The e-mail's name part holds this person's first name (``jan.nowak``, ``kasia85``)."""
    local = r.email.partition("@")[0] if r.email else ""
    if any(len(name) >= 3 and name in local for name in (r.fn_canon, r.fn)):
        return True
    # the initial and the surname (``j.kowalski``, ``jkowalska7``): names this person, not the family
    root = r.ln_root[:6]
    return bool(r.fn and len(root) >= 4 and local[:1] == r.fn[0] and local[1:].lstrip("._-").startswith(root))


def _surname_mailbox(r: NormRecord) -> bool:
    """The e-mail's name part starts with this person's surname as written on the form
    (``soboradak620``, ``kowalska.x``): the person's own unless several first names use it
    (``sharers``). The family's plural form (``kowalscy``, ``pstragowscy``) is not the surname."""
    local = r.email.partition("@")[0] if r.email else ""
    return len(r.ln) >= 4 and local.startswith(r.ln.replace(" ", ""))


def _contacts_differ(a: NormRecord, b: NormRecord) -> bool:
    """Both e-mails and both phones given, and neither the same."""
    return bool(a.email and b.email and a.email != b.email and a.phone and b.phone and a.phone != b.phone)


def _same_place(a: NormRecord, b: NormRecord) -> bool:
    if a.org and b.org and (a.org == b.org or token_sort_ratio(a.org, b.org, score_cutoff=85) >= 85):
        return True
    return bool(a.city and a.city == b.city) or bool(a.postal and a.postal == b.postal)


def _married_name(a: NormRecord, b: NormRecord, fr: str) -> bool:
    """Another surname explained by a marriage: the same first name (not a typo of it),
    the same town, postcode or organisation, and the same birth date or her e-mail or
    phone (a family's phone still weighs less, see ``score.contact_weight``)."""
    if fr != SAME or not _same_place(a, b):
        return False
    return bool(a.dob and a.dob == b.dob) or bool(a.email and a.email == b.email) or bool(a.phone and a.phone == b.phone)


def _mailbox_names_form(a: NormRecord, b: NormRecord) -> bool:
    """Two first names, one of them no real name (Mareczek, Ea, Jn), with one initial, on
    one e-mail whose name part holds the other (``marek.nowak``, ``ewa85``): the mailbox's
    owner wrote another form of the name. Two real names (Jan on Anna's mailbox) never."""
    if not (a.email and a.email == b.email and a.fn and b.fn and a.fn[0] == b.fn[0]):
        return False
    local = a.email.partition("@")[0]
    return any(not y.fn_known and any(len(name) >= 3 and name in local for name in (x.fn_canon, x.fn)) for x, y in ((a, b), (b, a)))


def weigh(a: NormRecord, b: NormRecord, fr: str | None = None, freq: Frequencies = NO_FREQUENCIES) -> Weighed:
    """Add up the weight of every field's comparison level (``score.py``)."""
    if fr is None:
        fr = first_name_relation(a, b)
    sr = surname_relation(a, b)
    if fr in (OTHER, CONFLICT, UNKNOWN) and sr != UNKNOWN and _swapped(a, b):
        fr, sr = SAME, SAME  # first and last name typed in each other's field
    bits = 0.0
    agreed: list[str] = []
    differed: list[str] = []
    names = 0
    crossed = (fr in (OTHER, CONFLICT) or sr == OTHER) and _crossed(a, b)
    # first name
    tf_lost = 0.0  # what term frequency took from common names (given back beside a shared contact)
    if fr == SAME:
        w_fn = freq.fn_weight(a.fn_canon)
        tf_lost += max(0.0, NO_FREQUENCIES.fn_weight(a.fn_canon) - w_fn)
        bits += w_fn + (W_FN_VARIANT if a.fn != b.fn else 0.0)
        agreed.append(L_FN)
        names += 1
    elif fr == SIMILAR:
        short, long_ = sorted((a.fn, b.fn), key=len)
        initial = len(short) <= 2 and long_.startswith(short)  # 'K.', 'Ka' (not 'Ia' for Ida: a typo)
        bits += W_FN_INITIAL if initial else W_FN_TYPO
        agreed.append(L_FN + (" (inicjał)" if initial else " (z literówką)"))
        names += 1
    elif fr == OTHER and short_typo(a.fn, b.fn):
        bits += W_FN_TYPO
        agreed.append(L_FN + " (z literówką)")
        names += 1
    elif fr == OTHER and sr in (SAME, SIMILAR) and _mailbox_names_form(a, b):
        bits += W_FN_TYPO
        agreed.append(L_FN + " (inna forma, e-mail na to imię)")
        names += 1
    elif fr in (OTHER, CONFLICT) and not crossed:
        bits += W_FN_CONFLICT if fr == CONFLICT else W_FN_OTHER
        differed.append(L_FN)
    # surname
    if sr == SAME:
        w_ln = freq.ln_weight(a.ln_root)
        tf_lost += max(0.0, NO_FREQUENCIES.ln_weight(a.ln_root) - w_ln)
        bits += w_ln
        agreed.append(L_LN)
        names += 1
    elif sr in (SIMILAR, PART):
        bits += W_LN_TYPO if sr == SIMILAR else W_LN_PART
        agreed.append(L_LN + (" (z literówką)" if sr == SIMILAR else " (część)"))
        names += 1
    elif sr == OTHER and not crossed:
        # a woman's surname changes with marriage far more often than a man's; with her
        # first name, her town and her very birth date or her e-mail or phone agreeing it is
        # not held against her (a mother and daughter differ in the date, twins in the first name)
        woman = "K" in (a.gender or a.weak_gender, b.gender or b.weak_gender)
        if not (woman and _married_name(a, b, fr)):
            bits += W_LN_OTHER_K if woman else W_LN_OTHER
        differed.append(L_LN)
    if crossed:
        agreed.append("imię wpisane jako nazwisko (lub odwrotnie)")
    # identifiers
    identifier = False
    if a.pesel and a.pesel == b.pesel:
        bits += W_PESEL
        agreed.append(L_PESEL)
        identifier = True
    elif a.other_id and b.other_id:
        if a.other_id == b.other_id:
            bits += W_ID
            agreed.append(L_ID)
            identifier = True
        elif _near_id(a, b):
            bits += W_ID_NEAR if _near_id(a, b, 1) else W_ID_NEAR2
            agreed.append(L_ID + " (z literówką)")
            identifier = True
        else:
            bits += W_ID_OTHER
            differed.append(L_ID)
    if a.dob and b.dob:
        if a.dob == b.dob:
            if not (a.pesel and a.pesel == b.pesel):  # the PESEL holds the date
                bits += W_DOB
                agreed.append(L_DOB)
            identifier = True
        elif dates_typo_close(a.dob, b.dob) or dates_one_day(a.dob, b.dob):
            bits += W_DOB_TYPO
            agreed.append(L_DOB + " (z literówką)")
            identifier = True
        else:
            bits += W_DOB_OTHER
            differed.append(L_DOB)
    # contacts (a mailbox or phone used by several first names is a family's)
    contact = False
    if a.email and b.email:
        if a.email == b.email:
            bits += contact_weight(W_EMAIL, freq.sharers(a.email, True))
            if freq.sharers(a.email, True) == 1 and (_own_mailbox(a) or _own_mailbox(b)):
                bits += W_EMAIL_OWN  # a mailbox named after the person is rarely anybody else's
            agreed.append(L_EMAIL)
            contact = True
        else:
            bits += W_EMAIL_FOREIGN if (_foreign_email(a) or _foreign_email(b)) else W_EMAIL_OTHER
            differed.append(L_EMAIL)
    if a.phone and b.phone:
        if a.phone == b.phone:
            bits += contact_weight(W_PHONE, freq.sharers(a.phone, False))
            agreed.append(L_PHONE)
            contact = True
        else:
            bits += W_PHONE_OTHER
            differed.append(L_PHONE)
    if contact:
        # beside a shared e-mail or phone the names are compared among the few people who
        # use it, not the whole country: a common name is no weaker there
        bits += tf_lost
    # where they live
    address = place = False
    if a.street and b.street:
        if _same_address(a, b):
            bits += W_ADDRESS
            agreed.append(L_ADDRESS)
            address = True
        else:
            bits += W_ADDRESS_OTHER
            differed.append(L_ADDRESS)
    if not address:
        if a.org and b.org and (a.org == b.org or token_sort_ratio(a.org, b.org, score_cutoff=85) >= 85):
            bits += W_ORG
            place = True
        elif (a.city and a.city == b.city) or (a.postal and a.postal == b.postal):
            bits += W_PLACE + (W_POSTCODE if a.postal and a.postal == b.postal else 0.0)
            place = True
        elif a.city and b.city:
            bits += W_PLACE_OTHER
        if place:
            agreed.append(L_PLACE)
    return Weighed(bits, tuple(agreed), tuple(differed), identifier, contact, address, place, names)


def explain(w: Weighed) -> str:
    """The Polish reason staff read: which fields agreed, which differed."""
    text = "zgodne: " + "+".join(w.agreed) if w.agreed else R_NOTHING
    if w.differed:
        text += "; różne: " + ", ".join(w.differed)
    return text


def compare(a: NormRecord, b: NormRecord, th: Thresholds = Thresholds(), freq: Frequencies = NO_FREQUENCIES) -> Decision:
    """Decide one pair: the vetoes first, then the weight of all the evidence.

    A link made only of the names and an address or a town (``address``/``place``)
    never merges here: it goes to review, and the clustering merges it later only
    when nothing contradicts it (no other contacts, no namesake at that address)."""
    fr = first_name_relation(a, b)
    v = veto(a, b, fr, freq)
    if v:
        return Decision(Outcome.DIFFERENT, 0.0, v, True)
    if twins(a, b, fr, freq):
        return Decision(Outcome.DIFFERENT, 0.0, V_TWINS)
    w = weigh(a, b, fr, freq)
    score = to_score(w.bits)
    if w.identifier and w.names == 2 or same_number(a, b):
        kind = STRONG
    elif w.identifier or w.contact:
        # only an e-mail, and it may be a family's (used by several first names, or naming
        # neither this person nor the surname): the clustering checks that the phones do not
        # differ. The same home beside it is no more proof: a family shares both
        family_mailbox = L_EMAIL in w.agreed and (
            freq.sharers(a.email, True) > 1 or not any(_own_mailbox(r) or _surname_mailbox(r) for r in (a, b))
        )
        kind = EMAIL if (not w.identifier and family_mailbox and L_PHONE not in w.agreed) else WEAK
    elif w.address:
        kind = ADDRESS
    elif w.place:
        kind = PLACE
    else:
        kind = ""
    reason = explain(w)
    if L_FN in w.differed and not w.identifier and kind:
        # two first names and only household evidence (a family's mailbox, phone, home):
        # never merged on that alone, at most sent to review
        return Decision(Outcome.REVIEW if score >= th.review else Outcome.DIFFERENT, min(score, th.match - 0.01), reason, False, kind)
    if score >= th.match and kind not in (ADDRESS, PLACE, ""):
        return Decision(Outcome.SAME, score, reason, False, kind)
    if score >= th.review and kind:
        if kind == ADDRESS:
            reason += R_ADDRESS_HINT
        return Decision(Outcome.REVIEW, score, reason, False, kind)
    return Decision(Outcome.DIFFERENT, score, reason, False, kind)
