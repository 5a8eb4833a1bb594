"""The staff-kept ``Wartości ręczne`` tab: counts that are not person records.

Columns: ``Wskaźnik`` (indicator id), ``Data`` (dd.mm.yyyy), ``Wartość``,
``Opis``. The pipeline only reads it. A bad row is reported by row number and
reason and skipped; it never stops the monthly report. Messages never repeat
the cell text (staff may type anything there, and reports go by e-mail).
"""
from __future__ import annotations

import re
from datetime import date, datetime

from synergia.indicators.model import ManualValue

HEADERS = {"indicator": "Wskaźnik", "date": "Data", "value": "Wartość", "description": "Opis"}
_DATE_FORMATS = ("%d.%m.%Y", "%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y")


def parse_date(text: str) -> date | None:
    text = text.strip()
    for fmt in _DATE_FORMATS:
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    return None


def parse_number(text: str) -> float | None:
    """'1 234,5' / '1234.5' / '12' -> float; anything else None."""
    t = re.sub(r"[\s\u00a0]", "", text.strip())
    if not t:
        return None
    if "," in t and "." in t:
        t = t.replace(".", "")
    t = t.replace(",", ".")
    try:
        return float(t)
    except ValueError:
        return None


def parse_manual_tab(
    rows: list[list[str]], manual_ids: set[str], tab: str
) -> tuple[tuple[ManualValue, ...], tuple[str, ...]]:
    """Values and Polish problem messages (``'<tab>, wiersz N: ...'``) of the manual tab."""
    if not rows:
        return (), ()
    header = [str(h).strip().casefold() for h in rows[0]]
    col = {}
    problems: list[str] = []
    for key in ("indicator", "date", "value"):
        name = HEADERS[key].casefold()
        if name not in header:
            problems.append(f"{tab}: brak kolumny '{HEADERS[key]}' w pierwszym wierszu")
        else:
            col[key] = header.index(name)
    if problems:
        return (), tuple(problems)
    values: list[ManualValue] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [str(c) if c is not None else "" for c in row]
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str) -> str:
            i = col[key]
            return cells[i].strip() if i < len(cells) else ""

        ind, day_text, value_text = cell("indicator"), cell("date"), cell("value")
        where = f"{tab}, wiersz {number}"
        if not ind:
            problems.append(f"{where}: brak identyfikatora wskaźnika")
        elif ind not in manual_ids:
            problems.append(f"{where}: nieznany wskaźnik ręczny (dozwolone: {', '.join(sorted(manual_ids)) or 'brak'})")
        elif (day := parse_date(day_text)) is None:
            problems.append(f"{where}: zła data, użyj DD.MM.RRRR")
        elif (value := parse_number(value_text)) is None:
            problems.append(f"{where}: wartość nie jest liczbą")
        elif value < 0:
            problems.append(f"{where}: wartość ujemna")
        else:
            values.append(ManualValue(ind, day, value))
    return tuple(values), tuple(problems)
