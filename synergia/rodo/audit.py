"""The audit log: who did what, when, with counts only (never personal data). Append-only."""

from __future__ import annotations

import getpass
import os
from dataclasses import dataclass
from datetime import date, datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from synergia.registry.base import utcnow
from synergia.registry.tables_rodo import AuditEntry

if TYPE_CHECKING:
    from config.project import ProjectConfig

ACTIONS = ("erasure", "export", "dedupe_decisions", "revocation", "consent_versions", "retention")


def current_operator(explicit: str | None = None) -> str:
    """``--operator`` if given, else the OS user."""
    if explicit:
        return explicit[:128]
    try:
        return getpass.getuser()[:128]
    except Exception:
        return str(os.getuid())


def _plain(details: dict) -> dict:
    """Keep only numbers, booleans and short codes: the log must never carry personal data."""
    out: dict = {}
    for k, v in (details or {}).items():
        if isinstance(v, (int, float, bool)) or v is None or isinstance(v, str) and len(v) <= 64 and "@" not in v:
            out[str(k)] = v
        elif isinstance(v, dict):
            out[str(k)] = _plain(v)
    return out


def record(
    session: Session,
    project: str,
    action: str,
    *,
    operator: str,
    subject: str | None = None,
    details: dict | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    if action not in ACTIONS:
        raise ValueError(f"nieznana czynność audytu {action!r} (unknown audit action)")
    entry = AuditEntry(project=project, at=at or utcnow(), operator=operator, action=action, subject=subject, details=_plain(details or {}))
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class AuditRow:
    at: datetime
    operator: str
    action: str
    subject: str | None
    details: dict


def entries(session: Session, project: str, since: date | None = None, action: str | None = None) -> list[AuditRow]:
    q = select(AuditEntry).where(AuditEntry.project == project)
    if since is not None:
        q = q.where(AuditEntry.at >= datetime(since.year, since.month, since.day))
    if action is not None:
        q = q.where(AuditEntry.action == action)
    return [
        AuditRow(e.at, e.operator, e.action, e.subject, dict(e.details or {}))
        for e in session.scalars(q.order_by(AuditEntry.at, AuditEntry.id))
    ]


def record_consent_versions(session: Session, project: ProjectConfig) -> bool:
    """Append an entry when the consent versions of the project's sources differ from the last recorded ones."""
    current = {s.id: s.consent_version or "" for s in project.sources if s.required_consents or s.consent_version}
    last = session.scalars(
        select(AuditEntry)
        .where(AuditEntry.project == project.slug, AuditEntry.action == "consent_versions")
        .order_by(AuditEntry.id.desc())
        .limit(1)
    ).first()
    if last is not None and dict(last.details or {}).get("versions") == current:
        return False
    previous = dict(last.details or {}).get("versions", {}) if last else {}
    changed = sorted(k for k in set(current) | set(previous) if current.get(k) != previous.get(k))
    record(
        session,
        project.slug,
        "consent_versions",
        operator="config",
        details={"versions": current, "changed_sources": len(changed), "first_record": last is None},
    )
    return True
