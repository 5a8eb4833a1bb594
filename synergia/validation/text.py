"""Text hygiene shared by the validators: invisible characters out, NFC, and folded comparison keys.

Respondents paste names and answers with zero-width spaces, byte-order marks,
bidi marks (RLM/LRM, embeddings, isolates), soft hyphens, NUL and other control
characters. None of them is part of what the person meant; they are removed
before anything is compared or stored. Non-breaking and other Unicode spaces
count as spaces.

Two folded keys, one folding rule (``_strip_accents``): ``fold`` keeps
punctuation (consent answers are cut at commas and dashes), ``ascii_key`` keeps
only ASCII letters and digits (names, towns and streets compared in matching,
in certificate and RODO look-ups).
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

# Format (Cf: zero-width space/joiners, bidi marks, BOM, soft hyphen), control (Cc: NUL, ...; tabs and
# newlines are whitespace) and lone surrogates (Cs, from a JSON "\\ud800" escape) are dropped.
_DROP = ("Cf", "Cc", "Cs")

#: Letters without a Unicode decomposition (ł, ø, đ, ß, æ, œ) and the Polish letters mapped straight to
#: ASCII (what NFKD + dropping the accents gives), so most text never takes the slow Unicode path;
#: the common invisible characters vanish instead of splitting a word.
_LETTERS = str.maketrans(
    {
        **dict(zip("ąćęńóśźżĄĆĘŃÓŚŹŻ", "acenoszzACENOSZZ")),
        "ł": "l",
        "Ł": "L",
        "ø": "o",
        "Ø": "O",
        "đ": "d",
        "Đ": "D",
        "ß": "ss",
        "æ": "ae",
        "Æ": "AE",
        "œ": "oe",
        "Œ": "OE",
        **dict.fromkeys(
            (
                "\xad",
                "\u180e",
                "\u2060",
                "\u2061",
                "\u2062",
                "\u2063",
                "\u2064",
                "\ufeff",
                *map(chr, range(8203, 8208)),
                *map(chr, range(8234, 8239)),
                *map(chr, range(8294, 8298)),
                *(chr(c) for c in range(32) if chr(c) not in "\t\n\r"),
                "\x7f",
            )
        ),
    }
)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

#: What people type for "nothing here" in any field of people data (compared stripped, lower-case).
#: Validation reads these as "no PESEL" in the PESEL column (``identity.NO_PESEL_ANSWERS``);
#: matching treats them as an empty field in every column (two "brak" are not a shared value).
NO_VALUE = frozenset({"brak", "-", "—", "none", "nan", "null", "n/d", "nd", "nie dotyczy"})
NO_VALUE_LONGEST = max(map(len, NO_VALUE))


def visible(text: str | None) -> str:
    """NFC text without invisible characters, every run of whitespace (NBSP included) one space, stripped."""
    if not text:
        return ""
    # ``isprintable``: no character of a C* or Z* category but the ASCII space, so none of ``_DROP``
    # (nearly every cell): no per-character pass. ASCII text is its own NFC.
    value = text if text.isprintable() else "".join(c for c in text if c.isspace() or unicodedata.category(c) not in _DROP)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


def _strip_accents(text: str) -> str:
    """Diacritics off, ł/ß/æ spelt in ASCII, common invisible characters removed (other scripts kept)."""
    t = text.translate(_LETTERS)
    if not t.isascii():  # other scripts, compatibility forms (ﬁ, full-width digits), rarer accents
        t = unicodedata.normalize("NFKD", t)
        t = "".join(c for c in t if not unicodedata.combining(c))
    return t


def fold(text: str | None) -> str:
    """Case- and diacritic-insensitive key: 'Wyrażam  ZGODĘ' -> 'wyrazam zgode', 'Łódź' -> 'lodz'."""
    return " ".join(_strip_accents(visible(text)).casefold().split())


@lru_cache(maxsize=200_000)
def ascii_key(text: str) -> str:
    """Lower-case ASCII letters and digits, words one space apart: 'ŁÓDŹ  Bałuty' -> 'lodz baluty',
    'Anna-Maria' -> 'anna maria'. The key names, towns and streets are compared by."""
    return _NON_ALNUM.sub(" ", _strip_accents(text).lower()).strip()


def is_no_value(text: str | None) -> bool:
    """``brak``, ``-``, ``nan``, ``nie dotyczy``...: an answer that says there is nothing (``NO_VALUE``)."""
    s = (text or "").strip()
    return len(s) <= NO_VALUE_LONGEST and s.lower() in NO_VALUE


#: every letter, and the few other characters ``re`` counts as word characters but not digits (², Ⅻ)
_LETTER_OR_NUMERIC = re.compile(r"[^\W\d_]")


def has_letter(text: str) -> bool:
    """Is any character a letter (Unicode category L*, which is what ``str.isalpha`` tests)? The
    regex scan finds the candidates without a Python step per character."""
    return any(m.group().isalpha() for m in _LETTER_OR_NUMERIC.finditer(text))
