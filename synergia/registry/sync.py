"""Write validated rows into the registry, idempotently, keeping history.

Rules:
- a new valid row -> application + a person of its own (deduplication merges later);
- the same row unchanged -> nothing is written at all (a rerun leaves the tables identical);
- a corrected row -> the application is updated, the previous content kept in
  ``application_versions``;
- a rejected row -> a quarantine entry (reasons, no data); if the row used to be
  valid, its application is deactivated (kept, not deleted);
- a row that became empty or disappeared -> its application is deactivated.

Rows are identified by what they are (form timestamp + e-mail, a name on a list;
see ``synergia.sheets.identity`` and ``synergia.registry.identity``), never by
their row number, which is kept only to name the row in messages.

Everything for one run happens in one transaction, so a failure leaves no partial write.
"""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from config.project import ProjectConfig
from synergia.counts import Counts
from synergia.registry.base import utcnow
from synergia.registry.identity import Incoming, KeyBook, match_records
from synergia.registry.tables import Application, ApplicationVersion, Attendance, Event, Person, Quarantine, SyncRun
from synergia.validation.row import Accepted, Empty, Outcome, Rejected

@dataclass
class SyncCounts(Counts, step="sync"):
    """Numbers only: safe to log and to put in Prefect artifacts."""

    rows: int = 0
    accepted: int = 0
    quarantined: int = 0
    empty: int = 0
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    moved: int = 0  # rows found at another row or tab than last night (same identity): nothing changed for anybody
    newly_quarantined: int = 0
    deactivated: int = 0
    per_source: dict[str, dict[str, int]] = field(default_factory=dict)
    reasons: dict[str, int] = field(default_factory=dict)
    missing_sources: list[str] = field(default_factory=list)  # "source id: 'worksheet'" not found this run
    source_errors: list[str] = field(default_factory=list)    # a source skipped this run (e.g. a required column missing)
    source_warnings: list[str] = field(default_factory=list)  # e.g. an optional column missing
    skipped_rows: int = 0           # rows of skipped sources: neither validated nor deactivated, left as they were
    formula_rows: int = 0           # rows holding a formula without a computed value (counted in their outcome)
    sync_run_id: int | None = None  # the SyncRun row of this run (set by the nightly task)
    reused: int = 0                 # accepted rows not validated again (content unchanged, same rules)
    validation_context: str = ""    # a hash of the rules (``validation.batch.validation_context``), no data
    checked_until: str = ""         # the date bound of this run's birth-date check (ISO)
    validated_sources: list[str] = field(default_factory=list)  # source ids read and validated completely this run


def mirror_events(session: Session, project: ProjectConfig) -> None:
    """Keep the events table equal to the YAML (only rows that differ are written)."""
    existing = {e.id: e for e in session.scalars(select(Event).where(Event.project == project.slug))}
    for ev in project.events:
        values = dict(type=ev.type, title=ev.title, gmina=ev.gmina, first_date=min(ev.dates), last_date=max(ev.dates),
                      sessions=ev.sessions, hours=ev.hours, cycle=ev.cycle)
        row = existing.pop(ev.id, None)
        if row is None:
            session.add(Event(project=project.slug, id=ev.id, **values))
        elif any(getattr(row, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(row, k, v)
    for gone in existing.values():
        session.delete(gone)


def previous_validation(session: Session, slug: str) -> tuple[str | None, str | None, list[str]]:
    """(validation context, date bound, sources validated completely) of the project's last completed sync run."""
    counts = session.scalar(select(SyncRun.counts).where(SyncRun.project == slug, SyncRun.status == "ok")
                            .order_by(SyncRun.id.desc()).limit(1))
    if not counts:
        return None, None, []
    return (counts.get("validation_context") or None, counts.get("checked_until") or None,
            list(counts.get("validated_sources") or []))


def accepted_contents(session: Session, slug: str, sources: list[str]) -> dict[tuple[str, str], tuple[str, dict]]:
    """(source id, content hash) -> (kind, data) of the active applications of ``sources``: what
    validation made of those exact cells (``validation.batch.validate_snapshot(known=...)``).
    Only sources the last run validated completely: each of their active applications was then
    either confirmed or rewritten by that run's rules, or deactivated."""
    if not sources:
        return {}
    rows = session.execute(select(Application.source_id, Application.content_hash, Application.kind, Application.data)
                           .where(Application.project == slug, Application.active.is_(True),
                                  Application.source_id.in_(sources)))
    return {(source_id, digest): (kind, data) for source_id, digest, kind, data in rows if digest and data is not None}


def _incoming(project: ProjectConfig, outcomes: list[Outcome]) -> list[Incoming]:
    kinds = {s.id: s.kind for s in project.sources}
    out = []
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, Empty):
            continue
        ref = outcome.ref
        ident = ref.identity
        if ident is None:
            raise ValueError(f"wiersz bez tożsamości: {ref.label()} (row read without its identity; "
                             "use synergia.sheets.read.read_project_sources)")
        out.append(Incoming(index=i, source_id=ref.source_id, kind=kinds.get(ref.source_id), key=ident.key,
                            fingerprint=ident.fingerprint, fallbacks=ident.fallbacks,
                            place=(ref.spreadsheet, ref.worksheet, ref.row_number), content_hash=outcome.content_hash))
    return out


def _place(obj, ref, book: KeyBook, identity) -> bool:  # noqa: ANN001
    """Point a record at tonight's place and key; True if its place (tab or row) moved."""
    row_key = book.keep_or_new(obj, ref.source_id, identity.key)
    moved = (obj.source_id, obj.spreadsheet, obj.worksheet, obj.row_number) != \
        (ref.source_id, ref.spreadsheet, ref.worksheet, ref.row_number)
    if moved:
        obj.source_id, obj.spreadsheet, obj.worksheet, obj.row_number = \
            ref.source_id, ref.spreadsheet, ref.worksheet, ref.row_number
    if obj.row_key != row_key:
        obj.row_key = row_key
    if obj.fingerprint != identity.fingerprint:
        obj.fingerprint = identity.fingerprint
    if list(obj.fallback_keys or []) != list(identity.fallbacks):
        obj.fallback_keys = list(identity.fallbacks)
    return moved


def apply_outcomes(session: Session, project: ProjectConfig, outcomes: list[Outcome],
                   read_worksheets: set[tuple[str, str, str]], now: datetime | None = None) -> SyncCounts:
    """Apply one run's outcomes. ``read_worksheets`` = (source_id, spreadsheet, worksheet) read
    completely this run: records of those sources whose row is no longer there are deactivated.

    Rows are matched to applications and quarantine entries by identity
    (``synergia.registry.identity``), never by row number: a sorted tab, a
    deleted or inserted row, a row moved to another tab change nothing for anybody else."""
    now = now or utcnow()
    from synergia.rodo.tombstones import screen_outcomes  # erased persons stay out; pesel: discard
    outcomes = screen_outcomes(session, project, outcomes)
    slug = project.slug
    counts = SyncCounts(rows=len(outcomes))
    kinds = {s.id: s.kind for s in project.sources}
    read_sources = {source_id for source_id, _, _ in read_worksheets}
    apps = list(session.scalars(select(Application).where(Application.project == slug)))
    quarantined = list(session.scalars(select(Quarantine).where(Quarantine.project == slug)))
    incoming = _incoming(project, outcomes)
    app_match = match_records(apps, incoming, kinds=kinds, read_sources=read_sources, kind_of=lambda a: a.kind)
    q_match = match_records(quarantined, [i for i in incoming if isinstance(outcomes[i.index], Rejected)], kinds=kinds,
                            read_sources=read_sources, kind_of=lambda q: kinds.get(q.source_id))
    app_keys, q_keys = KeyBook(apps), KeyBook(quarantined)
    per_source: dict[str, Counter] = {}
    reasons: Counter = Counter()
    new_apps: list[tuple[dict, Accepted]] = []  # inserted in bulk after the loop (with a person each)

    for index, outcome in enumerate(outcomes):
        ref = outcome.ref
        tally = per_source.setdefault(ref.source_id, Counter())
        if isinstance(outcome, Empty):
            counts.empty += 1
            tally["empty"] += 1
            continue
        app = app_match.matched.get(index)
        if isinstance(outcome, Rejected):
            counts.quarantined += 1
            tally["quarantined"] += 1
            reasons.update(outcome.reasons)
            counts.deactivated += _deactivate(app, now)
            if app is not None:
                _place(app, ref, app_keys, ref.identity)  # the kept application follows its row
            q = q_match.matched.get(index)
            if q is None:
                session.add(Quarantine(project=slug, source_id=ref.source_id, spreadsheet=ref.spreadsheet,
                                       worksheet=ref.worksheet, row_number=ref.row_number,
                                       row_key=q_keys.keep_or_new(None, ref.source_id, ref.identity.key),
                                       fingerprint=ref.identity.fingerprint, fallback_keys=list(ref.identity.fallbacks),
                                       content_hash=outcome.content_hash, reason_codes=list(outcome.reasons),
                                       message=outcome.message, first_seen_at=now, last_seen_at=now))
                counts.newly_quarantined += 1
                continue
            moved = _place(q, ref, q_keys, ref.identity)
            counts.moved += moved
            if q.content_hash != outcome.content_hash or q.resolved_at is not None:
                q.content_hash, q.reason_codes, q.message = outcome.content_hash, list(outcome.reasons), outcome.message
                q.last_seen_at, q.resolved_at = now, None
                counts.newly_quarantined += 1
            elif moved:
                q.message = outcome.message  # names the row where staff will find it now
            continue
        assert isinstance(outcome, Accepted)
        counts.accepted += 1
        tally["accepted"] += 1
        submitted = datetime.fromisoformat(outcome.data["submitted_at"]) if outcome.data.get("submitted_at") else None
        if app is None:
            new_apps.append((dict(project=slug, source_id=ref.source_id, spreadsheet=ref.spreadsheet, worksheet=ref.worksheet,
                                  row_number=ref.row_number, row_key=app_keys.keep_or_new(None, ref.source_id, ref.identity.key),
                                  fingerprint=ref.identity.fingerprint, fallback_keys=list(ref.identity.fallbacks),
                                  kind=outcome.kind, content_hash=outcome.content_hash,
                                  data=outcome.data, version=1, active=True, submitted_at=submitted,
                                  first_seen_at=now, last_seen_at=now, updated_at=now), outcome))
            counts.new += 1
            tally["new"] += 1
            continue
        counts.moved += _place(app, ref, app_keys, ref.identity)
        if app.content_hash == outcome.content_hash and app.active and app.data == outcome.data:
            counts.unchanged += 1
            tally["unchanged"] += 1
        else:
            session.add(ApplicationVersion(application_id=app.id, version=app.version, content_hash=app.content_hash,
                                           data=app.data, valid_from=app.updated_at, valid_to=now))
            app.content_hash, app.data, app.kind = outcome.content_hash, outcome.data, outcome.kind
            app.version += 1
            app.active, app.submitted_at, app.updated_at, app.last_seen_at = True, submitted, now, now
            if app.person_id is None:
                app.person = Person(project=slug, created_at=now)
            session.execute(delete(Attendance).where(Attendance.project == slug, Attendance.application_id == app.id))
            _write_attendance(session, slug, app, outcome)
            counts.changed += 1
            tally["changed"] += 1

    _insert_new(session, slug, new_apps, now)

    for app in app_match.unmatched_records:
        if app.source_id in read_sources:
            counts.deactivated += _deactivate(app, now)
            _confirm(app)
    for q in q_match.unmatched_records:
        if q.source_id in read_sources:
            _resolve(q, now)
            _confirm(q)

    counts.per_source = {k: dict(v) for k, v in sorted(per_source.items())}
    counts.reasons = dict(reasons.most_common())
    return counts


def _insert_new(session: Session, slug: str, new_apps: list[tuple[dict, Accepted]], now: datetime) -> None:
    """New applications, a person of its own each, and their attendance: three bulk INSERTs
    (executemany with RETURNING in parameter order) instead of an ORM object and a flush per row."""
    if not new_apps:
        return
    session.flush()  # pending ORM changes first (keys handed out by KeyBook never clash with them)
    person_ids = session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True),
                                 [{"project": slug, "created_at": now} for _ in new_apps]).all()
    rows = [{**values, "person_id": pid} for (values, _), pid in zip(new_apps, person_ids)]
    app_ids = session.scalars(insert(Application).returning(Application.id, sort_by_parameter_order=True), rows).all()
    attendance = [a for (_, outcome), app_id in zip(new_apps, app_ids) for a in _attendance_rows(slug, app_id, outcome)]
    if attendance:
        session.execute(insert(Attendance), attendance)


def _confirm(record) -> None:  # noqa: ANN001
    """A migrated record whose source was read and that found no row: it may be matched by its
    last place only on that first night, never later (another row will stand there)."""
    if record.fingerprint is None:
        record.fingerprint = ""


def _deactivate(app: Application | None, now: datetime) -> int:
    if app is None or not app.active:
        return 0
    app.active, app.updated_at = False, now
    return 1


def _resolve(q: Quarantine | None, now: datetime) -> None:
    if q is not None and q.resolved_at is None:
        q.resolved_at = now


def _attendance_rows(slug: str, application_id: int, outcome: Accepted) -> list[dict]:
    data = outcome.data
    event_id = data.get("event")
    if not event_id or outcome.kind == "recruitment":
        return []
    day = date.fromisoformat(data["date"]) if data.get("date") else None
    if outcome.kind == "advisory":
        return [dict(project=slug, application_id=application_id, event_id=event_id, session_no=1,
                     hours=data.get("hours"), attended_on=day)]
    return [dict(project=slug, application_id=application_id, event_id=event_id, session_no=number,
                 hours=None, attended_on=day) for number in data.get("sessions", [])]


def _write_attendance(session: Session, slug: str, app: Application, outcome: Accepted) -> None:
    for values in _attendance_rows(slug, app.id, outcome):
        session.add(Attendance(**values))
