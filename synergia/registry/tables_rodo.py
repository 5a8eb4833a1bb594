"""RODO register: the audit log and erasure tombstones. Neither holds personal data.

``audit_log`` is append-only from the application's side (triggers refuse
UPDATE and DELETE on SQLite and PostgreSQL); ``details`` holds counts and
codes only. ``erasure_tombstones`` holds salted hashes (HMAC-SHA256, the salt
is a secret outside the database) of the normalised identifiers of an erased
person, so the nightly sync can refuse to bring them back without keeping
anything that identifies them.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from synergia.registry.base import Base, utcnow


class AuditEntry(Base):
    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(DateTime, default=utcnow, index=True)
    operator: Mapped[str] = mapped_column(String(128))  # OS user, --operator, or "nightly"/"review_tab"
    action: Mapped[str] = mapped_column(String(32))  # erasure | export | dedupe_decisions | revocation | consent_versions | retention
    subject: Mapped[str | None] = mapped_column(String(64))  # an internal id ("osoba #12", a certificate number), never data
    details: Mapped[dict] = mapped_column(JSON, default=dict)  # counts and codes only


class ErasureTombstone(Base):
    __tablename__ = "erasure_tombstones"
    __table_args__ = (UniqueConstraint("project", "digest", name="uq_erasure_tombstones_digest"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # pesel | email | phone | name_birth | row_key | email_key
    digest: Mapped[str] = mapped_column(String(64))  # HMAC-SHA256 hex of the normalised identifier
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
