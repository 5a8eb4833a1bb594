"""Prefect tasks of the monthly indicator report (thin: the work is in synergia.indicators)."""
from __future__ import annotations

from prefect import get_run_logger
from prefect.artifacts import create_markdown_artifact

from synergia import runtime
from synergia.indicators import report
from synergia.indicators.model import MonthSummary
from synergia.indicators.monthly import build_summary, default_month, enqueue_summary
from synergia.indicators.months import Month
from synergia.sheets import backend_for
from synergia.sheets.base import PERMANENT_ERRORS
from synergia.sheets.owned import INDICATORS, QUARANTINE
from tasks._prefect import retry_unless, synergia_task


@synergia_task(retries=2, retry_delay_seconds=[5, 30])
def compute_indicators(project_path: str, month: str | None = None) -> MonthSummary:
    """Indicator results of ``month`` (YYYY-MM; default: the previous month in the project's
    time zone, within its period). Numbers only — safe to hand to the next task."""
    project = runtime.project(project_path)
    chosen = Month.parse(month) if month else default_month(project)
    month = str(chosen)
    summary = build_summary(project, runtime.registry(), backend_for(project), chosen)
    logger = get_run_logger()
    logger.info("Wskaźniki %s za %s: %d wskaźników, zagrożone %d.", project.slug, month, len(summary.results), len(summary.at_risk))
    for problem in summary.problems:
        logger.warning(problem)
    return summary


@synergia_task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_unless(*PERMANENT_ERRORS))
def write_indicator_tab(project_path: str, summary: MonthSummary) -> bool:
    """Replace the indicators tab in one write (skipped when it already shows the same)."""
    project = runtime.project(project_path)
    backend = backend_for(project)
    rows = INDICATORS.build(summary)
    written = INDICATORS.write_if_changed(backend, project, rows, INDICATORS.read(backend, project))
    get_run_logger().info("Zakładka '%s': %d wskaźników, %s.", INDICATORS.name(project), len(rows) - 1, "zapisano" if written else "bez zmian")
    return written


@synergia_task
def send_summary(project_path: str, summary: MonthSummary, resend: bool = False) -> dict:
    """Queue the summary e-mail for the coordinators (once per month unless ``resend``)."""
    project = runtime.project(project_path)
    counts = enqueue_summary(project, runtime.registry(), summary, resend=resend)
    logger = get_run_logger()
    if not counts["recipients"]:
        logger.warning("Projekt nie ma koordynatorów (recipients.coordinators) — podsumowanie nie zostanie wysłane.")
    logger.info("Podsumowanie: w kolejce %d, już wysłane/zakolejkowane wcześniej %d.", counts["queued"], counts["already"])
    return counts


@synergia_task
def publish_indicator_artifact(project_path: str, summary: MonthSummary) -> None:
    project = runtime.project(project_path)
    create_markdown_artifact(
        key=f"{project.slug}-wskazniki-{summary.month}",
        markdown=report.summary_markdown(summary),
        description=f"Wskaźniki projektu {project.name} za {summary.month} (bez danych osobowych).",
    )


@synergia_task(retries=2, retry_delay_seconds=[5, 30])
def refresh_quarantine_tab(project_path: str) -> int:
    """Refresh the quarantine tab after the manual tab's bad rows were quarantined (one write, if changed)."""
    project = runtime.project(project_path)
    backend = backend_for(project)
    with runtime.registry().session() as session:
        rows = QUARANTINE.build(session, project.slug)
    written = QUARANTINE.write_if_changed(backend, project, rows, QUARANTINE.read(backend, project))
    get_run_logger().info("Zakładka '%s': %d wierszy, %s.", QUARANTINE.name(project), len(rows) - 1, "zapisano" if written else "bez zmian")
    return len(rows) - 1
