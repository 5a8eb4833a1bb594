"""Deduplication register: merges with reasons, staff decisions, open review pairs.

Person ids never reshuffle: a merge moves applications to the oldest person
(lowest id) and records the move per application, so an unmerge can put every
application back where it came from. Staff decisions are kept for good as
must-link / cannot-link pairs of applications. Nothing here holds personal
data beyond ids and Polish reasons.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from synergia.registry.base import Base, utcnow


class DedupeMerge(Base):
    """Person ``merged_person_id`` was folded into ``survivor_person_id`` because of one evidence pair."""

    __tablename__ = "dedupe_merges"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    survivor_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    merged_person_id: Mapped[int] = mapped_column(ForeignKey("persons.id"), index=True)
    application_a: Mapped[int | None] = mapped_column(Integer)  # the pair that proved it (ids only)
    application_b: Mapped[int | None] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float, default=1.0)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    undone_at: Mapped[datetime | None] = mapped_column(DateTime)


class DedupeAssignment(Base):
    """History of one application's person id (every merge, unmerge and split move)."""

    __tablename__ = "dedupe_assignments"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), index=True)
    old_person_id: Mapped[int | None] = mapped_column(Integer)
    new_person_id: Mapped[int] = mapped_column(Integer)
    merge_id: Mapped[int | None] = mapped_column(ForeignKey("dedupe_merges.id"))
    action: Mapped[str] = mapped_column(String(16))  # merge | unmerge | split (a corrected application left its person)
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DedupeDecision(Base):
    """A staff decision on a pair of applications: same person (TAK) or not (NIE). Kept for good."""

    __tablename__ = "dedupe_decisions"
    __table_args__ = (UniqueConstraint("project", "application_a", "application_b", name="uq_dedupe_decisions_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    application_a: Mapped[int] = mapped_column(Integer)  # a < b
    application_b: Mapped[int] = mapped_column(Integer)
    same: Mapped[bool] = mapped_column()
    source: Mapped[str] = mapped_column(String(32))  # review_tab | unmerge | cli
    decided_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DedupeReview(Base):
    """An uncertain pair waiting for staff in the 'Do sprawdzenia' tab."""

    __tablename__ = "dedupe_reviews"
    __table_args__ = (UniqueConstraint("project", "application_a", "application_b", name="uq_dedupe_reviews_pair"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    project: Mapped[str] = mapped_column(String(64), index=True)
    application_a: Mapped[int] = mapped_column(Integer)
    application_b: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(200))
    score: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="open")  # open | decided | obsolete
    created_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(DateTime)


class DedupeSeen(Base):
    """Which content of an application the matcher has already compared (incremental nights)."""

    __tablename__ = "dedupe_seen"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id"), primary_key=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    seen_at: Mapped[datetime] = mapped_column(DateTime, default=utcnow)


class DedupeNorm(Base):
    """An application's matching view (``synergia.dedupe.normalize.NormRecord``) as built from
    its current data, so a night normalises only new or changed applications.

    Personal data (the folded names, PESEL, contacts): it lives and dies with its application
    (deleted with it, ``ON DELETE CASCADE``; cleared by an erasure), never logged. ``scheme``
    fingerprints the normaliser: a changed normaliser rebuilds every row once. ``data_digest``
    is a digest of the application's stored ``data``: any change of the data rebuilds the row."""

    __tablename__ = "dedupe_norms"

    application_id: Mapped[int] = mapped_column(ForeignKey("applications.id", ondelete="CASCADE"), primary_key=True)
    scheme: Mapped[str] = mapped_column(String(32))
    data_digest: Mapped[str] = mapped_column(String(32))
    record: Mapped[str] = mapped_column(Text)  # JSON list: the NormRecord fields after rid and idx
