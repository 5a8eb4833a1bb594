"""Is the registry already what tonight's sync would leave? (make's up-to-date check, for the nightly sync).

A full sync of unchanged input is idempotent: it writes nothing. So when nothing the sync depends on
changed since the last completed sync run, the night need not read, validate or compare the rows
again. What the sync depends on, and how each is checked (all must hold; any doubt = full read):

- the sources' cells: per spreadsheet a fingerprint from the spreadsheet seam
  (``synergia.sheets.base.fingerprint_of``; the workbook backend hashes the stored parts the reader
  uses, our own tab writes excluded), or, for a backend without one (Google Sheets), per source tab a
  fingerprint of the cells as read (``synergia.sheets.read.content_fingerprint``: that night reads
  but makes, validates and syncs no row), for the same
  (source, spreadsheet, worksheet) set, combined with a digest of the reading, validation, RODO and
  sync code and the reader libraries (``inputs_digest``);
- the rules: the same ``validation_context`` (project file, sheet locales, validation code);
- the date bound of birth dates: the same ``checked_until``, or a later one while no row of the last
  run was rejected for a date-bound reason (``DATE_BOUND_REASONS``: the bound only widens what is
  accepted, so only such rows could come out differently);
- the registry rows the sync reads and compares (applications, quarantine entries), the erasure
  tombstones, erasures in the audit log and (when tombstones or ``pesel: discard`` use it) the RODO
  salt: ``registry_mark``, aggregates computed in the database at the end of each sync and again
  before skipping one (the sync's own transaction checks it once more before recording the run);
- the last run itself: completed (``ok``), every source read and validated (no skipped source, no
  missing worksheet) and no formula without a cached value.

The mark is aggregates (counts, sums of ids, versions, row numbers and text lengths, the latest
timestamps), not a hash of every row: every writer of the registry in Synergia (erasure, retention,
the monthly manual-tab quarantine, the sync itself) moves them; a hand edit of the database that
keeps all of them equal would not be noticed — force a full read then (``SYNERGIA_FULL_SYNC=1`` or
``synergia run nightly --full-sync``). Dedupe's person merges (``person_id``) are not in the mark:
the sync of unchanged rows does not read them.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Text, case, cast, func, select
from sqlalchemy.orm import Session

from synergia.provenance import PEOPLE_DATA_LIBRARIES, code_digest
from synergia.registry.tables import Application, Quarantine, SyncRun
from synergia.registry.tables_rodo import AuditEntry, ErasureTombstone

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from config.settings import Settings

#: reason codes whose rows may be judged differently under a later birth-date bound (``validation.row``)
DATE_BOUND_REASONS = frozenset({"birth_date_implausible", "pesel_birth_date_implausible"})

#: the code a sync's outcome depends on besides the rows: reading, validation, RODO screening, the sync itself
_CODE = ("synergia.sheets", "synergia.validation", "synergia.registry", "synergia.rodo", "synergia.dedupe.normalize", "synergia.steps")
_LIBRARIES = (*PEOPLE_DATA_LIBRARIES, "python-calamine", "openpyxl", "SQLAlchemy")
_CODE_DIGEST: str | None = None

#: bump when what the digests cover changes
SCHEME = 1


def sync_code_digest() -> str:
    global _CODE_DIGEST
    if _CODE_DIGEST is None:
        _CODE_DIGEST = code_digest(_CODE, _LIBRARIES, salt=f"uptodate-{SCHEME}")
    return _CODE_DIGEST


def inputs_digest(fingerprints: dict[tuple[str, str, str], str]) -> str:
    """One digest of (source id, spreadsheet, worksheet) -> its spreadsheet's fingerprint, and the code."""
    items = sorted([*key, fp] for key, fp in fingerprints.items())
    return hashlib.sha256(json.dumps([SCHEME, sync_code_digest(), items]).encode()).hexdigest()


def _total(column: object) -> object:
    return func.coalesce(func.sum(column), 0)


def _length(column: object) -> object:
    return _total(func.length(func.coalesce(column, "")))


def _place_lengths(model: type[Application] | type[Quarantine]) -> list[object]:
    """Where the rows of ``model`` are (both applications and quarantine entries follow their sheet row)."""
    columns = (model.row_key, model.fingerprint, cast(model.fallback_keys, Text), model.source_id, model.worksheet, model.spreadsheet)
    return [_length(c) for c in columns]


def registry_mark(session: Session, project: ProjectConfig, settings: Settings | None = None) -> str:
    """A digest of aggregates over what the sync reads of the registry for ``project`` (see the module)."""
    slug = project.slug
    a = Application
    apps = session.execute(
        select(
            func.count(a.id),
            _total(a.id),
            func.max(a.id),
            _total(a.version),
            _total(case((a.active.is_(True), 1), else_=0)),
            func.max(a.updated_at),
            _total(a.row_number),
            *_place_lengths(a),
            _length(a.kind),
            _length(cast(a.data, Text)),
            func.min(a.content_hash),
            func.max(a.content_hash),
        ).where(a.project == slug)
    ).one()
    q = Quarantine
    quarantine = session.execute(
        select(
            func.count(q.id),
            _total(q.id),
            func.max(q.id),
            _total(case((q.resolved_at.is_(None), 1), else_=0)),
            func.max(q.resolved_at),
            func.max(q.last_seen_at),
            func.max(q.first_seen_at),
            _total(q.row_number),
            *_place_lengths(q),
            _length(q.message),
            _length(cast(q.reason_codes, Text)),
            func.min(q.content_hash),
            func.max(q.content_hash),
        ).where(q.project == slug)
    ).one()
    t = ErasureTombstone
    tombstones = session.execute(select(func.count(t.id), func.max(t.id), _length(t.digest)).where(t.project == slug)).one()
    erasures = session.scalar(select(func.count(AuditEntry.id)).where(AuditEntry.project == slug, AuditEntry.action == "erasure"))
    salt = ""
    if tombstones[0] or getattr(project, "pesel", "store") == "discard":  # the sync screens rows with the salt
        from synergia.rodo.salt import digest, salt_from_settings

        salt = digest(salt_from_settings(settings), "uptodate", slug)  # an HMAC under the secret, never the secret
    values = [[str(v) for v in apps], [str(v) for v in quarantine], [str(v) for v in tombstones], str(erasures), salt]
    return hashlib.sha256(json.dumps([SCHEME, values]).encode()).hexdigest()


def last_run(session: Session, slug: str) -> dict | None:
    """The counts of the project's last completed sync run (None: there is none)."""
    return session.scalar(
        select(SyncRun.counts).where(SyncRun.project == slug, SyncRun.status == "ok").order_by(SyncRun.id.desc()).limit(1)
    )


@dataclass(frozen=True)
class UpToDate:
    """The registry holds what tonight's sync would leave: the last run's counts (numbers only) and
    the digests the next night compares. No personal data."""

    previous: dict
    inputs: str
    context: str
    checked_until: str
    mark: str

    def __repr__(self) -> str:
        return f"UpToDate(rows={self.previous.get('rows', 0)})"


def why_not(
    previous: dict | None, *, inputs: str | None, context: str, until: date, mark: Callable[[], str], sources: list[str]
) -> str | None:
    """None when the last completed run ``previous`` (its counts) left what a sync of tonight's input
    would leave; else why not (a short code, logged). ``mark``: the registry's ``registry_mark`` now
    (asked last: the only check that queries the database)."""
    if not previous:
        return "no_previous_run"
    if not inputs or previous.get("sources_fingerprint") != inputs:
        return "sources_changed"
    if previous.get("source_errors") or previous.get("missing_sources") or previous.get("skipped_rows"):
        return "previous_run_incomplete"
    if sorted(previous.get("validated_sources") or []) != sorted(sources):
        return "previous_run_incomplete"
    if previous.get("formula_rows"):
        return "formulas_without_values"
    if not context or previous.get("validation_context") != context:
        return "rules_changed"
    try:
        then = date.fromisoformat(previous.get("checked_until") or "")
    except ValueError:
        return "date_bound"
    if then != until and (then > until or DATE_BOUND_REASONS & set(previous.get("reasons") or {})):
        return "date_bound"
    if not previous.get("registry_mark") or previous.get("registry_mark") != mark():
        return "registry_changed"
    return None


def replayed_counts(previous: dict) -> dict:
    """The counts a full sync of the same input gives on top of what the run ``previous`` left: the same
    rows, outcomes and reasons, every accepted row unchanged, nothing new, changed, moved or deactivated."""
    per_source = {}
    for source_id, tally in (previous.get("per_source") or {}).items():
        kept = {k: v for k, v in tally.items() if k in ("accepted", "quarantined", "empty") and v}
        if kept.get("accepted"):
            kept["unchanged"] = kept["accepted"]
        per_source[source_id] = kept
    return {
        "rows": previous.get("rows", 0),
        "accepted": previous.get("accepted", 0),
        "quarantined": previous.get("quarantined", 0),
        "empty": previous.get("empty", 0),
        "unchanged": previous.get("accepted", 0),
        "per_source": per_source,
        "reasons": dict(previous.get("reasons") or {}),
        "source_warnings": list(previous.get("source_warnings") or []),
        "validated_sources": list(previous.get("validated_sources") or []),
        "reused": previous.get("accepted", 0),
    }
