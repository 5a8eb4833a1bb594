"""Certify a project: attendance → eligibility → register → PDFs in storage → mails queued.

Two phases, each crash-safe on its own:

1. *Register* (one transaction, counter locked): decide eligibility per
   cycle, issue new numbers, add revisions for changed data, revoke
   certificates whose person no longer qualifies.
2. *Render* (one transaction per batch): every current revision without a
   stored PDF is rendered, put into storage, and its mail enqueued in the same
   transaction that records the storage URI. A crash between the storage put
   and the commit only means the PDF is rendered and overwritten again on the
   next run; the mail register's idempotent key keeps it to one e-mail.
3. *Late mail*: a stored certificate whose person had no usable address is
   queued (from the stored PDF) as soon as the registry has one.

The parts it runs: ``cycles`` (settings → specs), ``people`` (names, e-mails,
attendance from the registry), ``eligibility``, ``register``, ``pdf`` (drawing
the ``layout``).
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from sqlalchemy import select
from sqlalchemy.orm import Session

from synergia.certificates.cycles import cycle_specs, training_content
from synergia.certificates.eligibility import evaluate
from synergia.certificates.pdf import CertificateContent, CertificateRenderer
from synergia.certificates.people import attendance_facts, last_session_days, person_details
from synergia.certificates.register import CertificateRegister
from synergia.counts import Counts
from synergia.registry.tables_certificates import Certificate, CertificateRevision
from synergia.storage.base import Storage

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from synergia.mail.messages import OutgoingMessage
    from synergia.registry.db import Registry

BATCH_SIZE = 100
MAIL_KIND = "certificate"


@dataclass
class IssueCounts(Counts, step="certificates"):
    """Numbers only: safe for logs, Prefect results and the run's counts."""

    eligible: int = 0
    not_eligible: int = 0
    missing_name: int = 0
    issued_new: int = 0
    reissued: int = 0
    reinstated: int = 0
    unchanged: int = 0
    revoked: int = 0
    revocations_held: int = 0  # too many at once (emptied sheet?): nothing revoked, coordinators should look
    kept_revoked: int = 0
    pdfs_stored: int = 0
    mails_queued: int = 0
    no_email: int = 0  # current certificates still waiting for a usable e-mail address
    mails_late: int = 0  # of mails_queued: certificates stored earlier whose person now has an address
    per_cycle: dict[str, dict[str, int]] = field(default_factory=dict)
    layout_problems: list[str] = field(default_factory=list)  # overlapping blocks seen while rendering (no personal data)


def attachment_name(number: str, revision: int) -> str:
    """ASCII file name: ``zaswiadczenie-SYN-2026-0001.pdf`` (``-r2`` for later revisions)."""
    safe = re.sub(r"[^A-Za-z0-9]+", "-", number).strip("-")
    return f"zaswiadczenie-{safe}{'' if revision == 1 else f'-r{revision}'}.pdf"


def storage_name(project: str, cycle: str, number: str, revision: int) -> str:
    """Storage path from ids only (no names in file names)."""
    return f"{project}/{cycle}/{attachment_name(number, revision)}"


def today_in(tz: str) -> date:
    return datetime.now(ZoneInfo(tz)).date()


def decided_issue_date(policy: str, run_date: date, completed_on: date | None, period_start: date, period_end: date) -> date:
    """The issue date of a new certificate (``TrainingCycle.issue_date``): 'run' = the run date;
    'completion' = the last attended session, kept inside the project period; 'auto' = the run date
    while the project runs (run date within its period), else the completion date."""
    if policy == "run" or completed_on is None or (policy == "auto" and run_date <= period_end):
        return run_date
    return min(max(completed_on, period_start), period_end)


def register_phase(session: Session, project: ProjectConfig, *, issue_date: date, counts: IssueCounts) -> None:
    certs = project.certificates
    specs = cycle_specs(project)
    register = CertificateRegister(
        session, project=project.slug, number_format=certs.number_format, prefix=certs.prefix, issue_date=issue_date
    )
    by_year = {issue_date.year: register}  # numbering is per year of the issue date

    def register_for(day: date) -> CertificateRegister:
        if day.year not in by_year:
            by_year[day.year] = CertificateRegister(
                session, project=project.slug, number_format=certs.number_format, prefix=certs.prefix, issue_date=day
            )
        by_year[day.year].issue_date = day
        return by_year[day.year]

    for spec, cycle, events in specs:
        last_days = last_session_days(session, project.slug, events) if cycle.issue_date != "run" else {}
        verdicts = evaluate(spec, attendance_facts(session, project.slug, [e.id for e in spec.events]))
        eligible = [v.person_id for v in verdicts if v.eligible]
        details = person_details(session, project.slug, eligible)
        training = training_content(cycle, events)
        cycle_counts: Counter[str] = Counter()
        cycle_counts["eligible"] = len(eligible)
        cycle_counts["not_eligible"] = len(verdicts) - len(eligible)
        unnamed: set[int] = set()
        for pid in eligible:
            person = details[pid]
            if not person["name"]:
                unnamed.add(pid)
                cycle_counts["missing_name"] += 1
                continue
            content = {**training, "name": person["name"], "gender": person["gender"]}
            day = decided_issue_date(cycle.issue_date, issue_date, last_days.get(pid), project.period.start, project.period.end)
            issued = register_for(day).issue(pid, spec.id, content, {"email": person["email"]})
            key = {
                "new": "issued_new",
                "reissued": "reissued",
                "reinstated": "reinstated",
                "unchanged": "unchanged",
                "kept_revoked": "kept_revoked",
            }[issued.outcome]
            cycle_counts[key] += 1
        if certs.revoke_when_ineligible:
            revoked, held = register.revoke_ineligible(spec.id, set(eligible), keep=unnamed, limit_share=certs.auto_revoke_limit)
            cycle_counts["revoked"] += len(revoked)
            cycle_counts["revocations_held"] += held
        counts.per_cycle[spec.id] = dict(cycle_counts)
        for k, v in cycle_counts.items():
            setattr(counts, k, getattr(counts, k) + v)


def _pending_revisions(session: Session, project: str) -> list[int]:
    return list(
        session.scalars(
            select(CertificateRevision.id)
            .join(Certificate, Certificate.id == CertificateRevision.certificate_id)
            .where(
                Certificate.project == project,
                Certificate.status == "valid",
                CertificateRevision.revision == Certificate.revision,
                CertificateRevision.storage_uri.is_(None),
            )
            .order_by(CertificateRevision.id)
        )
    )


def content_for(project: ProjectConfig, cert: Certificate, rev: CertificateRevision) -> CertificateContent:
    c = rev.data["content"]
    return CertificateContent(
        number=cert.number,
        revision=rev.revision,
        verification_code=rev.verification_code,
        verification_url=project.certificates.verification_url.format(code=rev.verification_code),
        issue_date=rev.issued_on,
        name=c["name"],
        gender=c.get("gender"),
        title=c["title"],
        dates=tuple(date.fromisoformat(d) for d in c["dates"]),
        hours=c["hours"],
        programme=tuple(c.get("programme", ())),
        places=tuple(c.get("places", ())),
    )


def certificate_message(project: ProjectConfig, content: CertificateContent, email: str, pdf: bytes) -> OutgoingMessage:
    """The e-mail for one certificate, from the Polish templates in ``config/templates/mail/``."""
    from synergia.mail.messages import Attachment, OutgoingMessage
    from synergia.mail.templating import render_mail

    ctx = {
        "name": content.name,
        "gender": content.gender or "",
        "number": content.number,
        "revision": content.revision,
        "title": content.title,
        "dates": list(content.dates),
        "hours": content.hours,
        "verification_url": content.verification_url,
        "issue_date": content.issue_date,
        "organiser": project.organiser.model_dump(),
        "funder": project.funder.model_dump(),
        "project_name": project.name,
    }
    subject, text, html = render_mail("certificate", ctx)
    return OutgoingMessage(
        to=email,
        subject=subject,
        text=text,
        html=html,
        attachments=(Attachment(attachment_name(content.number, content.revision), pdf, "application/pdf"),),
    )


Enqueue = Callable[..., int]


def render_phase(
    sessions: Callable,
    project: ProjectConfig,
    renderer: CertificateRenderer | None,
    storage: Storage,
    *,
    counts: IssueCounts,
    enqueue: Enqueue | None = None,
    batch_size: int = BATCH_SIZE,
) -> CertificateRenderer | None:
    """Render, store and queue every current revision that has no stored PDF yet, batch by batch.
    ``renderer`` None: the project's own, made only if something is to be rendered (its layout
    checks and fonts cost ~0.2 s, its first document loads fpdf2 and pypdf, ~1 s). Returns the
    renderer used (None if nothing was rendered and none was given)."""
    with sessions() as session:
        pending = _pending_revisions(session, project.slug)
    if not pending:
        return renderer
    if enqueue is None:
        from synergia.mail.queue import enqueue
    if renderer is None:
        renderer = CertificateRenderer(project)
    for start in range(0, len(pending), batch_size):
        ids = pending[start : start + batch_size]
        with sessions() as session:
            revs = session.scalars(
                select(CertificateRevision).where(CertificateRevision.id.in_(ids)).order_by(CertificateRevision.id)
            ).all()
            contents = [content_for(project, r.certificate, r) for r in revs]
        pdfs = renderer.render_batch(contents)
        uris = [
            storage.put(storage_name(project.slug, r.certificate.cycle, c.number, c.revision), pdf, "application/pdf")
            for r, c, pdf in zip(revs, contents, pdfs, strict=True)
        ]
        with sessions() as session:
            for rev_id, content, pdf, uri in zip(ids, contents, pdfs, uris, strict=True):
                rev = session.get(CertificateRevision, rev_id, with_for_update=True)
                if rev is None or rev.storage_uri is not None:
                    continue  # a concurrent run finished it
                rev.storage_uri = uri
                counts.pdfs_stored += 1
                _mail(session, project, rev, content, rev.data.get("email"), pdf, counts, enqueue)
    return renderer


def _mail(
    session: Session,
    project: ProjectConfig,
    rev: CertificateRevision,
    content: CertificateContent,
    email: str | None,
    pdf: bytes,
    counts: IssueCounts,
    enqueue: Enqueue,
) -> None:
    """Queue the certificate's e-mail, or mark the revision as waiting for an address."""
    message = None
    if email:
        try:
            message = certificate_message(project, content, email, pdf)
        except ValueError:  # an address the mail layer refuses; never echo it
            message = None
    if message is None:
        rev.data = {**rev.data, "mail": "no_address"}
        counts.no_email += 1
        return
    enqueue(session, project=project.slug, kind=MAIL_KIND, key=f"{content.number}#r{content.revision}", message=message)
    rev.data = {**rev.data, "mail": "queued", "email": email}
    counts.mails_queued += 1


def late_mail_phase(
    sessions: Callable,
    project: ProjectConfig,
    storage: Storage,
    *,
    counts: IssueCounts,
    enqueue: Enqueue | None = None,
) -> None:
    """Certificates stored while their person had no usable e-mail: queue them once an address appears."""
    if enqueue is None:
        from synergia.mail.queue import enqueue
    with sessions() as session:
        rows = session.execute(
            select(CertificateRevision, Certificate.person_id)
            .join(Certificate, Certificate.id == CertificateRevision.certificate_id)
            .where(
                Certificate.project == project.slug,
                Certificate.status == "valid",
                CertificateRevision.revision == Certificate.revision,
                CertificateRevision.storage_uri.is_not(None),
            )
        ).all()
        waiting = [(rev.id, pid) for rev, pid in rows if rev.data.get("mail") == "no_address"]
        if not waiting:
            return
        details = person_details(session, project.slug, [pid for _, pid in waiting])
        for rev_id, pid in waiting:
            email = details.get(pid, {}).get("email")
            rev = session.get(CertificateRevision, rev_id)
            if not email:
                counts.no_email += 1
                continue
            content = content_for(project, rev.certificate, rev)
            before = counts.mails_queued
            _mail(session, project, rev, content, email, storage.get(rev.storage_uri), counts, enqueue)
            counts.mails_late += counts.mails_queued - before


def issue_certificates(
    registry: Registry,
    project: ProjectConfig,
    storage: Storage,
    *,
    renderer: CertificateRenderer | None = None,
    issue_date: date | None = None,
    enqueue: Enqueue | None = None,
    batch_size: int = BATCH_SIZE,
) -> IssueCounts:
    """Whole certification run for one project; returns counts only."""
    counts = IssueCounts()
    if project.certificates is None:
        return counts
    issue_date = issue_date or today_in(project.timezone)
    with registry.session() as session:
        register_phase(session, project, issue_date=issue_date, counts=counts)
    late_mail_phase(registry.session, project, storage, counts=counts, enqueue=enqueue)  # before: sees earlier runs only
    renderer = render_phase(registry.session, project, renderer, storage, counts=counts, enqueue=enqueue, batch_size=batch_size)
    counts.layout_problems = sorted(renderer.layout_problems) if renderer is not None else []
    return counts
