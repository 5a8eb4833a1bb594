"""The pipeline's own tabs in the staff spreadsheet: one table, one entry per tab.

The pipeline writes nothing in the staff's spreadsheet but the tabs of ``TABLE``. Each entry says
where the tab's name comes from (the project file's ``spreadsheet.tabs.<key>``, defaults in
``config.tabs``), the header it writes, how its rows are built and, where staff answer in the tab,
how their answers are read back. Every owned tab follows the same write rule
(``OwnedTab.write_if_changed``): compare what the sheet shows with what we would write, and write
the whole tab in one request only when they differ, so a night with nothing new writes nothing.

What a write keeps safe is the backends' part and the same for every tab: an XLSX gets only the
tab's own sheet part replaced (``xlsx_parts``: the staff's other tabs and their formulas' cached
values stay byte for byte), every value goes in as text (``cells``: formula-like values get a
leading ``'``), a Google tab's grid grows to fit (``gsheets``), and a backend refuses any tab that
is not one of the project's owned tabs.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from config.tabs import DEFAULT_TABS
from synergia.sheets import indicators_tab, quarantine_tab, review_tab
from synergia.sheets.base import SpreadsheetBackend
from synergia.sheets.cells import FORMULA_LEADS, matches_written

if TYPE_CHECKING:
    from config.project import ProjectConfig

Rows = list[list[str]]


@dataclass(frozen=True)
class OwnedTab:
    """One tab the pipeline owns. ``build`` turns domain data into rows (header first, all text);
    ``parse`` reads staff answers from the tab's current values (None: staff do not answer here)."""

    key: str  # its field in ``config.tabs.TabsConfig`` (project file: spreadsheet.tabs.<key>)
    header: tuple[str, ...]  # row 1, as ``build`` writes it
    build: Callable[..., Rows]
    parse: Callable[[Sequence[Sequence[str]] | None], Any] | None = None

    @property
    def default_name(self) -> str:
        return getattr(DEFAULT_TABS, self.key)

    def name(self, project: ProjectConfig) -> str:
        """The tab's title in ``project``'s spreadsheet."""
        return getattr(project.spreadsheet.tabs, self.key)

    def read(self, backend: SpreadsheetBackend, project: ProjectConfig) -> Rows:
        """The tab's current values ([] when the tab does not exist yet)."""
        return read_current(backend, project, [self])[self.key]

    def write_if_changed(
        self, backend: SpreadsheetBackend, project: ProjectConfig, rows: Sequence[Sequence[str]], current: Sequence[Sequence[str]] | None
    ) -> bool:
        """One write of the whole tab, or none if ``current`` (the tab as read this run) already shows
        exactly ``rows``. ``current`` None = not known: write. Returns whether it wrote."""
        if current is not None and same_table(current, rows):
            return False
        backend.write_tab(project.spreadsheet.id, self.name(project), rows, owned=names(project))
        return True


#: Rejected rows with their reasons; no personal data.
QUARANTINE = OwnedTab("quarantine", tuple(quarantine_tab.HEADER), quarantine_tab.quarantine_rows)
#: Uncertain pairs side by side; staff answer TAK/NIE in the decision column.
REVIEW = OwnedTab("review", tuple(review_tab.HEADER), review_tab.build_rows, review_tab.parse_decisions)
#: The monthly indicator table.
INDICATORS = OwnedTab("indicators", tuple(indicators_tab.HEADER), indicators_tab.indicator_rows)

#: Every tab the pipeline writes, each once.
TABLE: tuple[OwnedTab, ...] = (QUARANTINE, REVIEW, INDICATORS)
#: Their names when a project does not rename them (the order of ``TABLE``).
DEFAULT_NAMES: tuple[str, ...] = tuple(t.default_name for t in TABLE)


def names(project: ProjectConfig) -> tuple[str, ...]:
    """The owned tabs' titles in ``project``'s spreadsheet: the only tabs a backend writes there."""
    return tuple(t.name(project) for t in TABLE)


def read_current(backend: SpreadsheetBackend, project: ProjectConfig, tabs: Iterable[OwnedTab] = TABLE) -> dict[str, Rows]:
    """Current values of ``tabs`` in one read, by entry key; a tab that does not exist reads as []."""
    wanted = {t.key: t.name(project) for t in tabs}
    data = backend.read_tabs(project.spreadsheet.id, sorted(set(wanted.values())), owned=names(project))
    return {key: data.tabs.get(name, []) for key, name in wanted.items()}


def same_table(current: Sequence[Sequence[str]] | None, desired: Sequence[Sequence[str]]) -> bool:
    """Compare a tab as read back (``current``) with what we are about to write (``desired``), as a
    sheet shows them (trailing empty cells/rows ignored), so write-back can skip a write when nothing
    changed. A desired cell matches its escaped form (``cells.as_text_cell``), which is what a
    backend stores for a formula-like value; an unescaped formula-like value read back does not
    match, so a tab written before the escaping rule is rewritten once."""

    def norm(rows: Sequence[Sequence[str]] | None) -> list[list[str]]:
        out = [["" if c is None else str(c) for c in r] for r in (rows or [])]
        for r in out:
            while r and r[-1] == "":
                r.pop()
        while out and not out[-1]:
            out.pop()
        return out

    def cell_matches(x: str, y: str) -> bool:
        # a value without a formula lead is written as it is (``as_text_cell``): equal text, no call
        return x == y if not y.startswith(FORMULA_LEADS) else matches_written(x, y)

    cur, want = norm(current), norm(desired)
    return len(cur) == len(want) and all(len(a) == len(b) and all(map(cell_matches, a, b)) for a, b in zip(cur, want))
