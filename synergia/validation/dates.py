"""Dates and timestamps in the shapes Polish forms and sheets produce.

Google Forms writes ``21.11.2026 14:03:22`` in a pl_PL sheet and
``11/21/2026 14:03:22`` in an en_US one; people type dd.mm.yyyy, yyyy-mm-dd
or dd/mm/yyyy; XLSX cells arrive as ISO text. Slashed dates are read day-first
unless the sheet's locale says month-first.
"""
from __future__ import annotations

import re
from datetime import date, datetime

from synergia.validation.errors import Invalid

MONTH_FIRST_LOCALES = ("en_US", "en_PH", "en_CA", "fil")

_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "slash"),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),
)
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$")


def _month_first(locale: str | None) -> bool:
    return bool(locale) and locale.startswith(MONTH_FIRST_LOCALES)


def parse_date(raw: str, *, locale: str | None = None, field: str = "date") -> date:
    value = (raw or "").strip()
    value = value.split("T", 1)[0] if re.match(r"^\d{4}-\d{2}-\d{2}T", value) else value
    if " " in value:  # a timestamp where a date was expected: keep the date part
        value = value.split(" ", 1)[0]
    for pattern, order in _DATE_PATTERNS:
        m = pattern.match(value)
        if not m:
            continue
        a, b, c = (int(x) for x in m.groups())
        if order == "ymd":
            y, mo, d = a, b, c
        elif order == "dmy":
            d, mo, y = a, b, c
        else:
            mo, d = (a, b) if _month_first(locale) else (b, a)
            y = c
        try:
            return date(y, mo, d)
        except ValueError:
            break
    raise Invalid(f"date_invalid:{field}", f"nieprawidłowa data w polu '{field}' (oczekiwano DD.MM.RRRR lub RRRR-MM-DD)")


def parse_timestamp(raw: str, *, locale: str | None = None, field: str = "submitted_at") -> datetime:
    """A Forms timestamp (local time of the sheet), with or without seconds; a bare date is midnight."""
    value = " ".join((raw or "").replace("T", " ").split())
    if not value:
        raise Invalid(f"date_invalid:{field}", f"brak daty w polu '{field}'")
    date_part, _, time_part = value.partition(" ")
    day = parse_date(date_part, locale=locale, field=field)
    if not time_part:
        return datetime(day.year, day.month, day.day)
    time_part = time_part.split("+", 1)[0].removesuffix("Z")
    m = _TIME.match(time_part)
    if not m:
        raise Invalid(f"date_invalid:{field}", f"nieprawidłowa godzina w polu '{field}'")
    h, mi, s = int(m.group(1)), int(m.group(2)), int(m.group(3) or 0)
    try:
        return datetime(day.year, day.month, day.day, h, mi, s)
    except ValueError:
        raise Invalid(f"date_invalid:{field}", f"nieprawidłowa godzina w polu '{field}'") from None
