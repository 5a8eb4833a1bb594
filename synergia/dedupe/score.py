"""One scoring model for a pair of records: per-field comparison levels with weights.

Fellegi–Sunter style. Each field is compared at a *level* (exact, the same name
written another way — a diminutive, no diacritics, Kowalski/Kowalska —, one typo,
different, missing) and each level adds its weight in bits, ``log2(m / u)``:
``m`` = how often the level is seen for two records of one person, ``u`` = for two
different people. The weights are fixed and written down here (not fitted to a
generator), except the term-frequency part:

* a first name or surname that is common in this batch (Anna, Nowak) weighs less
  than a rare one: ``u`` = its share of the batch, smoothed towards a default so
  a tiny batch behaves like a large one;
* an e-mail or phone used by people of *several first names* in the batch is a
  shared mailbox (a family's) and weighs much less, per extra first name.

A missing field weighs 0. The sum (bits) becomes a probability-like score in
[0, 1] through a fixed logistic calibration (``to_score``): 0.92 — the default
``match`` threshold — is reached at 19 bits, 0.70 — ``review`` — at 16 bits.

The model only *weighs*; the vetoes that protect people (two PESELs, two birth
dates, sex, twins, different real first names unless everything else agrees)
are in ``compare.veto`` and are checked first.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from itertools import compress
from math import log2
from operator import attrgetter, itemgetter
from typing import NamedTuple

from rapidfuzz.distance import OSA

from synergia.dedupe.normalize import NormRecord

# --- weights (bits) -------------------------------------------------------------------
M_FN_SAME, U_FN_DEFAULT = 0.88, 0.02  # first name, same (diminutive mapped): m, default u
W_FN_VARIANT = -0.5  # the same name written another way (Kasia/Katarzyna) vs exact
W_FN_TYPO = 4.5  # one typo (Kornelia/Kronelia, Igor/Iogr, Olaf/Olf)
W_FN_INITIAL = 1.0  # "K." or a truncated name
W_FN_OTHER = -5.0  # two different first names (at least one unknown)
W_FN_CONFLICT = -7.0  # two different real first names (Maria/Marta)
M_LN_SAME, U_LN_DEFAULT = 0.85, 0.001  # surname root (Kowalski/Kowalska), default u
W_LN_TYPO = 6.5
W_LN_PART = 4.0  # one part of a double surname
W_LN_OTHER = -3.0  # another surname, a man's
W_LN_OTHER_K = -2.0  # another surname, a woman's (a married name is common)
W_PESEL = 22.0
W_ID = 20.0  # the same other id number (not a valid PESEL)
W_ID_NEAR = 9.0  # id numbers one keystroke apart
W_ID_NEAR2 = 4.0  # two keystrokes apart
W_ID_OTHER = -0.5
W_DOB = 13.0
W_DOB_TYPO = 6.0  # one keystroke apart (only when no veto, see compare.veto)
W_DOB_OTHER = -4.0  # different, not vetoed (the same id number)
W_EMAIL, W_EMAIL_OTHER = 12.0, -1.5
W_EMAIL_OWN = 2.0  # the same e-mail, and it names this person (jan.nowak, j.nowak, kasia85)
W_EMAIL_FOREIGN = -10.0  # different, and one names somebody else (halina.mroz67 on Radosław's form)
W_PHONE, W_PHONE_OTHER = 11.0, -1.0
W_SHARED = 2.0  # less per extra first name seen on that mailbox / phone
W_SHARED_FLOOR = 2.0
W_ADDRESS = 7.0  # street with house number, postcode or town
W_ADDRESS_OTHER = -1.0  # both given, different (people move)
W_PLACE = 1.5  # the same town or postcode, no common street
W_POSTCODE = 3.0  # and the same postcode: a few streets, finer than a town (still below an address)
W_ORG = 2.0
W_PLACE_OTHER = -0.5

#: calibration: score 0.92 at 19 bits, 0.70 at 16 bits (bits -> logistic in base 2)
_CENTRE, _SCALE = 14.41, 1.304
SMOOTHING = 2000  # pseudo-records of the default frequency: a small batch keeps the default weights


def to_score(bits: float) -> float:
    """Bits of evidence -> a score in [0, 1] (the thresholds in config.dedupe cut it)."""
    x = (bits - _CENTRE) / _SCALE
    if x > 60:
        return 1.0
    if x < -60:
        return 0.0
    return 1.0 / (1.0 + 2.0**-x)


@dataclass
class Frequencies:
    """Term frequencies of one batch (first names, surnames) and how many different
    first names use each e-mail and phone (a family mailbox)."""

    n: int = 0
    fn: Counter = field(default_factory=Counter)
    ln: Counter = field(default_factory=Counter)
    email_names: dict = field(default_factory=dict)
    phone_names: dict = field(default_factory=dict)

    # the pair's own two records are not counted: a name seen only in the pair is not common
    def fn_weight(self, canon: str) -> float:
        u = (max(0, self.fn.get(canon, 0) - 2) + SMOOTHING * U_FN_DEFAULT) / (max(0, self.n - 2) + SMOOTHING)
        return log2(M_FN_SAME / u)

    def ln_weight(self, root: str) -> float:
        u = (max(0, self.ln.get(root, 0) - 2) + SMOOTHING * U_LN_DEFAULT) / (max(0, self.n - 2) + SMOOTHING)
        return log2(M_LN_SAME / u)

    def sharers(self, contact: str, email: bool) -> int:
        """Different first names seen on this e-mail (``email``) or phone, at least 1."""
        return max(1, (self.email_names if email else self.phone_names).get(contact, 1))


NO_FREQUENCIES = Frequencies()


def frequencies(records: Iterable[NormRecord]) -> Frequencies:
    """Count the batch once (before scoring; a forked worker inherits it). Counted by
    C-level passes over the columns (``Counter``, ``dict.fromkeys``), not per record."""
    records = records if isinstance(records, list) else list(records)
    canon = list(map(attrgetter("fn_canon"), records))
    fn = Counter(filter(None, canon))
    ln = Counter(filter(None, map(attrgetter("ln_root"), records)))
    named = list(filter(None, canon))  # first names of the records that have one

    def sharers(contact: str) -> dict[str, int]:
        # distinct (contact, first name) pairs of named records, counted per contact
        pairs = dict.fromkeys(zip(compress(map(attrgetter(contact), records), canon), named))
        return {c: k for c, k in Counter(map(itemgetter(0), pairs)).items() if k > 1 and c}

    return Frequencies(len(records), fn, ln, sharers("email"), sharers("phone"))


class Weighed(NamedTuple):
    bits: float
    agreed: tuple[str, ...]  # Polish field labels, strongest first
    differed: tuple[str, ...]
    identifier: bool  # a PESEL, id number or birth date agrees
    contact: bool  # an e-mail or phone agrees
    address: bool  # the address agrees
    place: bool  # the town, postcode or organisation agrees (no address)
    names: int  # how many of first name and surname agree (0-2)


# field labels staff read
L_FN, L_LN, L_PESEL, L_ID, L_DOB = "imię", "nazwisko", "PESEL", "numer identyfikacyjny", "data urodzenia"
L_EMAIL, L_PHONE, L_ADDRESS, L_PLACE = "e-mail", "telefon", "adres", "miejscowość/organizacja"


def contact_weight(base: float, sharers: int) -> float:
    return max(W_SHARED_FLOOR, base - W_SHARED * (sharers - 1))


def short_typo(x: str, y: str) -> bool:
    """One edit between first names of 3+ letters where one is not a known name (Olaf/Olf)."""
    return min(len(x), len(y)) >= 3 and OSA.distance(x, y, score_cutoff=1) <= 1
