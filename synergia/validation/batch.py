"""Validate a whole snapshot; the batch object is opaque to logs (repr shows counts only)."""

from __future__ import annotations

import hashlib
from collections import Counter
from dataclasses import dataclass, field
from datetime import date

from config.project import ProjectConfig, Source
from synergia.heap import no_gc
from synergia.parallel import fork_pair, worth_forking
from synergia.provenance import PEOPLE_DATA_LIBRARIES, code_digest
from synergia.sheets.read import Prevalidate, SourceSnapshot
from synergia.sheets.rows import ContentHasher, RawRow
from synergia.validation.columns import check_columns
from synergia.validation.row import Accepted, Empty, Outcome, Rejected, RowPlan, accepted, reused_accepted, validate_rows


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
    fingerprints: dict[tuple[str, str, str], str] | None = None  # the snapshot's (``SourceSnapshot.fingerprints``)
    uptodate: object | None = None  # the snapshot's: nothing validated, the registry is up to date (``registry.uptodate``)

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


def prevalidation(project: ProjectConfig, locales: dict[str, str | None], today: date | None = None) -> tuple[str, Prevalidate]:
    """(key, function) for ``read_project_sources(prevalidate=...)``: the function validates one
    source's rows as ``validate_snapshot`` does with nothing to reuse (``_Tab.pack``: plain values,
    what a worker sends back); the key is what they were validated under (the ``validation_context``
    of the sheets' ``locales`` and the date bound). ``validate_snapshot`` takes them only under an
    equal key and with nothing reused, so its outcomes are those it would make itself."""
    latest = checked_until(project, today)

    def validate(source: Source, locale: str | None, rows: list[RawRow]) -> list:
        return _Tab(project, source, rows, locale, latest, {}).pack(0, len(rows))[0]

    return _prevalidated_key(validation_context(project, SourceSnapshot(locales=dict(locales))), latest), validate


def _prevalidated_key(context: str, latest: date) -> str:
    return f"{context}:{latest.isoformat()}"


def validate_snapshot(
    project: ProjectConfig,
    snapshot: SourceSnapshot,
    *,
    today: date | None = None,
    known: dict[tuple[str, str], tuple[str, str | dict]] | None = None,
    processes: int | None = None,
) -> ValidatedBatch:
    """Validate every row; a source whose tab lacks a required column is skipped as a whole (one
    run-level error, its worksheet not marked as read, so none of its applications is deactivated).

    ``known``: (source id, content hash) -> (kind, data) of rows accepted by an earlier run under
    the same ``validation_context`` (the caller checks ``reusable``); data as the registry's JSON
    text (``registry.sync.accepted_contents``: decoded only when read, ``Accepted.stored_json``)
    or as a dict. A row with that hash and no formula without a value gets the same ``Accepted``
    without being validated again. ``processes``: 1 = this process only; None (or 2) = with nothing
    to reuse, a tab of ``FORK_MIN`` rows or more is shared with a forked worker (the same outcomes,
    in the same order)."""
    batch = ValidatedBatch(
        read_worksheets=set(snapshot.read_worksheets),
        owned_tabs=dict(snapshot.owned_tabs),
        missing=list(snapshot.missing),
        context=validation_context(project, snapshot),
        checked_until=checked_until(project, today).isoformat(),
    )
    known = known or {}
    latest = checked_until(project, today)
    ready = snapshot.prevalidated if not known and snapshot.prevalidated_for == _prevalidated_key(batch.context, latest) else {}
    with no_gc():  # rows and outcomes make no cycles: a collection would only rescan the snapshot
        jobs = [
            (tab, ready.get(source.id) or [])
            for source in project.sources
            if (tab := _checked_tab(batch, project, snapshot, source, latest, known)) is not None
        ]
        _validate_tabs(batch, jobs, bool(known), processes)
    return batch


def _checked_tab(
    batch: ValidatedBatch,
    project: ProjectConfig,
    snapshot: SourceSnapshot,
    source: Source,
    latest: date,
    known: dict[tuple[str, str], tuple[str, str | dict]],
) -> _Tab | None:
    """The source's rows to validate, or None when its tab lacks a required column (then skipped)."""
    rows = snapshot.rows.get(source.id, [])
    headers = snapshot.headers.get(source.id)
    problems = check_columns(source, headers) if headers else []
    if any(p.required for p in problems):
        batch.source_errors.extend(p.message() for p in problems if p.required)
        batch.skipped_rows += len(rows)
        batch.read_worksheets = {w for w in batch.read_worksheets if w[0] != source.id}
        return None
    batch.source_warnings.extend(p.message() for p in problems)
    batch.formula_rows += sum(bool(raw.uncached) for raw in rows)
    return _Tab(project, source, rows, snapshot.locales.get(source.id), latest, known)


def _validate_tabs(batch: ValidatedBatch, jobs: list[tuple[_Tab, list]], reusing: bool, processes: int | None) -> None:
    """Each tab's outcomes in order: its first rows' from the read's worker (``packed``,
    ``prevalidation``), the others validated here. With nothing to reuse and ``FORK_MIN`` rows or
    more left over all tabs, the second half of those rows (cut anywhere, also inside a tab) goes to
    a forked worker (``synergia.parallel``; inside a Prefect task: ``redo_here``), which sends back
    compact tuples (``_Tab.pack``) rebuilt here in row order. One fork for the step, not one per tab."""
    todo = [(tab, min(len(packed), len(tab.rows)), len(tab.rows)) for tab, packed in jobs]
    total = sum(b - a for _, a, b in todo)
    own: dict[int, list[Outcome]] = {}
    theirs: dict[int, list] = {}
    if not reusing and worth_forking(total, processes, FORK_MIN):
        cut = int(total * PARENT_SHARE)

        def mine() -> tuple[list, int]:
            parts = [(k, todo[k][0].outcomes(a, b)) for k, a, b in _pieces(todo, 0, cut)]
            return [(k, got) for k, (got, _) in parts], sum(n for _, (_, n) in parts)

        def there() -> tuple[list, int]:
            parts = [(k, todo[k][0].pack(a, b)) for k, a, b in _pieces(todo, cut, total)]
            return [(k, got) for k, (got, _) in parts], sum(n for _, (_, n) in parts)

        (mine_parts, reused), (their_parts, reused_there) = fork_pair(mine, there, redo_here=True)
        own, theirs = dict(mine_parts), dict(their_parts)
        batch.reused += reused + reused_there
    else:
        for k, (tab, a, b) in enumerate(todo):
            own[k], reused = tab.outcomes(a, b)
            batch.reused += reused
    for k, ((tab, a, _), (_, packed)) in enumerate(zip(todo, jobs, strict=True)):
        batch.outcomes.extend(tab.unpack(packed[:a], 0))
        done = own.get(k, [])
        batch.outcomes.extend(done)
        if k in theirs:
            batch.outcomes.extend(tab.unpack(theirs[k], a + len(done)))


def _pieces(todo: list[tuple[_Tab, int, int]], lo: int, hi: int) -> list[tuple[int, int, int]]:
    """(tab index, start, stop) of the rows ``lo:hi`` of the tabs' rows left to validate, as one sequence."""
    out, offset = [], 0
    for k, (_, a, b) in enumerate(todo):
        start, stop = max(a, a + lo - offset), min(b, a + hi - offset)
        offset += b - a
        if start < stop:
            out.append((k, start, stop))
    return out


#: rows of one tab from which half of them go to a second process (both cores; ``worth_forking``) when
#: nothing is reused: on a night that reuses most rows, hashing them costs less than the fork
FORK_MIN = 20_000
#: the share of the rows left to validate that this process validates when a worker takes the rest
PARENT_SHARE = 0.42


class _Tab:
    """One source's rows to validate: reused outcomes picked out by content hash, the rest validated
    a tab at a time (``validate_rows``; rows grouped by their headers, one ``RowPlan`` each)."""

    def __init__(
        self,
        project: ProjectConfig,
        source: Source,
        rows: list[RawRow],
        locale: str | None,
        latest: date,
        known: dict[tuple[str, str], tuple[str, str | dict]],
    ):
        self.project, self.source, self.rows, self.locale, self.latest, self.known = project, source, rows, locale, latest, known
        self.hasher = ContentHasher(rows[0].values if rows else ())

    def _reused(self, raw: RawRow, digest: str, data: str | dict) -> Accepted:
        if isinstance(data, str):  # the registry's text: decoded when read (``Accepted.stored_json``)
            return reused_accepted(raw.ref, self.source.kind, digest, str(data))
        return Accepted(raw.ref, self.source.kind, digest, dict(data))

    def outcomes(self, start: int, stop: int) -> tuple[list[Outcome], int]:
        """The outcomes of rows ``start:stop`` in row order, and how many were reused."""
        outcomes: list[Outcome | None] = []
        todo: dict[tuple[str, ...], list[int]] = {}  # rows of one tab share their headers: one plan each
        digests: list[str] = []
        rows, hasher, known, kind, source_id = self.rows[start:stop], self.hasher, self.known, self.source.kind, self.source.id
        for position, raw in enumerate(rows):
            digest = hasher(raw)
            digests.append(digest)
            hit = known.get((source_id, digest)) if known and not raw.uncached else None
            if hit is not None and hit[0] == kind and not raw.is_empty():
                outcomes.append(self._reused(raw, digest, hit[1]))
                continue
            outcomes.append(None)
            todo.setdefault(tuple(raw.values), []).append(position)
        for headers, positions in todo.items():
            plan = RowPlan(self.source, self.project, headers)
            done = validate_rows(
                [rows[i] for i in positions],
                self.source,
                self.project,
                plan,
                locale=self.locale,
                latest=self.latest,
                content_hashes=[digests[i] for i in positions],
            )
            for i, outcome in zip(positions, done, strict=True):
                outcomes[i] = outcome
        return outcomes, len(rows) - sum(map(len, todo.values()))  # type: ignore[return-value]  # every position filled

    def pack(self, start: int, stop: int) -> tuple[list, int]:
        """``outcomes`` as plain values (what a worker pickles back): ``None`` = empty, a content hash
        = reused, (hash, data) = accepted, (hash, reasons, message) = rejected."""
        outcomes, reused = self.outcomes(start, stop)
        packed: list = []
        for outcome in outcomes:
            if isinstance(outcome, Empty):
                packed.append(None)
            elif isinstance(outcome, Rejected):
                packed.append((outcome.content_hash, outcome.reasons, outcome.message))
            elif outcome.stored_json is not None or (self.source.id, outcome.content_hash) in self.known:
                packed.append(outcome.content_hash)
            else:
                packed.append((outcome.content_hash, outcome.data))
        return packed, reused

    def unpack(self, packed: list, start: int) -> list[Outcome]:
        """The outcomes ``pack`` describes, for the ``len(packed)`` rows from ``start`` on."""
        out: list[Outcome] = []
        kind, source_id, known = self.source.kind, self.source.id, self.known
        for raw, item in zip(self.rows[start : start + len(packed)], packed, strict=True):
            if item is None:
                out.append(Empty(raw.ref))
            elif type(item) is str:
                out.append(self._reused(raw, item, known[(source_id, item)][1]))
            elif len(item) == 2:
                out.append(accepted(raw.ref, kind, item[0], item[1]))
            else:
                out.append(Rejected(raw.ref, *item))
        return out
