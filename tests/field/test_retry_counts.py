"""A step retried after a partial commit: the run summary reports what the registry holds for the run,
not the last attempt's counts ("merged 0" after 170 merges)."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.project import load_project
from config.settings import PROJECTS_DIR
from devtools.demo.generator import generate_workbook
from synergia.certificates.service import issue_certificates
from synergia.dedupe.compare import Thresholds
from synergia.dedupe.store import run_dedupe
from synergia.mail.deliveries import send_pending
from synergia.mail.transports import OutboxTransport
from synergia.registry.base import utcnow
from synergia.registry.db import Registry
from synergia.registry.run_totals import totals_of_sync_run
from synergia.registry.sync import apply_outcomes, mirror_events
from synergia.registry.tables import SyncRun
from synergia.sheets.read import read_project_sources
from synergia.sheets.workbook import WorkbookBackend
from synergia.steps import merge_registry_totals
from synergia.storage.local import LocalStorage
from synergia.validation.batch import validate_snapshot

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]  # `registry` on SQLite and on PostgreSQL; whole nights

PROJECT = load_project(PROJECTS_DIR / "demo.yaml")


def test_summary_after_retries_reports_the_registry(registry: Registry, tmp_path: Path) -> None:
    generate_workbook(PROJECT, tmp_path / PROJECT.spreadsheet.id, seed=23, people=60)
    batch = validate_snapshot(PROJECT, read_project_sources(PROJECT, WorkbookBackend(tmp_path)))
    started = utcnow()
    with registry.session() as s:
        mirror_events(s, PROJECT)
        counts = apply_outcomes(s, PROJECT, batch.outcomes, batch.read_worksheets, now=started).as_dict()
        run = SyncRun(project=PROJECT.slug, started_at=started, finished_at=utcnow(), status="ok", counts=counts)
        s.add(run)
        s.flush()
        run_id = run.id
    thresholds = Thresholds(PROJECT.dedupe.match_threshold, PROJECT.dedupe.review_threshold)
    steps = {}
    for attempt in (1, 2):  # attempt 1 committed, then "failed" writing the review tab; the retry finds nothing to do
        with registry.session() as s:
            steps["dedupe"] = run_dedupe(s, PROJECT.slug, thresholds, ()).as_dict()
        if attempt == 1:
            merged = steps["dedupe"]["persons_merged"]
    assert merged > 0 and steps["dedupe"]["persons_merged"] == 0
    store = LocalStorage(tmp_path / "certs")
    first = issue_certificates(registry, PROJECT, store).as_dict()
    steps["certificates"] = issue_certificates(registry, PROJECT, store).as_dict()
    assert first["issued_new"] > 0 and steps["certificates"]["issued_new"] == 0
    outbox = tmp_path / "outbox"
    sent = send_pending(registry, OutboxTransport(outbox), project=PROJECT.slug, mail_cfg=PROJECT.mail, sender="s@example.org")
    steps["mail"] = send_pending(
        registry, OutboxTransport(outbox), project=PROJECT.slug, mail_cfg=PROJECT.mail, sender="s@example.org"
    ).as_dict()
    assert sent.sent > 0 and steps["mail"]["sent"] == 0

    with registry.session() as s:
        totals = totals_of_sync_run(s, run_id)
    assert totals["dedupe.persons_merged"] == merged
    assert totals["certificates.issued_new"] == first["issued_new"]
    assert totals["mail.sent"] == sent.sent == len(list(outbox.glob("*.eml")))

    flat = {**counts}
    for step, result in steps.items():
        flat.update({f"{step}.{k}": v for k, v in result.items() if isinstance(v, int)})
    merged_flat = merge_registry_totals(flat, totals, steps)
    assert merged_flat["dedupe.persons_merged"] == merged
    assert merged_flat["certificates.issued_new"] == first["issued_new"]
    assert merged_flat["mail.sent"] == sent.sent


def test_a_clean_run_reports_the_same_numbers_either_way(registry: Registry, tmp_path: Path) -> None:
    generate_workbook(PROJECT, tmp_path / PROJECT.spreadsheet.id, seed=29, people=50)
    batch = validate_snapshot(PROJECT, read_project_sources(PROJECT, WorkbookBackend(tmp_path)))
    started = utcnow()
    with registry.session() as s:
        mirror_events(s, PROJECT)
        apply_outcomes(s, PROJECT, batch.outcomes, batch.read_worksheets, now=started)
        run = SyncRun(project=PROJECT.slug, started_at=started, finished_at=utcnow(), status="ok", counts={})
        s.add(run)
        s.flush()
        run_id = run.id
    with registry.session() as s:
        dedupe = run_dedupe(s, PROJECT.slug, Thresholds(PROJECT.dedupe.match_threshold, PROJECT.dedupe.review_threshold), ())
    certs = issue_certificates(registry, PROJECT, LocalStorage(tmp_path / "certs"))
    mail = send_pending(registry, OutboxTransport(tmp_path / "o"), project=PROJECT.slug, mail_cfg=PROJECT.mail, sender="s@example.org")
    with registry.session() as s:
        totals = totals_of_sync_run(s, run_id)
    assert totals["dedupe.persons_merged"] == dedupe.persons_merged
    assert totals["certificates.issued_new"] == certs.issued_new and totals["certificates.revoked"] == certs.revoked
    assert totals["mail.sent"] == mail.sent and totals["mail.failed"] == mail.failed
