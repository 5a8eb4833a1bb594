"""Every step of the nightly and monthly runs as one library call: ``run_<step>(ctx, …)``.

``ctx`` is a :class:`synergia.runtime.Context` (project config, settings, the
adapters built from them, a logger). A step returns its :class:`~synergia.counts.Counts`
(or the data the next step needs: a snapshot, a validated batch, a month's
summary) and logs numbers only, never personal data. The Prefect tasks in
``tasks/`` call these and nothing else; the CLI calls the same functions (or
the flows). No prefect here.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

from synergia.counts import Counts, label

if TYPE_CHECKING:
    from synergia.certificates.service import IssueCounts
    from synergia.certificates.site import SiteCounts
    from synergia.dedupe.store import DedupeCounts
    from synergia.indicators.model import MonthSummary
    from synergia.mail.deliveries import DeliveryReport
    from synergia.registry.sync import SyncCounts
    from synergia.registry.uptodate import UpToDate
    from synergia.runtime import Context
    from synergia.sheets.read import Prevalidate, SourceSnapshot
    from synergia.validation.batch import ValidatedBatch


@dataclass
class Plain(Counts):
    """Counts a library call already gives as a dict, or a step that did not run ({} or one key)."""

    values: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return dict(self.values)


# --------------------------------------------------------------------------- nightly


def run_prepare_registry(ctx: Context) -> str:
    """Bring the schema up to date and mirror the project's events; returns the database dialect."""
    from synergia import runtime
    from synergia.registry.sync import mirror_events

    reg = runtime.registry(ctx.settings, migrate=True)
    with reg.session() as session:
        mirror_events(session, ctx.project)
    return reg.engine.dialect.name


def run_read_sources(ctx: Context, *, full: bool = False) -> SourceSnapshot:
    """All sources of the project, one read per spreadsheet — or none at all when nothing the sync
    depends on changed since the last completed sync (``synergia.registry.uptodate``): then only the
    pipeline's own tabs are read, and validation and the sync take the last run's outcome. A backend
    without a cheap fingerprint (Google Sheets) is read, and the cells as read are the fingerprint:
    when they are the last run's, no row is made, validated or synced again.
    ``full`` (or ``SYNERGIA_FULL_SYNC=1``): always read, validate and sync."""
    from synergia.sheets import owned
    from synergia.sheets.read import SourceSnapshot, read_project_sources, source_fingerprints

    project, backend = ctx.project, ctx.sheets
    before = source_fingerprints(project, backend)
    if before is not None and not (full or ctx.settings.full_sync):
        ready = _up_to_date(ctx, *before)
        if ready is not None:
            ctx.log.info("Źródła bez zmian od ostatniego przebiegu: pominięto ponowny odczyt (sources unchanged: not read again).")
            return SourceSnapshot(
                rows={s.id: [] for s in project.sources},
                locales=dict(before[1]),
                read_worksheets=set(before[0]),
                owned_tabs=owned.read_current(backend, project),
                fingerprints=before[0],
                uptodate=ready,
            )
    if before is None:  # no cheap fingerprint (Google Sheets): the cells read tell whether they changed
        skip = not (full or ctx.settings.full_sync)
        snap = read_project_sources(project, backend, uptodate=lambda prints, locales: _up_to_date(ctx, prints, locales) if skip else None)
        if snap.uptodate is not None:
            ctx.log.info(
                "Źródła bez zmian od ostatniego przebiegu: pominięto walidację i synchronizację "
                "(sources unchanged: read, not validated or synced again)."
            )
            return snap
    else:
        snap = read_project_sources(project, backend, prevalidate=_prevalidation(ctx, before[1]))
        after = source_fingerprints(project, backend)  # taken again: a file saved while it was read must not look read
        snap.fingerprints = before[0] if after is not None and after[0] == before[0] else None
    ctx.log.info("Odczytano %d wierszy z %d źródeł (read rows).", snap.row_count, len(snap.rows))
    for source_id, worksheet in snap.missing:
        ctx.log.warning("Brak arkusza '%s' dla źródła '%s' (worksheet missing).", worksheet, source_id)
    return snap


def _prevalidation(ctx: Context, locales: dict[str, str | None]) -> tuple[str, Prevalidate] | None:
    """``read_project_sources``'s ``prevalidate`` (``validation.batch.prevalidation``) when tonight's
    validation will reuse nothing of the last run's (first night, changed rules or project file):
    then the read's worker validates the rows it reads. None when it would reuse (that is cheaper)."""
    from sqlalchemy.exc import SQLAlchemyError

    from synergia.registry.sync import previous_validation
    from synergia.sheets.read import SourceSnapshot
    from synergia.validation.batch import checked_until, prevalidation, reusable, validation_context

    project = ctx.project
    try:
        with ctx.registry.session() as session:
            context, until, _ = previous_validation(session, project.slug)
    except SQLAlchemyError:  # no registry to ask (yet): the validation step validates everything itself
        return None
    if reusable(context, until, validation_context(project, SourceSnapshot(locales=locales)), checked_until(project)):
        return None
    return prevalidation(project, locales)


def _up_to_date(ctx: Context, prints: dict[tuple[str, str, str], str], locales: dict[str, str | None]) -> UpToDate | None:
    """The ``UpToDate`` of tonight when the registry already holds what its sync would leave, else None."""
    from synergia.registry.uptodate import UpToDate, inputs_digest, last_run, registry_mark, why_not
    from synergia.sheets.read import SourceSnapshot
    from synergia.validation.batch import checked_until, validation_context

    project = ctx.project
    context, until, inputs = validation_context(project, SourceSnapshot(locales=locales)), checked_until(project), inputs_digest(prints)
    marks: list[str] = []

    def mark() -> str:
        marks.append(registry_mark(session, project, ctx.settings))
        return marks[-1]

    with ctx.registry.session() as session:
        previous = last_run(session, project.slug)
        reason = why_not(previous, inputs=inputs, context=context, until=until, mark=mark, sources=[s.id for s in project.sources])
    if reason is not None:
        ctx.log.info("Pełny odczyt źródeł (full read): %s.", reason)
        return None
    return UpToDate(dict(previous), inputs, context, until.isoformat(), marks[-1])


def run_validate(ctx: Context, snapshot: SourceSnapshot) -> ValidatedBatch:
    """Rows accepted by an earlier run under the same rules, with the same content, are not
    validated again (their outcome is taken from the registry; see ``validate_snapshot``). A
    snapshot of unchanged sources (``SourceSnapshot.uptodate``) validates nothing."""
    from synergia.heap import no_gc
    from synergia.registry.sync import accepted_contents, previous_validation
    from synergia.validation.batch import ValidatedBatch, checked_until, reusable, validate_snapshot, validation_context

    project, known = ctx.project, None
    ready = snapshot.uptodate
    if ready is not None:
        previous = ready.previous
        batch = ValidatedBatch(
            read_worksheets=set(snapshot.read_worksheets),
            owned_tabs=dict(snapshot.owned_tabs),
            context=ready.context,
            checked_until=ready.checked_until,
            reused=previous.get("accepted", 0),
            source_warnings=list(previous.get("source_warnings") or []),
            fingerprints=snapshot.fingerprints,
            uptodate=ready,
        )
        ctx.log.info(
            "Weryfikacja pominięta, źródła bez zmian (validation skipped: unchanged): %d przyjętych, %d w kwarantannie, %d pustych.",
            previous.get("accepted", 0),
            previous.get("quarantined", 0),
            previous.get("empty", 0),
        )
        for problem in batch.source_warnings:
            ctx.log.warning(problem)
        return batch
    with ctx.registry.session() as session, no_gc():  # ~100k (kind, JSON text) pairs, no cycles
        context, until, sources = previous_validation(session, project.slug)
        if reusable(context, until, validation_context(project, snapshot), checked_until(project)):
            known = accepted_contents(session, project.slug, sources)
    batch = validate_snapshot(project, snapshot, known=known)
    batch.fingerprints = snapshot.fingerprints
    ctx.log.info(
        "Zweryfikowano %d wierszy (%d bez zmian, bez ponownej weryfikacji): %s", len(batch.outcomes), batch.reused, batch.summary()
    )
    for problem in batch.source_errors:  # header texts and source ids only, never cell values
        ctx.log.error(problem)
    for problem in batch.source_warnings:
        ctx.log.warning(problem)
    if batch.formula_rows:
        ctx.log.warning("%d wierszy z formułą bez obliczonej wartości (formula without a cached value).", batch.formula_rows)
    return batch


def run_sync(ctx: Context, batch: ValidatedBatch) -> SyncCounts:
    """Apply accepted / quarantined / empty outcomes and record the run; all-or-nothing. A batch of
    unchanged sources (``ValidatedBatch.uptodate``) writes nothing but the run, with the counts a full
    sync would give — after checking once more, in this transaction, that the registry did not change
    since the read (if it did: the sources are read and validated now, and synced in full)."""
    from synergia.registry.base import utcnow
    from synergia.registry.sync import SyncCounts, apply_outcomes
    from synergia.registry.tables import SyncRun
    from synergia.registry.uptodate import inputs_digest, registry_mark, replayed_counts

    project = ctx.project
    started = utcnow()
    with ctx.registry.session() as session:
        ready = batch.uptodate
        if ready is not None and registry_mark(session, project, ctx.settings) == ready.mark:
            counts = SyncCounts(**replayed_counts(ready.previous))
            counts.sources_unchanged, counts.registry_mark = 1, ready.mark
        elif ready is not None:
            counts = None
        else:
            counts = apply_outcomes(session, project, batch.outcomes, batch.read_worksheets, now=started)
            counts.missing_sources = [f"{source_id}: '{worksheet}'" for source_id, worksheet in batch.missing]
            counts.source_errors, counts.source_warnings = list(batch.source_errors), list(batch.source_warnings)
            counts.skipped_rows, counts.formula_rows = batch.skipped_rows, batch.formula_rows
            counts.reused = batch.reused
            counts.validated_sources = sorted({source_id for source_id, _, _ in batch.read_worksheets})
            counts.registry_mark = registry_mark(session, project, ctx.settings)  # what this run leaves
        if counts is not None:
            counts.validation_context, counts.checked_until = batch.context, batch.checked_until
            counts.sources_fingerprint = inputs_digest(batch.fingerprints) if batch.fingerprints else ""
            run = SyncRun(project=project.slug, started_at=started, finished_at=utcnow(), status="ok", counts=counts.as_dict())
            session.add(run)
            session.flush()
            counts.sync_run_id = run.id  # the report counts this run's events in the registry from here
    if counts is None:
        ctx.log.warning("Rejestr zmienił się po odczycie: pełna synchronizacja (registry changed since the read: full sync).")
        full = run_validate(ctx, run_read_sources(ctx, full=True))
        full.owned_tabs = batch.owned_tabs
        return run_sync(ctx, full)
    ctx.log.info(
        "Rejestr: %d przyjętych (%d nowych, %d zmienionych, %d bez zmian), %d w kwarantannie, %d pustych%s.",
        counts.accepted,
        counts.new,
        counts.changed,
        counts.unchanged,
        counts.quarantined,
        counts.empty,
        " (źródła bez zmian, nie czytano ich ponownie; sources unchanged, not read again)" if counts.sources_unchanged else "",
    )
    return counts


def run_dedupe(ctx: Context, review_current: list[list[str]] | None = None) -> DedupeCounts | Plain:
    """Staff answers in, persons merged, the review tab out (written only when it changed).
    ``review_current`` = the tab as read this run (None: read it now)."""
    from synergia.dedupe.compare import Thresholds
    from synergia.dedupe.store import review_items
    from synergia.dedupe.store import run_dedupe as dedupe
    from synergia.sheets.owned import REVIEW

    project, cfg = ctx.project, ctx.project.dedupe
    if not cfg.enabled:
        ctx.log.info("Deduplikacja wyłączona w projekcie.")
        return Plain({"enabled": 0})
    if review_current is None:
        review_current = REVIEW.read(ctx.sheets, project)
    parsed = REVIEW.parse(review_current)
    with ctx.registry.session() as session:
        counts = dedupe(session, project.slug, Thresholds(cfg.match_threshold, cfg.review_threshold), parsed.decisions)
        rows = REVIEW.build(review_items(session, project.slug, parsed.pending_text))
    written = REVIEW.write_if_changed(ctx.sheets, project, rows, review_current)
    counts.extra.update(review_rows=len(rows) - 1, review_tab_written=int(written), unreadable_answers=parsed.unreadable)
    ctx.log.info(
        "Deduplikacja: %d zgłoszeń (%d nowych/zmienionych), %d połączonych osób, %d decyzji personelu, %d par do sprawdzenia%s%s.",
        counts.applications,
        counts.new_or_changed,
        counts.persons_merged,
        counts.decisions_recorded,
        counts.reviews_open,
        f", {parsed.unreadable} nieczytelnych odpowiedzi" if parsed.unreadable else "",
        f", {counts.applications_split} poprawionych zgłoszeń odłączonych od osoby" if counts.applications_split else "",
    )
    return counts


def run_certificates(ctx: Context) -> IssueCounts | Plain:
    """Issue/re-issue/revoke certificates of every training cycle and queue their e-mails."""
    from synergia.certificates.service import issue_certificates

    if ctx.project.certificates is None:
        ctx.log.info("Projekt nie wydaje zaświadczeń (no certificates section) — pomijam.")
        return Plain()
    counts = issue_certificates(ctx.registry, ctx.project, ctx.storage)
    ctx.log.info(
        "Zaświadczenia: uprawnionych %d, poniżej progu %d, nowych %d, poprawionych %d, przywróconych %d, "
        "bez zmian %d, unieważnionych %d, bez imienia i nazwiska %d; zapisano PDF %d, e-maili w kolejce %d "
        "(w tym z opóźnieniem %d), czeka na adres e-mail %d.",
        counts.eligible,
        counts.not_eligible,
        counts.issued_new,
        counts.reissued,
        counts.reinstated,
        counts.unchanged,
        counts.revoked,
        counts.missing_name,
        counts.pdfs_stored,
        counts.mails_queued,
        counts.mails_late,
        counts.no_email,
    )
    if counts.revocations_held:
        ctx.log.warning(
            "Wstrzymano unieważnienie %d zaświadczeń: zbyt wiele naraz (pusta lub błędna lista obecności?). "
            "Sprawdź listy; unieważniaj ręcznie: synergia certificates revoke.",
            counts.revocations_held,
        )
    for problem in counts.layout_problems:
        ctx.log.warning("Szablon zaświadczenia: %s — sprawdź `synergia certificates preview`.", problem)
    if ctx.settings.storage_backend == "local":
        ctx.log.info("Pliki PDF zaświadczeń są w folderze %s", ctx.settings.certificates_dir)
    return counts


def run_site(ctx: Context) -> SiteCounts | Plain:
    """Rewrite the verification pages that changed (issue, re-issue, revocation, erasure).
    A settings problem or an unwritable folder must not stop tonight's mail: one warning, no person named."""
    from synergia.certificates.site import SiteError, build_site_in, default_site_dir

    if ctx.project.certificates is None:
        return Plain()
    folder = default_site_dir(ctx.settings, ctx.project.slug)
    try:
        counts = build_site_in(ctx.registry, ctx.project, folder)
    except SiteError as exc:
        ctx.log.warning("Strona weryfikacji nie została zbudowana: %s", exc)
        return Plain({"error": "site_config"})
    except OSError as exc:  # the paths would show codes, so the type only
        ctx.log.warning(
            "Strona weryfikacji nie została zapisana w %s (%s) — sprawdź folder i miejsce na dysku.", folder, type(exc).__name__
        )
        return Plain({"error": "site_write"})
    ctx.log.info(
        "Strona weryfikacji: kodów %d, zapisano plików %d, bez zmian %d, usunięto %d → %s",
        counts.codes,
        counts.written,
        counts.unchanged,
        counts.removed,
        folder,
    )
    return counts


def run_mail(ctx: Context) -> DeliveryReport:
    """Send pending/deferred deliveries within today's cap (SMTP retries and deferrals inside)."""
    from synergia.mail.deliveries import send_pending

    project, transport = ctx.project, ctx.transport
    report = send_pending(
        ctx.registry, transport, project=project.slug, mail_cfg=project.mail, sender=ctx.settings.mail_from, timezone_name=project.timezone
    )
    if report.locked:
        ctx.log.warning("Wysyłka pominięta: inny proces wysyła już pocztę tego projektu (another sender is running).")
    else:
        ctx.log.info(
            "Poczta (%s): wysłano %d, błędy stałe %d, odłożono %d, ponowiono po awarii %d, czeka %d, zostało w limicie dnia %d.",
            transport.name,
            report.sent,
            report.failed,
            report.deferred,
            report.recovered,
            report.still_pending,
            report.cap_remaining,
        )
        if report.stopped:
            ctx.log.warning("Serwer poczty niedostępny (%s); reszta wiadomości pójdzie w następnym przebiegu.", report.stopped)
    if transport.name == "outbox":
        ctx.log.info("Wiadomości zapisano w folderze %s", ctx.settings.outbox_dir)
    return report


def run_retention(ctx: Context, *, revoked: int = 0, today: date | None = None, operator: str = "nightly") -> Plain:
    """Retention purge (mail bodies; everyone after the retention date) and audit entries.
    ``revoked``: automatic revocations of this night, for the audit log; ``today``: in the project's time zone."""
    from synergia.rodo.retention_service import apply_retention

    today = today or datetime.now(ZoneInfo(ctx.project.timezone)).date()
    counts = apply_retention(ctx.registry, ctx.project, settings=ctx.settings, today=today, operator=operator, revoked=revoked)
    ctx.log.info(
        "Retencja: usunięto treść %d wiadomości, zanonimizowano %d osób, usunięto plików %d.",
        counts.get("mail_bodies_purged", 0),
        counts.get("persons_anonymised", 0),
        counts.get("files_deleted", 0),
    )
    return Plain(counts)


def merge_registry_totals(flat: dict, totals: dict[str, int], steps: dict[str, dict]) -> dict:
    """Counts of what the registry holds for this run replace a step's own counts (a step retried after
    a partial commit reports only its last attempt). Only for steps that ran and report that measure."""
    out = dict(flat)
    for key, value in totals.items():
        step, measure = key.split(".", 1)
        if measure in (steps.get(step) or {}):
            out[key] = value
    return out


def nightly_result(ctx: Context, counts: dict, steps: dict[str, dict] | None = None) -> dict:
    """The night as one flat dict: sync counts, then each later step's numeric counts (``step.measure``),
    the run's events (merges, certificates, e-mails) counted in the registry since this run's sync."""
    from synergia.registry.run_totals import totals_of_sync_run

    flat = dict(counts)
    for step, result in (steps or {}).items():
        for key, value in result.items():
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                flat[f"{step}.{key}"] = value
    if counts.get("sync_run_id"):
        with ctx.registry.session() as session:
            flat = merge_registry_totals(flat, totals_of_sync_run(session, counts["sync_run_id"]), steps or {})
    return flat


def report_rows(flat: dict, counts: dict, steps: dict[str, dict] | None = None) -> list[tuple[str, int | float]]:
    """(label, number) rows of the night's report: every sync measure, then each later step's numbers."""
    from synergia.registry.sync import SyncCounts

    rows: list[tuple[str, int | float]] = [(text, counts.get(key, 0)) for key, text in SyncCounts.labels().items()]
    for step, result in (steps or {}).items():
        for key in result:
            name = f"{step}.{key}"
            if name in flat and isinstance(flat[name], (int, float)) and not isinstance(flat[name], bool):
                rows.append((label(name), flat[name]))
    return rows


# --------------------------------------------------------------------------- monthly


def run_indicators(ctx: Context, month: str | None = None) -> MonthSummary:
    """Indicator results of ``month`` (YYYY-MM; default: the previous month in the project's
    time zone, within its period). Numbers only."""
    from synergia.indicators.monthly import build_summary, default_month
    from synergia.indicators.months import Month

    project = ctx.project
    chosen = Month.parse(month) if month else default_month(project)
    summary = build_summary(project, ctx.registry, ctx.sheets, chosen)
    ctx.log.info("Wskaźniki %s za %s: %d wskaźników, zagrożone %d.", project.slug, chosen, len(summary.results), len(summary.at_risk))
    for problem in summary.problems:
        ctx.log.warning(problem)
    return summary


def run_indicator_tab(ctx: Context, summary: MonthSummary) -> bool:
    """Replace the indicators tab in one write (skipped when it already shows the same)."""
    from synergia.sheets.owned import INDICATORS

    project = ctx.project
    rows = INDICATORS.build(summary)
    written = INDICATORS.write_if_changed(ctx.sheets, project, rows, INDICATORS.read(ctx.sheets, project))
    ctx.log.info("Zakładka '%s': %d wskaźników, %s.", INDICATORS.name(project), len(rows) - 1, "zapisano" if written else "bez zmian")
    return written


def run_quarantine_tab(ctx: Context, current: list[list[str]] | None = None) -> int:
    """Refresh the quarantine tab (one write, if changed); returns the number of rows listed.
    ``current`` = the tab as read this run (None: read it now)."""
    from synergia.sheets.owned import QUARANTINE

    project = ctx.project
    if current is None:
        current = QUARANTINE.read(ctx.sheets, project)
    with ctx.registry.session() as session:
        rows = QUARANTINE.build(session, project.slug)
    written = QUARANTINE.write_if_changed(ctx.sheets, project, rows, current)
    ctx.log.info("Zakładka '%s': %d wierszy, %s.", QUARANTINE.name(project), len(rows) - 1, "zapisano" if written else "bez zmian")
    return len(rows) - 1


def run_summary_mail(ctx: Context, summary: MonthSummary, *, resend: bool = False) -> Plain:
    """Queue the summary e-mail for the coordinators (once per month unless ``resend``)."""
    from synergia.indicators.monthly import enqueue_summary

    counts = enqueue_summary(ctx.project, ctx.registry, summary, resend=resend)
    if not counts["recipients"]:
        ctx.log.warning("Projekt nie ma koordynatorów (recipients.coordinators) — podsumowanie nie zostanie wysłane.")
    ctx.log.info("Podsumowanie: w kolejce %d, już wysłane/zakolejkowane wcześniej %d.", counts["queued"], counts["already"])
    return Plain(counts)
