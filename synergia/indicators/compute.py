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

Pace (``pace_for``) is judged against the *planned calendar* when the
indicator is delivered by planned events, and linearly only when it is
continuous:

* **event-aware** — ``persons``, ``distinct``, ``events``, ``certificates``
  and ``hours`` of sessions: the planned events that can deliver the indicator
  are the YAML's events matching its event filters (all events when it has
  none; the event's gmina for ``events``), dated up to the deadline. Each
  delivers on its first day (persons and events arrive there); completion
  (``completed: true``) and certificates are delivered by a cycle's *last*
  event; session hours spread over the session dates. With ``P`` the planned
  share delivered by the end of the reported month, ``expected = target · P``.
  What the remaining planned events can still deliver (``capacity``) is the
  number of remaining events for ``events`` (distinct new gminas for
  ``event_gmina``) and ``target · (1 − P)`` otherwise; ``projected =
  cumulative + capacity``.
* **linear** (continuous: ``manual`` values, advisory hours, and any
  indicator without planned events before its deadline): ``P`` is the elapsed
  share ``f`` of [start, deadline], ``expected = target · f`` and
  ``projected = cumulative / f``.

Status at the end of the reported month:

* ``osiągnięty`` — cumulative ≥ target;
* ``nie osiągnięto`` — the deadline is reached (month end ≥ deadline) without
  the target;
* ``na dobrej drodze`` — event-aware: ``events`` if cumulative + remaining
  planned events ≥ target, others if projected ≥ 90 % of target
  (``ON_TRACK_RATIO``: a 10 % tolerance, lumps of people per workshop);
  linear: the period has not started (f = 0) or projected ≥ 90 % of target;
* ``zagrożony`` — otherwise;
* ``brak danych`` — the evidence (manual tab, certificate register) is missing.

Every status other than ``osiągnięty`` / ``na dobrej drodze`` gets a reason
and a next step in Polish (``reason_text``): how many are missing, by when,
which planned events can still deliver, and what blocks it (completed people
without a certificate, certificates waiting for an e-mail address, rejected
rows that would count).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import date, timedelta
from itertools import accumulate

from config.indicators import IndicatorConfig
from synergia.dedupe.normalize import fold
from synergia.formatting import DATE_NUMERIC, pl_date, pl_number
from synergia.indicators.model import (
    GENDER_LABELS,
    EventFact,
    Facts,
    IndicatorResult,
    MonthPoint,
    PersonFact,
    PlannedEvent,
)
from synergia.indicators.months import Month, months_between

ON_TRACK_RATIO = 0.9
STATUS_DONE = "osiągnięty"
STATUS_ON_TRACK = "na dobrej drodze"
STATUS_AT_RISK = "zagrożony"
STATUS_NO_DATA = "brak danych"
STATUS_MISSED = "nie osiągnięto"
RULE_EVENTS, RULE_LINEAR = "wydarzenia", "liniowy"


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
    return (not f.event_type or ev.type in f.event_type) and (not f.event or ev.id in f.event) and (not f.cycle or ev.cycle in f.cycle)


def _person_date(ind: IndicatorConfig, p: PersonFact, events: dict[str, EventFact]) -> date | None:
    """The day person ``p`` starts counting for ``ind``, or None if they do not qualify."""
    f = ind.filters
    if not (_matches(p.category, f.category) and _matches(p.organisation_type, f.organisation_type) and _matches(p.gmina, f.gmina)):
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
    return [ev for ev in facts.events if _event_ok(ind, ev) and _matches(ev.gmina, f.gmina) and len(attendees.get(ev.id, ())) >= need]


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
                pairs.append((getattr(p, ind.distinct_of or ""), d))  # jst: the person's local government unit
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
        return [Occurrence(c.issued_on) for c in facts.certificates if not f.cycle or c.cycle in f.cycle]
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
        return expected, projected, STATUS_MISSED
    if share == 0 or (projected is not None and projected >= ON_TRACK_RATIO * target):
        return expected, projected, STATUS_ON_TRACK
    return expected, projected, STATUS_AT_RISK


@dataclass(frozen=True)
class Delivery:
    """One planned delivery: the day, its weight in the plan, the event behind it."""

    on: date
    weight: float
    event: PlannedEvent


def _planned_ok(ind: IndicatorConfig, ev: PlannedEvent) -> bool:
    f = ind.filters
    return (not f.event_type or ev.type in f.event_type) and (not f.event or ev.id in f.event) and (not f.cycle or ev.cycle in f.cycle)


def planned_deliveries(ind: IndicatorConfig, planned: Iterable[PlannedEvent], deadline: date) -> list[Delivery]:
    """The planned calendar of ``ind`` (rules in the module docstring); [] = continuous (linear)."""
    if ind.kind == "manual":
        return []
    f = ind.filters
    evs = [e for e in planned if _planned_ok(ind, e)]
    if ind.kind == "hours":
        evs = [e for e in evs if e.type != "doradztwo"]  # advisory goes on continuously
        out = [Delivery(d, (e.hours or 1) / len(e.dates), e) for e in evs for d in e.dates]
        return sorted((x for x in out if x.on <= deadline), key=lambda x: x.on)
    if ind.kind == "certificates" or (ind.kind in ("persons", "distinct") and f.completed):
        by_cycle: dict[str, PlannedEvent] = {}
        for e in evs:
            if e.cycle and (e.cycle not in by_cycle or e.last_date > by_cycle[e.cycle].last_date):
                by_cycle[e.cycle] = e
        out = [Delivery(e.last_date, 1.0, e) for e in by_cycle.values()]
    elif ind.kind == "events" or ind.distinct_of == "event_gmina":
        evs = [e for e in evs if _matches(e.gmina, f.gmina)]
        if ind.distinct_of == "event_gmina":
            first: dict[str, PlannedEvent] = {}
            for e in sorted(evs, key=lambda e: e.first_date):
                k = norm(e.gmina)
                if k is not None and k not in first:
                    first[k] = e
            evs = list(first.values())
        out = [Delivery(e.first_date, 1.0, e) for e in evs]
    else:  # persons / distinct arrive at the events they attend
        out = [Delivery(e.first_date, 1.0, e) for e in evs]
    return sorted((x for x in out if x.on <= deadline), key=lambda x: (x.on, x.event.id))


@dataclass(frozen=True)
class Pace:
    rule: str
    expected: float
    projected: float | None
    status: str
    remaining: tuple[Delivery, ...] = ()  # planned deliveries after the reported month, up to the deadline


def planned_share(plan: list[Delivery], day: date) -> float:
    total = sum(x.weight for x in plan)
    return sum(x.weight for x in plan if x.on <= day) / total if total else 0.0


def pace_for(ind: IndicatorConfig, cumulative: float, plan: list[Delivery], start: date, deadline: date, as_of: date) -> Pace:
    """Expected value, projection and status at the end of day ``as_of`` (rule in the module docstring)."""
    target = ind.target
    if not plan:
        expected, projected, status = pace_status(cumulative, target, elapsed_share(start, deadline, as_of), as_of >= deadline)
        return Pace(RULE_LINEAR, expected, projected, status)
    share = planned_share(plan, as_of)
    remaining = tuple(x for x in plan if x.on > as_of)
    expected = target * share
    counts_events = ind.kind == "events" or ind.distinct_of == "event_gmina"
    capacity = float(len(remaining)) if counts_events else target * (1 - share)
    projected = cumulative + capacity
    if cumulative >= target:
        status = STATUS_DONE
    elif as_of >= deadline:
        status = STATUS_MISSED
    elif projected >= (target if counts_events else ON_TRACK_RATIO * target):
        status = STATUS_ON_TRACK
    else:
        status = STATUS_AT_RISK
    return Pace(RULE_EVENTS, expected, projected, status, remaining)


def _gender_counts(items: Iterable[Occurrence]) -> dict[str, int]:
    c = Counter(GENDER_LABELS[o.gender] for o in items)
    return {label: int(c.get(label, 0)) for label in GENDER_LABELS.values()}


def compute_indicator(ind: IndicatorConfig, facts: Facts, month: Month, period_start: date, period_end: date) -> IndicatorResult:
    start = ind.start or period_start
    deadline = ind.deadline or period_end
    occ = occurrences(ind, facts)
    plan = planned_deliveries(ind, facts.planned, deadline)
    first_month = min(Month.of(start), month)
    months = months_between(first_month, month)

    def planned_at(day: date) -> float:
        if plan:
            return ind.target * planned_share(plan, day)
        return ind.target * elapsed_share(start, deadline, day)

    plan_months = months_between(first_month, max(month, Month.of(deadline)))
    plan_points = tuple((str(m), planned_at(min(m.last_day, deadline))) for m in plan_months)
    if occ is None:
        pace = pace_for(ind, 0.0, plan, start, deadline, month.last_day)
        result = IndicatorResult(
            id=ind.id,
            name=ind.name,
            kind=ind.kind,
            unit=ind.unit,
            target=ind.target,
            start=start,
            deadline=deadline,
            month=str(month),
            month_value=None,
            cumulative=None,
            percent=None,
            expected=pace.expected,
            projected=None,
            status=STATUS_NO_DATA,
            note="brak źródła danych dla tego wskaźnika",
            pace_rule=pace.rule,
            target_source=ind.target_source,
            plan=plan_points,
        )
        return replace(result, reason=reason_text(ind, result, pace, facts))
    occ = sorted(occ, key=lambda o: o.on)
    days = [o.on for o in occ]
    running = list(accumulate((o.weight for o in occ), initial=0.0))  # running[i] = weight of occ[:i]

    def total_upto(day: date) -> float:
        return running[bisect_right(days, day)]

    in_month = occ[bisect_left(days, month.first_day) : bisect_right(days, month.last_day)]
    upto = occ[: bisect_right(days, month.last_day)]
    cumulative = total_upto(month.last_day)
    month_value = cumulative - total_upto(month.first_day - timedelta(days=1))
    pace = pace_for(ind, cumulative, plan, start, deadline, month.last_day)
    series = tuple(MonthPoint(str(m), total_upto(m.last_day), planned_at(m.last_day)) for m in months)
    result = IndicatorResult(
        id=ind.id,
        name=ind.name,
        kind=ind.kind,
        unit=ind.unit,
        target=ind.target,
        start=start,
        deadline=deadline,
        month=str(month),
        month_value=month_value,
        cumulative=cumulative,
        percent=(cumulative / ind.target * 100) if ind.target else None,
        expected=pace.expected,
        projected=pace.projected,
        status=pace.status,
        gender_month=_gender_counts(in_month) if ind.per_person else None,
        gender_cumulative=_gender_counts(upto) if ind.per_person else None,
        series=series,
        pace_rule=pace.rule,
        target_source=ind.target_source,
        plan=plan_points,
    )
    return replace(result, reason=reason_text(ind, result, pace, facts))


def _time_left(as_of: date, deadline: date) -> str:
    days = (deadline - as_of).days
    if days <= 0:
        return "termin minął"
    months = (deadline.year - as_of.year) * 12 + deadline.month - as_of.month
    return f"do terminu {months} mies." if months >= 1 else f"do terminu {days} dni"


def blockers(ind: IndicatorConfig, facts: Facts) -> list[str]:
    """What keeps ``ind`` lower than it could be, as Polish sentences (numbers and row numbers only)."""
    out: list[str] = []
    f = ind.filters
    if ind.kind == "certificates" and facts.certificates is not None:
        done = sum(1 for p in facts.persons if any(not f.cycle or c in f.cycle for c, _ in p.completions))
        issued = [c for c in facts.certificates if not f.cycle or c.cycle in f.cycle]
        if done > len(issued):
            out.append(
                f"{done - len(issued)} osób spełnia regułę ukończenia, a nie ma jeszcze zaświadczenia "
                "(sprawdź, czy mają imię i nazwisko w zgłoszeniu; nocny przebieg je wyda)"
            )
        waiting = sum(1 for c in issued if not c.has_email)
        if waiting:
            out.append(f"{waiting} zaświadczeń czeka na adres e-mail uczestnika (uzupełnij e-mail w zgłoszeniu)")
    bad = [b for b in facts.bad_manual if b.indicator == ind.id]
    if bad:
        gain = sum(b.value or 0 for b in bad)
        rows = ", ".join(str(b.row_number) for b in bad)
        out.append(
            f"w zakładce „Wartości ręczne” odrzucono {len(bad)} wiersz(e) ({rows}; szczegóły w „Odrzucone”)"
            + (f" — po poprawieniu doda {pl_number(gain, 1)}" if gain else "")
        )
    if ind.kind in ("persons", "distinct", "events", "hours") and facts.quarantined:
        matching = {e.id for e in facts.planned if _planned_ok(ind, e)} if f.used() else None
        n = sum(
            q.count
            for q in facts.quarantined
            if q.kind != "manual"
            and (
                (q.kind == "recruitment" and ind.kind in ("persons", "distinct"))
                or (q.event_id is not None and (matching is None or q.event_id in matching))
            )
        )
        if n:
            out.append(
                f"{n} wierszy z formularzy/list, z których liczony jest ten wskaźnik, jest w kwarantannie "
                "(zakładka „Odrzucone”) — po poprawieniu mogą się doliczyć"
            )
    return out


def reason_text(ind: IndicatorConfig, r: IndicatorResult, pace: Pace, facts: Facts) -> str | None:
    """Why ``r`` is not on track and what to do next (Polish); None when it is on track or achieved."""
    if r.status in (STATUS_DONE, STATUS_ON_TRACK):
        return None
    as_of = Month.parse(r.month).last_day
    parts: list[str] = []
    if r.status == STATUS_NO_DATA:
        parts.append(
            "Brak danych: "
            + ("nie można odczytać zakładki „Wartości ręczne”" if ind.kind == "manual" else "brak rejestru zaświadczeń")
            + " — uzupełnij źródło, potem uruchom raport ponownie."
        )
        return " ".join(parts + [b + "." for b in blockers(ind, facts)])
    missing = max(0.0, ind.target - (r.cumulative or 0))
    if r.status == STATUS_MISSED:
        parts.append(
            f"Termin {pl_date(r.deadline, DATE_NUMERIC)} minął: "
            f"osiągnięto {pl_number(r.cumulative or 0, 1)} z {pl_number(ind.target, 1)} "
            f"({r.unit}), brakuje {pl_number(missing, 1)}."
        )
        parts.append("Następny krok: wyjaśnij przyczynę w sprawozdaniu i uzgodnij z grantodawcą korektę lub działanie naprawcze.")
    else:
        parts.append(
            f"Brakuje: {pl_number(missing, 1)} (cel {pl_number(ind.target, 1)} {r.unit} do {pl_date(r.deadline, DATE_NUMERIC)}, "
            f"{_time_left(as_of, r.deadline)}); wg planu powinno być już {pl_number(r.expected, 1)}."
        )
        if pace.remaining:
            names = "; ".join(f"{x.event.title} {pl_date(x.on, DATE_NUMERIC)}" for x in pace.remaining[:4])
            more = f" i {len(pace.remaining) - 4} innych" if len(pace.remaining) > 4 else ""
            parts.append(f"Zaplanowane do terminu: {names}{more}.")
            if ind.kind == "events" or ind.distinct_of == "event_gmina":
                parts.append(
                    f"Nawet po nich zabraknie {pl_number(max(0.0, missing - len(pace.remaining)), 1)} — "
                    "dodaj wydarzenie do harmonogramu albo uzgodnij zmianę celu."
                )
            elif ind.kind == "hours":
                parts.append(f"Następny krok: zapewnij na nich co najmniej {pl_number(missing, 1)} godz. i odnotuj je w listach.")
            elif ind.kind == "distinct":
                parts.append(f"Następny krok: zaproś na nie uczestników z co najmniej {pl_number(missing, 1)} nowych ({r.unit}).")
            elif ind.kind == "certificates" or ind.filters.completed:
                parts.append(
                    f"Następny krok: dopilnuj obecności — co najmniej {pl_number(missing, 1)} osób musi spełnić regułę ukończenia."
                )
            else:
                parts.append(
                    f"Następny krok: zrekrutuj na nie co najmniej {pl_number(missing, 1)} nowych uczestników spełniających kryteria."
                )
        elif pace.rule == RULE_EVENTS:
            parts.append("Do terminu nie ma już zaplanowanych wydarzeń — zaplanuj dodatkowe albo uzgodnij zmianę celu.")
        else:
            months_left = max(1, (r.deadline.year - as_of.year) * 12 + r.deadline.month - as_of.month)
            parts.append(f"Następny krok: potrzeba średnio {pl_number(missing / months_left, 1)} ({r.unit}) miesięcznie do terminu.")
    parts += [f"Blokuje: {b}." for b in blockers(ind, facts)]
    return " ".join(parts)


def compute_all(
    indicators: Iterable[IndicatorConfig], facts: Facts, month: Month, period_start: date, period_end: date
) -> tuple[IndicatorResult, ...]:
    return tuple(compute_indicator(i, facts, month, period_start, period_end) for i in indicators)
