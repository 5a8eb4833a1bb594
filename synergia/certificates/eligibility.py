"""Completion rule per training cycle, on attendance facts already resolved to persons.

Pure functions so the rule can be tested without a database. A person merged
from several attendance rows (two list rows, a corrected duplicate) counts
each session once: facts are reduced to the set of (event, session) pairs.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

#: Tolerance for "exactly 80 %" and hour sums like 0.1 + 0.2.
_EPS = 1e-9


@dataclass(frozen=True)
class CycleEvent:
    """One event of a cycle: how many sessions it has and how many hours in total."""

    id: str
    sessions: int
    hours: float

    @property
    def hours_per_session(self) -> float:
        return self.hours / self.sessions if self.sessions else 0.0


@dataclass(frozen=True)
class Rule:
    min_attendance_ratio: float | None = None
    min_hours: float | None = None


@dataclass(frozen=True)
class CycleSpec:
    id: str
    events: tuple[CycleEvent, ...]
    rule: Rule

    @property
    def total_sessions(self) -> int:
        return sum(e.sessions for e in self.events)

    @property
    def total_hours(self) -> float:
        return sum(e.hours for e in self.events)


@dataclass(frozen=True)
class AttendanceFact:
    """Presence of a person at one session; ``hours`` overrides the session's planned hours."""

    person_id: int
    event_id: str
    session_no: int
    hours: float | None = None


@dataclass(frozen=True)
class Verdict:
    person_id: int
    cycle_id: str
    eligible: bool
    sessions_attended: int
    sessions_total: int
    hours: float
    ratio: float
    reasons: tuple[str, ...] = ()  # why not eligible, as codes: below_ratio, below_hours


def evaluate(cycle: CycleSpec, facts: Iterable[AttendanceFact]) -> list[Verdict]:
    """One verdict per person with any attendance in the cycle, sorted by person id.

    Sessions outside an event's 1..sessions range are ignored (a typo in the
    list must not push someone over the threshold). When one session appears
    in several merged rows with different hours, the largest value counts.
    """
    by_event = {e.id: e for e in cycle.events}
    seen: dict[int, dict[tuple[str, int], float]] = defaultdict(dict)
    for f in facts:
        ev = by_event.get(f.event_id)
        if ev is None or not 1 <= f.session_no <= ev.sessions:
            continue
        hours = ev.hours_per_session if f.hours is None else max(float(f.hours), 0.0)
        key = (f.event_id, f.session_no)
        sessions = seen[f.person_id]
        sessions[key] = max(sessions.get(key, 0.0), hours)

    total = cycle.total_sessions
    verdicts = []
    for person_id in sorted(seen):
        sessions = seen[person_id]
        attended = len(sessions)
        hours = round(sum(sessions.values()), 6)
        ratio = attended / total if total else 0.0
        reasons = []
        if cycle.rule.min_attendance_ratio is not None and attended + _EPS < cycle.rule.min_attendance_ratio * total:
            reasons.append("below_ratio")
        if cycle.rule.min_hours is not None and hours + _EPS < cycle.rule.min_hours:
            reasons.append("below_hours")
        verdicts.append(Verdict(person_id, cycle.id, not reasons, attended, total, hours, ratio, tuple(reasons)))
    return verdicts
