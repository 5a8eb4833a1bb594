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

from sqlalchemy import func, select

from config.indicators import MANUAL_TAB
from config.project import ProjectConfig
from synergia.indicators import report
from synergia.indicators.compute import compute_all
from synergia.indicators.facts import load_facts, quarantine_counts
from synergia.indicators.manual import parse_manual_tab
from synergia.indicators.model import ManualValue, MonthSummary
from synergia.indicators.months import Month, previous_month
from synergia.mail.deliveries import enqueue, list_failures
from synergia.mail.messages import Attachment, InlineImage, OutgoingMessage
from synergia.registry.db import Registry
from synergia.registry.tables_mail import MailDelivery
from synergia.sheets.base import SpreadsheetBackend, SpreadsheetError

MAIL_KIND = "summary"


def default_month(cfg: ProjectConfig, now=None) -> Month:  # noqa: ANN001 - datetime, for tests
    """The previous month in the project's time zone, kept inside the project period
    (a finished project reports its last month, one not started yet its first)."""
    chosen = previous_month(cfg.timezone, now)
    return max(Month.of(cfg.period.start), min(chosen, Month.of(cfg.period.end)))


def read_manual(cfg: ProjectConfig, backend: SpreadsheetBackend) -> tuple[tuple[ManualValue, ...] | None, tuple[str, ...]]:
    """Manual values, or None (with the reason) when the tab cannot be read; () if no manual indicator."""
    manual_ids = {i.id for i in cfg.indicators if i.kind == "manual"}
    if not manual_ids:
        return (), ()
    try:
        sheet = backend.read_tabs(cfg.spreadsheet.id, [MANUAL_TAB])
    except SpreadsheetError as exc:
        return None, (f"Nie udało się odczytać zakładki „{MANUAL_TAB}”: {exc}",)
    if MANUAL_TAB in sheet.missing or MANUAL_TAB not in sheet.tabs:
        return None, (f"Brak zakładki „{MANUAL_TAB}” w arkuszu projektu — wskaźniki ręczne bez danych.",)
    return parse_manual_tab(sheet.tabs[MANUAL_TAB], manual_ids, MANUAL_TAB)


def build_summary(cfg: ProjectConfig, registry: Registry, backend: SpreadsheetBackend, month: Month) -> MonthSummary:
    manual, manual_problems = read_manual(cfg, backend)
    start, end = month.window_utc(cfg.timezone)
    with registry.session() as session:
        facts = load_facts(session, cfg, manual, manual_problems)
        q_new, q_open = quarantine_counts(session, cfg, month)
        failures = list_failures(session, project=cfg.slug, since=start, until=end)
    results = compute_all(cfg.indicators, facts, month, cfg.period.start, cfg.period.end)
    problems = list(facts.problems)
    if not cfg.indicators:
        problems.append("Projekt nie definiuje wskaźników (sekcja 'indicators' w pliku projektu).")
    return MonthSummary(
        project=cfg.slug, project_name=cfg.name, month=str(month), period_start=cfg.period.start,
        period_end=cfg.period.end, results=results, quarantine_new=q_new, quarantine_open=q_open,
        delivery_failures=len(failures),
        delivery_failure_kinds=tuple(sorted((k, c, n) for (k, c), n in Counter((f.kind, f.code) for f in failures).items())),
        problems=tuple(problems),
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
        attachments=(Attachment(f"wskazniki-{summary.project}-{summary.month}.xlsx", report.summary_xlsx(summary),
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),),
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
                    select(func.count()).select_from(MailDelivery).where(
                        MailDelivery.project == cfg.slug, MailDelivery.kind == MAIL_KIND,
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
