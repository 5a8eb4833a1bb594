"""Find one person and everything the registry holds about them (ids only until asked for data)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from synergia.registry.tables import Application, ApplicationVersion, Attendance, Person, Quarantine
from synergia.registry.tables_certificates import Certificate
from synergia.registry.tables_dedupe import DedupeAssignment, DedupeDecision, DedupeMerge, DedupeReview, DedupeSeen
from synergia.registry.tables_mail import MailDelivery
from synergia.rodo.identifiers import key_hashes, key_parts, norm_pesel
from synergia.sheets.identity import norm_email

if TYPE_CHECKING:
    from collections.abc import Iterable, Iterator

ERASED_SOURCE = "~erased"  # source id of an anonymised application: no source row matches it any more


class PersonNotFound(Exception):
    pass


class AmbiguousPerson(Exception):
    pass


def _pesel_key(number: str) -> str:
    from synergia.rodo.salt import salt_from_settings
    from synergia.rodo.tombstones import pesel_key

    return pesel_key(salt_from_settings(), number)


def find_person(session: Session, project: str, *, person_id: int | None = None, email: str | None = None, pesel: str | None = None) -> int:
    """The person id; errors name the lookup kind and counts, never the value looked up."""
    if person_id is not None:
        person = session.get(Person, person_id)
        if person is None or person.project != project:
            raise PersonNotFound(f"nie ma osoby o id {person_id} w projekcie {project} (no such person)")
        return person.id
    if email:
        wanted, kind = norm_email(email), "e-mail"
        match = lambda d: norm_email(str(d.get("email") or "")) == wanted  # noqa: E731
    elif pesel:
        wanted, kind = norm_pesel(pesel), "PESEL"
        keyed = _pesel_key(wanted) if wanted else ""  # pesel: discard stores only its keyed hash
        match = lambda d: norm_pesel(d.get("pesel")) == wanted or (keyed and d.get("pesel_key") == keyed)  # noqa: E731
    else:
        raise ValueError("podaj --person, --email albo --pesel")
    if not wanted:
        raise PersonNotFound(f"podany {kind} jest pusty lub nieprawidłowy (empty or invalid {kind})")
    pids = set()
    for _app_id, pid, data in session.execute(
        select(Application.id, Application.person_id, Application.data).where(Application.project == project)
    ):
        if pid is not None and match(data or {}):
            pids.add(pid)
    if not pids:
        raise PersonNotFound(f"żadne zgłoszenie projektu {project} nie ma podanego {kind} (nobody with this {kind})")
    if len(pids) > 1:
        raise AmbiguousPerson(
            f"podany {kind} ma {len(pids)} osoby: {sorted(pids)} — wskaż jedną przez --person "
            f"(several persons share it; pick one with --person)"
        )
    return pids.pop()


@dataclass
class Holdings:
    """Rows of one person, by table (ORM objects; personal data: never log)."""

    person_id: int
    persons: list = field(default_factory=list)  # the person and shells merged into it
    applications: list = field(default_factory=list)
    versions: list = field(default_factory=list)
    attendance: list = field(default_factory=list)
    quarantine: list = field(default_factory=list)
    merges: list = field(default_factory=list)
    assignments: list = field(default_factory=list)
    decisions: list = field(default_factory=list)
    reviews: list = field(default_factory=list)
    seen: list = field(default_factory=list)
    certificates: list = field(default_factory=list)
    deliveries: list = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        return {
            "applications": len(self.applications),
            "application_versions": len(self.versions),
            "attendance": len(self.attendance),
            "quarantine": len(self.quarantine),
            "dedupe_merges": len(self.merges),
            "dedupe_assignments": len(self.assignments),
            "dedupe_decisions": len(self.decisions),
            "dedupe_reviews": len(self.reviews),
            "certificates": len(self.certificates),
            "certificate_pdfs": sum(1 for c in self.certificates for r in c.revisions if r.storage_uri),
            "mail_deliveries": len(self.deliveries),
        }

    def source_rows(self) -> list[tuple[str, str, int]]:
        """(spreadsheet, tab, row) staff must delete in their sheets: current rows only."""
        rows = {(a.spreadsheet, a.worksheet, a.row_number) for a in self.applications if a.active and a.source_id != ERASED_SOURCE}
        rows |= {(q.spreadsheet, q.worksheet, q.row_number) for q in self.quarantine if q.resolved_at is None}
        return sorted(rows)


def _chunks(ids: Iterable[int], n: int = 5000) -> Iterator[list[int]]:
    ids = sorted(ids)
    for i in range(0, len(ids), n):
        yield ids[i : i + n]


def holdings(session: Session, project: str, person_id: int) -> Holdings:
    h = Holdings(person_id)
    merged_into = {
        m.merged_person_id
        for m in session.scalars(select(DedupeMerge).where(DedupeMerge.project == project, DedupeMerge.survivor_person_id == person_id))
    }
    pids = {person_id} | merged_into
    h.persons = list(session.scalars(select(Person).where(Person.id.in_(pids))))
    h.applications = list(session.scalars(select(Application).where(Application.project == project, Application.person_id == person_id)))
    app_ids = {a.id for a in h.applications}
    for chunk in _chunks(app_ids):
        h.versions += session.scalars(select(ApplicationVersion).where(ApplicationVersion.application_id.in_(chunk)))
        h.attendance += session.scalars(select(Attendance).where(Attendance.application_id.in_(chunk)))
        h.seen += session.scalars(select(DedupeSeen).where(DedupeSeen.application_id.in_(chunk)))
    h.merges = list(
        session.scalars(
            select(DedupeMerge).where(
                DedupeMerge.project == project,
                or_(
                    DedupeMerge.survivor_person_id.in_(pids),
                    DedupeMerge.merged_person_id.in_(pids),
                    DedupeMerge.application_a.in_(app_ids),
                    DedupeMerge.application_b.in_(app_ids),
                ),
            )
        )
    )
    h.assignments = list(
        session.scalars(
            select(DedupeAssignment).where(
                DedupeAssignment.project == project,
                or_(
                    DedupeAssignment.application_id.in_(app_ids),
                    DedupeAssignment.old_person_id.in_(pids),
                    DedupeAssignment.new_person_id.in_(pids),
                    DedupeAssignment.merge_id.in_([m.id for m in h.merges]),
                ),
            )
        )
    )
    h.decisions = list(
        session.scalars(
            select(DedupeDecision).where(
                DedupeDecision.project == project, or_(DedupeDecision.application_a.in_(app_ids), DedupeDecision.application_b.in_(app_ids))
            )
        )
    )
    h.reviews = list(
        session.scalars(
            select(DedupeReview).where(
                DedupeReview.project == project, or_(DedupeReview.application_a.in_(app_ids), DedupeReview.application_b.in_(app_ids))
            )
        )
    )
    # quarantine rows hold no data, only keys: theirs carry the hash of the person's e-mail or name
    hashes: set[str] = set()
    for a in h.applications:
        hashes |= key_hashes(a.data or {})
    for v in h.versions:
        hashes |= key_hashes(v.data or {})
    if hashes:
        h.quarantine = [
            q
            for q in session.scalars(select(Quarantine).where(Quarantine.project == project))
            if key_parts([q.row_key, *(q.fallback_keys or [])]) & hashes
        ]
    h.certificates = list(session.scalars(select(Certificate).where(Certificate.project == project, Certificate.person_id.in_(pids))))
    numbers = {c.number for c in h.certificates}
    emails = {norm_email(str((a.data or {}).get("email") or "")) for a in h.applications}
    emails |= {norm_email(str((v.data or {}).get("email") or "")) for v in h.versions}
    emails.discard("")
    for d in session.scalars(select(MailDelivery).where(MailDelivery.project == project)):
        if (d.kind == "certificate" and d.key.split("#")[0] in numbers) or (d.recipient and norm_email(d.recipient) in emails):
            h.deliveries.append(d)
    return h
