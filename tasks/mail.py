"""Prefect task: send the project's due mail through the configured transport (counts only)."""

from __future__ import annotations

from synergia import steps
from tasks._prefect import step_context, synergia_task


# Retrying the whole run is safe: the register skips sent rows, and a row a
# failed attempt left in "sending" is sent at most once more (same Message-ID).
# SMTP-level retries and deferrals happen inside send_pending.
@synergia_task(retries=1, retry_delay_seconds=60)
def send_mail(project_path: str) -> dict:
    """Send pending/deferred deliveries within today's cap; returns counts and a failure code at most."""
    return steps.run_mail(step_context(project_path)).as_dict()
