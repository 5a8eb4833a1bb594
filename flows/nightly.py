"""Nightly run: sync → dedupe → certify → mail, then a counts-only report."""

from __future__ import annotations

from prefect import flow
from prefect.utilities.annotations import opaque

from synergia.sheets.owned import QUARANTINE, REVIEW
from tasks.certificates import issue_certificates, publish_verification_site
from tasks.dedupe import cluster_participants
from tasks.mail import send_mail
from tasks.registry import prepare_registry, upsert_registry
from tasks.report import publish_sync_report
from tasks.rodo import apply_retention
from tasks.sources import read_sources
from tasks.validate import validate_rows
from tasks.writeback import write_quarantine_tab


@flow(name="synergia-nightly", persist_result=False, log_prints=False)
def nightly(project_path: str) -> dict:
    """Read forms and lists, validate, upsert the registry, refresh ``Odrzucone``; merge persons
    and refresh ``Do sprawdzenia``; issue certificates; send their e-mails. Returns counts only.

    The snapshot, the batch and the tab rows go to their tasks as ``opaque``: Prefect then resolves
    and links the argument itself but does not walk into it (by default it visits, and rebuilds,
    every row and cell of every argument before a task starts — 30+ s per step at 20k rows)."""
    prepare_registry(project_path)
    snapshot = read_sources(project_path)
    batch = validate_rows(project_path, opaque(snapshot))
    del snapshot  # the raw rows are not needed any more: at 100k rows they are hundreds of MB
    counts = upsert_registry(project_path, opaque(batch))
    quarantine_current, review_current = batch.owned_tabs.get(QUARANTINE.key), batch.owned_tabs.get(REVIEW.key)
    del batch  # nor the validated rows, before dedupe loads every active application
    write_quarantine_tab(project_path, opaque(quarantine_current))
    dedupe = cluster_participants(project_path, opaque(review_current))
    del quarantine_current, review_current
    certificates = issue_certificates(project_path)
    publish_verification_site(project_path, certificates)
    mail = send_mail(project_path)
    retention = apply_retention(project_path, certificates, mail)
    return publish_sync_report(project_path, counts, {"dedupe": dedupe, "certificates": certificates, "mail": mail, "retention": retention})
