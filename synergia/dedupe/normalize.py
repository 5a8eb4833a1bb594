"""Normalisation of participant fields for matching.

Everything is folded to lower-case ASCII (``ł`` has no Unicode decomposition,
so it is mapped by hand), surnames are reduced to a gender-neutral root
(Kowalski/Kowalska -> ``kowalsk``), diminutives map to the full first name,
phones become E.164, dates ISO. A ``NormRecord`` keeps only what matching
needs; it is never logged.

The rules of people data are not written here: PESEL, phone, e-mail, date,
gender, postcode, "brak" placeholders and the folding of names come from
``synergia.validation`` (pure, cached functions), so matching reads a value
exactly as the nightly validation does. Where the two once disagreed, the
validation answer (the one users see in ``Odrzucone``) won:

- a PESEL is valid only if validation accepts it (a 10-digit one gets its
  leading zero back when the checksum then holds); anything else with digits is
  kept as ``other_id`` (an equal value is evidence, a different one no veto);
- a phone is a key only if validation accepts it (E.164); an unparseable or
  invalid one (a typo, ``000 000 000``) is no key at all, so it can never match
  another person's garbage (it used to become ``+digits``);
- an e-mail is a key only if it is a valid address; Gmail dots and ``+tags``
  are ignored (``mailbox_key``);
- a date is read by validation's formats (mixed separators or a space inside
  such as ``1990 03 07`` are no date any more); a postcode is validation's
  ``NN-NNN`` (four digits get the leading zero back) kept as five digits;
- gender is validation's table (``Kobieta``, ``M``, ``pani``...); an answer
  validation does not recognise is unknown here (it used to be read from its
  first letter).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import attrgetter
from typing import Any

from synergia.dedupe.names import (
    KNOWN,
    canonical_first_name,
    corrected_first_name,
    name_gender,
)
from synergia.validation.contact import (
    email_key,
    read_phone,
    read_postal_code,
)
from synergia.validation.dates import iso_date
from synergia.validation.identity import read_gender, read_pesel
from synergia.validation.text import NO_VALUE, NO_VALUE_LONGEST
from synergia.validation.text import ascii_key as fold

__all__ = [
    "PESEL_KEY",
    "NormRecord",
    "fold",
    "normalize_email",
    "normalize_gender",
    "normalize_phone",
    "normalize_record",
    "normalize_records",
    "record_columns",
    "parse_date",
    "pesel_facts",
    "surname_root",
]

#: longest value of a field that matching looks at: a longer cell is cut (no real name,
#: e-mail or address is longer), so the cost per record is bounded whatever the input
MAX_FIELD = 200
_NON_DIGIT = re.compile(r"\D+")
_SURNAME_SUFFIXES = (("dzki", "dzk"), ("dzka", "dzk"), ("cki", "ck"), ("cka", "ck"), ("ski", "sk"), ("ska", "sk"))
_STREET_PREFIX = re.compile(r"^(ul|ulica|al|aleja|aleje|os|osiedle|pl|plac|rondo)\b\.?\s*")


def surname_root(part: str) -> str:
    """Gender-neutral root of one folded surname part (-ski/-ska, -cki/-cka, -dzki/-dzka, -ny/-na, -y/-a)."""
    for suffix, root in _SURNAME_SUFFIXES:
        if part.endswith(suffix) and len(part) > len(suffix) + 1:
            return part[: -len(suffix)] + root
    if len(part) >= 5 and part[-1] in "ya":
        return part[:-1]
    return part


def surname_gender(folded: str) -> str | None:
    """Gender implied by an adjectival surname; weak (some women use the masculine form)."""
    if folded.endswith(("ska", "cka", "dzka")):
        return "K"
    if folded.endswith(("ski", "cki", "dzki")):
        return "M"
    return None


def parse_date(value: Any) -> str | None:
    """ISO date (validation's ``read_date``: dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy, yyyymmdd...);
    None if not a real date."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    return iso_date(str(value).strip())


#: E.164 of a phone validation accepts (``validation.contact.read_phone``), None otherwise.
normalize_phone = read_phone


#: the mailbox of a valid address (``validation.contact.email_key``), None otherwise.
normalize_email = email_key


#: data key of a PESEL kept only as its salted keyed hash (``pesel: discard``, synergia.rodo.tombstones):
#: matching compares it like a valid PESEL (equal = match, different = veto); birth date and gender
#: then come from the typed fields (validation fills them from the PESEL before it is dropped)
PESEL_KEY = "pesel_key"


@lru_cache(maxsize=200_000)
def pesel_facts(value: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(valid pesel, birth date, gender, other id) from a PESEL-ish field.

    Valid = what validation accepts (``validation.identity.read_pesel``: python-stdnum's
    checksum and date, the 10-digit repair). A value with digits that is not a valid PESEL
    is kept as ``other id`` (its digits): equal values are evidence, different ones are not
    a veto (could be a typo, or another kind of id such as FEBRL's ``soc_sec_id``)."""
    pesel, born, sex, _problem = read_pesel(value)
    if pesel:
        return pesel, born.isoformat(), sex, None
    return None, None, None, _NON_DIGIT.sub("", value) or None


def normalize_gender(value: Any) -> str | None:
    """``K`` / ``M`` as validation reads the answer (``read_gender``); None otherwise."""
    if not value:
        return None
    return read_gender(str(value)[:MAX_FIELD]) or None


@lru_cache(maxsize=100_000)
def _street(value: str) -> str:
    s = fold(value)
    s = _STREET_PREFIX.sub("", s)
    return s


@dataclass(slots=True)
class NormRecord:
    """Matching view of one record. ``idx`` is its position in the batch."""

    rid: Any
    idx: int
    fn: str  # folded first given name
    fn_full: str  # all given names, no spaces ('soph ie' -> 'sophie')
    fn_canon: str  # diminutive -> full name
    fn_known: bool
    fn_gender: str | None
    ln: str  # folded surname
    ln_root: str  # gender-neutral root, parts sorted: 'kowalsk-nowak'
    ln_parts: frozenset[str]
    gender: str | None  # explicit or from PESEL (strong)
    weak_gender: str | None  # from the first name / surname form
    pesel: str | None
    other_id: str | None
    dob: str | None
    email: str | None
    phone: str | None
    postal: str | None
    street: str
    city: str
    org: str
    name_key: str = ""  # 'katarzyna|kowalsk' when both names are known, else ''
    fn_fixed: bool = False  # fn_canon comes from a one-keystroke correction ('krysa' -> 'krystyna')


NORM_FIELDS = tuple(f.name for f in fields(NormRecord))
as_tuple = attrgetter(*NORM_FIELDS)  # NormRecord -> plain tuple (cheap to pickle); NormRecord(*t) back


_NO_PESEL: tuple[None, None, None, None] = (None, None, None, None)
_NO_VALUE_FIRST = frozenset(c for word in NO_VALUE for c in (word[0], word[0].upper()))


def _clean(v: Any) -> str:
    """A field value as stripped text; empty for None and validation's no-value answers
    (``validation.text.NO_VALUE``: 'brak', 'nan', '-', 'nie dotyczy')."""
    if not v:
        return ""
    s = v.strip() if type(v) is str else str(v).strip()
    if len(s) > MAX_FIELD:
        s = s[:MAX_FIELD].strip()
    # s[:1]: a cell of spaces only is empty here (s[0] raised IndexError on it)
    return "" if len(s) <= NO_VALUE_LONGEST and s[:1] in _NO_VALUE_FIRST and s.lower() in NO_VALUE else s


@lru_cache(maxsize=100_000)
def _postal(value: str) -> str | None:
    """Validation's postcode (``read_postal_code``) as five digits ('02-100' -> '02100'); None if invalid."""
    code = read_postal_code(value)
    return code.replace("-", "") if code else None


@lru_cache(maxsize=50_000)
def _first_name(first_raw: str) -> tuple:
    """(fn, fn_full, canonical, known, gender, corrected) of a raw first-name field."""
    first = fold(first_raw)
    fn = first.split(" ")[0] if first else ""
    if not fn:
        return "", "", "", False, None, False
    canon = canonical_first_name(fn)
    fixed = corrected_first_name(fn) if fn not in KNOWN else None
    return fn, first.replace(" ", ""), fixed or canon, fn in KNOWN, name_gender(fn), fixed is not None


@lru_cache(maxsize=50_000)
def _surname(last_raw: str) -> tuple:
    """(folded, root key, root set, gender of the form) of a raw surname field."""
    parts = [p for p in fold(last_raw.replace("-", " - ")).split(" ") if p and p != "-"] if last_raw else []
    roots = [surname_root(p) for p in parts]
    return " ".join(parts), "-".join(sorted(roots)), frozenset(roots), surname_gender(parts[-1]) if parts else None


_STR = {str}


class _Memo(dict):
    """Raw cell -> its normalised value, computed once per distinct ``str`` (one batch)."""

    __slots__ = ("f",)

    def __init__(self, f: Callable[[Any], Any]) -> None:
        super().__init__()
        self.f = f

    def __missing__(self, v: str) -> Any:
        out = self[v] = self.f(v)
        return out

    def column(self, values: list) -> list:
        """``f`` of each value; only ``str`` cells are memoised (1, 1.0 and True are equal keys)."""
        if set(map(type, values)) == _STR:
            return list(map(self.__getitem__, values))
        f = self.f
        return [self[v] if type(v) is str else f(v) for v in values]


def _mapped(f: Callable[[Any], Any], values: list) -> list:
    """``f`` of each value, memoised per distinct text when there are several (one record: plain calls)."""
    return _Memo(f).column(values) if len(values) > 1 else [f(v) for v in values]


def _cleaned(f: Callable[[str], Any], empty: Any) -> Callable[[Any], Any]:
    """``f(_clean(v))``, or ``empty`` for an empty or no-value cell."""

    def g(v: Any) -> Any:
        s = _clean(v) if v else ""
        return f(s) if s else empty

    return g


def _first_of(v: Any) -> tuple:
    return _first_name(_clean(v) if v else "")


def _last_of(v: Any) -> tuple:
    return _surname(_clean(v) if v else "")


_born_of = _cleaned(parse_date, None)
_pesel_of = _cleaned(pesel_facts, None)  # None: no PESEL cell (then ``pesel_key`` is looked at)
_email_of = _cleaned(normalize_email, None)
_phone_of = _cleaned(normalize_phone, None)
_postal_of = _cleaned(_postal, None)
_street_of = _cleaned(_street, "")
_fold_of = _cleaned(fold, "")


def _columns(rows: Sequence[Mapping[str, Any]], first_idx: int, rids: Sequence[Any]) -> list:
    """The ``NormRecord`` fields of ``rows`` as columns (``NORM_FIELDS`` order). Each
    field is read column by column and each distinct text normalised once: names,
    towns, dates and postcodes repeat, and a dict look-up costs less than the calls."""
    n = len(rows)
    if n == 0:
        return [[] for _ in NORM_FIELDS]
    if set(map(type, rows)) == {dict}:
        get = dict.get

        def col(key: str) -> list:
            return list(map(get, rows, repeat(key, n)))
    else:

        def col(key: str) -> list:
            return [r.get(key) for r in rows]

    if any(rid is None for rid in rids):
        rids = [r.get("id", r.get("record_id")) if rid is None else rid for r, rid in zip(rows, rids)]
    fn, fn_full, canon, known, fn_gender, fixed = zip(*_mapped(_first_of, col("first_name")))
    ln, ln_root, ln_parts, ln_gender = zip(*_mapped(_last_of, col("last_name")))
    facts = _mapped(_pesel_of, col("pesel"))
    if None in facts:  # pesel: discard — a checked PESEL's salted hash: equal = the same PESEL
        facts = [
            f if f is not None else ((str(k), None, None, None) if k else _NO_PESEL)  # facts: the typed fields
            for f, k in zip(facts, col(PESEL_KEY))
        ]
    pesel, pesel_dob, pesel_gender, other_id = zip(*facts)
    # read only where the PESEL gave none: memoised look-ups (several records) or plain calls (one)
    born = _Memo(_born_of).__getitem__ if n > 1 else _born_of
    sex = _Memo(normalize_gender).__getitem__ if n > 1 else normalize_gender
    dob = [d or (born(b) if type(b) is str else _born_of(b)) for d, b in zip(pesel_dob, col("birth_date"))]
    gender = [s or (sex(g) if type(g) is str else normalize_gender(g)) for s, g in zip(pesel_gender, col("gender"))]
    return [
        rids,
        range(first_idx, first_idx + n),
        fn,
        fn_full,
        canon,
        known,
        fn_gender,
        ln,
        ln_root,
        ln_parts,
        gender,
        [a or b for a, b in zip(fn_gender, ln_gender)],
        pesel,
        other_id,
        dob,
        _mapped(_email_of, col("email")),
        _mapped(_phone_of, col("phone")),
        _mapped(_postal_of, col("postal_code")),
        _mapped(_street_of, col("street")),
        _mapped(_fold_of, col("city")),
        _mapped(_fold_of, col("organisation")),
        [f"{c}|{r}" if c and r else "" for c, r in zip(canon, ln_root)],
        fixed,
    ]


def record_columns(
    rows: Sequence[Mapping[str, Any]],
    start: int = 0,
    stop: int | None = None,
    id_field: str = "record_id",
    rids: Sequence[Any] | None = None,
) -> list:
    """``normalize_records`` as columns of plain values (``NORM_FIELDS`` order): what a
    forked worker sends back (``NormRecord(*fields)`` per record rebuilds them)."""
    stop = len(rows) if stop is None else stop
    part = rows[start:stop] if isinstance(rows, list) else [rows[i] for i in range(start, stop)]
    return _columns(part, start, [r[id_field] for r in part] if rids is None else list(rids[start:stop]))


def normalize_records(
    rows: Sequence[Mapping[str, Any]],
    start: int = 0,
    stop: int | None = None,
    id_field: str = "record_id",
    rids: Sequence[Any] | None = None,
) -> list[NormRecord]:
    """``[normalize_record(rows[i], i, rows[i][id_field]) for i in range(start, stop)]``, faster
    (a batch: each distinct value of a field is normalised once). ``rids``: the record ids
    (``rids[i]`` for ``rows[i]``) when they are not a field of the rows."""
    return list(map(NormRecord, *record_columns(rows, start, stop, id_field, rids)))


def _names(first_raw: str, last_raw: str) -> tuple:
    """Everything derived from the two name fields (each part cached: names repeat)."""
    fn, fn_full, canon, known, fn_gender, fixed = _first_name(first_raw)
    ln, ln_root, ln_parts, ln_gender = _surname(last_raw)
    return fn, fn_full, canon, known, fn_gender, ln, ln_root, ln_parts, fn_gender or ln_gender, fixed


def normalize_record(raw: Mapping[str, Any], idx: int = 0, rid: Any = None) -> NormRecord:
    """Build the matching view of a raw or canonical record (missing keys allowed).

    One record at a time (the nightly run); ``normalize_records`` gives the same for a batch,
    column by column (tests/dedupe/test_batch_normalize.py holds the two equal)."""
    get = raw.get  # `_clean(v) if (v := get(...)) else ""`: no call for the many empty fields
    fn, fn_full, canon, known, fn_gender, ln, ln_root, ln_parts, weak, fixed = _names(
        (_clean(v) if (v := get("first_name")) else ""), (_clean(v) if (v := get("last_name")) else "")
    )
    pesel_raw = _clean(v) if (v := get("pesel")) else ""
    if pesel_raw:
        pesel, pesel_dob, pesel_gender, other_id = pesel_facts(pesel_raw)
    elif keyed := get(PESEL_KEY):  # pesel: discard — a checked PESEL's salted hash: equal = the same PESEL
        pesel, pesel_dob, pesel_gender, other_id = str(keyed), None, None, None  # facts: the typed fields
    else:
        pesel, pesel_dob, pesel_gender, other_id = _NO_PESEL
    born = _clean(v) if (v := get("birth_date")) else ""
    dob = pesel_dob or (parse_date(born) if born else None)
    gender = pesel_gender or normalize_gender(get("gender"))
    postal = _clean(v) if (v := get("postal_code")) else ""
    email = _clean(v) if (v := get("email")) else ""
    phone = _clean(v) if (v := get("phone")) else ""
    street = _clean(v) if (v := get("street")) else ""
    city = _clean(v) if (v := get("city")) else ""
    org = _clean(v) if (v := get("organisation")) else ""
    # positional: ~25 % faster than keywords for a 25-field slots class (runs per record)
    return NormRecord(
        get("id", get("record_id")) if rid is None else rid,
        idx,
        fn,
        fn_full,
        canon,
        known,
        fn_gender,
        ln,
        ln_root,
        ln_parts,
        gender,
        weak,
        pesel,
        other_id,
        dob,
        normalize_email(email) if email else None,
        normalize_phone(phone) if phone else None,
        _postal(postal) if postal else None,
        _street(street) if street else "",
        fold(city) if city else "",
        fold(org) if org else "",
        f"{canon}|{ln_root}" if canon and ln_root else "",
        fixed,
    )
