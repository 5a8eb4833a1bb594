"""Core registry tables: what the nightly sync writes.

Every source row ends in exactly one place: an *application* (accepted), a
*quarantine* entry (rejected, with reasons), or the empty-row count of its
sync run. Corrected rows update the application and keep the previous
content in ``application_versions``.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, DateTime, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from synergia.registry.base import Base, utcnow


class SyncRun(Base):
    __tablename__ = "sync_runs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime)
    status: Mapped[str] = mapped_column(String(16), default="running")  # running | ok | failed
    counts: Mapped[dict] = mapped_column(JSON, default=dict)  # numbers only, never personal data


class Person(Base):
    """One human. Until deduplication merges them, one per application."""

    __tablename__ = "persons"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    applications: Mapped[list[Application]] = relationship(back_populates="person")


def _unkeyed() -> str:
    """Key of a record made without a row identity (seeded by hand): matched like a migrated one."""
    return f"legacy:{uuid.uuid4().hex}"


class SourceRowMixin:
    """A source row: its identity across nights (``row_key``) and where it was last seen.

    ``row_key`` is what the row *is* (form timestamp + e-mail hash, a name on a
    list, or a content fingerprint; ``#2``… for equal keys), unique per project
    and source; ``fingerprint`` and ``fallback_keys`` let a corrected or moved
    row find its record (``synergia.registry.identity``). ``spreadsheet`` /
    ``worksheet`` / ``row_number`` are only a display reference ("wiersz 17").
    """

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    source_id: Mapped[str] = mapped_column(String(64))
    spreadsheet: Mapped[str] = mapped_column(String(512))
    worksheet: Mapped[str] = mapped_column(String(256))
    row_number: Mapped[int] = mapped_column(Integer)
    row_key: Mapped[str] = mapped_column(String(200), default=_unkeyed)
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    fallback_keys: Mapped[list] = mapped_column(JSON, default=list)


class Application(SourceRowMixin, Base):
    """One accepted source row (form response or attendance-list row), current version."""

    __tablename__ = "applications"
    __table_args__ = (
        UniqueConstraint("project", "source_id", "row_key", name="uq_applications_row_key"),
        Index("ix_applications_project_person", "project", "person_id"),  # a person's applications, per project
    )

    kind: Mapped[str] = mapped_column(String(16))  # recruitment | attendance | advisory
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)  # canonical fields + consents (personal data: never log)
    version: Mapped[int] = mapped_column(Integer, default=1)
    active: Mapped[bool] = mapped_column(Boolean, default=True)  # False once the row is gone, emptied or now invalid
    person_id: Mapped[int | None] = mapped_column(ForeignKey("persons.id"), index=True)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime)
    first_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)

    person: Mapped[Person | None] = relationship(back_populates="applications")


class ApplicationVersion(Base):
    """Previous contents of an application, kept when staff correct a row."""

    __tablename__ = "application_versions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    content_hash: Mapped[str] = mapped_column(String(64))
    data: Mapped[dict] = mapped_column(JSON)
    valid_from: Mapped[datetime] = mapped_column(DateTime)
    valid_to: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class Quarantine(SourceRowMixin, Base):
    """A rejected source row: where it is and why, never its content."""

    __tablename__ = "quarantine"
    __table_args__ = (UniqueConstraint("project", "source_id", "row_key", name="uq_quarantine_row_key"),)

    content_hash: Mapped[str] = mapped_column(String(64))
    reason_codes: Mapped[list] = mapped_column(JSON)
    message: Mapped[str] = mapped_column(Text)  # Polish, names the source row, no personal data
    first_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime)  # set when the row became valid or empty


class Event(Base):
    """Events mirrored from the project YAML so SQL can join attendance to them."""

    __tablename__ = "events"

    project: Mapped[str] = mapped_column(String(64), primary_key=True)
    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    type: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(512))
    gmina: Mapped[str | None] = mapped_column(String(128))
    first_date: Mapped[date] = mapped_column(Date)
    last_date: Mapped[date] = mapped_column(Date)
    sessions: Mapped[int] = mapped_column(Integer, default=1)
    hours: Mapped[float] = mapped_column(Float, default=0)
    cycle: Mapped[str | None] = mapped_column(String(64))


class Attendance(Base):
    """Presence of an application's person at one session of an event (or advisory hours)."""

    __tablename__ = "attendance"
    __table_args__ = (
        UniqueConstraint("application_id", "event_id", "session_no", name="uq_attendance_app_event_session"),
        Index("ix_attendance_project_event", "project", "event_id"),  # event ids are per project
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64))
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    event_id: Mapped[str] = mapped_column(String(64))
    session_no: Mapped[int] = mapped_column(Integer, default=1)
    hours: Mapped[float | None] = mapped_column(Float)
    attended_on: Mapped[date | None] = mapped_column(Date)
