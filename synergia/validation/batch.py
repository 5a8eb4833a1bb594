"""Validate a whole snapshot; the batch object is opaque to logs (repr shows counts only)."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from config.project import ProjectConfig
from synergia.sources.read import SourceSnapshot
from synergia.validation.row import Accepted, Empty, Outcome, Rejected, validate_row


@dataclass
class ValidatedBatch:
    outcomes: list[Outcome] = field(default_factory=list)
    read_worksheets: set[tuple[str, str, str]] = field(default_factory=set)
    owned_tabs: dict[str, list[list[str]]] = field(default_factory=dict)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (source id, worksheet) not found

    def summary(self) -> dict[str, int]:
        c = Counter(type(o).__name__ for o in self.outcomes)
        return {"accepted": c[Accepted.__name__], "quarantined": c[Rejected.__name__], "empty": c[Empty.__name__]}

    def __repr__(self) -> str:
        return f"ValidatedBatch({self.summary()})"


def validate_snapshot(project: ProjectConfig, snapshot: SourceSnapshot) -> ValidatedBatch:
    batch = ValidatedBatch(read_worksheets=set(snapshot.read_worksheets), owned_tabs=dict(snapshot.owned_tabs),
                           missing=list(snapshot.missing))
    for source in project.sources:
        locale = snapshot.locales.get(source.id)
        for raw in snapshot.rows.get(source.id, []):
            batch.outcomes.append(validate_row(raw, source, project, locale=locale))
    return batch
