"""Erasure (art. 17): anonymise or delete one person everywhere Synergia writes.

``anonymise`` keeps what indicators count (gender, category, organisation and
its type, gmina, dates, attendance) on the person's applications and drops
every identity field, the row keys (hashes of e-mail and name) and the
history; past reports do not change. ``delete`` removes the applications and
attendance too (the person leaves the counts); an empty person row stays only
where a certificate number must keep pointing somewhere. Both: certificates
are withdrawn (``erased``, data cleared) and their PDFs deleted, mail content
and ``.eml`` files deleted, dedupe history removed, quarantine entries of the
person's rows removed, and tombstones stored so the next night quarantines the
person's rows with reason ``erased`` instead of importing them again.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from synergia.certificates.register import withdraw_for_erasure
from synergia.mail.transports import outbox_filename
from synergia.registry.base import utcnow
from synergia.registry.tables import Application
from synergia.registry.tables_certificates import Certificate
from synergia.registry.tables_dedupe import DedupeNorm
from synergia.rodo import audit, tombstones
from synergia.rodo.identifiers import KEEP_FIELDS, identifiers
from synergia.rodo.locate import ERASED_SOURCE, Holdings, holdings

if TYPE_CHECKING:
    from sqlalchemy import Engine

    from synergia.storage.base import Storage

Mode = Literal["anonymise", "delete"]


@dataclass
class ErasureReport:
    """Counts and places only (safe to print)."""

    person_id: int
    mode: str
    counts: dict[str, int] = field(default_factory=dict)
    source_rows: list[tuple[str, str, int]] = field(default_factory=list)  # (spreadsheet, tab, row)
    files: list[str] = field(default_factory=list, repr=False)  # storage URIs / outbox paths to delete after commit


def anonymised(data: dict) -> dict:
    return {k: v for k, v in (data or {}).items() if k in KEEP_FIELDS}


def _tombstone_items(h: Holdings) -> list[tuple[str, str]]:
    items: list[tuple[str, str]] = []
    for a in h.applications:
        items += identifiers(a.data or {})
        if a.source_id != ERASED_SOURCE:
            items.append(tombstones.row_key_item(a.source_id, a.row_key))
    for v in h.versions:
        items += identifiers(v.data or {})
    for q in h.quarantine:
        items.append(tombstones.row_key_item(q.source_id, q.row_key))
    return items


def erase(
    session: Session,
    project: str,
    person_id: int,
    mode: Mode,
    *,
    salt: bytes,
    outbox_dir: Path | None,
    operator: str,
    record_audit: bool = True,
) -> ErasureReport:
    """Erase one person in the caller's transaction. Files to delete come back in ``report.files``."""
    if mode not in ("anonymise", "delete"):
        raise ValueError("mode must be anonymise or delete")
    h = holdings(session, project, person_id)
    report = ErasureReport(person_id, mode, counts=h.counts(), source_rows=h.source_rows())
    report.counts["tombstones"] = tombstones.add(session, project, salt, _tombstone_items(h))
    now = utcnow()

    # certificates: withdrawn for good, revision data cleared; PDFs deleted after commit
    for pid in {p.id for p in h.persons}:
        withdraw_for_erasure(session, project=project, person_id=pid)
    for cert in h.certificates:
        for rev in cert.revisions:
            if rev.storage_uri:
                report.files.append(rev.storage_uri)
                rev.storage_uri = None
    # mail: content gone, the row stays (a rerun must still know it was sent); .eml deleted after commit
    for d in h.deliveries:
        if outbox_dir is not None:
            report.files.append(str(Path(outbox_dir) / outbox_filename(d.message_id)))
        d.recipient = d.subject = d.body_text = d.body_html = None
        d.parts.clear()
        d.purged_at = d.purged_at or now
    _delete(session, h.assignments, h.reviews, h.decisions, h.quarantine, h.versions)
    _delete(session, h.merges)
    # the matcher's stored views of these applications (folded names, PESEL, contacts)
    session.execute(delete(DedupeNorm).where(DedupeNorm.application_id.in_([a.id for a in h.applications])))

    if mode == "anonymise":
        seen = {s.application_id: s for s in h.seen}
        for a in h.applications:
            a.data = anonymised(a.data)
            a.source_id, a.row_key, a.fingerprint, a.fallback_keys = ERASED_SOURCE, f"erased:{uuid.uuid4().hex}", "", []
            a.content_hash = secrets.token_hex(32)
            a.updated_at = now
            if a.id in seen:
                seen[a.id].content_hash = a.content_hash  # dedupe does not see it as new
    else:
        _delete(session, h.attendance, h.seen)
        _delete(session, h.applications)
        cert_pids = set(session.scalars(select(Certificate.person_id).where(Certificate.project == project)))
        for p in h.persons:
            still = session.scalar(select(Application.id).where(Application.person_id == p.id).limit(1))
            if p.id not in cert_pids and still is None:
                session.delete(p)
        session.flush()
    if record_audit:
        audit.record(
            session,
            project,
            "erasure",
            operator=operator,
            subject=f"osoba #{person_id}",
            details={"mode": mode, **report.counts, "source_rows": len(report.source_rows)},
        )
    return report


def delete_files(files: list[str], storage: Storage = None) -> dict[str, int]:
    """Delete stored PDFs (local folder or Google Drive) and outbox files; counts only."""
    from urllib.parse import unquote, urlparse

    out = {"files_deleted": 0, "files_missing": 0, "files_failed": 0}
    for f in files:
        try:
            if f.startswith("file://"):
                path = Path(unquote(urlparse(f).path))
            elif f.startswith("gdrive://"):
                drive = getattr(storage, "drive", None)
                if drive is None:
                    out["files_failed"] += 1
                    continue
                drive.files().delete(fileId=f[len("gdrive://") :], supportsAllDrives=True).execute()
                out["files_deleted"] += 1
                continue
            else:
                path = Path(f)
            if path.exists():
                path.unlink()
                out["files_deleted"] += 1
            else:
                out["files_missing"] += 1
        except Exception:
            out["files_failed"] += 1
    return out


def enable_secure_delete(session: Session) -> None:
    """SQLite overwrites deleted content with zeros in this connection (PRAGMA secure_delete)."""
    if session.get_bind().dialect.name == "sqlite":
        session.execute(text("PRAGMA secure_delete=ON"))


def compact(engine: Engine, tables: tuple[str, ...] = ()) -> str:
    """After an erasure: leave no deleted bytes behind in the database files.

    SQLite: VACUUM with secure_delete on (rewrites the file, free pages zeroed), then a
    TRUNCATE checkpoint so the WAL holds nothing. PostgreSQL: VACUUM the touched tables
    (the server's WAL and backups follow the DBA's retention)."""
    raw = engine.raw_connection()
    try:
        dbapi = raw.driver_connection
        if engine.dialect.name == "sqlite":
            old = dbapi.isolation_level
            dbapi.isolation_level = None
            cur = dbapi.cursor()
            cur.execute("PRAGMA secure_delete=ON")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.execute("VACUUM")
            cur.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            cur.close()
            dbapi.isolation_level = old
            return "sqlite: vacuum + wal_checkpoint(TRUNCATE)"
        if engine.dialect.name == "postgresql":
            dbapi.autocommit = True
            cur = dbapi.cursor()
            for t in tables:
                cur.execute(f'VACUUM "{t}"')
            cur.close()
            dbapi.autocommit = False
            return f"postgresql: vacuum {len(tables)} tables"
        return engine.dialect.name
    finally:
        raw.close()


TOUCHED_TABLES = (
    "applications",
    "application_versions",
    "attendance",
    "quarantine",
    "persons",
    "dedupe_merges",
    "dedupe_assignments",
    "dedupe_decisions",
    "dedupe_reviews",
    "dedupe_seen",
    "dedupe_norms",
    "certificates",
    "certificate_revisions",
    "mail_deliveries",
    "mail_delivery_parts",
)


def _delete(session: Session, *groups: Iterable[object]) -> None:
    """Delete every row of ``groups`` and flush, so the next group's foreign keys no longer point at them."""
    for rows in groups:
        for row in rows:
            session.delete(row)
    session.flush()
