"""The review tab (``Do sprawdzenia`` by default): uncertain pairs for staff, and their TAK/NIE back.

Each row is one pair of applications with the fields staff need side by side
(A next to B), the reason and a stable pair key made of internal application
ids. Staff type TAK (the same person) or NIE (two people) in the decision
column; the next run reads it back with ``parse_decisions``. The tab shows
personal data to staff on purpose; none of it goes to logs.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from synergia.dedupe.normalize import fold

KEY_HEADER = "Klucz pary"
DECISION_HEADER = "Decyzja (TAK/NIE)"
_SIDE_FIELDS: tuple[tuple[str, str], ...] = (
    ("Osoba nr", "_person"),
    ("Źródło", "_source"),
    ("Imię", "first_name"),
    ("Nazwisko", "last_name"),
    ("Data urodzenia", "birth_date"),
    ("PESEL", "pesel"),
    ("E-mail", "email"),
    ("Telefon", "phone"),
    ("Adres", "_address"),
    ("Organizacja", "organisation"),
)
HEADER: list[str] = [KEY_HEADER, DECISION_HEADER, "Powód", "Pewność"] + [
    f"{label} {side}" for label, _ in _SIDE_FIELDS for side in ("A", "B")
]
_KEY = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
_YES = {"tak", "t", "yes", "y", "1", "ta sama", "ta sama osoba", "same"}
_NO = {"nie", "n", "no", "0", "rozne", "inna", "inna osoba", "different"}


@dataclass(frozen=True)
class ReviewItem:
    """One open pair with what staff see of each side."""

    a: int
    b: int
    reason: str
    score: float
    data_a: Mapping[str, Any]
    data_b: Mapping[str, Any]
    source_a: str = ""
    source_b: str = ""
    person_a: int | None = None
    person_b: int | None = None
    decision_text: str = ""


@dataclass(frozen=True)
class StaffDecision:
    a: int
    b: int
    same: bool


@dataclass
class ParsedTab:
    decisions: list[StaffDecision] = field(default_factory=list)
    pending_text: dict[tuple[int, int], str] = field(default_factory=dict)  # unreadable answers kept as typed
    unreadable: int = 0


def pair_key(a: int, b: int) -> str:
    lo, hi = sorted((int(a), int(b)))
    return f"{lo}-{hi}"


def _cell(data: Mapping[str, Any], key: str, item: ReviewItem, side: str) -> str:
    if key == "_person":
        pid = item.person_a if side == "A" else item.person_b
        return "" if pid is None else str(pid)
    if key == "_source":
        return item.source_a if side == "A" else item.source_b
    if key == "_address":
        parts = [data.get("street"), data.get("postal_code"), data.get("city")]
        return ", ".join(str(p) for p in parts if p)
    v = data.get(key)
    return "" if v is None else str(v)


def build_rows(items: Sequence[ReviewItem]) -> list[list[str]]:
    """Header + one row per pair, strongest suspicion first, then by key (stable)."""
    rows = [list(HEADER)]
    for it in sorted(items, key=lambda i: (-i.score, min(i.a, i.b), max(i.a, i.b))):
        a_first = it.a < it.b
        row = [pair_key(it.a, it.b), it.decision_text, it.reason, f"{it.score:.2f}"]
        for _label, key in _SIDE_FIELDS:
            for side in ("A", "B"):
                real = side if a_first else ("B" if side == "A" else "A")
                data = it.data_a if real == "A" else it.data_b
                row.append(_cell(data, key, it, real))
        rows.append(row)
    return rows


def parse_decisions(values: Sequence[Sequence[str]] | None) -> ParsedTab:
    """Staff answers from the tab's current values (header located by name, any column order)."""
    out = ParsedTab()
    if not values:
        return out
    header = [fold(str(h)) for h in values[0]]
    try:
        key_col = header.index(fold(KEY_HEADER))
        dec_col = header.index(fold(DECISION_HEADER))
    except ValueError:
        return out
    for row in values[1:]:
        key = str(row[key_col]) if key_col < len(row) else ""
        m = _KEY.match(key)
        if not m:
            continue
        a, b = sorted((int(m.group(1)), int(m.group(2))))
        raw = str(row[dec_col]).strip() if dec_col < len(row) else ""
        answer = fold(raw)
        if not answer:
            continue
        if answer in _YES:
            out.decisions.append(StaffDecision(a, b, True))
        elif answer in _NO:
            out.decisions.append(StaffDecision(a, b, False))
        else:
            out.unreadable += 1
            out.pending_text[(a, b)] = raw
    return out
