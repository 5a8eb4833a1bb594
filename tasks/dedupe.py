"""Nightly dedupe step: staff answers in, persons merged, review tab out (``synergia.steps.run_dedupe``)."""

from __future__ import annotations

from synergia import steps
from synergia.sheets.base import PERMANENT_ERRORS
from tasks._prefect import retry_unless, step_context, synergia_task


@synergia_task(retries=1, retry_delay_seconds=[10], retry_condition_fn=retry_unless(*PERMANENT_ERRORS))
def cluster_participants(project_path: str, review_current: list[list[str]] | None = None) -> dict:
    """Match active applications into persons; ``review_current`` = the tab as read this run (None: read it now)."""
    return steps.run_dedupe(step_context(project_path), review_current).as_dict()
