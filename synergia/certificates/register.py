"""The certificate register: numbers, revisions, revocation, verification.

Numbers come from one counter row per project and year, incremented inside
the caller's transaction after ``lock_counter`` took that row's write lock
(a no-op UPDATE: a row lock on PostgreSQL, the database write lock on
SQLite). Two concurrent runs therefore serialise on the counter and cannot
hand out the same number; a rolled-back run hands out nothing, so numbers are
gap-free and never reused — revoked certificates keep theirs.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import date

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from synergia.errors import SafeMessage
from synergia.registry.base import utcnow
from synergia.registry.tables_certificates import Certificate, CertificateCounter, CertificateRevision

#: Bytes of randomness in a verification code (96 bits > the required 64).
CODE_BYTES = 12
#: ``revoke_reason`` / ``revoked_by`` of a certificate withdrawn because its person was erased (RODO art. 17).
ERASED_REASON = "erased"
ERASED_BY = "erasure"


class RegisterError(SafeMessage, Exception):
    """A register operation that staff asked for cannot be done (unknown number, already revoked)."""


def new_verification_code() -> str:
    """16 URL-safe characters (96 random bits); never starting with '-', which a command line would read as an option."""
    while True:
        code = secrets.token_urlsafe(CODE_BYTES)
        if not code.startswith("-"):
            return code


def content_hash(content: dict) -> str:
    """Stable hash of what a certificate says: a change means a new revision."""
    blob = json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    return hashlib.sha256(blob.encode("utf-8")).hexdigest()


def format_number(number_format: str, *, prefix: str, year: int, seq: int) -> str:
    return number_format.format(prefix=prefix, year=year, seq=seq)


def lock_counter(session: Session, project: str, year: int) -> CertificateCounter:
    """Create the (project, year) counter if needed and hold its write lock until commit."""
    dialect = session.get_bind().dialect.name
    values = {"project": project, "year": year, "last_seq": 0}
    if dialect == "postgresql":
        session.execute(postgresql.insert(CertificateCounter).values(**values).on_conflict_do_nothing())
    elif dialect == "sqlite":
        session.execute(sqlite.insert(CertificateCounter).values(**values).on_conflict_do_nothing())
    elif session.get(CertificateCounter, (project, year)) is None:  # pragma: no cover - other engines
        session.add(CertificateCounter(**values))
        session.flush()
    session.execute(
        update(CertificateCounter)
        .where(CertificateCounter.project == project, CertificateCounter.year == year)
        .values(last_seq=CertificateCounter.last_seq)
    )
    counter = session.get(CertificateCounter, (project, year), populate_existing=True)
    assert counter is not None
    return counter


@dataclass(frozen=True)
class Issued:
    certificate_id: int
    number: str
    revision: int
    outcome: str  # new | reissued | reinstated | unchanged | kept_revoked


class CertificateRegister:
    """Register operations for one project inside one transaction (the caller's session)."""

    def __init__(self, session: Session, *, project: str, number_format: str, prefix: str, issue_date: date):
        self.session = session
        self.project = project
        self.number_format = number_format
        self.prefix = prefix
        self.issue_date = issue_date
        self.counter = lock_counter(session, project, issue_date.year)
        rows = session.scalars(select(Certificate).where(Certificate.project == project)).all()
        self.by_key: dict[tuple[int, str], Certificate] = {(c.person_id, c.cycle): c for c in rows}
        # content hash of each certificate's current revision, in one query (reruns compare every person)
        self.current_hash: dict[int, str] = dict(
            session.execute(
                select(CertificateRevision.certificate_id, CertificateRevision.content_hash)
                .join(Certificate, Certificate.id == CertificateRevision.certificate_id)
                .where(Certificate.project == project, CertificateRevision.revision == Certificate.revision)
            ).all()
        )

    def _add_revision(self, cert: Certificate, revision: int, content: dict, extra: dict) -> None:
        digest = content_hash(content)
        self.session.add(
            CertificateRevision(
                certificate_id=cert.id,
                revision=revision,
                verification_code=new_verification_code(),
                content_hash=digest,
                data={"content": content, **extra},
                issued_on=self.issue_date,
            )
        )
        self.current_hash[cert.id] = digest

    def issue(self, person_id: int, cycle: str, content: dict, extra: dict | None = None) -> Issued:
        """Issue, re-issue (changed content) or reinstate (auto-revoked, eligible again); else leave alone.

        ``content`` is what the PDF prints (hashed); ``extra`` rides along
        unhashed (e.g. the e-mail address the certificate goes to).
        """
        extra = extra or {}
        cert = self.by_key.get((person_id, cycle))
        now = utcnow()
        if cert is None:
            self.counter.last_seq += 1
            seq = self.counter.last_seq
            cert = Certificate(
                project=self.project,
                person_id=person_id,
                cycle=cycle,
                year=self.issue_date.year,
                seq=seq,
                number=format_number(self.number_format, prefix=self.prefix, year=self.issue_date.year, seq=seq),
                revision=1,
                status="valid",
                created_at=now,
                updated_at=now,
            )
            self.session.add(cert)
            self.session.flush()
            self._add_revision(cert, 1, content, extra)
            self.by_key[(person_id, cycle)] = cert
            return Issued(cert.id, cert.number, 1, "new")
        if cert.status == "revoked" and cert.revoked_by != "auto":
            return Issued(cert.id, cert.number, cert.revision, "kept_revoked")
        same = self.current_hash.get(cert.id) == content_hash(content)
        if cert.status == "valid" and same:
            return Issued(cert.id, cert.number, cert.revision, "unchanged")
        if same:  # auto-revoked, eligible again, same content: the PDF they hold is valid again (no new mail)
            cert.status, cert.revoked_at, cert.revoke_reason, cert.revoked_by = "valid", None, None, None
            cert.updated_at = now
            return Issued(cert.id, cert.number, cert.revision, "reinstated")
        outcome = "reinstated" if cert.status == "revoked" else "reissued"
        cert.revision += 1
        cert.status, cert.revoked_at, cert.revoke_reason, cert.revoked_by = "valid", None, None, None
        cert.updated_at = now
        self._add_revision(cert, cert.revision, content, extra)
        self.session.flush()
        return Issued(cert.id, cert.number, cert.revision, outcome)

    def revoke_ineligible(self, cycle: str, still_eligible: set[int], keep: set[int], limit_share: float = 1.0) -> tuple[list[str], int]:
        """Auto-revoke valid certificates of ``cycle`` whose person is neither eligible nor in ``keep``.

        If more than ``limit_share`` of the cycle's valid certificates would go
        at once, nothing is revoked: that looks like a broken or emptied
        attendance sheet, not corrections. Returns (revoked numbers, held back count).
        """
        valid = [(pid, cert) for (pid, c), cert in sorted(self.by_key.items()) if c == cycle and cert.status == "valid"]
        doomed = [cert for pid, cert in valid if pid not in still_eligible and pid not in keep]
        if not doomed:
            return [], 0
        if len(doomed) > max(1, limit_share * len(valid)):
            return [], len(doomed)
        for cert in doomed:
            revoke(cert, reason="nie spełnia już reguły ukończenia (korekta danych)", by="auto")
        return [cert.number for cert in doomed], 0


def revoke(cert: Certificate, *, reason: str, by: str = "staff") -> None:
    if cert.status == "revoked":
        raise RegisterError(f"zaświadczenie {cert.number} jest już unieważnione (already revoked)")
    cert.status = "revoked"
    cert.revoked_at = utcnow()
    cert.revoke_reason = reason
    cert.revoked_by = by
    cert.updated_at = cert.revoked_at


def withdraw_for_erasure(session: Session, *, project: str, person_id: int) -> list[int]:
    """The person erasure calls this: every certificate of the person becomes *withdrawn*.

    The certificate stays revoked for good (``revoked_by='erasure'`` is never
    reinstated), its number stays used, and every revision's stored data
    (name, gender, e-mail, training details) is dropped, so the verification
    page and its JSON can say nothing but "wycofane". The stored PDFs are the
    eraser's to delete (their URIs are left in ``storage_uri``). Returns the
    certificate ids (no personal data) so the caller can log counts and
    rebuild the verification site (``synergia.certificates.site.build_site``).
    """
    certs = session.scalars(select(Certificate).where(Certificate.project == project, Certificate.person_id == person_id)).all()
    now = utcnow()
    for cert in certs:
        cert.status, cert.revoked_at, cert.updated_at = "revoked", cert.revoked_at or now, now
        cert.revoke_reason, cert.revoked_by = ERASED_REASON, ERASED_BY
        for rev in cert.revisions:
            rev.data = {"erased": True}
    session.flush()
    return [c.id for c in certs]


def public_status(cert: Certificate, rev: CertificateRevision) -> str:
    """What a verification code says: valid | superseded | revoked | withdrawn (one home for the rule)."""
    if cert.status == "revoked":
        return "withdrawn" if cert.revoke_reason == ERASED_REASON else "revoked"
    return "superseded" if rev.revision != cert.revision else "valid"


def revoke_number(session: Session, *, project: str, number: str, reason: str) -> Certificate:
    """Staff revocation: sticky (never reinstated automatically)."""
    cert = session.scalars(select(Certificate).where(Certificate.project == project, Certificate.number == number)).first()
    if cert is None:
        raise RegisterError(f"nie ma zaświadczenia o numerze {number} (no such certificate)")
    revoke(cert, reason=reason, by="staff")
    return cert


@dataclass(frozen=True)
class Verification:
    """What a verification page may show: the status, never more personal data than the printout."""

    status: str  # valid | superseded | revoked | withdrawn | unknown
    number: str | None = None
    revision: int | None = None
    current_revision: int | None = None
    issued_on: date | None = None
    name: str | None = None
    title: str | None = None


def verify(session: Session, code: str) -> Verification:
    rev = session.scalars(select(CertificateRevision).where(CertificateRevision.verification_code == code)).first()
    if rev is None:
        return Verification("unknown")
    cert = rev.certificate
    status = public_status(cert, rev)
    if status == "withdrawn":
        return Verification(status)
    content = rev.data.get("content", {})
    return Verification(status, cert.number, rev.revision, cert.revision, rev.issued_on, content.get("name"), content.get("title"))
