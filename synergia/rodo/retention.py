"""Retention (art. 5(1)(e)): mail content after N days; everything personal after the project's date.

Domain functions take ``today`` explicitly (tests freeze the clock by passing it).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synergia.counts import Counts
from synergia.mail.queue import purge_content
from synergia.mail.transports import outbox_filename
from synergia.registry.tables import Application, Person
from synergia.registry.tables_mail import MailDelivery
from synergia.rodo import audit
from synergia.rodo.erase import erase
from synergia.rodo.locate import ERASED_SOURCE

if TYPE_CHECKING:
    from config.project import ProjectConfig


@dataclass
class RetentionStatus:
    keep_until: date | None
    expired: bool
    days_left: int | None
    mail_body_days: int | None
    mail_bodies_due: int
    persons_with_data: int

    def as_dict(self) -> dict:
        return {k: (v.isoformat() if isinstance(v, date) else v) for k, v in asdict(self).items()}


def _mail_cutoff(project: ProjectConfig, today: date) -> datetime | None:
    days = project.retention.mail_body_days
    return None if days is None else datetime(today.year, today.month, today.day) - timedelta(days=days)


def _persons_with_data(session: Session, slug: str) -> list[int]:
    return sorted(
        set(
            session.scalars(
                select(Application.person_id).where(
                    Application.project == slug, Application.source_id != ERASED_SOURCE, Application.person_id.is_not(None)
                )
            )
        )
    )


def status(session: Session, project: ProjectConfig, *, today: date) -> RetentionStatus:
    until = project.retention.keep_until(project.period.end)
    cutoff = _mail_cutoff(project, today)
    due = 0
    if cutoff is not None:
        due = (
            session.scalar(
                select(func.count())
                .select_from(MailDelivery)
                .where(
                    MailDelivery.project == project.slug,
                    MailDelivery.status == "sent",
                    MailDelivery.sent_at < cutoff,
                    MailDelivery.purged_at.is_(None),
                )
            )
            or 0
        )
    return RetentionStatus(
        until,
        bool(until and today > until),
        (until - today).days if until else None,
        project.retention.mail_body_days,
        due,
        len(_persons_with_data(session, project.slug)),
    )


@dataclass
class RetentionCounts(Counts, step="retention"):
    mail_bodies_purged: int = 0
    persons_anonymised: int = 0
    expired: int = 0
    files: list = None  # type: ignore[assignment]  # to delete after commit (never printed)

    def as_dict(self) -> dict:
        return {
            "mail_bodies_purged": self.mail_bodies_purged,
            "persons_anonymised": self.persons_anonymised,
            "expired": self.expired,
            "files_to_delete": len(self.files or []),
        }


def run(
    session: Session,
    project: ProjectConfig,
    *,
    today: date,
    salt: bytes,
    outbox_dir: Path | None,
    operator: str = "nightly",
) -> RetentionCounts:
    """Apply the project's retention in the caller's transaction; files come back in ``counts.files``."""
    counts = RetentionCounts(files=[])
    cutoff = _mail_cutoff(project, today)
    if cutoff is not None:
        ids = list(
            session.scalars(
                select(MailDelivery.message_id).where(
                    MailDelivery.project == project.slug,
                    MailDelivery.status == "sent",
                    MailDelivery.sent_at < cutoff,
                    MailDelivery.purged_at.is_(None),
                )
            )
        )
        counts.mail_bodies_purged = purge_content(session, project=project.slug, sent_before=cutoff)
        if outbox_dir is not None:
            counts.files += [str(Path(outbox_dir) / outbox_filename(m)) for m in ids]
    until = project.retention.keep_until(project.period.end)
    if until is not None and today > until:
        counts.expired = 1
        for pid in _persons_with_data(session, project.slug):
            if session.get(Person, pid) is None:
                continue
            report = erase(session, project.slug, pid, "anonymise", salt=salt, outbox_dir=outbox_dir, operator=operator, record_audit=False)
            counts.files += report.files
            counts.persons_anonymised += 1
    if counts.mail_bodies_purged or counts.persons_anonymised:
        audit.record(session, project.slug, "retention", operator=operator, details=counts.as_dict())
    return counts
