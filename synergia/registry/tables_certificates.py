"""Certificate register: numbers, revisions, revocations, verification codes.

A certificate is one person's completion of one training cycle. Its number is
handed out once from ``certificate_counters`` (per project and year) and never
reused; corrections add a *revision* under the same number, each revision with
its own verification code so an outdated printout verifies as "superseded".
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from synergia.registry.base import Base, utcnow


class CertificateCounter(Base):
    """Last sequence number used per project and year; updated under a row lock."""

    __tablename__ = "certificate_counters"

    project: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_seq: Mapped[int] = mapped_column(Integer, default=0)


class Certificate(Base):
    __tablename__ = "certificates"
    __table_args__ = (
        UniqueConstraint("project", "number", name="uq_certificates_number"),
        UniqueConstraint("project", "year", "seq", name="uq_certificates_year_seq"),
        UniqueConstraint("project", "person_id", "cycle", name="uq_certificates_person_cycle"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    cycle: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    number: Mapped[str] = mapped_column(String(64))
    revision: Mapped[int] = mapped_column(Integer, default=1)  # current revision
    status: Mapped[str] = mapped_column(String(16), default="valid")  # valid | revoked
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime)
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    revoked_by: Mapped[str | None] = mapped_column(String(16))  # auto (no longer eligible) | staff
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    revisions: Mapped[list[CertificateRevision]] = relationship(back_populates="certificate", order_by="CertificateRevision.revision")


class CertificateRevision(Base):
    """What one revision said (personal data: never log ``data``) and where its PDF is."""

    __tablename__ = "certificate_revisions"
    __table_args__ = (UniqueConstraint("certificate_id", "revision", name="uq_certificate_revisions_cert_rev"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    certificate_id: Mapped[int] = mapped_column(ForeignKey("certificates.id"), index=True)
    revision: Mapped[int] = mapped_column(Integer)
    verification_code: Mapped[str] = mapped_column(String(64), unique=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    issued_on: Mapped[date] = mapped_column(Date)
    storage_uri: Mapped[str | None] = mapped_column(String(1024))  # set once the PDF is stored and the mail queued
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    certificate: Mapped[Certificate] = relationship(back_populates="revisions")
