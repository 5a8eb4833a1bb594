"""Read every source of a project through the spreadsheet seam, one read per spreadsheet."""

from __future__ import annotations

import hashlib
import marshal
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from config.project import ProjectConfig, Source
from synergia.heap import no_gc
from synergia.parallel import PARALLEL_MIN, fork_pair
from synergia.sheets import owned
from synergia.sheets.base import SpreadsheetBackend, fingerprint_of
from synergia.sheets.forking import may_fork
from synergia.sheets.identity import RowIdentity, identify_columns
from synergia.sheets.rows import RawRow, TabCells, content_digests, header_of, raw_rows, tab_cells

#: ``read_project_sources``'s ``prevalidate``: (source, locale, its rows) -> their outcomes, packed (plain values)
Prevalidate = Callable[[Source, str | None, list[RawRow]], Any]
#: (source id, spreadsheet, worksheet) -> a fingerprint of what the rows are made from
Prints = dict[tuple[str, str, str], str]
#: ``read_project_sources``'s ``uptodate``: (the content prints, source id -> locale) -> the night's
#: ``synergia.registry.uptodate.UpToDate`` when the registry already holds what a sync of them leaves, else None
UpToDateCheck = Callable[[Prints, dict[str, str | None]], Any]


@dataclass
class SourceSnapshot:
    """Raw rows of one run. Holds personal data: keep it in memory, never log or persist it."""

    rows: dict[str, list[RawRow]] = field(default_factory=dict)  # source id -> rows
    locales: dict[str, str | None] = field(default_factory=dict)  # source id -> sheet locale
    read_worksheets: set[tuple[str, str, str]] = field(default_factory=set)
    missing: list[tuple[str, str]] = field(default_factory=list)  # (source id, worksheet) not found
    owned_tabs: dict[str, list[list[str]]] = field(default_factory=dict)  # our own tabs' content, by table key
    headers: dict[str, list[str]] = field(default_factory=dict)  # source id -> its tab's header row
    #: (source id, spreadsheet, worksheet) -> its spreadsheet's fingerprint, taken before and after the
    #: read and equal (None: a backend without one, or the file changed while it was read)
    fingerprints: dict[tuple[str, str, str], str] | None = None
    #: set when the rows were not read at all: the registry already holds what the sync would leave
    #: (``synergia.registry.uptodate``); then ``rows`` is empty and ``owned_tabs`` was read alone
    uptodate: object | None = None
    #: source id -> its rows' outcomes as a worker validated them while it read them (``read_project_sources``'s
    #: ``prevalidate``: ``synergia.validation.batch.Prevalidation``), taken by the validation only under the same
    #: context and with nothing reused; personal data, as ``rows``
    prevalidated: dict[str, Any] = field(default_factory=dict, repr=False)
    prevalidated_for: str = ""  # what they were validated under (``Prevalidation.key``)

    def __repr__(self) -> str:  # never show rows
        return f"SourceSnapshot(sources={len(self.rows)}, rows={self.row_count}, missing={len(self.missing)})"

    @property
    def row_count(self) -> int:
        return sum(len(r) for r in self.rows.values())


def read_project_sources(
    project: ProjectConfig,
    backend: SpreadsheetBackend,
    processes: int | None = None,
    *,
    prevalidate: tuple[str, Prevalidate] | None = None,
    uptodate: UpToDateCheck | None = None,
) -> SourceSnapshot:
    """One ``read_tabs`` call per spreadsheet, covering its sources and (for the
    project spreadsheet) the pipeline's own tabs. Then every row's identity and content hash,
    column by column; for many rows half of them in a forked worker (``processes``: None =
    automatic, 1 = here only; the result is the same).

    A workbook backend that can (``read_tabs_split``) shares the read itself with one worker,
    tab by tab (``_read_split``); the worker also validates the rows it read with
    ``prevalidate`` = (key, function) when given: their packed outcomes go into
    ``SourceSnapshot.prevalidated`` under ``prevalidated_for`` = key.

    With ``uptodate`` (for a backend without a cheap fingerprint, as Google Sheets: the cells must be
    read to know whether they changed), the tabs as read get content fingerprints
    (``content_fingerprint``, into ``SourceSnapshot.fingerprints`` when no source tab is missing), and
    when ``uptodate`` answers for them, no row is made: the snapshot is the fast path's (``uptodate``
    set, ``rows`` empty, the owned tabs as read)."""
    by_sheet = _by_sheet(project)
    main = project.spreadsheet.id
    by_sheet.setdefault(main, [])
    own = owned.names(project)
    if len(by_sheet) == 1 and processes != 1 and uptodate is None and hasattr(backend, "read_tabs_split"):
        with no_gc():
            snap = _read_split(project, backend, by_sheet[main], own, processes, prevalidate)
        if snap is not None:
            return snap
    snap = SourceSnapshot()
    tabs: list[_Tab] = []
    with no_gc():  # a night's cells are millions of objects, none in a cycle
        for spreadsheet, sources in by_sheet.items():
            # The pipeline's own tabs ride along in the same request: the write-back
            # step compares against them and writes nothing when nothing changed.
            extra = own if spreadsheet == main else ()
            data = backend.read_tabs(spreadsheet, sorted({s.worksheet for s in sources} | set(extra)), owned=extra)
            if spreadsheet == main:
                # a missing owned tab reads as empty: later steps must not read it again
                snap.owned_tabs = _owned_tabs(project, data.tabs)
            for source in sources:
                snap.locales[source.id] = data.locale
                if source.worksheet not in data.tabs:
                    snap.missing.append((source.id, source.worksheet))
                    snap.rows[source.id] = []
                    continue
                table = data.tabs[source.worksheet]
                snap.headers[source.id] = header_of(table)
                tabs.append(_Tab(source, spreadsheet, data.locale, table, data.uncached.get(source.worksheet)))
                snap.rows[source.id] = []  # filled below, in this order
                snap.read_worksheets.add((source.id, spreadsheet, source.worksheet))
            del data
        if uptodate is not None and not snap.missing:
            snap.fingerprints = {(t.source.id, t.spreadsheet, t.source.worksheet): content_fingerprint(t) for t in tabs}
            ready = uptodate(snap.fingerprints, dict(snap.locales))
            if ready is not None:  # the registry holds what these rows would leave: none is made
                snap.rows, snap.headers, snap.uptodate = {s.id: [] for s in project.sources}, {}, ready
                return snap
        for tab, rows in zip(tabs, _rows(tabs, processes), strict=True):
            snap.rows[tab.source.id] = rows
    return snap


def _read_split(
    project: ProjectConfig,
    backend: Any,
    sources: list[Source],
    own: tuple[str, ...] | list[str],
    processes: int | None,
    prevalidate: tuple[str, Prevalidate] | None,
) -> SourceSnapshot | None:
    """``read_project_sources`` of a project with one spreadsheet, read by ``backend.read_tabs_split``:
    a forked worker reads some source tabs (a tab of one source each) and makes their rows' columns,
    identities, content hashes (and, with ``prevalidate``, their outcomes); this process reads the
    other tabs and makes their rows meanwhile (``_rows``, here), then every ``RawRow`` of the worker's
    tabs from its columns. The same rows as one process reading everything: each tab's rows are a
    rule of that tab alone (``tab_cells``, ``identify_columns``, ``content_digests``). None: the
    backend did not split; read as usual."""
    main = project.spreadsheet.id
    per_tab: dict[str, list[Source]] = defaultdict(list)
    for source in sources:
        per_tab[source.worksheet].append(source)
    movable = {tab for tab, of in per_tab.items() if len(of) == 1 and tab not in own}
    names = sorted(set(per_tab) | set(own))

    def there(
        found: dict[str, tuple[list[list[str]], set | None]], locale: str | None, done_here: Callable[[], bool], send: Callable
    ) -> dict:
        out: dict[str, list] = {}
        made: list[tuple[Source, list[RawRow]]] = []
        for tab, (table, uncached) in found.items():
            source = per_tab[tab][0]
            head = header_of(table)
            cells = tab_cells(table, uncached)
            del table[:]  # the columns hold the cells now
            idents = identify_columns(cells.columns, cells.n, source, locale, cells.names)
            digests = content_digests(cells.columns, cells.n)
            if prevalidate is not None:
                made.append((source, raw_rows(source.id, main, tab, cells, [RowIdentity(*i) for i in idents], digests)))
            columns = marshal.dumps([cells.columns[h] for h in cells.names], 2)  # ~2x faster than pickle both ways, no memo
            out[tab] = (head, cells.names, columns, cells.n, cells.formulas, idents, digests)
        send(out)  # this process makes the rows from it while we go on
        # then, until this process is done with its own tabs and ours, the first rows' outcomes, a
        # block at a time (the validation step validates the rest; each row is validated on its own)
        outcomes: dict[str, list] = {}
        for source, rows in made:
            packed = outcomes[source.worksheet] = []
            while len(packed) < len(rows) and not done_here():
                packed.extend(prevalidate[1](source, locale, rows[len(packed) : len(packed) + PREVALIDATE_BLOCK]))  # type: ignore[index]
        return outcomes

    def first(sent: dict[str, tuple]) -> dict[str, tuple[list[str], list[RawRow]]]:
        """The rows of the worker's tabs, made here from its columns (while it validates)."""
        out = {}
        for tab, (head, names_, columns, n, formulas, idents, digests) in sent.items():
            source = per_tab[tab][0]
            cells = TabCells(names_, dict(zip(names_, marshal.loads(columns), strict=True)), n, formulas)
            out[tab] = (head, raw_rows(source.id, main, tab, cells, [RowIdentity(*i) for i in idents], digests))
        return out

    def here(data: Any) -> tuple:
        owned_tabs = _owned_tabs(project, data.tabs)
        tabs = [
            _Tab(source, main, data.locale, data.tabs[source.worksheet], data.uncached.get(source.worksheet))
            for source in sources
            if source.worksheet in data.tabs
        ]
        headers = {t.source.id: header_of(t.table) for t in tabs}
        return data.locale, owned_tabs, headers, {t.source.id: rows for t, rows in zip(tabs, _rows(tabs, 1), strict=True)}

    split = backend.read_tabs_split(main, names, owned=own, movable=movable, there=there, here=here, first=first, processes=processes)
    if split is None:
        return None
    (locale, owned_tabs, headers, made), theirs, outcomes = split
    snap = SourceSnapshot(owned_tabs=owned_tabs)
    if prevalidate is not None:
        snap.prevalidated_for = prevalidate[0]
    for source in sources:  # the order of the serial read
        snap.locales[source.id] = locale
        if source.id in made:
            snap.headers[source.id], snap.rows[source.id] = headers[source.id], made[source.id]
        elif source.worksheet in theirs and len(per_tab[source.worksheet]) == 1:
            snap.headers[source.id], snap.rows[source.id] = theirs[source.worksheet]
            if outcomes.get(source.worksheet):
                snap.prevalidated[source.id] = outcomes[source.worksheet]
        else:
            snap.missing.append((source.id, source.worksheet))
            snap.rows[source.id] = []
            continue
        snap.read_worksheets.add((source.id, main, source.worksheet))
    return snap


#: rows a read's worker validates at a time before it asks whether this process is done (~0.1 s)
PREVALIDATE_BLOCK = 2000


def _owned_tabs(project: ProjectConfig, tabs: dict[str, list[list[str]]]) -> dict[str, list[list[str]]]:
    """The pipeline's own tabs as read, by key; a missing one reads as empty (later steps must not read it again)."""
    return {t.key: tabs.get(t.name(project), []) for t in owned.TABLE}


def _by_sheet(project: ProjectConfig) -> dict[str, list[Source]]:
    by_sheet: dict[str, list[Source]] = defaultdict(list)
    for source in project.sources:
        by_sheet[project.spreadsheet_of(source)].append(source)
    return by_sheet


def source_fingerprints(
    project: ProjectConfig, backend: SpreadsheetBackend
) -> tuple[dict[tuple[str, str, str], str], dict[str, str | None]] | None:
    """(source id, spreadsheet, worksheet) -> its spreadsheet's fingerprint over the source tabs, and
    source id -> sheet locale, without reading any cell (``fingerprint_of``); None when a spreadsheet
    has no cheap fingerprint (Google Sheets) or a source tab is missing: the night reads."""
    own = owned.names(project)
    prints: dict[tuple[str, str, str], str] = {}
    locales: dict[str, str | None] = {}
    for spreadsheet, sources in _by_sheet(project).items():
        found = fingerprint_of(backend, spreadsheet, sorted({s.worksheet for s in sources}), owned=own)
        if found is None:
            return None
        for source in sources:
            prints[(source.id, spreadsheet, source.worksheet)] = found[0]
            locales[source.id] = found[1]
    return prints, locales


def content_fingerprint(tab: _Tab) -> str:
    """A fingerprint of one source tab as read: its cells, the sheet's locale and its formula cells
    without a value, everything its rows are made from (the code is in ``uptodate.inputs_digest``).
    marshal version 2 writes no back-references, so equal tabs give equal bytes; equal bytes are
    equal tabs. ``content:`` keeps it apart from a backend's own ``fingerprint``."""
    uncached = sorted(tab.uncached) if tab.uncached else []
    return "content:" + hashlib.sha256(marshal.dumps([tab.locale, uncached, tab.table], 2)).hexdigest()


@dataclass
class _Tab:
    """One source's tab as read (row 1 = header); its ``TabCells`` are made where they are needed:
    a forked worker makes the columns of its own rows only (``columns``), at the same time."""

    source: Source
    spreadsheet: str
    locale: str | None
    table: list[list[str]]
    uncached: set[tuple[int, int]] | None = None
    whole: TabCells | None = None
    n: int = field(default=0, init=False)  # data rows (the header row not counted)

    def __post_init__(self) -> None:
        self.n = max(len(self.table) - 1, 0)

    def cells(self) -> TabCells:
        if self.whole is None:
            self.whole = tab_cells(self.table, self.uncached)
        return self.whole

    def columns(self, a: int, b: int) -> tuple[list[str], dict]:
        """(headers, header -> cells of data rows ``a:b``): ``tab_cells`` is a rule of each row on its
        own, so the columns of a block of rows are those of the whole tab, sliced."""
        if self.whole is None and (a, b) != (0, self.n):
            part = tab_cells([self.table[0], *self.table[1 + a : 1 + b]])
            return part.names, part.columns
        cells = self.cells()
        return cells.names, cells.slice(a, b) if (a, b) != (0, cells.n) else cells.columns


_Part = tuple[list[tuple[str, str, tuple[str, ...]]], list[str]]


def _parts(tabs: list[_Tab], lo: int, hi: int) -> list[_Part]:
    """Per tab, the ``identity_tuples`` and ``content_digests`` of its rows among rows ``lo:hi``
    of all tabs (one sequence of rows)."""
    out: list[_Part] = []
    offset = 0
    for t in tabs:
        n = t.n
        a, b = max(lo - offset, 0), min(hi - offset, n)
        offset += n
        if a >= b:
            out.append(([], []))
            continue
        names, columns = t.columns(a, b)
        idents = identify_columns(columns, b - a, t.source, t.locale, names)
        out.append((idents, content_digests(columns, b - a)))
    return out


#: the share of the rows identified here when a worker takes the rest: this process also makes
#: the tabs' columns, every row's values and every ``RawRow`` meanwhile (the worker makes the
#: columns of its own rows only)
PARENT_SHARE = 0.33


def _rows(tabs: list[_Tab], processes: int | None) -> list[list[RawRow]]:
    """Each tab's ``RawRow`` s with their identity and content hash. From ``PARALLEL_MIN`` rows a
    forked worker identifies the last part of the rows (plain tuples back) while this process
    identifies the first part and makes every row (the worker's identities and hashes are set
    into its rows when they come back: the rows are not shown to anything before)."""
    total = sum(t.n for t in tabs)
    if not may_fork(total, processes, PARALLEL_MIN):
        parts = _parts(tabs, 0, total)
        for t in tabs:  # the columns hold the cells now
            t.cells()
            t.table = []
        return [_made(t, p) for t, p in zip(tabs, parts, strict=True)]
    cut = int(total * PARENT_SHARE)

    def mine() -> list[list[RawRow]]:
        for t in tabs:  # every row's values are made here: the whole tabs' columns, sliced for our part
            t.cells()
        return [_made(t, p) for t, p in zip(tabs, _parts(tabs, 0, cut), strict=True)]

    made, theirs = fork_pair(mine, lambda: _parts(tabs, cut, total), redo_here=True)
    for t in tabs:  # the columns hold the cells now; freed after the worker is gone (no page copied for it)
        t.table = []
    setattr_ = object.__setattr__
    for rows, (idents, digests) in zip(made, theirs, strict=True):
        for raw, ident, digest in zip(rows[len(rows) - len(idents) :], idents, digests, strict=True):
            setattr_(raw.ref, "identity", RowIdentity(*ident))  # frozen: set once, here, before anyone sees the row
            setattr_(raw, "content_digest", digest)
    return made


def _made(t: _Tab, part: _Part) -> list[RawRow]:
    """The tab's rows, the first ``len(part[0])`` of them with their identity and content hash."""
    idents, digests = part
    cells = t.cells()
    rest = [None] * (cells.n - len(idents))
    return raw_rows(t.source.id, t.spreadsheet, t.source.worksheet, cells, [RowIdentity(*i) for i in idents] + rest, digests + rest)
