"""What the registry holds for one nightly run, counted from the rows themselves.

A step retried after a partial commit (dedupe merged 170 persons and committed,
then the review-tab write failed; mail sent 40 messages, then the connection
dropped) reports only its *last attempt's* counts: "merged 0". The run summary
must say what happened, so these numbers are counted in the registry from the
start of this run's sync (``SyncRun.started_at``): merges, staff decisions,
certificates issued and revoked, e-mails sent and failed. Numbers only.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from synergia.registry.base import Base
from synergia.registry.tables import SyncRun
from synergia.registry.tables_certificates import Certificate
from synergia.registry.tables_dedupe import DedupeDecision, DedupeMerge
from synergia.registry.tables_mail import MailDelivery


def _count(session: Session, model: type[Base], *where: ColumnElement[bool]) -> int:
    return int(session.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def run_totals(session: Session, project: str, since: datetime) -> dict[str, int]:
    """Counts of what was written for ``project`` since ``since`` (naive UTC), keyed like the step results."""
    return {
        "dedupe.persons_merged": _count(session, DedupeMerge, DedupeMerge.project == project, DedupeMerge.created_at >= since),
        "dedupe.decisions_recorded": _count(session, DedupeDecision, DedupeDecision.project == project, DedupeDecision.decided_at >= since),
        "certificates.issued_new": _count(session, Certificate, Certificate.project == project, Certificate.created_at >= since),
        "certificates.revoked": _count(
            session,
            Certificate,
            Certificate.project == project,
            Certificate.status == "revoked",
            Certificate.revoked_by == "auto",
            Certificate.revoked_at >= since,
        ),
        "mail.sent": _count(
            session, MailDelivery, MailDelivery.project == project, MailDelivery.status == "sent", MailDelivery.sent_at >= since
        ),
        "mail.failed": _count(
            session, MailDelivery, MailDelivery.project == project, MailDelivery.status == "failed", MailDelivery.failed_at >= since
        ),
    }


def totals_of_sync_run(session: Session, sync_run_id: int) -> dict[str, int]:
    run = session.get(SyncRun, sync_run_id)
    if run is None:
        return {}
    return run_totals(session, run.project, run.started_at)
