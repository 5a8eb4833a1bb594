"""Monthly run: indicators of a month → Wskaźniki and Odrzucone tabs → coordinators' e-mail → artifact."""

from __future__ import annotations

from prefect import flow
from prefect.utilities.annotations import opaque

from tasks.indicators import (
    compute_indicators,
    publish_indicator_artifact,
    refresh_quarantine_tab,
    send_summary,
    write_indicator_tab,
)
from tasks.mail import send_mail


@flow(name="synergia-monthly", persist_result=False, log_prints=False)
def monthly(project_path: str, month: str | None = None, resend: bool = False) -> dict:
    """``month`` is YYYY-MM (default: the previous month in the project's time zone, within its period).
    The summary goes to its tasks as ``opaque`` (not walked by Prefect; see ``flows.nightly``)."""
    summary = compute_indicators(project_path, month)
    tab_written = write_indicator_tab(project_path, opaque(summary))
    refresh_quarantine_tab(project_path)  # bad manual rows join the other rejected rows in Odrzucone
    queued = send_summary(project_path, opaque(summary), resend=resend)
    sent = send_mail(project_path)
    publish_indicator_artifact(project_path, opaque(summary))
    return {
        "month": summary.month,
        "indicators": len(summary.results),
        "at_risk": len(summary.at_risk),
        "tab_written": tab_written,
        "queued": queued["queued"],
        "already_queued": queued["already"],
        "sent": sent.get("sent", 0),
    }
