"""Monthly run: indicators of a month → Wskaźniki tab → coordinators' e-mail → artifact."""
from __future__ import annotations

from prefect import flow

from synergia import runtime
from synergia.indicators.monthly import default_month
from synergia.indicators.months import Month
from tasks.indicators import compute_indicators, publish_indicator_artifact, send_summary, write_indicator_tab
from tasks.mail import send_mail


@flow(name="synergia-monthly", persist_result=False, log_prints=False)
def monthly(project_path: str, month: str | None = None, resend: bool = False) -> dict:
    """``month`` is YYYY-MM (default: the previous month in the project's time zone, within its period)."""
    chosen = str(Month.parse(month)) if month else str(default_month(runtime.project(project_path)))
    summary = compute_indicators(project_path, chosen)
    tab_written = write_indicator_tab(project_path, summary)
    queued = send_summary(project_path, summary, resend=resend)
    sent = send_mail(project_path)
    publish_indicator_artifact(project_path, summary)
    return {
        "month": chosen, "indicators": len(summary.results), "at_risk": len(summary.at_risk),
        "tab_written": tab_written, "queued": queued["queued"], "already_queued": queued["already"],
        "sent": sent.get("sent", 0),
    }
