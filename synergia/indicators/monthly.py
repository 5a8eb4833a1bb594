"""The monthly report as plain functions (the Prefect tasks in ``tasks/indicators.py`` wrap them).

``build_summary`` reads the registry and the staff's manual tab and returns a
``MonthSummary`` (numbers only). ``enqueue_summary`` puts one e-mail per
coordinator into the delivery register under the key ``<month>:<hash of the
address>``: a rerun for the same month finds the key and queues nothing, a
``resend`` adds a numbered suffix so the register sends it again.
"""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import func, select

from config.indicators import MANUAL_TAB
from config.project import ProjectConfig
from synergia.indicators import report
from synergia.indicators.compute import compute_all
from synergia.indicators.facts import MANUAL_SOURCE, load_facts, quarantine_counts
from synergia.indicators.manual import parse_manual_rows
from synergia.indicators.model import BadManualRow, ManualValue, MonthSummary
from synergia.indicators.months import Month, previous_month
from synergia.mail.messages import Attachment, InlineImage, OutgoingMessage
from synergia.mail.queue import enqueue
from synergia.mail.reports import list_failures
from synergia.registry.base import utcnow
from synergia.registry.db import Registry
from synergia.registry.tables import Quarantine
from synergia.registry.tables_mail import MailDelivery
from synergia.sheets.base import SpreadsheetBackend, SpreadsheetError

if TYPE_CHECKING:
    from datetime import datetime

    from sqlalchemy.orm import Session

MAIL_KIND = "summary"


def default_month(cfg: ProjectConfig, now: datetime | None = None) -> Month:
    """The previous month in the project's time zone, kept inside the project period
    (a finished project reports its last month, one not started yet its first)."""
    chosen = previous_month(cfg.timezone, now)
    return max(Month.of(cfg.period.start), min(chosen, Month.of(cfg.period.end)))


def read_manual(
    cfg: ProjectConfig, backend: SpreadsheetBackend
) -> tuple[tuple[ManualValue, ...] | None, tuple[BadManualRow, ...] | None, tuple[str, ...]]:
    """(values, bad rows, problems). Values None (with the reason) when the tab cannot be read, and bad
    rows None then too (the quarantine is left as it was); () if no manual indicator."""
    manual_ids = {i.id for i in cfg.indicators if i.kind == "manual"}
    if not manual_ids:
        return (), (), ()
    try:
        sheet = backend.read_tabs(cfg.spreadsheet.id, [MANUAL_TAB])
    except SpreadsheetError as exc:
        return None, None, (f"Nie udało się odczytać zakładki „{MANUAL_TAB}”: {exc}",)
    if MANUAL_TAB in sheet.missing or MANUAL_TAB not in sheet.tabs:
        return None, None, (f"Brak zakładki „{MANUAL_TAB}” w arkuszu projektu — wskaźniki ręczne bez danych.",)
    return parse_manual_rows(sheet.tabs[MANUAL_TAB], manual_ids, MANUAL_TAB)


def record_manual_quarantine(session: Session, cfg: ProjectConfig, bad: tuple[BadManualRow, ...]) -> None:
    """Put the manual tab's bad rows into the quarantine register (shown in ``Odrzucone`` like any
    other rejected row) and resolve the ones staff have fixed. Row number and reason only."""
    now = utcnow()
    existing = {q.row_number: q for q in session.query(Quarantine).filter_by(project=cfg.slug, source_id=MANUAL_SOURCE)}
    for b in bad:
        digest = hashlib.sha256(f"{b.reason_code}:{b.indicator}:{b.value}".encode()).hexdigest()
        q = existing.pop(b.row_number, None)
        if q is None:
            session.add(
                Quarantine(
                    project=cfg.slug,
                    source_id=MANUAL_SOURCE,
                    spreadsheet=cfg.spreadsheet.id,
                    worksheet=MANUAL_TAB,
                    row_number=b.row_number,
                    content_hash=digest,
                    reason_codes=[b.reason_code],
                    message=b.message,
                    first_seen_at=now,
                    last_seen_at=now,
                )
            )
        else:
            if q.content_hash != digest or q.resolved_at is not None:
                q.content_hash, q.reason_codes, q.message, q.resolved_at = digest, [b.reason_code], b.message, None
            q.last_seen_at = now
    for q in existing.values():
        if q.resolved_at is None:
            q.resolved_at = now


def _bad_row_line(cfg: ProjectConfig, b: BadManualRow) -> str:
    names = {i.id: i for i in cfg.indicators}
    if b.indicator in names:
        ind = names[b.indicator]
        gain = f" (+{b.value:g} {ind.unit})" if b.value else ""
        return f"{b.message} — nie doliczono do wskaźnika „{ind.name}”{gain}; wiersz jest w zakładce „Odrzucone”."
    return f"{b.message}; wiersz jest w zakładce „Odrzucone”."


def build_summary(cfg: ProjectConfig, registry: Registry, backend: SpreadsheetBackend, month: Month) -> MonthSummary:
    manual, bad, manual_problems = read_manual(cfg, backend)
    start, end = month.window_utc(cfg.timezone)
    with registry.session() as session:
        if bad is not None:
            record_manual_quarantine(session, cfg, bad)
            session.flush()
        facts = load_facts(session, cfg, manual, manual_problems, bad or ())
        q_new, q_open = quarantine_counts(session, cfg, month)
        failures = list_failures(session, project=cfg.slug, since=start, until=end)
    results = compute_all(cfg.indicators, facts, month, cfg.period.start, cfg.period.end)
    problems = list(facts.problems) + [_bad_row_line(cfg, b) for b in (bad or ())]
    if not cfg.indicators:
        problems.append("Projekt nie definiuje wskaźników (sekcja 'indicators' w pliku projektu).")
    return MonthSummary(
        project=cfg.slug,
        project_name=cfg.name,
        month=str(month),
        period_start=cfg.period.start,
        period_end=cfg.period.end,
        results=results,
        quarantine_new=q_new,
        quarantine_open=q_open,
        delivery_failures=len(failures),
        delivery_failure_kinds=tuple(sorted((k, c, n) for (k, c), n in Counter((f.kind, f.code) for f in failures).items())),
        problems=tuple(problems),
        bad_manual=bad or (),
        quarantine_now=sum(q.count for q in facts.quarantined),
        period_source=cfg.period.source,
    )


def address_key(email: str) -> str:
    """Stable, non-reversible-at-a-glance id of an address for delivery keys (never the address)."""
    return hashlib.sha256(email.strip().casefold().encode("utf-8")).hexdigest()[:16]


def summary_message(summary: MonthSummary, to: str) -> OutgoingMessage:
    return OutgoingMessage(
        to=to,
        subject=report.summary_subject(summary),
        text=report.summary_text(summary),
        html=report.summary_html(summary),
        attachments=(
            Attachment(
                f"wskazniki-{summary.project}-{summary.month}.xlsx",
                report.summary_xlsx(summary),
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        ),
        inline_images=(InlineImage(report.CHART_CID, report.chart_png(summary), "image/png"),),
    )


def enqueue_summary(cfg: ProjectConfig, registry: Registry, summary: MonthSummary, *, resend: bool = False) -> dict[str, int]:
    """Queue the summary for every coordinator; counts of queued / already queued (no addresses)."""
    counts = {"queued": 0, "already": 0, "recipients": len(cfg.recipients.coordinators)}
    template: OutgoingMessage | None = None
    with registry.session() as session:
        for person in cfg.recipients.coordinators:
            base = f"{summary.month}:{address_key(person.email)}"
            key = base
            if resend:
                previous = session.scalar(
                    select(func.count())
                    .select_from(MailDelivery)
                    .where(
                        MailDelivery.project == cfg.slug,
                        MailDelivery.kind == MAIL_KIND,
                        (MailDelivery.key == base) | MailDelivery.key.like(f"{base}:r%"),
                    )
                )
                key = f"{base}:r{previous}" if previous else base
            exists = session.scalar(
                select(MailDelivery.id).where(MailDelivery.project == cfg.slug, MailDelivery.kind == MAIL_KIND, MailDelivery.key == key)
            )
            if exists is not None:
                counts["already"] += 1
                continue
            if template is None:
                template = summary_message(summary, person.email)  # chart and XLSX are built once
            enqueue(session, project=cfg.slug, kind=MAIL_KIND, key=key, message=replace(template, to=person.email))
            counts["queued"] += 1
    return counts
