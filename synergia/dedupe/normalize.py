"""Normalisation of participant fields for matching.

Everything is folded to lower-case ASCII (``ł`` has no Unicode decomposition,
so it is mapped by hand), surnames are reduced to a gender-neutral root
(Kowalski/Kowalska -> ``kowalsk``), diminutives map to the full first name,
phones become E.164, dates ISO. A ``NormRecord`` keeps only what matching
needs; it is never logged.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, fields
from datetime import date
from functools import lru_cache
from operator import attrgetter
from typing import Any, Mapping

from synergia.dedupe.names import KNOWN, canonical_first_name, corrected_first_name, name_gender

_EXTRA = str.maketrans({"ł": "l", "Ł": "l", "ø": "o", "đ": "d", "ß": "ss", "æ": "ae", "œ": "oe",
                        # invisible characters vanish instead of splitting a word: zero-width
                        # spaces and joiners, soft hyphen, BOM, direction marks, NUL and other controls
                        **{c: None for c in ("\u00ad", "\u180e", "\u2060", "\u2061", "\u2062", "\u2063",
                                             "\u2064", "\ufeff", *map(chr, range(0x200b, 0x2010)),
                                             *map(chr, range(0x202a, 0x202f)), *map(chr, range(0x2066, 0x206a)),
                                             *(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r"), "\x7f")}})
#: longest value of a field that matching looks at: a longer cell is cut (no real name,
#: e-mail or address is longer), so the cost per record is bounded whatever the input
MAX_FIELD = 200
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_NON_DIGIT = re.compile(r"\D+")
_SURNAME_SUFFIXES = (("dzki", "dzk"), ("dzka", "dzk"), ("cki", "ck"), ("cka", "ck"), ("ski", "sk"), ("ska", "sk"))
_STREET_PREFIX = re.compile(r"^(ul|ulica|al|aleja|aleje|os|osiedle|pl|plac|rondo)\b\.?\s*")


#: Polish letters straight to ASCII (what NFKD + dropping the accents gives), so that
#: most text never needs the slow Unicode path (distinct names and streets defeat caches)
_FAST = {**{ord(k): v for k, v in zip("ąćęńóśźżĄĆĘŃÓŚŹŻ", "acenoszzACENOSZZ")},
         **str.maketrans({"ł": "l", "Ł": "l"})}
_EXTRA_FAST = {**_EXTRA, **_FAST}


@lru_cache(maxsize=200_000)
def fold(text: str) -> str:
    """Lower-case ASCII with single spaces: 'ŁÓDŹ  Bałuty' -> 'lodz baluty'."""
    t = text.translate(_EXTRA_FAST)
    if not t.isascii():  # other scripts, compatibility forms (ﬁ, full-width digits), rarer accents
        t = unicodedata.normalize("NFKD", t)
        t = "".join(c for c in t if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", t.lower()).strip()


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


_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})[-./ ](\d{1,2})[-./ ](\d{1,2})"), (0, 1, 2)),
    (re.compile(r"^(\d{1,2})[-./ ](\d{1,2})[-./ ](\d{4})"), (2, 1, 0)),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), (0, 1, 2)),
    (re.compile(r"^(\d{2})(\d{2})(\d{4})$"), (2, 1, 0)),
)


def parse_date(value: Any) -> str | None:
    """ISO date from yyyy-mm-dd, dd.mm.yyyy, dd/mm/yyyy, yyyymmdd; None if not a real date."""
    if value is None:
        return None
    if isinstance(value, date):
        return value.isoformat()[:10]
    return _parse_date_text(str(value).strip())


@lru_cache(maxsize=100_000)
def _parse_date_text(s: str) -> str | None:
    for pattern, (yi, mi, di) in _DATE_PATTERNS:
        m = pattern.match(s)
        if m:
            g = m.groups()
            try:
                return date(int(g[yi]), int(g[mi]), int(g[di])).isoformat()
            except ValueError:
                return None
    return None


@lru_cache(maxsize=200_000)
def normalize_phone(value: str) -> str | None:
    """E.164 (+48600100200) from any common format; None when not a phone number."""
    s = value.strip()
    if not s:
        return None
    digits = _NON_DIGIT.sub("", s)
    if len(digits) < 7:
        return None
    # fast path: Polish numbers in any spelling (600100200, +48 600..., 0048600...)
    if len(digits) == 9 and digits[0] != "0" and not s.startswith(("+", "00")):
        return "+48" + digits
    if len(digits) == 11 and digits.startswith("48") and s.lstrip("( ").startswith("+"):
        return "+" + digits
    if len(digits) == 13 and digits.startswith("0048"):
        return "+" + digits[2:]
    if s.startswith("00"):
        s = "+" + s[2:]
    import phonenumbers  # only for the rare other formats: 75 ms to import

    try:
        num = phonenumbers.parse(s, "PL")
    except phonenumbers.NumberParseException:
        return "+" + digits
    if phonenumbers.is_possible_number(num):
        return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return "+" + digits


@lru_cache(maxsize=200_000)
def normalize_email(value: str) -> str | None:
    s = value.strip().lower()
    if "@" not in s or len(s) < 5:
        return None
    local, _, domain = s.rpartition("@")
    if domain in ("gmail.com", "googlemail.com"):
        local = local.split("+", 1)[0].replace(".", "")
        domain = "gmail.com"
    return f"{local}@{domain}"


_PESEL_WEIGHTS = (1, 3, 7, 9, 1, 3, 7, 9, 1, 3)
_CENTURY = {0: 1900, 20: 2000, 40: 2100, 60: 2200, 80: 1800}


#: data key of a PESEL kept only as its salted keyed hash (``pesel: discard``, synergia.rodo.tombstones):
#: matching compares it like a valid PESEL (equal = match, different = veto); birth date and gender
#: then come from the typed fields (validation fills them from the PESEL before it is dropped)
PESEL_KEY = "pesel_key"


@lru_cache(maxsize=200_000)
def pesel_facts(value: str) -> tuple[str | None, str | None, str | None, str | None]:
    """(valid pesel, birth date, gender, other id) from a PESEL-ish field.

    Valid = 11 digits, correct check digit and a real birth date (the same
    rules as ``stdnum.pl.pesel``, inlined because this runs per record).
    A value that is not a valid PESEL is kept as ``other id``: equal values
    are evidence, different ones are not a veto (could be a typo)."""
    digits = _NON_DIGIT.sub("", value)
    if not digits:
        return None, None, None, None
    if len(digits) == 11:
        check = (10 - sum(int(d) * w for d, w in zip(digits, _PESEL_WEIGHTS)) % 10) % 10
        if check == int(digits[10]):
            month = int(digits[2:4])
            try:
                born = date(_CENTURY[month // 20 * 20] + int(digits[:2]), month % 20, int(digits[4:6]))
            except (KeyError, ValueError):
                born = None
            if born is not None:
                return digits, born.isoformat(), ("K" if int(digits[9]) % 2 == 0 else "M"), None
    return None, None, None, digits


def normalize_gender(value: Any) -> str | None:
    if not value:
        return None
    s = fold(str(value)[:MAX_FIELD])
    if not s:
        return None
    if s[0] in "kfw":  # kobieta, female, woman
        return "K"
    if s[0] == "m":  # mężczyzna, male
        return "M"
    return None


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
    fn: str            # folded first given name
    fn_full: str       # all given names, no spaces ('soph ie' -> 'sophie')
    fn_canon: str      # diminutive -> full name
    fn_known: bool
    fn_gender: str | None
    ln: str            # folded surname
    ln_root: str       # gender-neutral root, parts sorted: 'kowalsk-nowak'
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
_PLACEHOLDERS = frozenset(("nan", "none", "null", "brak", "-"))


def _clean(v: Any) -> str:
    """A field value as stripped text; empty for None and placeholders ('brak', 'nan')."""
    if not v:
        return ""
    s = v.strip() if type(v) is str else str(v).strip()
    if len(s) > MAX_FIELD:
        s = s[:MAX_FIELD].strip()
    return "" if len(s) <= 4 and s.lower() in _PLACEHOLDERS else s


@lru_cache(maxsize=100_000)
def _postal(value: str) -> str | None:
    return _NON_DIGIT.sub("", value) or None


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


def _names(first_raw: str, last_raw: str) -> tuple:
    """Everything derived from the two name fields (each part cached: names repeat)."""
    fn, fn_full, canon, known, fn_gender, fixed = _first_name(first_raw)
    ln, ln_root, ln_parts, ln_gender = _surname(last_raw)
    return fn, fn_full, canon, known, fn_gender, ln, ln_root, ln_parts, fn_gender or ln_gender, fixed


def normalize_record(raw: Mapping[str, Any], idx: int = 0, rid: Any = None) -> NormRecord:
    """Build the matching view of a raw or canonical record (missing keys allowed)."""
    get = raw.get  # `_clean(v) if (v := get(...)) else ""`: no call for the many empty fields
    fn, fn_full, canon, known, fn_gender, ln, ln_root, ln_parts, weak, fixed = _names(
        (_clean(v) if (v := get("first_name")) else ""), (_clean(v) if (v := get("last_name")) else ""))
    pesel_raw = (_clean(v) if (v := get("pesel")) else "")
    if pesel_raw:
        pesel, pesel_dob, pesel_gender, other_id = pesel_facts(pesel_raw)
    elif (keyed := get(PESEL_KEY)):  # pesel: discard — a checked PESEL's salted hash: equal = the same PESEL
        pesel, pesel_dob, pesel_gender, other_id = str(keyed), None, None, None  # facts: the typed fields
    else:
        pesel, pesel_dob, pesel_gender, other_id = _NO_PESEL
    born = (_clean(v) if (v := get("birth_date")) else "")
    dob = pesel_dob or (parse_date(born) if born else None)
    gender = pesel_gender or normalize_gender(get("gender"))
    postal = (_clean(v) if (v := get("postal_code")) else "")
    email = (_clean(v) if (v := get("email")) else "")
    phone = (_clean(v) if (v := get("phone")) else "")
    street = (_clean(v) if (v := get("street")) else "")
    city = (_clean(v) if (v := get("city")) else "")
    org = (_clean(v) if (v := get("organisation")) else "")
    # positional: ~25 % faster than keywords for a 25-field slots class (runs per record)
    return NormRecord(
        get("id", get("record_id")) if rid is None else rid, idx,
        fn, fn_full, canon, known, fn_gender, ln, ln_root, ln_parts,
        gender, weak, pesel, other_id, dob,
        normalize_email(email) if email else None,
        normalize_phone(phone) if phone else None,
        _postal(postal) if postal else None,
        _street(street) if street else "",
        fold(city) if city else "",
        fold(org) if org else "",
        f"{canon}|{ln_root}" if canon and ln_root else "",
        fixed,
    )
