"""Dates and numbers written the Polish way, for certificates, e-mail, the site and the reports.

One home for each: babel (CLDR data) supplies the genitive month names and the
decimal comma, so ``5 marca 2026 r.``, ``05.03.2026`` and ``1 234,5`` come from
the same two functions wherever they are printed.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from babel.dates import format_date, format_datetime
from babel.numbers import format_decimal

LOCALE = "pl_PL"
#: ``5 marca 2026`` (the genitive month name comes only with a day).
DATE_LONG = "d MMMM y"
#: ``5 marca 2026 r.`` — certificates and the verification site.
DATE_FORMAL = "d MMMM y 'r.'"
#: ``05.03.2026`` — tables (the Wskaźniki tab, the coordinators' summary).
DATE_NUMERIC = "dd.MM.y"
DATETIME_LONG = "d MMMM y, HH:mm"
#: What a missing number is printed as.
NO_NUMBER = "—"


def pl_date(value: date | datetime | None, fmt: str = DATE_LONG) -> str:
    """``value`` in the babel pattern ``fmt`` (``DATE_LONG``, ``DATE_FORMAL``, ``DATE_NUMERIC``); '' for None."""
    return "" if value is None else format_date(value, fmt, locale=LOCALE)


def pl_datetime(value: datetime | None, fmt: str = DATETIME_LONG) -> str:
    return "" if value is None else format_datetime(value, fmt, locale=LOCALE)


def pl_formal_date(value: date | None) -> str:
    """``5 marca 2026 r.``"""
    return pl_date(value, DATE_FORMAL)


def pl_dates(dates: Sequence[date]) -> str:
    """``12, 19 i 26 marca 2026 r.; 2 kwietnia 2026 r.`` — days grouped by month."""
    days = sorted(set(dates))
    groups: list[list[date]] = []
    for d in days:
        if groups and (groups[-1][0].year, groups[-1][0].month) == (d.year, d.month):
            groups[-1].append(d)
        else:
            groups.append([d])
    parts = []
    for g in groups:
        month = pl_formal_date(g[0]).split(" ", 1)[1]  # the genitive "marca 2026 r.": a full date without its day
        nums = [str(d.day) for d in g]
        head = ", ".join(nums[:-1]) + " i " + nums[-1] if len(nums) > 1 else nums[0]
        parts.append(f"{head} {month}")
    return "; ".join(parts)


def pl_number(value: float | None, digits: int = 2) -> str:
    """Polish number with at most ``digits`` decimals: 16 → ``16``, 7.5 → ``7,5``, 1234.5 → ``1 234,5``
    (a no-break space groups thousands); ``—`` for None."""
    if value is None:
        return NO_NUMBER
    return format_decimal(round(float(value), digits), format="#,##0." + "#" * digits, locale=LOCALE)


def pl_percent(value: float | None) -> str:
    """``12,5 %`` (one decimal); ``—`` for None."""
    return NO_NUMBER if value is None else f"{pl_number(value, 1)} %"
