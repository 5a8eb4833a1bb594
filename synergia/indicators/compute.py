"""Indicator values per month, cumulative, % of target and pace — pure functions.

Counting rules (see ``../shared/domain.md``):

* ``persons`` — unique persons, each counted once per project, on the date of
  their first participation that matches the event filters (an attendance or
  advisory row), with the characteristics of their first participation
  (entry): gender, category, organisation, organisation type, gmina. With
  ``completed: true`` a person counts on the day they met a cycle's
  completion rule. Broken down by gender K / M / nie podano.
* ``distinct`` — distinct values (case/space-insensitive) of an entry
  characteristic among the persons the same filters select, or of the gmina of
  the events delivered; each value counts on the first day it appeared.
* ``events`` — events (filtered by type/id/cycle/gmina) that were delivered:
  their attendance lists show at least ``min_participants`` persons (default
  1: a planned event in the YAML is not a delivered one). Counted on the
  event's first day.
* ``hours`` — sum of hours from advisory logs / attendance rows with hours.
* ``manual`` — sum of the staff's values from the ``Wartości ręczne`` tab.
* ``certificates`` — certificates issued (register), on the issue date.

Pace is a linear projection from the indicator's start (default: project
start) to its deadline (default: project end). With ``f`` the elapsed share
of that period at the end of the reported month, ``expected = target · f``
and ``projected = cumulative / f``. Status:

* ``osiągnięty`` — cumulative ≥ target;
* ``na dobrej drodze`` — not achieved, deadline not passed, and either the
  period has not started (f = 0) or projected ≥ 90 % of target
  (``ON_TRACK_RATIO``: a 10 % tolerance, since workshops come in lumps);
* ``zagrożony`` — otherwise (including a deadline passed without the target);
* ``brak danych`` — the evidence (manual tab, certificate register) is missing.
"""
from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import date, timedelta
from itertools import accumulate
from typing import Iterable

from config.indicators import IndicatorConfig
from synergia.dedupe.normalize import fold
from synergia.indicators.model import (
    GENDER_LABELS,
    EventFact,
    Facts,
    IndicatorResult,
    MonthPoint,
    PersonFact,
)
from synergia.indicators.months import Month, months_between

ON_TRACK_RATIO = 0.9
STATUS_DONE = "osiągnięty"
STATUS_ON_TRACK = "na dobrej drodze"
STATUS_AT_RISK = "zagrożony"
STATUS_NO_DATA = "brak danych"


@dataclass(frozen=True)
class Occurrence:
    """One unit an indicator counts: when it counts, how much, and (persons) the gender."""

    on: date
    weight: float = 1.0
    gender: str | None = None


def norm(value: str | None) -> str | None:
    """Comparison key for free text typed by people: case, spaces, quotes and punctuation,
    and dropped diacritics ('Fundacja „Łąka”' == 'fundacja laka') do not make a new value."""
    if value is None:
        return None
    return fold(str(value)) or None


def _matches(value: str | None, allowed: list[str]) -> bool:
    return not allowed or norm(value) in {norm(a) for a in allowed}


def _event_ok(ind: IndicatorConfig, ev: EventFact | None) -> bool:
    f = ind.filters
    if not (f.event_type or f.event or f.cycle):
        return True
    if ev is None:
        return False
    return (
        (not f.event_type or ev.type in f.event_type)
        and (not f.event or ev.id in f.event)
        and (not f.cycle or ev.cycle in f.cycle)
    )


def _person_date(ind: IndicatorConfig, p: PersonFact, events: dict[str, EventFact]) -> date | None:
    """The day person ``p`` starts counting for ``ind``, or None if they do not qualify."""
    f = ind.filters
    if not (
        _matches(p.category, f.category)
        and _matches(p.organisation_type, f.organisation_type)
        and _matches(p.gmina, f.gmina)
    ):
        return None
    days = [x.on for x in p.participations if _event_ok(ind, events.get(x.event_id))]
    if not days:
        return None
    first = min(days)
    if f.completed:
        done = [d for cycle, d in p.completions if not f.cycle or cycle in f.cycle]
        if not done:
            return None
        return max(first, min(done))
    if f.completed is False and p.completions:
        return None
    return first


def _participants_by_event(facts: Facts) -> dict[str, set[int]]:
    out: dict[str, set[int]] = {}
    for p in facts.persons:
        for x in p.participations:
            out.setdefault(x.event_id, set()).add(p.person_id)
    return out


def _delivered_events(ind: IndicatorConfig, facts: Facts) -> list[EventFact]:
    f = ind.filters
    attendees = _participants_by_event(facts)
    need = f.min_participants or 1
    return [
        ev for ev in facts.events
        if _event_ok(ind, ev) and _matches(ev.gmina, f.gmina) and len(attendees.get(ev.id, ())) >= need
    ]


def _first_by_key(pairs: Iterable[tuple[str | None, date]]) -> list[Occurrence]:
    first: dict[str, date] = {}
    for key, day in pairs:
        k = norm(key)
        if k is not None and (k not in first or day < first[k]):
            first[k] = day
    return [Occurrence(d) for d in first.values()]


def occurrences(ind: IndicatorConfig, facts: Facts) -> list[Occurrence] | None:
    """What ``ind`` counts, each with its date; None when the evidence is missing."""
    events = {e.id: e for e in facts.events}
    if ind.kind == "persons":
        out = []
        for p in facts.persons:
            d = _person_date(ind, p, events)
            if d is not None:
                out.append(Occurrence(d, 1.0, p.gender if p.gender in ("K", "M") else None))
        return out
    if ind.kind == "distinct":
        if ind.distinct_of == "event_gmina":
            return _first_by_key((ev.gmina, ev.first_date) for ev in _delivered_events(ind, facts))
        pairs = []
        for p in facts.persons:
            d = _person_date(ind, p, events)
            if d is not None:
                pairs.append((getattr(p, ind.distinct_of or ""), d))
        return _first_by_key(pairs)
    if ind.kind == "events":
        return [Occurrence(ev.first_date) for ev in _delivered_events(ind, facts)]
    if ind.kind == "hours":
        return [Occurrence(h.on, h.hours) for h in facts.hours if _event_ok(ind, events.get(h.event_id))]
    if ind.kind == "manual":
        if facts.manual is None:
            return None
        return [Occurrence(m.on, m.value) for m in facts.manual if m.indicator == ind.id]
    if ind.kind == "certificates":
        if facts.certificates is None:
            return None
        f = ind.filters
        return [
            Occurrence(c.issued_on) for c in facts.certificates
            if not f.cycle or c.cycle in f.cycle
        ]
    raise ValueError(f"unknown indicator kind {ind.kind}")


def elapsed_share(start: date, deadline: date, as_of: date) -> float:
    """Share of [start, deadline] (inclusive days) elapsed at the end of day ``as_of``."""
    total = (deadline - start).days + 1
    done = (as_of - start).days + 1
    return min(1.0, max(0.0, done / total))


def pace_status(cumulative: float, target: float, share: float, deadline_passed: bool) -> tuple[float, float | None, str]:
    """(expected, projected, status) by the linear rule in the module docstring."""
    expected = target * share
    projected = cumulative / share if share > 0 else None
    if cumulative >= target:
        return expected, projected, STATUS_DONE
    if deadline_passed:
        return expected, projected, STATUS_AT_RISK
    if share == 0 or (projected is not None and projected >= ON_TRACK_RATIO * target):
        return expected, projected, STATUS_ON_TRACK
    return expected, projected, STATUS_AT_RISK


def _gender_counts(items: Iterable[Occurrence]) -> dict[str, int]:
    c = Counter(GENDER_LABELS[o.gender] for o in items)
    return {label: int(c.get(label, 0)) for label in GENDER_LABELS.values()}


def compute_indicator(
    ind: IndicatorConfig, facts: Facts, month: Month, period_start: date, period_end: date
) -> IndicatorResult:
    start = ind.start or period_start
    deadline = ind.deadline or period_end
    occ = occurrences(ind, facts)
    share = elapsed_share(start, deadline, month.last_day)
    if occ is None:
        return IndicatorResult(
            id=ind.id, name=ind.name, kind=ind.kind, unit=ind.unit, target=ind.target, start=start,
            deadline=deadline, month=str(month), month_value=None, cumulative=None, percent=None,
            expected=ind.target * share, projected=None, status=STATUS_NO_DATA,
            note="brak źródła danych dla tego wskaźnika",
        )
    occ = sorted(occ, key=lambda o: o.on)
    days = [o.on for o in occ]
    running = list(accumulate((o.weight for o in occ), initial=0.0))  # running[i] = weight of occ[:i]

    def total_upto(day: date) -> float:
        return running[bisect_right(days, day)]

    in_month = occ[bisect_left(days, month.first_day):bisect_right(days, month.last_day)]
    upto = occ[:bisect_right(days, month.last_day)]
    cumulative = total_upto(month.last_day)
    month_value = cumulative - total_upto(month.first_day - timedelta(days=1))
    expected, projected, status = pace_status(cumulative, ind.target, share, month.last_day >= deadline)
    first_month = min(Month.of(start), month)
    series = tuple(MonthPoint(str(m), total_upto(m.last_day)) for m in months_between(first_month, month))
    return IndicatorResult(
        id=ind.id, name=ind.name, kind=ind.kind, unit=ind.unit, target=ind.target, start=start, deadline=deadline,
        month=str(month), month_value=month_value, cumulative=cumulative,
        percent=(cumulative / ind.target * 100) if ind.target else None,
        expected=expected, projected=projected, status=status,
        gender_month=_gender_counts(in_month) if ind.per_person else None,
        gender_cumulative=_gender_counts(upto) if ind.per_person else None,
        series=series,
    )


def compute_all(
    indicators: Iterable[IndicatorConfig], facts: Facts, month: Month, period_start: date, period_end: date
) -> tuple[IndicatorResult, ...]:
    return tuple(compute_indicator(i, facts, month, period_start, period_end) for i in indicators)
