"""Prefect tasks: certify a project (eligibility → register → PDFs → mails queued), then its verification site; counts only."""

from __future__ import annotations

from synergia import steps
from tasks._prefect import step_context, synergia_task


# A retry is safe: numbers are handed out in one transaction, PDFs are
# re-rendered only where none was stored, and mails are keyed by number+revision.
@synergia_task(retries=1, retry_delay_seconds=30)
def issue_certificates(project_path: str) -> dict:
    """Issue/re-issue/revoke certificates of every training cycle and queue their e-mails."""
    return steps.run_certificates(step_context(project_path)).as_dict()


# A retry is safe: unchanged pages are left alone and every write is atomic.
@synergia_task(retries=1, retry_delay_seconds=10)
def publish_verification_site(project_path: str, certification: dict | None = None) -> dict:
    """Rewrite the verification pages that changed; ``certification`` (the previous task's counts)
    only orders this after it in the flow."""
    return steps.run_site(step_context(project_path)).as_dict()
