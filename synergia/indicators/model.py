"""Plain facts the indicators are computed from, and the results.

Facts are loaded once from the registry (``facts.load_facts``) and may carry
organisation names and gender, but never names, e-mails or PESELs; results
carry only numbers, indicator ids and names. A piece of evidence that could
not be loaded is ``None`` (not an empty tuple), so an indicator depending on
it shows "brak danych" instead of a silent zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

GENDER_LABELS = {"K": "K", "M": "M", None: "nie podano"}


@dataclass(frozen=True)
class Participation:
    event_id: str
    on: date
    hours: float | None = None


@dataclass(frozen=True)
class PersonFact:
    """One deduplicated person with the characteristics of their first participation (entry)."""

    person_id: int
    entry_date: date
    gender: str | None = None
    category: str | None = None
    organisation: str | None = None
    organisation_type: str | None = None
    gmina: str | None = None
    participations: tuple[Participation, ...] = ()
    completions: tuple[tuple[str, date], ...] = ()  # (cycle id, date the completion rule was met)
    jst: str | None = None  # JST staff: their local government unit ("gmina Tychy"), not the office or school


@dataclass(frozen=True)
class EventFact:
    id: str
    type: str
    first_date: date
    last_date: date
    gmina: str | None = None
    cycle: str | None = None
    hours: float = 0.0


@dataclass(frozen=True)
class HoursEntry:
    """Hours from an advisory log or an attendance row that states hours."""

    event_id: str
    on: date
    hours: float


@dataclass(frozen=True)
class ManualValue:
    indicator: str
    on: date
    value: float


@dataclass(frozen=True)
class CertificateFact:
    issued_on: date
    cycle: str | None = None
    has_email: bool = True  # False: issued, but the person has no usable address yet (waits for e-mail)


@dataclass(frozen=True)
class PlannedEvent:
    """An event as planned in the project YAML (dates, type, cycle) — the calendar pace is judged against."""

    id: str
    type: str
    title: str
    dates: tuple[date, ...]
    gmina: str | None = None
    cycle: str | None = None
    hours: float = 0.0

    @property
    def first_date(self) -> date:
        return min(self.dates)

    @property
    def last_date(self) -> date:
        return max(self.dates)


@dataclass(frozen=True)
class BadManualRow:
    """A ``Wartości ręczne`` row that was not counted: where, why, and what it would have changed."""

    row_number: int
    reason_code: str  # bad_date | impossible_date | not_integer | not_number | negative | unknown_indicator | no_indicator
    message: str  # Polish, names the row, never repeats the cell text
    indicator: str | None = None  # the indicator it names, when that one exists
    value: float | None = None  # the value it would add, when readable


@dataclass(frozen=True)
class QuarantinedSource:
    """Open quarantine entries of one source (numbers only) and which event its rows belong to."""

    source_id: str
    kind: str  # recruitment | attendance | advisory | manual
    event_id: str | None
    count: int


@dataclass(frozen=True)
class Facts:
    persons: tuple[PersonFact, ...]
    events: tuple[EventFact, ...]
    hours: tuple[HoursEntry, ...]
    manual: tuple[ManualValue, ...] | None = None  # None: the manual tab could not be read
    certificates: tuple[CertificateFact, ...] | None = None  # None: no certificate register
    problems: tuple[str, ...] = ()  # Polish, row references only
    planned: tuple[PlannedEvent, ...] = ()  # the YAML's events (the plan), for event-aware pace
    bad_manual: tuple[BadManualRow, ...] = ()
    quarantined: tuple[QuarantinedSource, ...] = ()


@dataclass(frozen=True)
class MonthPoint:
    month: str
    cumulative: float
    planned: float | None = None  # what the plan expects by this month's end


@dataclass(frozen=True)
class IndicatorResult:
    id: str
    name: str
    kind: str
    unit: str
    target: float
    start: date
    deadline: date
    month: str
    month_value: float | None
    cumulative: float | None
    percent: float | None  # cumulative / target * 100
    expected: float  # linear expectation at month end
    projected: float | None  # linear projection to the deadline
    status: str  # osiągnięty | na dobrej drodze | zagrożony | brak danych
    gender_month: dict[str, int] | None = None  # "K"/"M"/"nie podano" -> persons
    gender_cumulative: dict[str, int] | None = None
    series: tuple[MonthPoint, ...] = field(default=())
    note: str | None = None
    reason: str | None = None  # why not on track and the next step (Polish), for statuses other than on track
    pace_rule: str = "liniowy"  # "wydarzenia" (planned calendar) | "liniowy" (continuous)
    target_source: str = "roboczy"  # umowa | opis | roboczy
    plan: tuple[tuple[str, float], ...] = ()  # (YYYY-MM, planned cumulative at month end) up to the deadline's month


@dataclass(frozen=True)
class MonthSummary:
    """Everything the monthly report shows: numbers only, no personal data."""

    project: str
    project_name: str
    month: str
    period_start: date
    period_end: date
    results: tuple[IndicatorResult, ...]
    quarantine_new: int | None = None
    quarantine_open: int | None = None
    delivery_failures: int | None = None
    delivery_failure_kinds: tuple[tuple[str, str, int], ...] = ()  # (mail kind, failure code, count), no addresses
    problems: tuple[str, ...] = ()
    bad_manual: tuple[BadManualRow, ...] = ()
    quarantine_now: int | None = None  # open entries now = rows of the ``Odrzucone`` tab
    period_source: str = "opis"  # umowa | opis | roboczy

    @property
    def at_risk(self) -> tuple[IndicatorResult, ...]:
        """Indicators that need action: at risk, or the deadline passed without the target."""
        return tuple(r for r in self.results if r.status in ("zagrożony", "nie osiągnięto"))
