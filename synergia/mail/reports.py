"""What the delivery register says, for coordinators and the CLI: permanent failures, counts per status
(kinds, codes and internal ids only, never an address)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from synergia.mail.queue import naive_utc
from synergia.registry.tables_mail import MailDelivery


@dataclass(frozen=True)
class DeliveryFailure:
    """A permanently failed delivery, for the coordinators' monthly list."""

    delivery_id: int
    kind: str
    key: str
    code: str
    failed_at: datetime


def list_failures(session: Session, *, project: str, since: datetime | None = None, until: datetime | None = None) -> list[DeliveryFailure]:
    """Failed deliveries (naive UTC bounds, ``since`` inclusive, ``until`` exclusive), oldest first."""
    q = select(MailDelivery).where(MailDelivery.project == project, MailDelivery.status == "failed")
    if since is not None:
        q = q.where(MailDelivery.failed_at >= naive_utc(since))
    if until is not None:
        q = q.where(MailDelivery.failed_at < naive_utc(until))
    rows = session.scalars(q.order_by(MailDelivery.failed_at, MailDelivery.id))
    return [DeliveryFailure(r.id, r.kind, r.key, r.last_error or "unknown", r.failed_at) for r in rows]


def status_counts(session: Session, *, project: str) -> dict[str, int]:
    rows = session.execute(select(MailDelivery.status, func.count()).where(MailDelivery.project == project).group_by(MailDelivery.status))
    return dict(rows.all())  # not dict(rows): a Result has .keys() (column names), dict() would index it
