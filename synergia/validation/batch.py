"""Validate a whole snapshot; the batch object is opaque to logs (repr shows counts only)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from config.project import ProjectConfig
from synergia.provenance import PEOPLE_DATA_LIBRARIES, code_digest
from synergia.sheets.read import SourceSnapshot
from synergia.sheets.rows import ContentHasher
from synergia.validation.columns import check_columns
from synergia.validation.row import Accepted, Empty, Outcome, Rejected, RowPlan, validate_planned


@dataclass
class ValidatedBatch:
    outcomes: list[Outcome] = field(default_factory=list)
    read_worksheets: set[tuple[str, str, str]] = field(default_factory=set)
    owned_tabs: dict[str, list[list[str]]] = field(default_factory=dict)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (source id, worksheet) not found
    source_errors: list[str] = field(default_factory=list)  # run-level: a source skipped (no personal data)
    source_warnings: list[str] = field(default_factory=list)  # run-level: e.g. an optional column missing
    skipped_rows: int = 0  # rows of skipped sources: kept as they were
    formula_rows: int = 0  # rows with a formula cell that has no value
    context: str = ""  # ``validation_context`` of this run: stored with the run's counts
    checked_until: str = ""  # ISO date bounding plausible birth dates this run (see ``reusable``)
    reused: int = 0  # accepted rows taken from the registry, not validated again

    def summary(self) -> dict[str, int]:
        c = Counter(type(o).__name__ for o in self.outcomes)
        return {"accepted": c[Accepted.__name__], "quarantined": c[Rejected.__name__], "empty": c[Empty.__name__]}

    def __repr__(self) -> str:
        return f"ValidatedBatch({self.summary()})"


def _code_hash() -> str:
    """Digest of the validation and sheet-reading code and the libraries of its rules: a changed
    rule (or a new phonenumbers) revalidates every row."""
    return code_digest(("synergia.validation", "synergia.sheets"), PEOPLE_DATA_LIBRARIES)


_CODE_HASH: str | None = None


def validation_context(project: ProjectConfig, snapshot: SourceSnapshot) -> str:
    """What, besides the row's own cells, decides a row's outcome: the whole project file, the
    sheets' locales and the validation code. Equal context + equal row content = equal outcome
    (up to the date bound, which only ever widens what is accepted; see ``reusable``)."""
    global _CODE_HASH
    if _CODE_HASH is None:
        _CODE_HASH = _code_hash()
    h = hashlib.sha256(_CODE_HASH.encode())
    h.update(project.model_dump_json().encode())
    h.update(repr(sorted((k, v or "") for k, v in snapshot.locales.items())).encode())
    return h.hexdigest()


def checked_until(project: ProjectConfig, today: date | None = None) -> date:
    """The latest date a birth date is measured against (``validation.row``): min(today, project end)."""
    return min(today or date.today(), project.period.end)


def reusable(previous_context: str | None, previous_until: str | None, context: str, until: date) -> bool:
    """May accepted outcomes of an earlier run be reused? Only with the same context and a date
    bound not earlier than then: the plausibility bound only moves forward, so a row accepted
    then is accepted now (a row rejected then is validated again: it may be accepted now)."""
    if not previous_context or previous_context != context or not previous_until:
        return False
    try:
        return date.fromisoformat(previous_until) <= until
    except ValueError:
        return False


def validate_snapshot(
    project: ProjectConfig,
    snapshot: SourceSnapshot,
    *,
    today: date | None = None,
    known: dict[tuple[str, str], tuple[str, dict]] | None = None,
) -> ValidatedBatch:
    """Validate every row; a source whose tab lacks a required column is skipped as a whole (one
    run-level error, its worksheet not marked as read, so none of its applications is deactivated).

    ``known``: (source id, content hash) -> (kind, data) of rows accepted by an earlier run under
    the same ``validation_context`` (the caller checks ``reusable``). A row with that hash and no
    formula without a value gets the same ``Accepted`` without being validated again."""
    batch = ValidatedBatch(
        read_worksheets=set(snapshot.read_worksheets),
        owned_tabs=dict(snapshot.owned_tabs),
        missing=list(snapshot.missing),
        context=validation_context(project, snapshot),
        checked_until=checked_until(project, today).isoformat(),
    )
    known = known or {}
    latest = checked_until(project, today)
    for source in project.sources:
        rows = snapshot.rows.get(source.id, [])
        headers = snapshot.headers.get(source.id)
        problems = check_columns(source, headers) if headers else []
        if any(p.required for p in problems):
            batch.source_errors.extend(p.message() for p in problems if p.required)
            batch.skipped_rows += len(rows)
            batch.read_worksheets = {w for w in batch.read_worksheets if w[0] != source.id}
            continue
        batch.source_warnings.extend(p.message() for p in problems)
        locale = snapshot.locales.get(source.id)
        plans: dict[tuple[str, ...], RowPlan] = {}  # rows of one tab share their headers
        hasher = ContentHasher(rows[0].values if rows else ())
        for raw in rows:
            batch.formula_rows += bool(raw.uncached)
            digest = hasher(raw)
            hit = known.get((source.id, digest)) if known and not raw.uncached else None
            if hit is not None and hit[0] == source.kind and not raw.is_empty():
                batch.outcomes.append(Accepted(raw.ref, source.kind, digest, dict(hit[1])))
                batch.reused += 1
                continue
            plan = plans.get(headers_of := tuple(raw.values))
            if plan is None:
                plan = plans[headers_of] = RowPlan(source, project, headers_of)
            batch.outcomes.append(validate_planned(raw, source, project, plan, locale=locale, latest=latest, content_hash=digest))
    return batch
