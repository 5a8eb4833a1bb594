"""Nightly RODO step: retention purge (mail bodies; everyone after the retention date) and audit entries; counts only."""

from __future__ import annotations

from synergia import steps
from tasks._prefect import step_context, synergia_task


@synergia_task(retries=1, retry_delay_seconds=30)
def apply_retention(project_path: str, certificates: dict | None = None, mail: dict | None = None) -> dict:
    """``certificates`` (that step's counts) puts automatic revocations in the audit log; ``mail`` orders this after mail."""
    revoked = int((certificates or {}).get("revoked", 0) or 0)
    return steps.run_retention(step_context(project_path), revoked=revoked).as_dict()
