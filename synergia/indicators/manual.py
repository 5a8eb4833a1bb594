"""The staff-kept ``Wartości ręczne`` tab: counts that are not person records.

Columns: ``Wskaźnik`` (indicator id), ``Data`` (dd.mm.yyyy), ``Wartość``,
``Opis``. The pipeline only reads it. A bad row is quarantined like any
other source row: it is not counted, it is listed with its reason in the
``Odrzucone`` tab (``record_manual_quarantine`` in ``monthly``) and in the
summary next to the indicator it would change. It never stops the monthly
report. Reasons: no such day (31.09, 2021-13-01 — the format is right, the
date is not), an unknown date format, a value that is not a number, a
negative or a fractional value (the values are counts: a decimal comma in
"2,5" is not a count). Messages never repeat the cell text (staff may type
anything there, and reports go by e-mail).

Dates are read by the one date rule of the registry (``synergia.validation.dates.read_date``:
dd.mm.yyyy, yyyy-mm-dd, dd/mm/yyyy, dd-mm-yyyy, yyyy.mm.dd, yyyy/mm/dd, yyyymmdd,
a time part ignored); this tab once had its own, narrower list of formats.
"""

from __future__ import annotations

import re

from synergia.indicators.model import BadManualRow, ManualValue
from synergia.validation.dates import looks_like_date, read_date

HEADERS = {"indicator": "Wskaźnik", "date": "Data", "value": "Wartość", "description": "Opis"}
REASONS = {
    "no_indicator": "brak identyfikatora wskaźnika (no indicator id)",
    "unknown_indicator": "nieznany wskaźnik ręczny (unknown manual indicator)",
    "impossible_date": "nie ma takiego dnia w kalendarzu — popraw dzień lub miesiąc (impossible date)",
    "bad_date": "nieczytelna data, użyj DD.MM.RRRR (unreadable date)",
    "not_number": "wartość nie jest liczbą (not a number)",
    "negative": "wartość ujemna (negative value)",
    "not_integer": "wartość niecałkowita — wskaźnik liczy sztuki lub osoby, wpisz liczbę całkowitą (not a whole number)",
}


def date_problem(text: str) -> str:
    """'impossible_date' when the text has a date's shape but no such day exists, else 'bad_date'."""
    return "impossible_date" if looks_like_date(text) else "bad_date"


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


def parse_manual_tab(rows: list[list[str]], manual_ids: set[str], tab: str) -> tuple[tuple[ManualValue, ...], tuple[str, ...]]:
    """Values and Polish problem messages (``'<tab>, wiersz N: ...'``) of the manual tab."""
    values, bad, header_problems = parse_manual_rows(rows, manual_ids, tab)
    return values, header_problems + tuple(b.message for b in bad)


def parse_manual_rows(
    rows: list[list[str]], manual_ids: set[str], tab: str
) -> tuple[tuple[ManualValue, ...], tuple[BadManualRow, ...], tuple[str, ...]]:
    """(values, bad rows, problems with the header) of the manual tab."""
    if not rows:
        return (), (), ()
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
        return (), (), tuple(problems)
    values: list[ManualValue] = []
    bad: list[BadManualRow] = []
    for number, row in enumerate(rows[1:], start=2):
        cells = [str(c) if c is not None else "" for c in row]
        if not any(c.strip() for c in cells):
            continue

        def cell(key: str, cells: list[str] = cells) -> str:
            i = col[key]
            return cells[i].strip() if i < len(cells) else ""

        ind, day_text, value_text = cell("indicator"), cell("date"), cell("value")
        value = parse_number(value_text)
        code = None
        if not ind:
            code = "no_indicator"
        elif ind not in manual_ids:
            code = "unknown_indicator"
        elif (day := read_date(day_text)) is None:
            code = date_problem(day_text)
        elif value is None:
            code = "not_number"
        elif value < 0:
            code = "negative"
        elif not float(value).is_integer():
            code = "not_integer"
        if code is None:
            values.append(ManualValue(ind, day, value))
            continue
        known = ind if ind in manual_ids else None
        extra = ""
        if code == "unknown_indicator":
            extra = f" (dozwolone: {', '.join(sorted(manual_ids)) or 'brak'})"
        bad.append(
            BadManualRow(
                number, code, f"{tab}, wiersz {number}: {REASONS[code]}{extra}", known, value if value is not None and value >= 0 else None
            )
        )
    return tuple(values), tuple(bad), ()
