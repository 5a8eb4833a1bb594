"""Read every source of a project through the spreadsheet seam, one read per spreadsheet."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from config.project import ProjectConfig
from synergia.sheets import owned
from synergia.sheets.base import SpreadsheetBackend
from synergia.sheets.identity import identifier
from synergia.sheets.rows import RawRow, rows_from_table


@dataclass
class SourceSnapshot:
    """Raw rows of one run. Holds personal data: keep it in memory, never log or persist it."""

    rows: dict[str, list[RawRow]] = field(default_factory=dict)  # source id -> rows
    locales: dict[str, str | None] = field(default_factory=dict)  # source id -> sheet locale
    read_worksheets: set[tuple[str, str, str]] = field(default_factory=set)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (source id, worksheet) not found
    owned_tabs: dict[str, list[list[str]]] = field(default_factory=dict)  # our own tabs' content, by table key
    headers: dict[str, list[str]] = field(default_factory=dict)  # source id -> its tab's header row

    def __repr__(self) -> str:  # never show rows
        return f"SourceSnapshot(sources={len(self.rows)}, rows={self.row_count}, missing={len(self.missing)})"

    @property
    def row_count(self) -> int:
        return sum(len(r) for r in self.rows.values())


def read_project_sources(project: ProjectConfig, backend: SpreadsheetBackend) -> SourceSnapshot:
    """One ``read_tabs`` call per spreadsheet, covering its sources and (for the
    project spreadsheet) the pipeline's own tabs."""
    by_sheet: dict[str, list] = defaultdict(list)
    for source in project.sources:
        by_sheet[project.spreadsheet_of(source)].append(source)
    main = project.spreadsheet.id
    by_sheet.setdefault(main, [])
    own = owned.names(project)
    snap = SourceSnapshot()
    for spreadsheet, sources in by_sheet.items():
        # The pipeline's own tabs ride along in the same request: the write-back
        # step compares against them and writes nothing when nothing changed.
        extra = own if spreadsheet == main else ()
        data = backend.read_tabs(spreadsheet, sorted({s.worksheet for s in sources} | set(extra)), owned=extra)
        if spreadsheet == main:
            # a missing owned tab reads as empty: later steps must not read it again
            snap.owned_tabs = {t.key: data.tabs.get(t.name(project), []) for t in owned.TABLE}
        for source in sources:
            snap.locales[source.id] = data.locale
            if source.worksheet not in data.tabs:
                snap.missing.append((source.id, source.worksheet))
                snap.rows[source.id] = []
                continue
            table = data.tabs[source.worksheet]
            snap.headers[source.id] = [str(h).strip() for h in table[0]] if table else []
            snap.rows[source.id] = rows_from_table(
                source.id,
                spreadsheet,
                source.worksheet,
                table,
                data.uncached.get(source.worksheet),
                identify=identifier(source, data.locale),
            )
            snap.read_worksheets.add((source.id, spreadsheet, source.worksheet))
    return snap
