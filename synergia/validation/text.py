"""Text hygiene shared by the validators: invisible characters out, NFC, and a folded comparison key.

Respondents paste names and answers with zero-width spaces, byte-order marks,
bidi marks (RLM/LRM, embeddings, isolates), soft hyphens, NUL and other control
characters. None of them is part of what the person meant; they are removed
before anything is compared or stored. Non-breaking and other Unicode spaces
count as spaces.
"""
from __future__ import annotations

import unicodedata

# Format (Cf: zero-width space/joiners, bidi marks, BOM, soft hyphen), control (Cc: NUL, ...; tabs and
# newlines are whitespace) and lone surrogates (Cs, from a JSON "\\ud800" escape) are dropped.
_DROP = ("Cf", "Cc", "Cs")
_FOLD = str.maketrans({"ł": "l", "Ł": "L", "đ": "d", "ø": "o", "ß": "ss"})


def visible(text: str | None) -> str:
    """NFC text without invisible characters, every run of whitespace (NBSP included) one space, stripped."""
    value = "".join(c for c in (text or "") if c.isspace() or unicodedata.category(c) not in _DROP)
    value = unicodedata.normalize("NFC", value)
    return " ".join(value.split())


def fold(text: str | None) -> str:
    """Case- and diacritic-insensitive key: 'Wyrażam  ZGODĘ' -> 'wyrazam zgode', 'Łódź' -> 'lodz'."""
    value = unicodedata.normalize("NFKD", visible(text).translate(_FOLD))
    value = "".join(c for c in value if not unicodedata.combining(c))
    return " ".join(value.casefold().split())


def has_letter(text: str) -> bool:
    return any(unicodedata.category(c).startswith("L") for c in text)
