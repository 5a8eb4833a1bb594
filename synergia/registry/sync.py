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
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from itertools import chain
from json.encoder import c_make_encoder, encode_basestring_ascii
from typing import TYPE_CHECKING

from sqlalchemy import JSON, Connection, Table, Text, bindparam, cast, delete, select, update
from sqlalchemy.orm import Session

from config.project import ProjectConfig
from synergia.counts import Counts
from synergia.heap import no_gc
from synergia.parallel import fork_pair, worth_forking
from synergia.registry.base import utcnow
from synergia.registry.bulk import bound_rows, copy_rows
from synergia.registry.bulk import mark as _mark
from synergia.registry.bulk import processor as _processor
from synergia.registry.bulk import quoted as _quoted
from synergia.registry.identity import Incoming, KeyBook, match_records, pair_unique_firsts
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
    sources_unchanged: int = 0  # 1: nothing the sync depends on changed, the rows were not read again (``registry.uptodate``)
    sources_fingerprint: str = ""  # digest of the sources' fingerprints and the code (``uptodate.inputs_digest``), no data
    registry_mark: str = ""  # aggregates of the registry after this run (``uptodate.registry_mark``), no data

    def as_dict(self) -> dict:
        """The counts; the up-to-date check's three only when set (a sync called alone records them not)."""
        out = super().as_dict()
        for name in ("sources_unchanged", "sources_fingerprint", "registry_mark"):
            if not out[name]:
                del out[name]
        return out


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


def _incoming(kinds: dict[str, str], index: int, outcome: Accepted | Rejected) -> Incoming:
    ref = outcome.ref
    ident = ref.identity
    return Incoming(
        index=index,
        source_id=ref.source_id,
        kind=kinds.get(ref.source_id),
        key=ident.key,
        fingerprint=ident.fingerprint,
        fallbacks=ident.fallbacks,
        place=(ref.spreadsheet, ref.worksheet, ref.row_number),
        content_hash=outcome.content_hash,
    )


def _identity_keys(
    outcomes: list[Outcome], collect: bool = True
) -> tuple[list[tuple[int, str, str, str]], list[tuple[int, str, str, str]]]:
    """(index, source id, key, fingerprint) of the non-empty rows, and of the rejected ones.
    ``collect`` False (nothing stored to pair with: a first night): only checks that every
    non-empty row has its identity, and returns two empty lists."""
    rows, rejected = [], []
    for i, outcome in enumerate(outcomes):
        if isinstance(outcome, Empty):
            continue
        ref = outcome.ref
        ident = ref.identity
        if ident is None:
            raise ValueError(
                f"wiersz bez tożsamości: {ref.label()} (row read without its identity; use synergia.sheets.read.read_project_sources)"
            )
        if not collect:
            continue
        entry = (i, ref.source_id, ident.key, ident.fingerprint)
        rows.append(entry)
        if isinstance(outcome, Rejected):
            rejected.append(entry)
    return rows, rejected


#: a stored application's or quarantine row's id, where it sits and the keys it is found by (``_new_place``, ``_place``)
_PLACE_COLUMNS = ("id", "source_id", "spreadsheet", "worksheet", "row_number", "row_key", "fingerprint", "fallback_keys")
# not updated_at: read only for the few corrected rows (``_write_changed``), a datetime parse per row saved
_APP_COLUMNS = (*_PLACE_COLUMNS, "kind", "content_hash", "active", "version", "person_id", "data")
_Q_COLUMNS = (*_PLACE_COLUMNS, "content_hash", "resolved_at")
#: positions in a stored row as read (``_read``); JSON columns come as their stored text
_ID, _SOURCE, _SPREADSHEET, _WORKSHEET, _ROW, _KEY, _FP, _FALLBACKS = range(8)
_HASH, _ACTIVE, _DATA = 9, 10, 13


def _read(conn: Connection, table: Table, slug: str, columns: tuple[str, ...]) -> list[tuple]:
    """The project's rows of ``table`` as plain tuples, by id, read on the DBAPI cursor of the
    session's connection (no result processing: JSON columns as their stored text)."""
    names = ", ".join(f'CAST("{c}" AS TEXT)' if isinstance(table.c[c].type, JSON) else f'"{c}"' for c in columns)
    cursor = conn.connection.cursor()
    try:
        cursor.execute(f'SELECT {names} FROM "{table.name}" WHERE project = {_mark(conn)} ORDER BY id', (slug,))
        return cursor.fetchall()
    finally:
        cursor.close()


class _Rec:
    """A stored application / quarantine row a night works on (no ORM object per row): its
    columns as attributes (``fallback_keys`` parsed, an application's ``data`` as ``data_text``, its
    stored JSON text); ``changes`` collects the columns to write, flushed in bulk (``_write_changes``)."""

    def __init__(self, columns: Sequence[str], row: Sequence[object]) -> None:
        values = dict(zip(columns, row))
        fallbacks = values["fallback_keys"]
        values["fallback_keys"] = json.loads(fallbacks) if fallbacks is not None else None
        if "data" in values:
            values["data_text"] = values.pop("data")
        if values.get("active") is not None:
            values["active"] = bool(values["active"])  # SQLite holds 1 / 0
        self.__dict__ = values
        self.changes: dict[str, object] = {}

    def set(self, name: str, value: object) -> None:
        if getattr(self, name) != value:
            setattr(self, name, value)
            self.changes[name] = value

    def __repr__(self) -> str:  # rows are personal data: no values in reprs
        return f"_Rec(id={getattr(self, 'id', None)})"


class _Stored:
    """One table's stored rows of the project as read (tuples), and records (``_Rec``) made only of
    those a night matches by more than its first pass or may change."""

    def __init__(self, rows: list[tuple], columns: tuple[str, ...]) -> None:
        self.rows, self.columns = rows, columns
        self.made: dict[int, _Rec] = {}

    def rec(self, pos: int) -> _Rec:
        rec = self.made.get(pos)
        if rec is None:
            rec = self.made[pos] = _Rec(self.columns, self.rows[pos])
        return rec

    def records(self) -> list[_Rec]:
        """The records made, in the order the rows were read (by id)."""
        return [self.made[pos] for pos in sorted(self.made)]

    def keys(self) -> KeyBook:
        return _LazyKeyBook(self.rows)


class _LazyKeyBook(KeyBook):
    """A ``KeyBook`` of the stored rows as read, filled when it first hands out a key (an
    unchanged night never does)."""

    def __init__(self, rows: list[tuple]) -> None:
        super().__init__()
        self._rows: list[tuple] | None = rows

    def keep_or_new(self, record: object | None, source_id: str, key: str) -> str:
        if self._rows is not None:
            for r in self._rows:  # the keys as stored: records change their key only after this
                if r[_KEY]:
                    self.taken[r[_SOURCE]].add(r[_KEY])
            self._rows = None
        return super().keep_or_new(record, source_id, key)


def _match(
    stored: _Stored,
    keys: list[tuple[int, str, str, str]],
    outcomes: list[Outcome],
    kinds: dict[str, str],
    read_sources: set[str],
    kind_of: Callable[[_Rec], str | None],
) -> tuple[dict[int, int | _Rec], list[_Rec]]:
    """``match_records`` of tonight's rows and the stored ones: incoming index -> stored position
    (paired by the first pass, ``pair_unique_firsts``) or record; and the records no row took."""
    if not stored.rows:  # a first night: every row is new
        return {}, []
    firsts = pair_unique_firsts(((r[_SOURCE], r[_KEY], r[_FP]) for r in stored.rows), keys)
    paired = set(firsts.values())
    records = [stored.rec(pos) for pos in range(len(stored.rows)) if pos not in paired]
    if not records or len(firsts) == len(keys):  # nothing left to pair (a first night; an unchanged one)
        return dict(firsts), records
    incoming = [_incoming(kinds, i, outcomes[i]) for i, *_ in keys if i not in firsts]  # type: ignore[arg-type]
    result = match_records(records, incoming, kinds=kinds, read_sources=read_sources, kind_of=kind_of)
    matched: dict[int, int | _Rec] = dict(firsts)
    matched.update(result.matched)
    return matched, result.unmatched_records


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


def _unchanged(row: tuple, outcome: Accepted, trusted: bool) -> bool:
    """The stored application ``row`` (paired by the first pass) already holds this accepted row
    where it sits now: same key (the first of it), place, fingerprints, content and data. What
    ``_place`` and ``_same_data`` would find without a change, with no record made."""
    ref = outcome.ref
    ident = ref.identity
    return (
        row[_KEY] == ident.key
        and "#" not in ident.key
        and row[_ROW] == ref.row_number
        and row[_HASH] == outcome.content_hash
        and row[_ACTIVE]
        and row[_WORKSHEET] == ref.worksheet
        and row[_SPREADSHEET] == ref.spreadsheet
        and row[_SOURCE] == ref.source_id
        and row[_FP] == ident.fingerprint
        and _same_fallbacks(row[_FALLBACKS], ident.fallbacks)
        and _same_stored(row[_DATA], outcome, trusted)
    )


def _same_fallbacks(stored_text: str | None, fallbacks: tuple[str, ...]) -> bool:
    if stored_text is not None and stored_text == _json_strings(fallbacks):
        return True
    stored = json.loads(stored_text) if stored_text is not None else None
    return list(stored or []) == list(fallbacks)


def _same_stored(stored_text: str | None, outcome: Accepted, trusted: bool) -> bool:
    """``_same_data``, first by the stored JSON text a reused outcome carries (``stored_json``,
    set by validation from the registry: equal texts, equal data, no serialising)."""
    if stored_text is None:
        return False
    if trusted and (known := getattr(outcome, "stored_json", None)) is not None and known == stored_text:
        return True
    return _same_data(stored_text, outcome.data)


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

    Stored rows are read as plain tuples on the DBAPI cursor (the columns matching needs, no ORM
    objects); a row paired by the first matching pass and found unchanged costs a few comparisons
    and no object. Writes are in bulk: executemany UPDATEs grouped by changed columns; INSERTs of
    values prepared once (COPY on PostgreSQL, multi-row VALUES / executemany elsewhere)."""
    with no_gc():
        return _apply(session, project, outcomes, read_worksheets, now or utcnow())


def _apply(
    session: Session, project: ProjectConfig, outcomes: list[Outcome], read_worksheets: set[tuple[str, str, str]], now: datetime
) -> SyncCounts:
    from synergia.rodo.tombstones import (
        screen_outcomes,  # erased persons stay out; pesel: discard
    )

    given = outcomes
    outcomes = screen_outcomes(session, project, outcomes)

    def trusted(index: int) -> bool:  # the outcome validation made (its ``stored_json`` speaks for its data)
        return outcomes is given or outcomes[index] is given[index]

    session.flush()  # pending ORM changes of the caller first: the reads below must see them
    conn = session.connection()
    slug = project.slug
    counts = SyncCounts(rows=len(outcomes))
    kinds = {s.id: s.kind for s in project.sources}
    read_sources = {source_id for source_id, _, _ in read_worksheets}
    apps = _Stored(_read(conn, Application.__table__, slug, _APP_COLUMNS), _APP_COLUMNS)
    quarantined = _Stored(_read(conn, Quarantine.__table__, slug, _Q_COLUMNS), _Q_COLUMNS)
    keys, rejected_keys = _identity_keys(outcomes, collect=bool(apps.rows or quarantined.rows))
    app_matched, app_unmatched = _match(apps, keys, outcomes, kinds, read_sources, kind_of=lambda a: a.kind)
    q_matched, q_unmatched = _match(quarantined, rejected_keys, outcomes, kinds, read_sources, kind_of=lambda q: kinds.get(q.source_id))
    del keys, rejected_keys
    app_keys, q_keys = apps.keys(), quarantined.keys()
    per_source: dict[str, Counter] = {}
    reasons: Counter = Counter()
    new_apps: list[tuple[Accepted, str]] = []  # (outcome, row key): inserted in bulk after the loop (with a person each)
    new_quarantine: list[dict] = []
    unchanged: Counter = Counter()  # per source: rows found unchanged by ``_unchanged``
    same_hash: list[tuple[tuple[_Rec, Accepted, datetime | None, str], bool]] = []  # data compared after the loop
    changed: list[tuple[_Rec, Accepted, datetime | None, str]] = []
    app_rows = apps.rows

    for index, outcome in enumerate(outcomes):
        ref = outcome.ref
        tally = per_source.get(ref.source_id)
        if tally is None:
            tally = per_source[ref.source_id] = Counter()
        if isinstance(outcome, Empty):
            counts.empty += 1
            tally["empty"] += 1
            continue
        app = app_matched.get(index)
        if isinstance(outcome, Rejected):
            counts.quarantined += 1
            tally["quarantined"] += 1
            reasons.update(outcome.reasons)
            if isinstance(app, int):
                app = apps.rec(app)
            counts.deactivated += _deactivate(app, now)
            if app is not None:
                _place(app, ref, app_keys, ref.identity)  # the kept application follows its row
            q = q_matched.get(index)
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
            if isinstance(q, int):
                q = quarantined.rec(q)
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
        if app is None:
            new_apps.append((outcome, app_keys.keep_or_new(None, ref.source_id, ref.identity.key)))
            counts.new += 1
            tally["new"] += 1
            continue
        if isinstance(app, int):
            if _unchanged(app_rows[app], outcome, trusted(index)):
                unchanged[ref.source_id] += 1
                continue
            app = apps.rec(app)
        submitted = datetime.fromisoformat(outcome.data["submitted_at"]) if outcome.data.get("submitted_at") else None
        counts.moved += _place(app, ref, app_keys, ref.identity)
        entry = (app, outcome, submitted, ref.source_id)
        if app.content_hash == outcome.content_hash and app.active:
            same_hash.append((entry, trusted(index)))
        else:
            changed.append(entry)

    for source_id, n in unchanged.items():
        counts.unchanged += n
        per_source[source_id]["unchanged"] += n
    for entry, trust in same_hash:
        app, outcome = entry[0], entry[1]
        if _same_stored(app.data_text, outcome, trust):
            counts.unchanged += 1
            per_source[entry[3]]["unchanged"] += 1
        else:
            changed.append(entry)
    _write_changed(session, slug, changed, now)
    for _, _, _, source_id in changed:
        counts.changed += 1
        per_source[source_id]["changed"] += 1

    for app in app_unmatched:
        if app.source_id in read_sources:
            counts.deactivated += _deactivate(app, now)
            _confirm(app)
    for q in q_unmatched:
        if q.source_id in read_sources:
            _resolve(q, now)
            _confirm(q)

    # writes: updates first (keys handed out by KeyBook never clash with any stored one), then inserts
    _write_changes(session, Application.__table__, slug, apps.records())
    _write_changes(session, Quarantine.__table__, slug, quarantined.records())
    _insert_rows(session, Quarantine.__table__, new_quarantine)
    _insert_new(session, slug, new_apps, now)

    counts.per_source = {k: dict(v) for k, v in sorted(per_source.items())}
    counts.reasons = dict(reasons.most_common())
    return counts


def _no_default(value: object) -> object:
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


#: ``json.dumps`` with its defaults, the C encoder made once (not once per call); the text the JSON
#: column stores for a dict (SQLAlchemy's default serializer)
_encode = c_make_encoder(None, _no_default, encode_basestring_ascii, None, ": ", ", ", False, False, True) if c_make_encoder else None


def _dumps(value: object) -> str:
    if _encode is None or not isinstance(value, dict):
        return json.dumps(value)
    return "".join(_encode(value, 0))


def _json_strings(items: Sequence[str]) -> str:
    """``json.dumps(list(items))`` of strings."""
    return "[" + ", ".join(map(encode_basestring_ascii, items)) + "]"


def _same_data(stored_text: str | None, data: dict) -> bool:
    if stored_text is None:
        return False
    if stored_text == _dumps(data):  # how the JSON column stores a dict (SQLAlchemy's default serializer)
        return True
    try:
        return json.loads(stored_text) == data
    except ValueError:
        return False


def _write_changed(session: Session, slug: str, changed: list, now: datetime) -> None:
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
        old = app.data_text
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
    attendance = [a for app, outcome, _, _ in changed for a in _attendance_rows(app.id, outcome)]
    _insert_values(session, Attendance.__table__, _ATTENDANCE, attendance, {"project": slug})


def _insert_rows(session: Session, table: Table, rows: list[dict], shared: Mapping[str, object] | None = None) -> None:
    """INSERT ``rows`` (alike dicts, each with the ``shared`` columns too), JSON columns serialised here."""
    if not rows:
        return
    names = tuple(rows[0])
    json_at = [i for i, n in enumerate(names) if isinstance(table.c[n].type, JSON)]
    dumps = _serializer(session.connection())
    values = []
    for row in rows:
        v = list(row.values())
        if len(v) != len(names):
            raise ValueError(f"INSERT {table.name}: wiersze o różnych kolumnach (rows with different columns)")
        for i in json_at:
            v[i] = dumps(v[i])
        values.append(v)
    _insert_values(session, table, names, values, shared)


def _serializer(conn: Connection) -> Callable[[object], str]:
    """How the JSON columns serialise a value: the engine's serializer if one was given, else ``json.dumps``."""
    return getattr(conn.dialect, "_json_serializer", None) or _dumps


def _shared(conn: Connection, table: Table, shared: Mapping[str, object] | None) -> dict[str, object]:
    """The shared values, JSON ones serialised (once)."""
    dumps = _serializer(conn)
    return {k: dumps(v) if isinstance(table.c[k].type, JSON) else v for k, v in (shared or {}).items()}


def _insert_values(
    session: Session, table: Table, names: Sequence[str], rows: Sequence[Sequence[object]], shared: Mapping[str, object] | None = None
) -> None:
    """INSERT ``rows`` (values of ``names``, JSON columns as the text to store; each with the
    ``shared`` columns too): COPY on PostgreSQL, one executemany of the DBAPI elsewhere."""
    if not rows:
        return
    conn = session.connection()
    fixed = _shared(conn, table, shared)
    if conn.dialect.name == "postgresql" and _copyable(table, names, fixed):
        _copy(conn, table, names, rows, fixed)
        return
    columns, params = _bound(conn, table, names, rows, fixed)
    marks = ", ".join([_mark(conn)] * len(columns))
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({_quoted(columns)}) VALUES ({marks})', params)


def _bound(
    conn: Connection,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[object]],
    fixed: Mapping[str, object],
    bound: bool = False,
) -> tuple[list[str], list[tuple]]:
    """Columns and the DBAPI parameters of ``rows`` + ``fixed``: every value as the column's type
    binds it (datetimes as SQLite's text, floats...), JSON columns as given (their text).
    ``bound``: the rows' values are bound already (only ``fixed`` is processed here)."""
    columns = [*names, *fixed]
    dialect = conn.dialect
    tail = tuple(v if (p := _processor(table, k, dialect)) is None or v is None else p(v) for k, v in fixed.items())
    if bound:
        return columns, [tuple(row) + tail for row in rows]
    return columns, bound_rows(table, names, rows, dialect, tail)


def _insert_ids(
    session: Session,
    table: Table,
    names: Sequence[str],
    rows: Sequence[Sequence[object]],
    shared: Mapping[str, object] | None = None,
    key: tuple[int, ...] = (),
    bound: bool = False,
) -> list[int]:
    """INSERT ``rows`` (as ``_insert_values``) and return their ids in the order of ``rows``.

    PostgreSQL: ids drawn from the table's sequence in one query, rows written by COPY. Elsewhere:
    multi-row INSERT ... RETURNING, correlated by the columns at positions ``key`` (unique among
    the rows and in the table). Without ``key`` the rows must be alike (fresh persons): ids
    ascending, the order one-row statements give."""
    if not rows:
        return []
    conn = session.connection()
    fixed = _shared(conn, table, shared)
    if conn.dialect.name == "postgresql" and _copyable(table, ("id", *names), fixed):
        cursor = conn.connection.cursor()  # plain tuples: no result object per id
        try:
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", (table.name, len(rows)))
            ids = sorted(i for (i,) in cursor.fetchall())
        finally:
            cursor.close()
        _copy(conn, table, ("id", *names), [(i, *row) for i, row in zip(ids, rows)], fixed)
        return ids
    columns, params = _bound(conn, table, names, rows, fixed, bound)
    if key and "project" in fixed:
        return _insert_correlated(conn, table, columns, params, names, key, fixed["project"])
    per = max(1, conn.dialect.insertmanyvalues_max_parameters // max(1, len(columns)))
    one = "(" + ", ".join([_mark(conn)] * len(columns)) + ")"
    back = ", ".join(["id", *(f'"{names[k]}"' for k in key)])
    returned: list = []
    for start in range(0, len(params), per):
        chunk = params[start : start + per]
        sql = f'INSERT INTO "{table.name}" ({_quoted(columns)}) VALUES {", ".join([one] * len(chunk))} RETURNING {back}'
        returned.extend(conn.exec_driver_sql(sql, tuple(chain.from_iterable(chunk))).all())
    if not key:
        return sorted(r[0] for r in returned)
    by_key = {tuple(r[1:]): r[0] for r in returned}
    return [by_key[tuple(row[k] for k in key)] for row in rows]


def _insert_correlated(
    conn: Connection, table: Table, columns: list[str], params: list[tuple], names: Sequence[str], key: tuple[int, ...], project: object
) -> list[int]:
    """One executemany INSERT (no statement of 30k parameters to parse, no flattening), then the
    ids read back by ``key`` within the project among the ids above the largest before it (a
    key unique in the project names one row; a row given a lower id is looked up without that bound)."""
    mark = _mark(conn)
    before = conn.exec_driver_sql(f'SELECT max(id) FROM "{table.name}"').scalar() or 0
    conn.exec_driver_sql(f'INSERT INTO "{table.name}" ({_quoted(columns)}) VALUES ({", ".join([mark] * len(columns))})', params)
    back = f'SELECT id, {_quoted([names[k] for k in key])} FROM "{table.name}" WHERE project = {mark}'
    by_key = {tuple(r[1:]): r[0] for r in _fetch_all(conn, f"{back} AND id > {mark}", (project, before))}
    wanted = [tuple(row[k] for k in key) for row in params]
    if any(k not in by_key for k in wanted):
        by_key = {tuple(r[1:]): r[0] for r in _fetch_all(conn, back, (project,))}
    return [by_key[k] for k in wanted]


def _fetch_all(conn: Connection, sql: str, params: tuple) -> list[tuple]:
    """Every row of ``sql`` as the driver's plain tuples (integers and text only: no result
    processing; no SQLAlchemy row object per row, ~0.5 s for a first night's 95k ids)."""
    cursor = conn.connection.cursor()
    try:
        cursor.execute(sql, params)
        return cursor.fetchall()
    finally:
        cursor.close()


def _copyable(table: Table, names: Sequence[str], shared: Mapping[str, object]) -> bool:
    """Every column given (but the id, which the table may draw), none twice: COPY applies no
    Python-side defaults."""
    given = set(names) | set(shared)
    wanted = {c.name for c in table.columns if not c.primary_key} | ({"id"} & given)
    return not (set(names) & set(shared)) and len(names) == len(set(names)) and given == wanted


def _copy(conn: Connection, table: Table, names: Sequence[str], rows: Sequence[Sequence[object]], fixed: Mapping[str, object]) -> None:
    """COPY ``rows`` (values of ``names``, JSON as text) + ``fixed`` into ``table`` through the
    session's own connection (same transaction; ``bulk.copy_rows``)."""
    tail = list(fixed.values())
    n_own = len(names)

    def complete() -> Iterator[Sequence[object]]:
        for row in rows:
            if len(row) != n_own:
                raise ValueError(f"COPY {table.name}: wiersze o różnych kolumnach (rows with different columns)")
            yield [*row, *tail] if tail else row

    copy_rows(conn, table, [*names, *fixed], complete())


def _new_person_ids(session: Session, slug: str, n: int, now: datetime) -> list[int]:
    """Ids of ``n`` new persons, ascending (the k-th new application gets the k-th). SQLite: the
    ids after the largest (``_draw_ids``) in one INSERT ... SELECT of ``n`` generated rows (no
    parameters per row, nothing read back)."""
    table, shared = Person.__table__, {"project": slug, "created_at": now}
    conn = session.connection()
    if conn.dialect.name != "sqlite" or n < 1:
        return _insert_ids(session, table, (), [() for _ in range(n)], shared)
    ids = _draw_ids(conn, table, n)
    columns, (values,) = _bound(conn, table, (), [()], _shared(conn, table, shared))
    sql = (
        "WITH RECURSIVE n(i) AS (SELECT ? UNION ALL SELECT i + 1 FROM n WHERE i < ?) "
        f'INSERT INTO "{table.name}" ("id", {_quoted(columns)}) SELECT i, {", ".join("?" * len(values))} FROM n'
    )
    conn.exec_driver_sql(sql, (ids[0], ids[-1], *values))
    return ids


#: a new application's own columns, in the order ``_insert_new`` gives them
_NEW_APP = (
    "source_id",
    "spreadsheet",
    "worksheet",
    "row_number",
    "row_key",
    "fingerprint",
    "fallback_keys",
    "kind",
    "content_hash",
    "data",
    "submitted_at",
    "person_id",
)
_ATTENDANCE = ("application_id", "event_id", "session_no", "hours", "attended_on")


#: the share of a first night's new applications whose rows this process makes itself (and inserts
#: while a forked worker makes the rest, ``_insert_new``). Measured at 100k form rows (94,990 new,
#: SQLite, 2 cores, a quiet moment): this process made and inserted its 35 % in 1.46 s (~44 µs a
#: row), the worker made and pickled its 65 % in 2.0 s (~32 µs a row, copy-on-write faults
#: included), so this process waited 0.54 s: ~0.4 would balance them on that box
PARENT_SHARE = 0.35


def _insert_new(session: Session, slug: str, new_apps: list[tuple[Accepted, str]], now: datetime, processes: int | None = None) -> None:
    """New applications, a person of its own each, and their attendance: bulk INSERTs (COPY on
    PostgreSQL, executemany on SQLite) of values made once, no ORM object.

    Ids are drawn first (PostgreSQL: the tables' sequences; SQLite: after the largest id, what
    SQLite gives a row inserted without one), so a row's values are known before any INSERT and
    nothing is read back. From ``PARALLEL_MIN`` rows (``processes`` None) the rows of the last
    ``1 - PARENT_SHARE`` are made in a forked worker while this process makes and inserts the
    first ones (plain tuples back; a failed or silent worker's part is made here: the rows never
    depend on it)."""
    if not new_apps:
        return
    session.flush()  # pending ORM changes first (keys handed out by KeyBook never clash with them)
    conn = session.connection()
    table, n = Application.__table__, len(new_apps)
    person_ids = _new_person_ids(session, slug, n, now)
    app_ids = _draw_ids(conn, table, n)
    dumps = _serializer(conn)
    own = dumps is _dumps  # the fallback keys' text without serialising a list
    shared = {"project": slug, "version": 1, "active": True, "first_seen_at": now, "last_seen_at": now, "updated_at": now}
    fixed = _shared(conn, table, shared)
    names = ("id", *_NEW_APP)
    copy = conn.dialect.name == "postgresql" and _copyable(table, names, fixed)
    # SQLite: every value as the column binds it, made with the row (the submission time is the
    # only column of these with a processor); COPY takes the values as they are
    when = None if copy else _processor(table, "submitted_at", conn.dialect)
    others = [] if copy else [(i, p) for i, c in enumerate(names) if c != "submitted_at" and (p := _processor(table, c, conn.dialect))]
    columns, (tail,) = (list(fixed), [tuple(fixed.values())]) if copy else _bound(conn, table, (), [()], fixed)
    sql = f'INSERT INTO "{table.name}" ({_quoted([*names, *columns])}) VALUES ({", ".join([_mark(conn)] * (len(names) + len(columns)))})'

    def part(start: int, stop: int) -> tuple[list[tuple], list[tuple]]:
        rows, attendance = [], []
        for k in range(start, stop):
            outcome, row_key = new_apps[k]
            ref, data = outcome.ref, outcome.data
            ident = ref.identity
            at = data.get("submitted_at")
            submitted = datetime.fromisoformat(at) if at else None
            if when is not None and submitted is not None:
                submitted = when(submitted)
            app_id = app_ids[k]
            rows.append(
                (
                    app_id,
                    ref.source_id,
                    ref.spreadsheet,
                    ref.worksheet,
                    ref.row_number,
                    row_key,
                    ident.fingerprint,
                    _json_strings(ident.fallbacks) if own else dumps(list(ident.fallbacks)),
                    outcome.kind,
                    outcome.content_hash,
                    dumps(data),
                    submitted,
                    person_ids[k],
                    *tail,
                )
            )
            attendance += _attendance_rows(app_id, outcome)
        if others:  # none of these columns has a processor today
            rows = [tuple(p(v) if (p := dict(others).get(i)) and v is not None else v for i, v in enumerate(r)) for r in rows]
        return rows, attendance

    def write(rows: list[tuple]) -> None:
        if copy:
            _copy(conn, table, (*names, *columns), rows, {})
        elif rows:
            conn.exec_driver_sql(sql, rows)

    if worth_forking(n, processes):

        def mine() -> list[tuple]:
            rows, attendance = part(0, cut)
            write(rows)
            return attendance

        cut = int(n * PARENT_SHARE)
        attendance, (rows, theirs) = fork_pair(mine, lambda: part(cut, n), redo_here=True)
        attendance += theirs
    else:
        rows, attendance = part(0, n)
    write(rows)
    del rows
    _insert_values(session, Attendance.__table__, _ATTENDANCE, attendance, {"project": slug})


def _draw_ids(conn: Connection, table: Table, n: int) -> list[int]:
    """Ids for ``n`` new rows of ``table``, ascending. PostgreSQL: from the table's sequence, in one
    query. SQLite: those after the largest id, the ones SQLite gives rows inserted one after the
    other without an id (no AUTOINCREMENT table; the transaction holds or takes the write lock, so
    nobody else inserts in between — a writer in between makes our write fail, not clash)."""
    cursor = conn.connection.cursor()  # plain tuples: no result object per id
    try:
        if conn.dialect.name == "postgresql":
            cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", (table.name, n))
            return sorted(i for (i,) in cursor.fetchall())
        cursor.execute(f'SELECT max(id) FROM "{table.name}"')
        last = cursor.fetchone()[0] or 0
    finally:
        cursor.close()
    return list(range(last + 1, last + 1 + n))


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


def _attendance_rows(application_id: int, outcome: Accepted) -> list[tuple]:
    """The attendance an accepted row records (values of ``_ATTENDANCE``)."""
    data = outcome.data
    event_id = data.get("event")
    if not event_id or outcome.kind == "recruitment":
        return []
    day = date.fromisoformat(data["date"]) if data.get("date") else None
    if outcome.kind == "advisory":
        return [(application_id, event_id, 1, data.get("hours"), day)]
    return [(application_id, event_id, number, None, day) for number in data.get("sessions", [])]
