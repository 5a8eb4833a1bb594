"""Validate a whole snapshot; the batch object is opaque to logs (repr shows counts only)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from config.project import ProjectConfig
from synergia.sources.read import SourceSnapshot
from synergia.validation.columns import check_columns
from synergia.validation.row import Accepted, Empty, Outcome, Rejected, validate_row


@dataclass
class ValidatedBatch:
    outcomes: list[Outcome] = field(default_factory=list)
    read_worksheets: set[tuple[str, str, str]] = field(default_factory=set)
    owned_tabs: dict[str, list[list[str]]] = field(default_factory=dict)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (source id, worksheet) not found
    source_errors: list[str] = field(default_factory=list)    # run-level: a source skipped (no personal data)
    source_warnings: list[str] = field(default_factory=list)  # run-level: e.g. an optional column missing
    skipped_rows: int = 0                                      # rows of skipped sources: kept as they were
    formula_rows: int = 0                                      # rows with a formula cell that has no value

    def summary(self) -> dict[str, int]:
        c = Counter(type(o).__name__ for o in self.outcomes)
        return {"accepted": c[Accepted.__name__], "quarantined": c[Rejected.__name__], "empty": c[Empty.__name__]}

    def __repr__(self) -> str:
        return f"ValidatedBatch({self.summary()})"


def validate_snapshot(project: ProjectConfig, snapshot: SourceSnapshot, *, today: date | None = None) -> ValidatedBatch:
    """Validate every row; a source whose tab lacks a required column is skipped as a whole (one
    run-level error, its worksheet not marked as read, so none of its applications is deactivated)."""
    batch = ValidatedBatch(read_worksheets=set(snapshot.read_worksheets), owned_tabs=dict(snapshot.owned_tabs),
                           missing=list(snapshot.missing))
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
        for raw in rows:
            batch.formula_rows += bool(raw.uncached)
            batch.outcomes.append(validate_row(raw, source, project, locale=locale, today=today))
    return batch
