"""Registry side of deduplication: read applications, move person ids, keep history.

``run_dedupe`` matches the project's active applications (only pairs touching
new or changed ones: earlier pairs were decided on earlier nights), merges
persons into the oldest one (lowest id, so ids never reshuffle), writes one
``DedupeMerge`` with its reason per folded person and one ``DedupeAssignment``
per moved application, and keeps the open review pairs. ``unmerge`` splits a
wrong merge without losing an application or a line of history and records
cannot-links so the next run does not redo it.
"""

from __future__ import annotations

import hashlib
import json
from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from itertools import repeat
from typing import Any

from sqlalchemy import Row, Table, Text, cast, delete, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql import Select

from synergia.counts import Counts
from synergia.dedupe.blocking import key_hashes
from synergia.dedupe.cluster import ClusterResult, Link, cluster_records, namesake_tie_hashes
from synergia.dedupe.compare import Thresholds, veto
from synergia.dedupe.normalize import NORM_FIELDS, NormRecord, as_tuple, normalize_record, record_columns
from synergia.heap import no_gc
from synergia.parallel import resident_mb, split_run, worth_forking
from synergia.provenance import PEOPLE_DATA_LIBRARIES, code_digest
from synergia.registry import bulk
from synergia.registry.base import utcnow
from synergia.registry.tables import Application, Person
from synergia.registry.tables_dedupe import DedupeAssignment, DedupeDecision, DedupeMerge, DedupeNorm, DedupeReview, DedupeSeen
from synergia.sheets.review_tab import ReviewItem, StaffDecision


class UnmergeError(ValueError):
    """An unmerge request that does not fit the registry (messages carry ids only)."""


@dataclass
class DedupeCounts(Counts, step="dedupe", merged=("extra",)):
    applications: int = 0
    new_or_changed: int = 0
    compared_pairs: int = 0
    vetoed_pairs: int = 0
    persons_merged: int = 0
    applications_moved: int = 0
    persons_created: int = 0
    decisions_recorded: int = 0
    reviews_open: int = 0
    reviews_new: int = 0
    reviews_closed: int = 0
    conflicting_decisions: int = 0
    applications_split: int = 0
    extra: dict = field(default_factory=dict)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def record_decisions(
    session: Session, project: str, decisions: Iterable[StaffDecision], source: str = "review_tab", now: datetime | None = None
) -> int:
    """Store staff decisions for good (a later answer on the same pair replaces the earlier one)."""
    now = now or utcnow()
    existing = {
        (d.application_a, d.application_b): d for d in session.scalars(select(DedupeDecision).where(DedupeDecision.project == project))
    }
    reviews = {
        (r.application_a, r.application_b): r
        for r in session.scalars(select(DedupeReview).where(DedupeReview.project == project, DedupeReview.status == "open"))
    }
    n = 0
    for dec in decisions:
        a, b = _pair(dec.a, dec.b)
        row = existing.get((a, b))
        if row is None:
            row = DedupeDecision(project=project, application_a=a, application_b=b, same=dec.same, source=source, decided_at=now)
            session.add(row)
            existing[(a, b)] = row
            n += 1
        elif row.same != dec.same:
            row.same, row.source, row.decided_at = dec.same, source, now
            n += 1
        review = reviews.get((a, b))
        if review is not None:
            review.status, review.closed_at = "decided", now
    session.flush()
    return n


def run_dedupe(
    session: Session,
    project: str,
    thresholds: Thresholds = Thresholds(),
    decisions: Sequence[StaffDecision] = (),
    now: datetime | None = None,
    *,
    full: bool = False,
    processes: int | None = None,
) -> DedupeCounts:
    """One deduplication pass over a project's active applications, in the caller's transaction.

    A night with nothing new or changed whose staff decisions are all already
    reflected (every "TAK" pair is one person) changes no person: it normalises
    nothing and only closes review pairs that no longer apply. Otherwise only new
    or changed applications are normalised; the others' matching views come from
    ``dedupe_norms`` (``full``: normalise every application again, the reference).

    ``processes``: None = a large batch is normalised and matched in two processes (a forked
    worker; one that fails, dies or stays silent has its part redone here, so the result never
    depends on it: safe inside a threaded Prefect task), 1 = all in this process. Same result."""
    now = now or utcnow()
    counts = DedupeCounts()
    counts.decisions_recorded = record_decisions(session, project, decisions, now=now)
    if counts.decisions_recorded:  # the audit log counts staff answers read from the review tab (no data)
        from synergia.rodo.audit import record as audit_record

        audit_record(session, project, "dedupe_decisions", operator="review_tab", details={"recorded": counts.decisions_recorded})

    # a project never compared (its first night) or a full run normalises every application: its
    # data is then read with the rest in one pass over the table (not a second one in ``_records``)
    texts: dict[int, str | None] | None = None
    columns = [Application.id, Application.person_id, Application.content_hash, DedupeSeen.content_hash]
    if full or _never_compared(session, project):
        columns.append(cast(Application.data, Text))
    active = _fetch(
        session,
        select(*columns)
        .outerjoin(DedupeSeen, DedupeSeen.application_id == Application.id)
        .where(Application.project == project, Application.active.is_(True))
        .order_by(Application.id),
    )
    if len(columns) == 5:
        texts = {row[0]: row[4] for row in active}
        active = [row[:4] for row in active]
    counts.applications = len(active)
    if not active:
        return counts
    seen = {a_id: seen_hash for a_id, _pid, _h, seen_hash in active if seen_hash is not None}  # compared before: as which content
    new_ids = [a_id for a_id, _pid, h, seen_hash in active if seen_hash != h]
    counts.new_or_changed = len(new_ids)

    must, cannot = [], []
    for a, b, same in session.execute(
        select(DedupeDecision.application_a, DedupeDecision.application_b, DedupeDecision.same).where(DedupeDecision.project == project)
    ):
        (must if same else cannot).append((a, b))
    pid_of = {a_id: pid for a_id, pid, _h, _s in active}
    counts.conflicting_decisions = sum(1 for a, b in cannot if pid_of.get(a) is not None and pid_of.get(a) == pid_of.get(b))

    if not new_ids and not full and _settled(pid_of, must):
        # nothing to compare (pairs must touch a new record) and every staff "TAK" already holds:
        # matching would return tonight's persons unchanged, so it is not run
        _update_reviews(session, project, (), pid_of, must, cannot, counts, now)
        session.flush()
        return counts

    with no_gc():  # ~10 objects per application and no cycles: the collector's passes only cost
        apps = [_App(a_id, pid, h) for a_id, pid, h, _s in active]
        by_id = {a.id: a for a in apps}
        moved: list[tuple[int, int]] = []  # (new person id, application id), written in one statement (``_write_moves``)
        content = {a_id: by_id[a_id].content_hash for a_id in new_ids}
        pending = [True]  # the ``dedupe_seen`` rows are not written yet

        def write_seen(content: dict[int, str] = content) -> None:
            # which contents were compared tonight: needs nothing from normalising or matching
            pending.clear()
            seen_table = DedupeSeen.__table__
            _insert_rows(
                session,
                seen_table,
                ("application_id", "content_hash", "seen_at"),
                [(a_id, content[a_id], now) for a_id in new_ids if a_id not in seen],
            )
            _update_rows(
                session,
                seen_table,
                ("content_hash", "seen_at"),
                "application_id",
                [(content[a_id], now, a_id) for a_id in new_ids if a_id in seen],
            )

        # a forked normaliser: this process writes ``dedupe_seen`` and the views it normalised
        # while the worker normalises the rest (``_normalised``' ``meanwhile``)
        records, hashed, write_norms = _records(session, project, apps, full, processes, meanwhile=write_seen, texts=texts)
        texts = None
        counts.applications_split = _split_contradicted(session, project, apps, records, new_ids, seen, moved, now)
        groups = {a.id: a.person_id for a in apps if a.person_id is not None}
        if not _fork(len(records), processes):
            processes = 1

        def write_views(write_norms: Callable[[], None] = write_norms, write_seen: Callable[[], None] = write_seen) -> None:
            # what does not depend on the clusters (the matching views, which contents were
            # compared) and is not written yet: written while a forked worker matches its part (``alongside``)
            write_norms()
            if pending:
                write_seen()

        result = cluster_records(
            records,
            thresholds,
            must_link=must,
            cannot_link=cannot,
            groups=groups,
            new=new_ids,
            processes=processes,
            hashed=hashed and hashed[:2],
            ties=hashed and hashed[2:],
            redo_here=True,
            alongside=write_views,
            parent_share=_parent_share(len(new_ids), len(records)),
        )
        del hashed, write_norms, write_views, write_seen, content
        counts.compared_pairs, counts.vetoed_pairs = result.pairs_compared, result.vetoed
        del records
        _apply_clusters(session, project, result, apps, by_id, moved, counts, now)
        _update_reviews(session, project, result.reviews, {a.id: a.person_id for a in apps}, must, cannot, counts, now)
        del apps, by_id, result
    session.flush()
    return counts


def _never_compared(session: Session, project: str) -> bool:
    """No application of ``project`` has a ``dedupe_seen`` row (a first night: every one is new)."""
    stmt = select(DedupeSeen.application_id).join(Application, Application.id == DedupeSeen.application_id)
    return session.execute(stmt.where(Application.project == project).limit(1)).first() is None


@dataclass(slots=True)
class _App:
    """What matching reads and changes of an application (its data is read as text, see ``_records``)."""

    id: int
    person_id: int | None
    content_hash: str = ""


def _settled(pid_of: Mapping[int, int | None], must: Iterable[tuple[int, int]]) -> bool:
    """Every active application has a person and every staff "TAK" pair of active applications is one person."""
    if any(pid is None for pid in pid_of.values()):
        return False
    return all(pid_of[a] == pid_of[b] for a, b in must if a in pid_of and b in pid_of)


def _apply_clusters(
    session: Session,
    project: str,
    result: ClusterResult,
    apps: Sequence[_App],
    by_id: Mapping[int, _App],
    moved: list[tuple[int, int]],
    counts: DedupeCounts,
    now: datetime,
) -> None:
    """Move applications to the oldest person of their cluster; one ``DedupeMerge`` per folded
    person (with its strongest evidence), one ``DedupeAssignment`` per moved application
    (inactive applications of a folded person follow it). Written in bulk, in cluster order."""
    session.flush()
    old_pid = {a.id: a.person_id for a in apps}
    plans = []  # (cluster number, members, survivor, folded persons) of the clusters that change something
    for n, members in enumerate(result.clusters):
        if len(members) == 1:  # most clusters of a night: one application
            pid = old_pid[members[0]]
            if pid is not None:
                continue  # it stays with its person: no move, no merge, no history row
            pids = []
        else:
            pids = sorted({old_pid[m] for m in members if old_pid[m] is not None})
        if pids:
            survivor = pids[0]
        else:
            person = Person(project=project, created_at=now)
            session.add(person)
            session.flush()
            survivor = person.id
            counts.persons_created += 1
        plans.append((n, members, survivor, pids[1:]))
    if not any(folded for _n, _m, _s, folded in plans):
        assignments: list[tuple] = []
        for _n, members, survivor, _folded in plans:
            _move_members(members, survivor, {}, by_id, assignments, moved, counts, now, project)
        _write_moves(session, assignments, moved)
        return

    evidence = _evidence_by_cluster(result.merges, [(n, members) for n, members, _s, _f in plans])
    merge_rows = []
    for n, _members, survivor, folded_pids in plans:
        for folded in folded_pids:
            link = _first_evidence(evidence.get(n, ()), old_pid, folded)
            merge_rows.append(
                (
                    project,
                    survivor,
                    folded,
                    link.a if link else None,
                    link.b if link else None,
                    (link.reason if link else "połączone przez inne zgłoszenia tej osoby")[:200],
                    link.score if link else 1.0,
                    now,
                    None,
                )
            )
            counts.persons_merged += 1
    session.flush()
    merge_ids = _insert_with_ids(session, DedupeMerge.__table__, _MERGE_COLUMNS, merge_rows)

    # applications no longer active follow their person too (history stays whole)
    all_folded = sorted({f for _n, _m, _s, folded in plans for f in folded})
    inactive: dict[int, list[_App]] = defaultdict(list)
    for start in range(0, len(all_folded), 5000):  # bounded IN lists (SQLite variable limit)
        for a_id, pid in session.execute(
            select(Application.id, Application.person_id)
            .where(
                Application.project == project,
                Application.person_id.in_(all_folded[start : start + 5000]),
                Application.active.is_(False),
            )
            .order_by(Application.person_id, Application.id)
        ):
            inactive[pid].append(_App(a_id, pid))

    assignments: list[tuple] = []
    next_merge = iter(merge_ids)
    for _n, members, survivor, folded_pids in plans:
        merge_of = {folded: next(next_merge) for folded in folded_pids}
        for folded in folded_pids:
            moving = inactive.pop(folded, [])
            for app in moving:
                assignments.append((project, app.id, app.person_id, survivor, merge_of[app.person_id], "merge", now))
                _move(app, survivor, moved)
            inactive[survivor] += moving  # found again if the survivor is folded further on
        _move_members(members, survivor, merge_of, by_id, assignments, moved, counts, now, project)
    _write_moves(session, assignments, moved)


#: a row of ``dedupe_merges`` (after its id), in this order
_MERGE_COLUMNS = (
    "project",
    "survivor_person_id",
    "merged_person_id",
    "application_a",
    "application_b",
    "reason",
    "score",
    "created_at",
    "undone_at",
)


def _move(app: _App, person_id: int, moved: list[tuple[int, int]]) -> None:
    """The application's new person: here at once, in the database by ``_write_moves``."""
    app.person_id = person_id
    moved.append((person_id, app.id))


#: a history row of ``dedupe_assignments``, in this order
_ASSIGNMENT_COLUMNS = ("project", "application_id", "old_person_id", "new_person_id", "merge_id", "action", "created_at")


def _write_moves(session: Session, assignments: list[tuple], moved: list[tuple[int, int]]) -> None:
    """The history rows (``_ASSIGNMENT_COLUMNS`` tuples) and the new person ids, in bulk;
    application objects this session holds get their new person id too."""
    session.flush()
    _insert_rows(session, DedupeAssignment.__table__, _ASSIGNMENT_COLUMNS, assignments)
    if not moved:
        return
    _update_rows(session, Application.__table__, ("person_id",), "id", moved)
    final = {a_id: pid for pid, a_id in moved}
    for obj in list(session.identity_map.values()):
        if isinstance(obj, Application) and obj.id in final:
            set_committed_value(obj, "person_id", final[obj.id])


def _move_members(
    members: Iterable[int],
    survivor: int,
    merge_of: Mapping[int, int],
    by_id: Mapping[int, _App],
    assignments: list[tuple],
    moved: list[tuple[int, int]],
    counts: DedupeCounts,
    now: datetime,
    project: str,
) -> None:
    for m in members:
        app = by_id[m]
        if app.person_id == survivor:
            continue
        merge_id = merge_of.get(app.person_id) if app.person_id is not None else None
        assignments.append((project, m, app.person_id, survivor, merge_id, "merge", now))
        _move(app, survivor, moved)
        counts.applications_moved += 1


# --------------------------------------------------------------------------- stored matching views

#: what the matching view of a record is built by: a change in any of these re-normalises every application once
_SCHEME_MODULES = (
    "synergia.dedupe.normalize",
    "synergia.dedupe.names",
    "synergia.validation.contact",
    "synergia.validation.dates",
    "synergia.validation.identity",
    "synergia.validation.text",
)


@lru_cache(maxsize=1)
def norm_scheme() -> str:
    """Fingerprint of the normaliser: its fields, the source of its modules, the versions of its libraries."""
    return code_digest(_SCHEME_MODULES, PEOPLE_DATA_LIBRARIES, salt=repr(NORM_FIELDS))


#: positions (after rid and idx) of the frozenset fields, stored as sorted lists
_SET_FIELDS = tuple(n for n, v in enumerate(as_tuple(normalize_record({}))[2:]) if isinstance(v, frozenset))


_JSON = json.JSONEncoder(separators=(",", ":"))  # one encoder (json.dumps with options builds one per call)


def encode_record(r: NormRecord) -> str:
    """A NormRecord without its rid and idx, as JSON text (personal data: never logged)."""
    return _encode_values(as_tuple(r)[2:])


def _encode_values(fields: Sequence[Any]) -> str:
    """``encode_record`` of the record with these fields after rid and idx (``NORM_FIELDS[2:]``)."""
    values = list(fields)
    for n in _SET_FIELDS:
        values[n] = sorted(values[n])
    return _JSON.encode(values)


class _Encoded(dict):
    """One field's value -> its JSON text, each distinct value encoded once (a batch's towns,
    names, dates repeat); a set as its sorted list, as ``_encode_values`` writes it."""

    __slots__ = ("sets",)

    def __init__(self, sets: bool) -> None:
        super().__init__()
        self.sets = sets

    def __missing__(self, v: Any) -> str:
        out = self[v] = _JSON.encode(sorted(v) if self.sets else v)
        return out


def _encoded_columns(columns: Sequence[Sequence[Any]]) -> list[str]:
    """``_encode_values`` of each record of ``columns`` (the fields after rid and idx), the same
    text: a JSON array without spaces is ``[`` + its items' texts joined by ``,`` + ``]``, so each
    distinct value of a field is encoded once and each record's text is one join."""
    parts = []
    for n, column in enumerate(columns):
        memo = _Encoded(n in _SET_FIELDS)
        types = set(map(type, column))
        if types <= _PLAIN_TYPES or types <= _FLAG_TYPES:
            parts.append(list(map(memo.__getitem__, column)))
        else:  # a value that is not a plain hashable (1 and True are equal keys, not equal texts)
            parts.append([_JSON.encode(sorted(v) if n in _SET_FIELDS else v) for v in column])
    return ["[" + text + "]" for text in map(",".join, zip(*parts))]


#: field value types whose equal values have equal JSON texts (no bool beside int, no float beside int)
_PLAIN_TYPES = frozenset((str, type(None), frozenset))
_FLAG_TYPES = frozenset((bool, type(None)))


def decode_record(text: str, idx: int, rid: object) -> NormRecord:
    values = json.loads(text)
    for n in _SET_FIELDS:
        values[n] = frozenset(values[n])
    return NormRecord(rid, idx, *values)


def _digest(data_text: str | None) -> str:
    return hashlib.blake2b(data_text.encode(), digest_size=16).hexdigest() if data_text is not None else "-"


_IDX = NORM_FIELDS.index("idx")
#: rows normalised here when a worker is forked (it also packs its part, this process unpacks it,
#: hashes its own and writes ``dedupe_seen`` and its own views meanwhile)
PARENT_SHARE = 0.4


def _records(
    session: Session,
    project: str,
    apps: Sequence[_App],
    full: bool,
    processes: int | None = None,
    meanwhile: Callable[[], None] | None = None,
    texts: dict[int, str | None] | None = None,
) -> tuple[list[NormRecord], tuple | None, Callable[[], None]]:
    """Matching views of ``apps`` (in their order, ``idx`` = position): stored ones whose data and
    normaliser are unchanged, the others normalised now (``full``: all normalised now). Also
    ``(key hashes, their idx, namesake tie hashes, their idx)`` of all records when two
    processes normalised every one of them (else None: matching computes them), and the call
    that stores the views normalised now and not stored yet (made once, before anything reads
    ``dedupe_norms``). When a worker normalises part of them, this process stores the views it
    normalised itself and calls ``meanwhile`` (database writes) while the worker works. ``texts``:
    the active applications' data as text (id -> text) when the caller read it already."""
    scheme = norm_scheme()
    where = (Application.project == project, Application.active.is_(True))
    if texts is None:
        texts = dict(_fetch(session, select(Application.id, cast(Application.data, Text)).where(*where)))
    stored: dict[int, tuple[str, str]] = {}
    existing: set[int] = set()
    for a_id, row_scheme, digest, text in _fetch(
        session,
        select(DedupeNorm.application_id, DedupeNorm.scheme, DedupeNorm.data_digest, DedupeNorm.record)
        .join(Application, Application.id == DedupeNorm.application_id)
        .where(*where),
    ):
        existing.add(a_id)
        if row_scheme == scheme and not full:
            stored[a_id] = (digest, text)
    records: list[NormRecord | None] = [None] * len(apps)
    todo: list[int] = []  # positions to normalise now
    for i, app in enumerate(apps):
        hit = stored.get(app.id)
        if hit is not None and hit[0] == _digest(texts.get(app.id)):
            records[i] = decode_record(hit[1], i, app.id)
        else:
            todo.append(i)
    del stored
    if not todo:
        return records, None, _nothing
    ids = [apps[i].id for i in todo]
    data = [texts.get(a_id) for a_id in ids]
    texts.clear()  # the caller's dict too: nothing reads it after this
    stale = sorted(existing.intersection(ids))
    stored_up_to = [0]  # ids[:k] have their views stored

    def write(hi: int | None = None, digests: Sequence[str] = (), encoded: Sequence[str] = ()) -> None:
        """Store the views of ``ids[k:hi]`` (``digests``, ``encoded``: theirs), k = those stored before."""
        lo, hi = stored_up_to[0], len(ids) if hi is None else hi
        if lo == 0:
            for start in range(0, len(stale), 5000):
                session.execute(delete(DedupeNorm).where(DedupeNorm.application_id.in_(stale[start : start + 5000])))
        rows = list(zip(ids[lo:hi], repeat(scheme), digests, encoded))
        stored_up_to[0] = hi
        _insert_rows(session, DedupeNorm.__table__, ("application_id", "scheme", "data_digest", "record"), rows)

    def own_part(hi: int, digests: Sequence[str], encoded: Sequence[str]) -> None:
        # this process's part (``ids[:hi]``), stored while the worker normalises the rest
        write(hi, digests, encoded)
        if meanwhile is not None:
            meanwhile()

    fresh, digests, encoded, hashed = _normalised(ids, data, todo, processes, own_part)
    del data
    for i, r in zip(todo, fresh):
        records[i] = r
    del fresh

    def write_rest() -> None:
        done = stored_up_to[0]
        if done < len(ids):
            write(None, digests[done:], encoded[done:])

    return records, hashed if len(todo) == len(apps) else None, write_rest


def _nothing() -> None:
    return None


#: the share of matching this process keeps when it also writes the night's remaining matching
#: views (the worker's part: this process wrote its own and ``dedupe_seen`` while the worker
#: normalised) while a worker matches the rest (session 8, 100k SQLite on 2 loaded cores: the
#: writes 0.3-0.6 s CPU, the whole matching ~1.3 s CPU; 0.0 left this process idle ~1 s)
_SHARE_BESIDE_WRITES = 0.3


def _parent_share(written: int, n: int) -> float:
    """The share of matching this process takes when a worker is forked and this process also
    writes ``written`` matching views (``cluster_records``' ``alongside``) of ``n`` records."""
    if not n or written * 2 < n:
        return 0.5
    return _SHARE_BESIDE_WRITES


#: the most a night's process and its worker may hold together (issue 17: 1.5 GB; the pages the
#: worker inherits are shared, counted once: this process's resident memory + what the worker adds)
FORK_PEAK_MB = 1536
#: what a worker adds to the pages it inherits, per application it takes (measured at 100k: ~4 KB)
FORK_GROWTH_KB = 4


def _fork(n: int, processes: int | None) -> bool:
    """Fork a worker for ``n`` applications? ``processes`` 2: yes; 1: no; None: when the batch is
    large (``parallel.worth_forking``) and this process and the worker fit in ``FORK_PEAK_MB``
    (the heap's free pages are given back first, ``trim_heap``)."""
    if not worth_forking(n, processes):
        return False
    trim_heap()
    if processes is not None:
        return True
    resident = resident_mb()
    if resident is None:
        return True  # no /proc: the size is not known here, fork as before
    return resident + n / 2 * FORK_GROWTH_KB / 1024 <= FORK_PEAK_MB


def trim_heap() -> None:
    """Give the C heap's free pages back to the system before a fork (glibc ``malloc_trim``): a
    forked worker counts every page of this process that is resident then, and after a night's
    read, validation and registry writes much of the heap is free but still mapped (~10 %)."""
    import ctypes

    try:  # the C library already loaded (``ctypes.util.find_library`` would start a subprocess: a fork of this process)
        trim = ctypes.CDLL(None).malloc_trim
    except (OSError, AttributeError):  # not glibc: nothing to give back this way
        return
    trim.argtypes = [ctypes.c_size_t]
    trim(0)


#: applications normalised per batch: a batch's parsed rows live only while its columns are built
VIEW_BATCH = 10_000


def _views(ids: Sequence[int], texts: Sequence[str | None], positions: Sequence[int], lo: int, hi: int) -> tuple[list, list, list]:
    """(``NormRecord`` columns, data digests, stored texts) of the applications ``lo:hi``: a batch,
    column by column (each distinct value once; equal to ``normalize_record`` per row,
    tests/dedupe/test_batch_normalize.py); ``idx`` is the application's position among the active ones."""
    part = texts[lo:hi]
    columns: list = [[] for _ in NORM_FIELDS]
    for start in range(lo, hi, VIEW_BATCH):
        stop = min(start + VIEW_BATCH, hi)
        rows = _parsed(texts[start:stop])
        for column, values in zip(columns, record_columns(rows, rids=ids[start:stop])):
            column += values
        del rows
    columns[_IDX] = positions[lo:hi]
    encoded = _encoded_columns(columns[2:])
    return columns, [_digest(t) for t in part], encoded


def _parsed(texts: Sequence[str | None]) -> list[dict]:
    """Each application's data (JSON text, or None) as a dict (``{}`` for None, null or empty):
    the texts joined into one JSON array and parsed by one ``json.loads`` (one call per text
    cost ~1 s per 40k at 100k); per text again if the array does not hold one item per text."""
    try:
        rows = json.loads("[" + ",".join(t if t is not None else "null" for t in texts) + "]")
    except ValueError:
        rows = None
    if rows is None or len(rows) != len(texts):
        rows = [json.loads(t) if t is not None else None for t in texts]
    return [r or {} for r in rows]


def _hashes(records: Sequence[NormRecord]) -> tuple[list[int], ...]:
    """What matching hashes of each record (blocking keys, namesakes' shared contacts and homes)."""
    return (*key_hashes(records), *namesake_tie_hashes(records))


def _normalised(
    ids: list[int],
    texts: list[str | None],
    positions: list[int],
    processes: int | None,
    own_part: Callable[[int, list[str], list[str]], None] | None = None,
) -> tuple[list[NormRecord], list[str], list[str], tuple | None]:
    """(records, data digests, stored texts, hashes or None) of every application; for a large
    batch the second half in a forked worker, which also hashes its records for matching (its
    part is redone here if the worker fails, dies or stays silent). ``own_part(hi, digests,
    stored texts)`` of the applications ``:hi`` this process normalised is called here while
    the worker still works (not called when nothing is forked)."""
    n = len(ids)
    if not _fork(n, processes):
        columns, digests, encoded = _views(ids, texts, positions, 0, n)
        return list(map(NormRecord, *columns)), digests, encoded, None
    from synergia.dedupe.engine import _joined, _packed, _unpacked

    def mine(lo: int, hi: int) -> tuple:
        columns, digests, encoded = _views(ids, texts, positions, lo, hi)
        records = list(map(NormRecord, *columns))
        hashed = _hashes(records)
        if own_part is not None:
            own_part(hi, digests, encoded)
        return records, digests, encoded, hashed

    def theirs(lo: int, hi: int) -> tuple[bytes, tuple[bytes, ...]]:
        # columns of plain values, digests and texts in one marshal (3x faster than pickling
        # records), hashes as raw int64 bytes
        columns, digests, encoded = _views(ids, texts, positions, lo, hi)
        hashed = _hashes(list(map(NormRecord, *columns)))
        columns[_IDX] = None  # the parent knows the positions
        return _packed((columns, digests, encoded)), tuple(array("q", h).tobytes() for h in hashed)

    (records, digests, encoded, own), (packed, raw) = split_run(mine, theirs, n, parent_share=PARENT_SHARE, redo_here=True)
    columns, more_digests, more_encoded = _unpacked(packed)
    del packed
    columns[_IDX] = positions[len(records) :]
    records += map(NormRecord, *columns)
    del columns
    return records, digests + more_digests, encoded + more_encoded, tuple(_joined(a, b) for a, b in zip(own, raw))


# --------------------------------------------------------------------------- bulk SQL

#: the drivers' positional parameter styles written through directly (sqlite3: qmark; psycopg: format / pyformat)
_DRIVER_STYLES = ("qmark", "format", "pyformat")


def _fetch(session: Session, stmt: Select) -> list[tuple]:
    """Every row of ``stmt`` as the driver gives it (plain tuples; a SQLAlchemy row object costs
    ~5 µs: 0.5 s for the 95k applications of a 100k night). Only for columns whose values need no
    result processing (integers, text)."""
    session.flush()
    result = session.connection().execute(stmt)
    try:
        return result.cursor.fetchall()
    finally:
        result.close()


def _insert_rows(session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> None:
    """``INSERT`` of ``rows`` (tuples in ``columns`` order): one ``COPY`` on PostgreSQL (psycopg), one
    driver ``executemany`` elsewhere (``registry.bulk``)."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.paramstyle not in _DRIVER_STYLES:  # another driver: SQLAlchemy's own executemany
        session.execute(table.insert(), [dict(zip(columns, r)) for r in rows])
        return
    if bulk.copies(conn):
        bulk.copy_rows(conn, table, columns, bulk.bound_rows(table, columns, rows, conn.dialect))
        return
    q, mark = conn.dialect.identifier_preparer, bulk.mark(conn)
    sql = f"INSERT INTO {q.format_table(table)} ({', '.join(map(q.quote, columns))}) VALUES ({', '.join([mark] * len(columns))})"
    bulk.executemany(conn, sql, bulk.bound_rows(table, columns, rows, conn.dialect))


def _update_rows(session: Session, table: Table, columns: Sequence[str], key: str, rows: Sequence[tuple]) -> None:
    """``UPDATE table SET columns WHERE key`` per row of ``rows`` (the new values, then the key):
    one set-based ``UPDATE ... FROM`` on PostgreSQL (``bulk.update_by_copy``), one driver
    ``executemany`` elsewhere."""
    if not rows:
        return
    conn = session.connection()
    if conn.dialect.paramstyle not in _DRIVER_STYLES:
        from sqlalchemy import bindparam

        stmt = table.update().where(table.c[key] == bindparam("b_key")).values({c: bindparam(f"b_{c}") for c in columns})
        session.execute(stmt, [{**{f"b_{c}": v for c, v in zip(columns, r)}, "b_key": r[-1]} for r in rows])
        return
    if bulk.copies(conn):
        bulk.update_by_copy(conn, table, columns, key, rows)
        return
    q, mark = conn.dialect.identifier_preparer, bulk.mark(conn)
    sets = ", ".join(f"{q.quote(c)} = {mark}" for c in columns)
    sql = f"UPDATE {q.format_table(table)} SET {sets} WHERE {q.quote(key)} = {mark}"
    bulk.executemany(conn, sql, bulk.bound_rows(table, (*columns, key), rows, conn.dialect))


def _insert_with_ids(session: Session, table: Table, columns: Sequence[str], rows: Sequence[tuple]) -> list[int]:
    """Insert ``rows`` and return their new ids (column ``id``) in order.

    SQLite: SQLAlchemy inserts one row per statement there to keep the ids in order (15k
    executes, 1 s for a first night's merges); instead the rows get the ids SQLite itself would
    give them (the largest id + 1, + 2, ...: the table has no AUTOINCREMENT) in one executemany.
    Another writer in between would make it fail on the primary key, never give wrong ids.
    PostgreSQL (psycopg): the ids are taken from the column's sequence (``nextval`` once per row,
    in order: the values ``INSERT ... RETURNING`` would give) and the rows go by ``COPY`` (15k
    merges of a first night: one statement instead of an insert with RETURNING per batch).
    Other databases: ``INSERT ... RETURNING`` (their sequences)."""
    if not rows:
        return []
    conn = session.connection()
    if bulk.copies(conn):
        from sqlalchemy import text

        seq = conn.execute(text("SELECT pg_get_serial_sequence(:t, 'id')"), {"t": table.fullname}).scalar_one()
        if seq is not None:
            ids = sorted(conn.execute(text("SELECT nextval(:s) FROM generate_series(1, :n)"), {"s": seq, "n": len(rows)}).scalars())
            _insert_rows(session, table, ("id", *columns), [(i, *r) for i, r in zip(ids, rows)])
            return ids
    if conn.dialect.name != "sqlite":
        stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        return list(session.execute(stmt, [dict(zip(columns, r)) for r in rows]).scalars())
    from sqlalchemy import func

    start = session.connection().execute(select(func.coalesce(func.max(table.c.id), 0))).scalar_one()
    ids = list(range(start + 1, start + 1 + len(rows)))
    _insert_rows(session, table, ("id", *columns), [(i, *r) for i, r in zip(ids, rows)])
    return ids


def _split_contradicted(
    session: Session,
    project: str,
    apps: Sequence[_App],
    records: Sequence,
    new_ids: Sequence[int],
    seen: dict,
    moved: list[tuple[int, int]],
    now: datetime,
) -> int:
    """A corrected application that now vetoes another application of its person
    (another valid PESEL, another birth date, ...) leaves that person for a new one
    before matching, so tonight's run places it afresh: the person keeps its id and
    its other applications, the move is recorded (``split``), nothing is deleted."""
    fresh = set(new_ids)
    changed = [i for i, a in enumerate(apps) if a.id in fresh and a.id in seen and a.person_id is not None]
    if not changed:
        return 0
    members: dict[int, list[int]] = defaultdict(list)
    for i, a in enumerate(apps):
        if a.person_id is not None:
            members[a.person_id].append(i)
    split = 0
    for i in changed:
        app = apps[i]
        others = [j for j in members[app.person_id] if j != i]
        if not any(veto(records[i], records[j]) for j in others):
            continue
        members[app.person_id].remove(i)
        person = Person(project=project, created_at=now)
        session.add(person)
        session.flush()
        session.add(
            DedupeAssignment(
                project=project,
                application_id=app.id,
                old_person_id=app.person_id,
                new_person_id=person.id,
                merge_id=None,
                action="split",
                created_at=now,
            )
        )
        _move(app, person.id, moved)
        members[person.id].append(i)
        split += 1
    return split


def _evidence_by_cluster(merges: Iterable[Link], clusters: Iterable[tuple[int, Sequence[int]]]) -> dict[int, list[Link]]:
    """Cluster number -> the accepted links inside it, in ``merges`` order (strongest first within each
    phase), for the (number, members) ``clusters`` given (a link never lies in a one-member cluster)."""
    cluster_of = {m: n for n, members in clusters for m in members}
    out: dict[int, list[Link]] = defaultdict(list)
    for link in merges:
        n = cluster_of.get(link.a)
        if n is not None and cluster_of.get(link.b) == n:
            out[n].append(link)
    return out


def _first_evidence(links: Iterable[Link], old_pid: Mapping[int, int | None], folded: int) -> Link | None:
    """The strongest link tying person ``folded`` to the rest of its new cluster."""
    for link in links:
        pa, pb = old_pid.get(link.a), old_pid.get(link.b)
        if (pa == folded) != (pb == folded):
            return link
    return None


def _update_reviews(
    session: Session,
    project: str,
    links: Iterable[Link],
    pid_of: Mapping[int, int | None],
    must: Iterable[tuple[int, int]],
    cannot: Iterable[tuple[int, int]],
    counts: DedupeCounts,
    now: datetime,
) -> None:
    decided = {_pair(a, b) for a, b in list(must) + list(cannot)}
    open_rows = {
        (r.application_a, r.application_b): r for r in session.scalars(select(DedupeReview).where(DedupeReview.project == project))
    }
    for link in links:
        a, b = _pair(int(link.a), int(link.b))
        if (a, b) in decided:
            continue
        row = open_rows.get((a, b))
        if row is None:
            row = DedupeReview(
                project=project, application_a=a, application_b=b, reason=link.reason[:200], score=link.score, status="open", created_at=now
            )
            session.add(row)
            open_rows[(a, b)] = row
            counts.reviews_new += 1
        elif row.status == "obsolete":
            row.status, row.closed_at, row.reason, row.score = "open", None, link.reason[:200], link.score
            counts.reviews_new += 1
    for (a, b), row in open_rows.items():
        if row.status != "open":
            continue
        if a not in pid_of or b not in pid_of or pid_of[a] == pid_of[b] or (a, b) in decided:
            row.status, row.closed_at = "obsolete", now
            counts.reviews_closed += 1
        else:
            counts.reviews_open += 1


def review_items(session: Session, project: str, pending_text: dict[tuple[int, int], str] | None = None) -> list[ReviewItem]:
    """Open review pairs with both applications' data, for the staff tab."""
    pending_text = pending_text or {}
    rows = list(session.scalars(select(DedupeReview).where(DedupeReview.project == project, DedupeReview.status == "open")))
    ids = sorted({r.application_a for r in rows} | {r.application_b for r in rows})
    apps = {}
    columns = (
        Application.id,
        Application.data,
        Application.source_id,
        Application.worksheet,
        Application.row_number,
        Application.person_id,
    )
    for start in range(0, len(ids), 5000):  # bounded IN lists (SQLite variable limit)
        chunk = ids[start : start + 5000]
        apps.update({a.id: a for a in session.execute(select(*columns).where(Application.project == project, Application.id.in_(chunk)))})
    items = []
    for r in rows:
        a, b = apps.get(r.application_a), apps.get(r.application_b)
        if a is None or b is None:
            continue
        items.append(
            ReviewItem(
                a=a.id,
                b=b.id,
                reason=r.reason,
                score=r.score,
                data_a=a.data or {},
                data_b=b.data or {},
                source_a=_label(a),
                source_b=_label(b),
                person_a=a.person_id,
                person_b=b.person_id,
                decision_text=pending_text.get((r.application_a, r.application_b), ""),
            )
        )
    return items


def _label(app: Application | Row) -> str:
    return f"{app.source_id} / {app.worksheet}, wiersz {app.row_number}"


def unmerge(session: Session, project: str, person_id: int, application_ids: Sequence[int], now: datetime | None = None) -> int:
    """Split ``application_ids`` off person ``person_id``; returns the person id they get.

    The applications go back to the person they came from when that person is
    now empty (its id is restored), otherwise to a new person. Every
    application stays; moves are recorded; the two sides get cannot-links."""
    now = now or utcnow()
    moving = {int(a) for a in application_ids}
    apps = list(session.scalars(select(Application).where(Application.project == project, Application.person_id == person_id)))
    have = {a.id for a in apps}
    if not moving:
        raise UnmergeError("Podaj zgłoszenia do odłączenia (no applications given).")
    if not moving <= have:
        raise UnmergeError(f"Zgłoszenia {sorted(moving - have)} nie należą do osoby {person_id} (applications not of person {person_id}).")
    staying = have - moving
    if not staying:
        raise UnmergeError(f"Osoba {person_id} zostałaby pusta (nothing would stay with person {person_id}).")

    origins = set()
    for app_id in moving:
        last = session.scalars(
            select(DedupeAssignment)
            .where(
                DedupeAssignment.project == project,
                DedupeAssignment.application_id == app_id,
                DedupeAssignment.new_person_id == person_id,
                DedupeAssignment.action == "merge",
            )
            .order_by(DedupeAssignment.id.desc())
            .limit(1)
        ).first()
        origins.add(last.old_person_id if last else None)
    target: int | None = None
    if len(origins) == 1 and None not in origins:
        (candidate,) = origins
        holders = session.scalars(
            select(Application.id).where(Application.project == project, Application.person_id == candidate).limit(1)
        ).first()
        former = session.get(Person, candidate)
        if holders is None and former is not None and former.project == project:
            target = candidate
    if target is None:
        person = Person(project=project, created_at=now)
        session.add(person)
        session.flush()
        target = person.id
    for app in apps:
        if app.id in moving:
            session.add(
                DedupeAssignment(
                    project=project,
                    application_id=app.id,
                    old_person_id=person_id,
                    new_person_id=target,
                    merge_id=None,
                    action="unmerge",
                    created_at=now,
                )
            )
            app.person_id = target
    for m in session.scalars(
        select(DedupeMerge).where(
            DedupeMerge.project == project,
            DedupeMerge.survivor_person_id == person_id,
            DedupeMerge.merged_person_id == target,
            DedupeMerge.undone_at.is_(None),
        )
    ):
        m.undone_at = now
    record_decisions(
        session, project, [StaffDecision(a, b, False) for a in sorted(moving) for b in sorted(staying)], source="unmerge", now=now
    )
    session.flush()
    return target


def person_of(session: Session, project: str, person_id: int) -> int:
    """Where a (possibly merged-away) person id of ``project`` lives now: follows active merges."""
    seen = set()
    while person_id not in seen:
        seen.add(person_id)
        row = session.scalars(
            select(DedupeMerge)
            .where(DedupeMerge.project == project, DedupeMerge.merged_person_id == person_id, DedupeMerge.undone_at.is_(None))
            .order_by(DedupeMerge.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return person_id
        person_id = row.survivor_person_id
    return person_id
