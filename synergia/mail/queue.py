"""The delivery register's rows: enqueue a message once, read it back as it was enqueued,
drop its content when it is old.

Times in the register are naive UTC (``naive_utc``). Sending is ``deliveries``; what the
register says for coordinators and the CLI is ``reports``.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, selectinload

from synergia.mail.messages import Attachment, InlineImage, OutgoingMessage
from synergia.mail.mime import new_message_id
from synergia.registry.base import utcnow
from synergia.registry.tables_mail import MailDelivery, MailDeliveryPart


def naive_utc(value: datetime) -> datetime:
    """An aware time as the register stores it (naive UTC); a naive one is taken as UTC already."""
    return value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value


def enqueue(session: Session, *, project: str, kind: str, key: str, message: OutgoingMessage, sender: str | None = None) -> int:
    """Register ``message`` for delivery once; the same (project, kind, key) returns the existing id.

    Runs in the caller's transaction (commit with the certificate that caused
    it). ``sender`` only picks the Message-ID domain (default: SYNERGIA_MAIL_FROM).
    """
    if not (0 < len(kind) <= 32 and 0 < len(key) <= 128 and 0 < len(project) <= 64):
        raise ValueError("project/kind/key empty or too long")
    if not isinstance(message, OutgoingMessage):
        raise TypeError("message must be an OutgoingMessage")
    existing = _find(session, project, kind, key)
    if existing is not None:
        return existing
    if sender is None:
        from config.settings import get_settings

        sender = get_settings().mail_from
    row = MailDelivery(
        project=project,
        kind=kind,
        key=key,
        message_id=new_message_id(sender),
        recipient=message.to,
        subject=message.subject,
        body_text=message.text,
        body_html=message.html,
        status="pending",
        attempts=0,
        recoveries=0,
    )
    position = 0
    for att in message.attachments:
        row.parts.append(MailDeliveryPart(position=position, role="attachment", name=att.filename, mime=att.mime, content=att.content))
        position += 1
    for img in message.inline_images:
        row.parts.append(MailDeliveryPart(position=position, role="inline", name=img.cid, mime=img.mime, content=img.content))
        position += 1
    try:
        with session.begin_nested():  # a concurrent enqueue of the same key wins without breaking our transaction
            session.add(row)
            session.flush()
    except IntegrityError:
        existing = _find(session, project, kind, key)
        if existing is None:
            raise
        return existing
    return row.id


def _find(session: Session, project: str, kind: str, key: str) -> int | None:
    return session.scalar(
        select(MailDelivery.id).where(MailDelivery.project == project, MailDelivery.kind == kind, MailDelivery.key == key)
    )


def stored_message(row: MailDelivery) -> OutgoingMessage:
    """The message exactly as enqueued (for sending and for inspection)."""
    if row.recipient is None:
        raise ValueError("delivery content was purged")
    return OutgoingMessage(
        to=row.recipient,
        subject=row.subject or "",
        text=row.body_text or "",
        html=row.body_html or "",
        attachments=tuple(Attachment(p.name, p.content, p.mime) for p in row.parts if p.role == "attachment"),
        inline_images=tuple(InlineImage(p.name, p.content, p.mime) for p in row.parts if p.role == "inline"),
    )


def purge_content(session: Session, *, project: str, sent_before: datetime) -> int:
    """Drop recipient, texts and files of deliveries sent before ``sent_before`` (data minimisation).

    The row, its key, Message-ID and dates stay, so a rerun still knows it was sent.
    """
    rows = session.scalars(
        select(MailDelivery)
        .where(
            MailDelivery.project == project,
            MailDelivery.status == "sent",
            MailDelivery.sent_at < naive_utc(sent_before),
            MailDelivery.purged_at.is_(None),
        )
        .options(selectinload(MailDelivery.parts))
    ).all()
    for row in rows:
        row.recipient = row.subject = row.body_text = row.body_html = None
        row.parts.clear()
        row.purged_at = utcnow()
    return len(rows)
