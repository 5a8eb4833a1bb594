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

import json
from collections import Counter, defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Table, Text, bindparam, cast, delete, insert, select, text, update
from sqlalchemy.orm import Session

from config.project import ProjectConfig
from synergia.counts import Counts
from synergia.heap import no_gc
from synergia.registry.base import utcnow
from synergia.registry.identity import Incoming, KeyBook, match_records
from synergia.registry.tables import (
    Application,
    ApplicationVersion,
    Attendance,
    Event,
    Person,
    Quarantine,
    SyncRun,
)
from synergia.validation.row import Accepted, Empty, Outcome, Rejected

if TYPE_CHECKING:
    from synergia.sheets.identity import RowIdentity
    from synergia.sheets.rows import SourceRef


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
    source_errors: list[str] = field(default_factory=list)  # a source skipped this run (e.g. a required column missing)
    source_warnings: list[str] = field(default_factory=list)  # e.g. an optional column missing
    skipped_rows: int = 0  # rows of skipped sources: neither validated nor deactivated, left as they were
    formula_rows: int = 0  # rows holding a formula without a computed value (counted in their outcome)
    sync_run_id: int | None = None  # the SyncRun row of this run (set by the nightly task)
    reused: int = 0  # accepted rows not validated again (content unchanged, same rules)
    validation_context: str = ""  # a hash of the rules (``validation.batch.validation_context``), no data
    checked_until: str = ""  # the date bound of this run's birth-date check (ISO)
    validated_sources: list[str] = field(default_factory=list)  # source ids read and validated completely this run


def mirror_events(session: Session, project: ProjectConfig) -> None:
    """Keep the events table equal to the YAML (only rows that differ are written)."""
    existing = {e.id: e for e in session.scalars(select(Event).where(Event.project == project.slug))}
    for ev in project.events:
        values = dict(
            type=ev.type,
            title=ev.title,
            gmina=ev.gmina,
            first_date=min(ev.dates),
            last_date=max(ev.dates),
            sessions=ev.sessions,
            hours=ev.hours,
            cycle=ev.cycle,
        )
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
    counts = session.scalar(
        select(SyncRun.counts).where(SyncRun.project == slug, SyncRun.status == "ok").order_by(SyncRun.id.desc()).limit(1)
    )
    if not counts:
        return None, None, []
    return (counts.get("validation_context") or None, counts.get("checked_until") or None, list(counts.get("validated_sources") or []))


def accepted_contents(session: Session, slug: str, sources: list[str]) -> dict[tuple[str, str], tuple[str, str]]:
    """(source id, content hash) -> (kind, stored JSON text of data) of the active applications of
    ``sources``: what validation made of those exact cells (``validation.batch.validate_snapshot(known=...)``,
    whose reused outcomes decode the text only when read and carry it as ``Accepted.stored_json``).
    Only sources the last run validated completely: each of their active applications was then
    either confirmed or rewritten by that run's rules, or deactivated."""
    if not sources:
        return {}
    rows = session.execute(
        select(Application.source_id, Application.content_hash, Application.kind, cast(Application.data, Text)).where(
            Application.project == slug, Application.active.is_(True), Application.source_id.in_(sources)
        )
    )
    # no JSON null (SQL NULL or the text 'null'): nothing to reuse
    return {
        (source_id, digest): (kind, stored) for source_id, digest, kind, stored in rows if digest and stored and stored.strip() != "null"
    }


def _incoming(project: ProjectConfig, outcomes: list[Outcome]) -> list[Incoming]:
    kinds = {s.id: s.kind for s in project.sources}
    out = []
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, Empty):
            continue
        ref = outcome.ref
        ident = ref.identity
        if ident is None:
            raise ValueError(
                f"wiersz bez tożsamości: {ref.label()} (row read without its identity; use synergia.sheets.read.read_project_sources)"
            )
        out.append(
            Incoming(
                index=i,
                source_id=ref.source_id,
                kind=kinds.get(ref.source_id),
                key=ident.key,
                fingerprint=ident.fingerprint,
                fallbacks=ident.fallbacks,
                place=(ref.spreadsheet, ref.worksheet, ref.row_number),
                content_hash=outcome.content_hash,
            )
        )
    return out


def _load(session: Session, table: Table, slug: str, columns: tuple[str, ...]) -> list[_Rec]:
    rows = session.execute(select(*[table.c[name] for name in columns]).where(table.c.project == slug).order_by(table.c.id)).all()
    return [_Rec(columns, row) for row in rows]


class _Rec:
    """A stored application / quarantine row loaded with Core (no ORM object per row): its columns as
    attributes; ``changes`` collects the columns to write, flushed in bulk (``_write_changes``)."""

    def __init__(self, columns: Sequence[str], row: Sequence[object]) -> None:
        self.__dict__ = dict(zip(columns, row))
        self.changes: dict[str, object] = {}

    def set(self, name: str, value: object) -> None:
        if getattr(self, name) != value:
            setattr(self, name, value)
            self.changes[name] = value

    def __repr__(self) -> str:  # rows are personal data: no values in reprs
        return f"_Rec(id={getattr(self, 'id', None)})"


def _write_changes(session: Session, table: Table, slug: str, records: list[_Rec]) -> None:
    """One executemany UPDATE per set of changed columns (by id, within the project)."""
    groups: dict[tuple[str, ...], list[dict]] = defaultdict(list)
    for r in records:
        if r.changes:
            groups[tuple(sorted(r.changes))].append({"b_id": r.id, **{f"b_{k}": v for k, v in r.changes.items()}})
            r.changes = {}
    for columns, params in groups.items():
        stmt = (
            update(table)
            .where(table.c.id == bindparam("b_id"), table.c.project == slug)
            .values({c: bindparam(f"b_{c}", type_=table.c[c].type) for c in columns})
        )
        session.execute(stmt, params)


#: a stored application's or quarantine row's id, where it sits and the keys it is found by (``_new_place``, ``_place``)
_PLACE_COLUMNS = ("id", "source_id", "spreadsheet", "worksheet", "row_number", "row_key", "fingerprint", "fallback_keys")
# not updated_at: read only for the few corrected rows (``_write_changed``), a datetime parse per row saved
_APP_COLUMNS = (*_PLACE_COLUMNS, "kind", "content_hash", "active", "version", "person_id")
_Q_COLUMNS = (*_PLACE_COLUMNS, "content_hash", "resolved_at")


def _new_place(slug: str, ref: SourceRef, book: KeyBook) -> dict[str, object]:
    """Where a new application or quarantine row sits, and the key and fingerprints it is found by next night."""
    return dict(
        project=slug,
        source_id=ref.source_id,
        spreadsheet=ref.spreadsheet,
        worksheet=ref.worksheet,
        row_number=ref.row_number,
        row_key=book.keep_or_new(None, ref.source_id, ref.identity.key),
        fingerprint=ref.identity.fingerprint,
        fallback_keys=list(ref.identity.fallbacks),
    )


def _place(obj: _Rec, ref: SourceRef, book: KeyBook, identity: RowIdentity) -> bool:
    """Point a record at tonight's place and key; True if its place (tab or row) moved."""
    if (
        obj.row_key == identity.key  # first of its key, same source, same place, same fingerprints: nothing to do
        and "#" not in obj.row_key
        and obj.source_id == ref.source_id
        and obj.row_number == ref.row_number
        and obj.worksheet == ref.worksheet
        and obj.spreadsheet == ref.spreadsheet
        and obj.fingerprint == identity.fingerprint
        and list(obj.fallback_keys or []) == list(identity.fallbacks)
    ):
        return False
    row_key = book.keep_or_new(obj, ref.source_id, identity.key)
    moved = (obj.source_id, obj.spreadsheet, obj.worksheet, obj.row_number) != (
        ref.source_id,
        ref.spreadsheet,
        ref.worksheet,
        ref.row_number,
    )
    if moved:
        obj.set("source_id", ref.source_id)
        obj.set("spreadsheet", ref.spreadsheet)
        obj.set("worksheet", ref.worksheet)
        obj.set("row_number", ref.row_number)
    obj.set("row_key", row_key)
    obj.set("fingerprint", identity.fingerprint)
    if list(obj.fallback_keys or []) != list(identity.fallbacks):
        obj.set("fallback_keys", list(identity.fallbacks))
    return moved


def apply_outcomes(
    session: Session,
    project: ProjectConfig,
    outcomes: list[Outcome],
    read_worksheets: set[tuple[str, str, str]],
    now: datetime | None = None,
) -> SyncCounts:
    """Apply one run's outcomes. ``read_worksheets`` = (source_id, spreadsheet, worksheet) read
    completely this run: records of those sources whose row is no longer there are deactivated.

    Rows are matched to applications and quarantine entries by identity
    (``synergia.registry.identity``), never by row number: a sorted tab, a
    deleted or inserted row, a row moved to another tab change nothing for anybody else.

    Stored rows are read with Core (the columns matching needs, no ORM objects) and written in
    bulk: executemany UPDATEs grouped by changed columns, multi-row INSERTs; an unchanged row
    costs one comparison and no write."""
    with no_gc():
        return _apply(session, project, outcomes, read_worksheets, now or utcnow())


def _apply(
    session: Session, project: ProjectConfig, outcomes: list[Outcome], read_worksheets: set[tuple[str, str, str]], now: datetime
) -> SyncCounts:
    from synergia.rodo.tombstones import (
        screen_outcomes,  # erased persons stay out; pesel: discard
    )

    outcomes = screen_outcomes(session, project, outcomes)
    session.flush()  # pending ORM changes of the caller first: the Core reads below must see them
    slug = project.slug
    counts = SyncCounts(rows=len(outcomes))
    kinds = {s.id: s.kind for s in project.sources}
    read_sources = {source_id for source_id, _, _ in read_worksheets}
    apps = _load(session, Application.__table__, slug, _APP_COLUMNS)
    quarantined = _load(session, Quarantine.__table__, slug, _Q_COLUMNS)
    incoming = _incoming(project, outcomes)
    app_match = match_records(apps, incoming, kinds=kinds, read_sources=read_sources, kind_of=lambda a: a.kind)
    q_match = match_records(
        quarantined,
        [i for i in incoming if isinstance(outcomes[i.index], Rejected)],
        kinds=kinds,
        read_sources=read_sources,
        kind_of=lambda q: kinds.get(q.source_id),
    )
    app_keys, q_keys = KeyBook(apps), KeyBook(quarantined)
    per_source: dict[str, Counter] = {}
    reasons: Counter = Counter()
    new_apps: list[tuple[dict, Accepted]] = []  # inserted in bulk after the loop (with a person each)
    new_quarantine: list[dict] = []
    same_hash: list[tuple[_Rec, Accepted, datetime | None, str]] = []  # data compared after the loop
    changed: list[tuple[_Rec, Accepted, datetime | None, str]] = []

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
                new_quarantine.append(
                    dict(
                        **_new_place(slug, ref, q_keys),
                        content_hash=outcome.content_hash,
                        reason_codes=list(outcome.reasons),
                        message=outcome.message,
                        first_seen_at=now,
                        last_seen_at=now,
                        resolved_at=None,
                    )
                )
                counts.newly_quarantined += 1
                continue
            moved = _place(q, ref, q_keys, ref.identity)
            counts.moved += moved
            if q.content_hash != outcome.content_hash or q.resolved_at is not None:
                q.set("content_hash", outcome.content_hash)
                q.set("resolved_at", None)
                q.changes.update(reason_codes=list(outcome.reasons), message=outcome.message, last_seen_at=now)
                counts.newly_quarantined += 1
            elif moved:
                q.changes["message"] = outcome.message  # names the row where staff will find it now
            continue
        assert isinstance(outcome, Accepted)
        counts.accepted += 1
        tally["accepted"] += 1
        submitted = datetime.fromisoformat(outcome.data["submitted_at"]) if outcome.data.get("submitted_at") else None
        if app is None:
            new_apps.append(
                (
                    dict(
                        **_new_place(slug, ref, app_keys),
                        kind=outcome.kind,
                        content_hash=outcome.content_hash,
                        data=outcome.data,
                        submitted_at=submitted,
                    ),  # version 1, active, seen and updated now: ``_insert_new``
                    outcome,
                )
            )
            counts.new += 1
            tally["new"] += 1
            continue
        counts.moved += _place(app, ref, app_keys, ref.identity)
        entry = (app, outcome, submitted, ref.source_id)
        (same_hash if app.content_hash == outcome.content_hash and app.active else changed).append(entry)

    stored = _stored_data(session, slug, [app.id for app, *_ in same_hash] + [app.id for app, *_ in changed])
    for entry in same_hash:
        app, outcome = entry[0], entry[1]
        if _same_data(stored[app.id], outcome.data):
            counts.unchanged += 1
            per_source[entry[3]]["unchanged"] += 1
        else:
            changed.append(entry)
    _write_changed(session, slug, changed, stored, now)
    for _, _, _, source_id in changed:
        counts.changed += 1
        per_source[source_id]["changed"] += 1
    del stored

    for app in app_match.unmatched_records:
        if app.source_id in read_sources:
            counts.deactivated += _deactivate(app, now)
            _confirm(app)
    for q in q_match.unmatched_records:
        if q.source_id in read_sources:
            _resolve(q, now)
            _confirm(q)

    # writes: updates first (keys handed out by KeyBook never clash with any stored one), then inserts
    _write_changes(session, Application.__table__, slug, apps)
    _write_changes(session, Quarantine.__table__, slug, quarantined)
    _insert_rows(session, Quarantine.__table__, new_quarantine)
    _insert_new(session, slug, new_apps, now)

    counts.per_source = {k: dict(v) for k, v in sorted(per_source.items())}
    counts.reasons = dict(reasons.most_common())
    return counts


def _stored_data(session: Session, slug: str, ids: list[int]) -> dict[int, str]:
    """id -> the stored ``data`` JSON text of those applications (parsed only when compared unequal).
    One scan of the project's applications (a night matches nearly all of them), no IN lists."""
    if not ids:
        return {}
    wanted, table = set(ids), Application.__table__
    rows = session.execute(select(table.c.id, cast(table.c.data, Text)).where(table.c.project == slug))
    return {i: t for i, t in rows if i in wanted}


def _same_data(stored_text: str | None, data: dict) -> bool:
    if stored_text is None:
        return False
    if stored_text == json.dumps(data):  # how the JSON column stores a dict (SQLAlchemy's default serializer)
        return True
    try:
        return json.loads(stored_text) == data
    except ValueError:
        return False


def _write_changed(session: Session, slug: str, changed: list, stored: dict[int, str], now: datetime) -> None:
    """New versions of corrected applications: the previous content into ``application_versions``,
    a person for an application that has none, attendance rewritten. All in bulk."""
    if not changed:
        return
    versions, no_person = [], []
    table = Application.__table__
    ids = sorted({app.id for app, *_ in changed})
    updated_at: dict[int, datetime] = {}
    for i in range(0, len(ids), 5000):
        query = select(table.c.id, table.c.updated_at).where(table.c.project == slug, table.c.id.in_(ids[i : i + 5000]))
        updated_at.update((i_, at) for i_, at in session.execute(query))
    for app, outcome, submitted, _ in changed:
        old = stored.get(app.id)
        versions.append(
            dict(
                application_id=app.id,
                version=app.version,
                content_hash=app.content_hash,
                data=json.loads(old) if old is not None else None,
                valid_from=updated_at[app.id],
                valid_to=now,
            )
        )
        app.set("content_hash", outcome.content_hash)
        app.changes["data"] = outcome.data
        app.set("kind", outcome.kind)
        app.set("version", app.version + 1)
        app.set("active", True)
        app.changes.update(submitted_at=submitted, updated_at=now, last_seen_at=now)
        if app.person_id is None:
            no_person.append(app)
    _insert_rows(session, ApplicationVersion.__table__, versions)
    if no_person:
        for app, pid in zip(no_person, _new_person_ids(session, slug, len(no_person), now)):
            app.set("person_id", pid)
    app_ids = sorted({app.id for app, *_ in changed})
    for i in range(0, len(app_ids), 5000):
        session.execute(delete(Attendance).where(Attendance.project == slug, Attendance.application_id.in_(app_ids[i : i + 5000])))
    _insert_rows(session, Attendance.__table__, [a for app, outcome, _, _ in changed for a in _attendance_rows(slug, app.id, outcome)])


def _insert_rows(session: Session, table: Table, rows: list[dict], shared: Mapping[str, object] | None = None) -> None:
    """INSERT ``rows`` (each with the ``shared`` columns too): COPY on PostgreSQL, executemany elsewhere."""
    if not rows:
        return
    shared = dict(shared or {})
    if session.connection().dialect.name == "postgresql" and _copy(session, table, rows, shared):
        return
    session.execute(insert(table).values(shared) if shared else insert(table), rows)


def _insert_ids(
    session: Session, table: Table, rows: list[dict], shared: Mapping[str, object] | None = None, key: tuple[str, ...] = ()
) -> list[int]:
    """INSERT ``rows`` and return their ids in the order of ``rows``.

    PostgreSQL: ids drawn from the table's sequence in one query, rows written by COPY. Elsewhere:
    multi-row INSERT ... RETURNING, correlated by ``key`` (columns unique among the rows and in the
    table) -- not by ``sort_by_parameter_order``, with which SQLAlchemy sends one statement per row
    to SQLite. Without ``key`` the rows must be alike (fresh persons): ids ascending, the order
    one-row statements give."""
    if not rows:
        return []
    shared = dict(shared or {})
    conn = session.connection()
    if conn.dialect.name == "postgresql" and _copyable(table, {**rows[0], "id": 0}, shared):
        ids = sorted(
            conn.execute(
                text("SELECT nextval(pg_get_serial_sequence(:t, 'id')) FROM generate_series(1, :n)"), {"t": table.name, "n": len(rows)}
            ).scalars()
        )
        _copy(session, table, [{**row, "id": i} for row, i in zip(rows, ids)], shared)
        return ids
    stmt = (insert(table).values(shared) if shared else insert(table)).returning(table.c.id, *[table.c[k] for k in key])
    params: list[dict] | dict = rows if len(rows) > 1 else rows[0]
    returned = session.execute(stmt, params).all()
    if not key:
        return sorted(r[0] for r in returned)
    by_key = {tuple(r[1:]): r[0] for r in returned}
    return [by_key[tuple(row[k] if k in row else shared[k] for k in key)] for row in rows]


def _copyable(table: Table, row: Mapping[str, object], shared: Mapping[str, object]) -> bool:
    """Every column given (but the id, which the table may draw), none twice: COPY applies no
    Python-side defaults."""
    given = set(row) | set(shared)
    wanted = {c.name for c in table.columns if not c.primary_key} | ({"id"} & given)
    return not (set(row) & set(shared)) and given == wanted


def _copy(session: Session, table: Table, rows: list[dict], shared: dict) -> bool:
    """COPY ``rows`` into ``table`` through the session's own connection (same transaction); JSON
    columns serialised as SQLAlchemy's JSON type does. False (nothing written) if a row lacks a column."""
    if not _copyable(table, rows[0], shared):
        return False
    conn = session.connection()
    dumps = getattr(conn.dialect, "_json_serializer", None) or json.dumps
    names = list(rows[0]) + list(shared)
    is_json = [isinstance(table.c[n].type, JSON) for n in names]
    fixed = [dumps(v) if j else v for v, j in zip(shared.values(), is_json[len(rows[0]) :])]
    n_own = len(rows[0])
    columns = ", ".join(f'"{n}"' for n in names)
    cursor = conn.connection.driver_connection.cursor()
    try:
        with cursor.copy(f'COPY "{table.name}" ({columns}) FROM STDIN') as copy:
            for row in rows:
                values = [dumps(v) if j else v for v, j in zip(row.values(), is_json)]
                if len(values) != n_own:
                    raise ValueError(f"COPY {table.name}: wiersze o różnych kolumnach (rows with different columns)")
                copy.write_row(values + fixed)
    finally:
        cursor.close()
    return True


def _new_person_ids(session: Session, slug: str, n: int, now: datetime) -> list[int]:
    """Ids of ``n`` new persons, ascending (the k-th new application gets the k-th)."""
    return _insert_ids(session, Person.__table__, [{} for _ in range(n)], {"project": slug, "created_at": now})


def _insert_new(session: Session, slug: str, new_apps: list[tuple[dict, Accepted]], now: datetime) -> None:
    """New applications, a person of its own each, and their attendance: three bulk INSERTs
    (COPY on PostgreSQL, multi-row VALUES elsewhere) instead of an ORM object and a flush per row."""
    if not new_apps:
        return
    session.flush()  # pending ORM changes first (keys handed out by KeyBook never clash with them)
    person_ids = _new_person_ids(session, slug, len(new_apps), now)
    shared = {"project": slug, "version": 1, "active": True, "first_seen_at": now, "last_seen_at": now, "updated_at": now}
    rows = [{**values, "person_id": pid} for (values, _), pid in zip(new_apps, person_ids)]
    for row in rows:
        del row["project"]
    app_ids = _insert_ids(session, Application.__table__, rows, shared, key=("source_id", "row_key"))
    attendance = [a for (_, outcome), app_id in zip(new_apps, app_ids) for a in _attendance_rows(slug, app_id, outcome)]
    _insert_rows(session, Attendance.__table__, attendance)


def _confirm(record: _Rec) -> None:
    """A migrated record whose source was read and that found no row: it may be matched by its
    last place only on that first night, never later (another row will stand there)."""
    if record.fingerprint is None:
        record.set("fingerprint", "")


def _deactivate(app: _Rec | None, now: datetime) -> int:
    if app is None or not app.active:
        return 0
    app.set("active", False)
    app.changes["updated_at"] = now
    return 1


def _resolve(q: _Rec | None, now: datetime) -> None:
    if q is not None and q.resolved_at is None:
        q.set("resolved_at", now)


def _attendance_rows(slug: str, application_id: int, outcome: Accepted) -> list[dict]:
    data = outcome.data
    event_id = data.get("event")
    if not event_id or outcome.kind == "recruitment":
        return []
    day = date.fromisoformat(data["date"]) if data.get("date") else None
    if outcome.kind == "advisory":
        return [
            dict(project=slug, application_id=application_id, event_id=event_id, session_no=1, hours=data.get("hours"), attended_on=day)
        ]
    return [
        dict(project=slug, application_id=application_id, event_id=event_id, session_no=number, hours=None, attended_on=day)
        for number in data.get("sessions", [])
    ]
