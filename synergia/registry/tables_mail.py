"""Delivery register: one row per message that must reach its recipient exactly once.

The full message (parts and attachment bytes) is kept here rather than a
pointer to the certificate storage: a delivery must be re-sendable byte for
byte with the same Message-ID after a crash or a deferral, independent of
the storage backend and of later data corrections (those create a new
revision, hence a new delivery key). The registry is already the one place
where personal data lives; ``purge_content`` drops bodies of old sent mail.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from synergia.registry.base import Base, utcnow


class MailDelivery(Base):
    __tablename__ = "mail_deliveries"
    __table_args__ = (
        UniqueConstraint("project", "kind", "key", name="uq_mail_deliveries_key"),
        UniqueConstraint("message_id", name="uq_mail_deliveries_message_id"),
        Index("ix_mail_deliveries_queue", "project", "status", "next_attempt_at"),
        Index("ix_mail_deliveries_sent", "project", "status", "sent_at"),  # today's cap, purge of old mail
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32))  # certificate | summary | ...
    key: Mapped[str] = mapped_column(String(128))  # e.g. "SYN/2026/0001#r1" (never personal data)
    message_id: Mapped[str] = mapped_column(String(255))  # assigned and committed at enqueue
    recipient: Mapped[str | None] = mapped_column(String(320))  # personal data; None once purged
    subject: Mapped[str | None] = mapped_column(Text)
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)  # times handed to a transport
    recoveries: Mapped[int] = mapped_column(Integer, default=0)  # times found stuck in "sending" after a crash
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime)
    last_error: Mapped[str | None] = mapped_column(String(64))  # "smtp-421", "connection" — no addresses
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, onupdate=utcnow)
    sending_at: Mapped[datetime | None] = mapped_column(DateTime)
    sent_at: Mapped[datetime | None] = mapped_column(DateTime)
    failed_at: Mapped[datetime | None] = mapped_column(DateTime)
    purged_at: Mapped[datetime | None] = mapped_column(DateTime)

    parts: Mapped[list[MailDeliveryPart]] = relationship(
        back_populates="delivery", order_by="MailDeliveryPart.position", cascade="all, delete-orphan"
    )


class MailDeliveryPart(Base):
    """An attachment or inline image of a delivery, in message order."""

    __tablename__ = "mail_delivery_parts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    delivery_id: Mapped[int] = mapped_column(ForeignKey("mail_deliveries.id", ondelete="CASCADE"), index=True)
    position: Mapped[int] = mapped_column(Integer)
    role: Mapped[str] = mapped_column(String(16))  # attachment | inline
    name: Mapped[str] = mapped_column(String(160))  # ASCII file name, or the Content-ID of an inline image
    mime: Mapped[str] = mapped_column(String(100))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    delivery: Mapped[MailDelivery] = relationship(back_populates="parts")
