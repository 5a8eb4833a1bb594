"""Prefect tasks of the monthly indicator report (thin: each calls one step of ``synergia.steps``)."""

from __future__ import annotations

from prefect.artifacts import create_markdown_artifact

from synergia import runtime, steps
from synergia.indicators import report
from synergia.indicators.model import MonthSummary
from synergia.sheets.base import PERMANENT_ERRORS
from tasks._prefect import retry_unless, step_context, synergia_task


@synergia_task(retries=2, retry_delay_seconds=[5, 30])
def compute_indicators(project_path: str, month: str | None = None) -> MonthSummary:
    """Indicator results of ``month`` (YYYY-MM; default: the previous month in the project's
    time zone, within its period). Numbers only — safe to hand to the next task."""
    return steps.run_indicators(step_context(project_path), month)


@synergia_task(retries=2, retry_delay_seconds=[5, 30], retry_condition_fn=retry_unless(*PERMANENT_ERRORS))
def write_indicator_tab(project_path: str, summary: MonthSummary) -> bool:
    """Replace the ``Wskaźniki`` tab in one write (skipped when it already shows the same)."""
    return steps.run_indicator_tab(step_context(project_path), summary)


@synergia_task
def send_summary(project_path: str, summary: MonthSummary, resend: bool = False) -> dict:
    """Queue the summary e-mail for the coordinators (once per month unless ``resend``)."""
    return steps.run_summary_mail(step_context(project_path), summary, resend=resend).as_dict()


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
    """Refresh ``Odrzucone`` after the manual tab's bad rows were quarantined (one write, if changed)."""
    return steps.run_quarantine_tab(step_context(project_path))
