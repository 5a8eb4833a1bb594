"""Month windows in the project's timezone (Europe/Warsaw by default).

Registry timestamps are naive UTC (``synergia.registry.base.utcnow``); dates
people typed (event days, attendance days, the manual tab) are already local
calendar dates. Everything is reduced to a *local date* before it is put in a
month, so an entry at 23:30 on 31 March in Warsaw belongs to March even though
it is already the 31st at 21:30 UTC, and 00:30 on 1 November belongs to
November although UTC still says 31 October.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


@dataclass(frozen=True, order=True)
class Month:
    year: int
    month: int

    @classmethod
    def parse(cls, text: str) -> Month:
        m = _MONTH.match(text.strip())
        if not m:
            raise ValueError(f"zły miesiąc '{text}', użyj RRRR-MM (bad month, use YYYY-MM)")
        return cls(int(m.group(1)), int(m.group(2)))

    @classmethod
    def of(cls, d: date) -> Month:
        return cls(d.year, d.month)

    def __str__(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @property
    def first_day(self) -> date:
        return date(self.year, self.month, 1)

    @property
    def last_day(self) -> date:
        return self.next().first_day - timedelta(days=1)

    def next(self) -> Month:
        return Month(self.year + (self.month == 12), self.month % 12 + 1)

    def previous(self) -> Month:
        return Month(self.year - (self.month == 1), (self.month - 2) % 12 + 1)

    def contains(self, d: date) -> bool:
        return (d.year, d.month) == (self.year, self.month)

    def window_utc(self, tz: str) -> tuple[datetime, datetime]:
        """[start, end) of the month in ``tz`` as naive UTC datetimes, for SQL on registry timestamps."""
        zone = ZoneInfo(tz)
        start = datetime.combine(self.first_day, datetime.min.time(), zone)
        end = datetime.combine(self.next().first_day, datetime.min.time(), zone)
        return (start.astimezone(UTC).replace(tzinfo=None), end.astimezone(UTC).replace(tzinfo=None))

    def label_pl(self) -> str:
        return f"{MONTHS_PL[self.month - 1]} {self.year}"


MONTHS_PL = (
    "styczeń",
    "luty",
    "marzec",
    "kwiecień",
    "maj",
    "czerwiec",
    "lipiec",
    "sierpień",
    "wrzesień",
    "październik",
    "listopad",
    "grudzień",
)


def months_between(first: Month, last: Month) -> list[Month]:
    out: list[Month] = []
    m = first
    while m <= last:
        out.append(m)
        m = m.next()
    return out


def local_date(value: datetime | date, tz: str) -> date:
    """Calendar date in ``tz``. Naive datetimes are registry UTC; dates are already local."""
    if isinstance(value, datetime):
        aware = value if value.tzinfo else value.replace(tzinfo=UTC)
        return aware.astimezone(ZoneInfo(tz)).date()
    return value


def previous_month(tz: str, now: datetime | None = None) -> Month:
    """The month before the current one in ``tz`` (the monthly flow's default)."""
    now = now or datetime.now(UTC)
    return Month.of(local_date(now, tz)).previous()
