"""Dates and timestamps in the shapes Polish forms and sheets produce.

Google Forms writes ``21.11.2026 14:03:22`` in a pl_PL sheet and
``11/21/2026 14:03:22`` in an en_US one; people type dd.mm.yyyy, yyyy-mm-dd
or dd/mm/yyyy (also yyyymmdd, as FEBRL-style files and some exports have it);
XLSX cells arrive as ISO text. Slashed dates are read day-first unless the
sheet's locale says month-first. The first shape that fits decides: if it is no
real day (31.09.2024, 2021-13-01) the text is no date, no other reading is tried.

One home of the rule: validation (``parse_date``, raising ``Invalid``), matching
(``synergia.dedupe.normalize.parse_date``) and the manual indicator tab
(``synergia.indicators.manual``) read dates with ``read_date``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from functools import lru_cache

from synergia.validation.errors import Invalid

MONTH_FIRST_LOCALES = ("en_US", "en_PH", "en_CA", "fil")

_DATE_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{1,2})\.(\d{1,2})\.(\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})-(\d{1,2})-(\d{4})$"), "dmy"),
    (re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})$"), "slash"),
    (re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"), "ymd"),
    (re.compile(r"^(\d{4})(\d{2})(\d{2})$"), "ymd"),
)
_ISO_TIMESTAMP = re.compile(r"^\d{4}-\d{2}-\d{2}T")
_TIME = re.compile(r"^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$")


def _month_first(locale: str | None) -> bool:
    return bool(locale) and locale.startswith(MONTH_FIRST_LOCALES)


def _read_date(raw: str, month_first: bool = False) -> date | None:
    """The day a date cell means, ``None`` if it is no date. A timestamp's time part is ignored
    (``2026-11-21T14:03`` / ``21.11.2026 14:03:22``); ``month_first``: slashed dates as m/d/yyyy."""
    value = (raw or "").strip()
    value = value.split("T", 1)[0] if _ISO_TIMESTAMP.match(value) else value
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
            mo, d = (a, b) if month_first else (b, a)
            y = c
        try:
            return date(y, mo, d)
        except ValueError:
            return None
    return None


read_date = lru_cache(maxsize=100_000)(_read_date)


@lru_cache(maxsize=100_000)
def iso_date(raw: str) -> str | None:
    """``read_date`` (day-first) as ``yyyy-mm-dd``, ``None`` if no date: the form matching compares."""
    day = _read_date(raw)
    return day.isoformat() if day else None


def looks_like_date(raw: str) -> bool:
    """Has the text one of the date shapes ``read_date`` knows (whether or not the day exists)?"""
    value = (raw or "").strip()
    return any(pattern.match(value) for pattern, _order in _DATE_PATTERNS)


def parse_date(raw: str, *, locale: str | None = None, field: str = "date") -> date:
    return _day(raw or "", _month_first(locale), field)


def _day(raw: str, month_first: bool, field: str) -> date:
    day = read_date(raw, month_first)
    if day is None:
        raise Invalid(f"date_invalid:{field}", f"nieprawidłowa data w polu '{field}' (oczekiwano DD.MM.RRRR lub RRRR-MM-DD)")
    return day


#: the two shapes nearly every stamp has: an XLSX date-time cell's text and a pl_PL Forms stamp
#: (dotted dates are day-first in every locale); ASCII digits only, anything else goes the general way
_ISO_STAMP = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2}) ([0-9]{2}):([0-9]{2}):([0-9]{2})")
_FORMS_STAMP = re.compile(r"([0-9]{1,2})\.([0-9]{1,2})\.([0-9]{4}) ([0-9]{1,2}):([0-9]{2}):([0-9]{2})")


def _common_stamp(raw: str) -> datetime | None:
    """``_read_timestamp`` of a stamp in one of the two common shapes, without the general parser
    (and without a place in the cache: each stamp is read about twice); ``None``: another shape, or
    no real moment (the general parser then says why)."""
    if m := _ISO_STAMP.fullmatch(raw):
        y, mo, d, h, mi, sec = map(int, m.groups())
    elif m := _FORMS_STAMP.fullmatch(raw):
        d, mo, y, h, mi, sec = map(int, m.groups())
    else:
        return None
    try:
        return datetime(y, mo, d, h, mi, sec)
    except ValueError:
        return None


def parse_timestamp(raw: str, *, locale: str | None = None, field: str = "submitted_at") -> datetime:
    """A Forms timestamp (local time of the sheet), with or without seconds; a bare date is midnight.
    Read once per text (row identities and validation both read every form's timestamp)."""
    raw, month_first = raw or "", _month_first(locale)
    if (common := _common_stamp(raw)) is not None:
        return common
    if len(raw) > 64:  # no stamp (the validator's limit is 60): not worth a place in the cache
        return _read_timestamp(raw, month_first, field)
    result = _timestamp(raw, month_first, field)
    if isinstance(result, datetime):
        return result
    raise Invalid(*result)


@lru_cache(maxsize=200_000)
def _timestamp(raw: str, month_first: bool, field: str) -> datetime | tuple[str, str]:
    """``parse_timestamp``'s answer: the moment, or the (code, message) of its ``Invalid``."""
    try:
        return _read_timestamp(raw, month_first, field)
    except Invalid as exc:
        return exc.code, exc.message_pl


def _read_timestamp(raw: str, month_first: bool, field: str) -> datetime:
    value = " ".join(raw.replace("T", " ").split())
    if not value:
        raise Invalid(f"date_invalid:{field}", f"brak daty w polu '{field}'")
    date_part, _, time_part = value.partition(" ")
    day = _day(date_part, month_first, field)
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
