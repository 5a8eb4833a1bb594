"""Registry -> indicator facts (plain dataclasses), in a few batched queries.

Entry characteristics of a person are taken from their earliest application
that states them (first participation wins, later corrections to *other*
applications do not move a person between categories). Only active
applications count. Completion of a training cycle is evaluated with the
project's certificate rule (``certificates.cycles[].rule``) on the
attendance recorded so far.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import date

from sqlalchemy import and_, func, inspect, or_, select
from sqlalchemy.orm import Session

from config.project import ProjectConfig
from synergia.certificates.eligibility import AttendanceFact, CycleEvent, CycleSpec, Rule, evaluate
from synergia.dedupe.normalize import fold
from synergia.indicators.model import (
    BadManualRow,
    CertificateFact,
    EventFact,
    Facts,
    HoursEntry,
    ManualValue,
    Participation,
    PersonFact,
    PlannedEvent,
    QuarantinedSource,
)
from synergia.indicators.months import Month, local_date
from synergia.registry.tables import Application, Attendance, Event, Quarantine

_ENTRY_FIELDS = ("gender", "category", "organisation", "organisation_type", "gmina")


def _app_day(app: Application, tz: str, attended_first: dict[int, date]) -> date:
    """When an application entered: the form timestamp (already local sheet time), else its
    first attendance day, else when the pipeline first saw it (registry UTC)."""
    if app.submitted_at is not None:
        return app.submitted_at.date()
    if app.id in attended_first:
        return attended_first[app.id]
    return local_date(app.first_seen_at, tz)


def _session_day(cfg_dates: dict[str, list[date]], ev: EventFact | None, event_id: str, session_no: int) -> date | None:
    """Day of a session without an explicit date: the event's n-th date in the YAML, else its first day."""
    dates = cfg_dates.get(event_id) or []
    if 1 <= session_no <= len(dates):
        return dates[session_no - 1]
    return ev.first_date if ev else (dates[0] if dates else None)


def _clean(value: object) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def jst_unit(cfg: ProjectConfig, organisation_type: str | None, organisation: str | None, gmina: str | None) -> str | None:
    """The local government unit a JST participant belongs to: the YAML's ``jst_units`` entry for the
    organisation, else the gmina from the form ("gmina Tychy"); None for other participants."""
    if organisation_type != "JST":
        return None
    units = {fold(k): v for k, v in cfg.jst_units.items()}
    if organisation and fold(organisation) in units:
        return units[fold(organisation)]
    return f"gmina {gmina}" if gmina else None


def planned_events(cfg: ProjectConfig) -> tuple[PlannedEvent, ...]:
    """The YAML's events as the plan pace is judged against."""
    return tuple(PlannedEvent(e.id, e.type, e.title, tuple(sorted(e.dates)), e.gmina, e.cycle, float(e.hours)) for e in cfg.events)


def load_events(session: Session, project: str) -> tuple[EventFact, ...]:
    rows = session.scalars(select(Event).where(Event.project == project)).all()
    return tuple(EventFact(e.id, e.type, e.first_date, e.last_date, e.gmina, e.cycle, float(e.hours or 0)) for e in rows)


def completion_days(
    cfg: ProjectConfig,
    attended: dict[int, list[tuple[date, str, int, float | None]]],
) -> dict[int, list[tuple[str, date]]]:
    """person -> [(cycle, day the certificate rule was first met)], using the certificates' own rule."""
    if cfg.certificates is None:
        return {}
    events = {e.id: e for e in cfg.events}
    out: dict[int, list[tuple[str, date]]] = defaultdict(list)
    for cycle in cfg.certificates.cycles:
        spec = CycleSpec(
            cycle.id,
            tuple(CycleEvent(e, events[e].sessions, events[e].hours) for e in cycle.events if e in events),
            Rule(cycle.rule.min_attendance_ratio, cycle.rule.min_hours),
        )
        facts = sorted(
            ((day, AttendanceFact(pid, ev, s, h)) for pid, rows in attended.items() for day, ev, s, h in rows if ev in cycle.events),
            key=lambda item: item[0],
        )
        done: set[int] = set()
        for day in sorted({d for d, _ in facts}):
            upto = [f for d, f in facts if d <= day]
            for verdict in evaluate(spec, upto):
                if verdict.eligible and verdict.person_id not in done:
                    done.add(verdict.person_id)
                    out[verdict.person_id].append((cycle.id, day))
    return out


def load_persons(
    session: Session,
    cfg: ProjectConfig,
    events: tuple[EventFact, ...],
) -> tuple[tuple[PersonFact, ...], tuple[HoursEntry, ...]]:
    tz = cfg.timezone
    ev_by_id = {e.id: e for e in events}
    cfg_dates = {e.id: sorted(e.dates) for e in cfg.events}
    apps = session.scalars(
        select(Application).where(Application.project == cfg.slug, Application.active.is_(True), Application.person_id.is_not(None))
    ).all()
    by_person: dict[int, list[Application]] = defaultdict(list)
    for a in apps:
        by_person[a.person_id].append(a)  # type: ignore[index]
    app_person = {a.id: a.person_id for a in apps}
    att_rows = session.execute(
        select(Attendance.application_id, Attendance.event_id, Attendance.session_no, Attendance.hours, Attendance.attended_on).where(
            Attendance.project == cfg.slug
        )
    ).all()
    attended: dict[int, list[tuple[date, str, int, float | None]]] = defaultdict(list)
    attended_first: dict[int, date] = {}
    hours: list[HoursEntry] = []
    for app_id, event_id, session_no, h, on in att_rows:
        pid = app_person.get(app_id)
        if pid is None:
            continue  # inactive application
        day = on or _session_day(cfg_dates, ev_by_id.get(event_id), event_id, session_no or 1)
        if day is None:
            continue
        attended[pid].append((day, event_id, session_no or 1, h))
        attended_first[app_id] = min(day, attended_first.get(app_id, day))
        if h is not None:
            hours.append(HoursEntry(event_id, day, float(h)))
    completions = completion_days(cfg, attended)
    persons = []
    for pid, papps in by_person.items():
        papps.sort(key=lambda a: (_app_day(a, tz, attended_first), a.id))
        entry: dict[str, str | None] = {}
        for f in _ENTRY_FIELDS:
            entry[f] = next((v for a in papps if (v := _clean((a.data or {}).get(f))) is not None), None)
        parts = tuple(sorted({Participation(e, d, h) for d, e, _s, h in attended.get(pid, [])}, key=lambda p: (p.on, p.event_id)))
        days = [_app_day(a, tz, attended_first) for a in papps] + [p.on for p in parts]
        persons.append(
            PersonFact(
                person_id=pid,
                entry_date=min(days),
                participations=parts,
                completions=tuple(completions.get(pid, ())),
                **entry,
                jst=jst_unit(cfg, entry["organisation_type"], entry["organisation"], entry["gmina"]),
            )
        )
    persons.sort(key=lambda p: p.person_id)
    hours.sort(key=lambda h: (h.on, h.event_id))
    return tuple(persons), tuple(hours)


def load_certificates(session: Session, cfg: ProjectConfig) -> tuple[CertificateFact, ...] | None:
    """Valid certificates with the issue date of their first revision and whether the current one has an
    address to go to; None without a register."""
    if "certificates" not in inspect(session.get_bind()).get_table_names():
        return None
    from synergia.registry.tables_certificates import Certificate, CertificateRevision

    rows = session.execute(
        select(
            Certificate.id,
            Certificate.cycle,
            Certificate.revision,
            CertificateRevision.revision,
            CertificateRevision.issued_on,
            CertificateRevision.data,
        )
        .join(CertificateRevision, CertificateRevision.certificate_id == Certificate.id)
        .where(
            Certificate.project == cfg.slug,
            or_(
                Certificate.status == "valid",
                # withdrawn by an anonymising erasure: the person still counts (their anonymised applications stay)
                and_(
                    Certificate.revoked_by == "erasure",
                    Certificate.person_id.in_(
                        select(Application.person_id).where(Application.project == cfg.slug, Application.active.is_(True))
                    ),
                ),
            ),
        )
    ).all()
    first: dict[int, tuple[str | None, date]] = {}
    has_email: dict[int, bool] = {}
    for cid, cycle, current, revision, issued, data in rows:
        if issued and (cid not in first or issued < first[cid][1]):
            first[cid] = (cycle, issued)
        if revision == current:
            has_email[cid] = bool((data or {}).get("email"))  # only whether there is one
    return tuple(
        sorted(
            (CertificateFact(issued, cycle, has_email.get(cid, True)) for cid, (cycle, issued) in first.items()),
            key=lambda c: (c.issued_on, c.cycle or ""),
        )
    )


MANUAL_SOURCE = "wartosci-reczne"  # source id of the manual tab's rows in the quarantine register


def open_quarantine(session: Session, cfg: ProjectConfig) -> tuple[QuarantinedSource, ...]:
    """Open quarantine entries per source — the rows of the ``Odrzucone`` tab, counted."""
    rows = session.execute(
        select(Quarantine.source_id, func.count())
        .where(Quarantine.project == cfg.slug, Quarantine.resolved_at.is_(None))
        .group_by(Quarantine.source_id)
    ).all()
    sources = {s.id: s for s in cfg.sources}
    out = []
    for source_id, n in sorted(rows):
        src = sources.get(source_id)
        kind = "manual" if source_id == MANUAL_SOURCE else (src.kind if src else "inne")
        out.append(QuarantinedSource(source_id, kind, src.event if src else None, int(n)))
    return tuple(out)


def quarantine_counts(session: Session, cfg: ProjectConfig, month: Month) -> tuple[int, int]:
    """(rows rejected for the first time in the month, rows still rejected at month end)."""
    start, end = month.window_utc(cfg.timezone)
    rows = session.execute(select(Quarantine.first_seen_at, Quarantine.resolved_at).where(Quarantine.project == cfg.slug)).all()
    new = sum(1 for first, _ in rows if start <= first < end)
    open_ = sum(1 for first, resolved in rows if first < end and (resolved is None or resolved >= end))
    return new, open_


def load_facts(
    session: Session,
    cfg: ProjectConfig,
    manual: tuple[ManualValue, ...] | None,
    manual_problems: tuple[str, ...] = (),
    bad_manual: tuple[BadManualRow, ...] = (),
) -> Facts:
    events = load_events(session, cfg.slug)
    persons, hours = load_persons(session, cfg, events)
    problems = list(manual_problems)
    if not events and cfg.events:
        problems.append("rejestr nie ma jeszcze wydarzeń projektu — uruchom najpierw synchronizację (nightly)")
    return Facts(
        persons=persons,
        events=events,
        hours=hours,
        manual=manual,
        certificates=load_certificates(session, cfg),
        problems=tuple(problems),
        planned=planned_events(cfg),
        bad_manual=bad_manual,
        quarantined=open_quarantine(session, cfg),
    )
