"""Does a tab still have the columns its source maps? Checked once per source, before any row.

A required column (a field the source requires, a required consent, an
attendance list's session columns, advisory hours, the event column of a list
without a fixed event) that is missing from the header row would quarantine or
empty every row one by one and say nothing about why. Instead the whole source
is skipped for this run with one error naming the source, the column and the
closest header found (ignoring case, spaces and diacritics, so ``Imie`` is
named for ``Imię``), and its rows in the registry are left as they were — not
quarantined, not deactivated. A missing optional column is a warning.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass

from config.project import CONSENT_PREFIX, Source
from synergia.validation.text import fold


@dataclass(frozen=True)
class ColumnProblem:
    source_id: str
    worksheet: str
    column: str  # the header the project file expects
    closest: str | None  # the most similar header in the tab, if any is similar
    required: bool

    def message(self) -> str:
        hint = f"; najbliższy nagłówek w arkuszu: '{self.closest}' (closest header)" if self.closest else ""
        if self.required:
            return (
                f"Źródło '{self.source_id}', arkusz '{self.worksheet}': brak wymaganej kolumny '{self.column}'{hint} — "
                f"źródło pominięte w tym przebiegu, popraw nagłówek albo plik projektu "
                f"(required column missing, source skipped)."
            )
        return (
            f"Źródło '{self.source_id}', arkusz '{self.worksheet}': brak kolumny '{self.column}'{hint} — "
            f"jej wartości nie są czytane (column missing, its values are not read)."
        )


def _norm(header: str) -> str:
    return " ".join(str(header).lower().split())


def required_targets(source: Source) -> set[str]:
    from synergia.validation.row import DEFAULT_REQUIRED

    targets = set(DEFAULT_REQUIRED[source.kind]) | set(source.require)
    if source.kind != "advisory":
        targets.discard("hours")
    targets |= {f"{CONSENT_PREFIX}{key}" for key in source.required_consents}
    if not source.event:
        targets.add("event")
    return targets


def closest_header(column: str, headers: list[str]) -> str | None:
    """The header most like ``column`` (difflib on case-, space- and diacritic-folded text; a header
    that contains the expected one as words, 'PESEL' in 'Numer PESEL (opcjonalnie)', counts as close)."""
    wanted = fold(column)
    best: tuple[float, str] | None = None
    for header in headers:
        candidate = fold(header)
        if not candidate:
            continue
        score = difflib.SequenceMatcher(None, wanted, candidate).ratio()
        if wanted and (f" {wanted} " in f" {candidate} " or f" {candidate} " in f" {wanted} "):
            score = max(score, 0.9)
        if score >= 0.6 and (best is None or score > best[0]):
            best = (score, str(header).strip())
    return best[1] if best else None


def check_columns(source: Source, headers: list[str]) -> list[ColumnProblem]:
    """Problems of one source's header row (empty list: all mapped columns are there)."""
    present = {_norm(h) for h in headers if str(h).strip()}
    required = required_targets(source)
    problems: list[ColumnProblem] = []
    by_target: dict[str, list[str]] = {}
    for header, target in source.columns.items():
        by_target.setdefault(target, []).append(header)
    for target, expected in by_target.items():
        if any(_norm(h) in present for h in expected):
            continue  # one of the headers mapped to this field is there (forms with several versions)
        for header in expected:
            problems.append(ColumnProblem(source.id, source.worksheet, header, closest_header(header, headers), target in required))
    for header in source.sessions:
        if _norm(header) not in present:
            problems.append(ColumnProblem(source.id, source.worksheet, header, closest_header(header, headers), True))
    return problems
