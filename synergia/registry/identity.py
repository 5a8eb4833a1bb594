"""Match tonight's source rows to the registry's applications (and quarantine entries) by identity.

A row's identity (``synergia.sheets.identity``) says what the row *is*; its
row number only says where it is tonight. Matching order, each pass only
between rows and records still unmatched:

1. same source, same key, same fingerprint (an unchanged row, wherever it moved
   in its tab; separates equal keys such as a double submission);
2. same source, same key (a row staff corrected in place: a new version of the
   same application). Equal keys pair in their order of occurrence;
3. records stored before row identities existed and not seen by a night since
   (migration 0006 computed their key from the stored data where it could, or
   marked them ``legacy:``): by the hash of the raw row they were stored from
   (same source), then by their last known place, once; then they hold
   tonight's key and fingerprint;
4. another source of the same kind (a row moved to another tab of the
   project): same key and fingerprint, then same key. Only records whose own
   source was read tonight (so the row is really gone from there) or whose
   source is no longer in the project file can move;
5. fallback keys inside the same source, each only when it is *unique* on both
   sides: the submission timestamp alone (staff corrected the e-mail), the
   e-mail, then the name on a list (staff corrected the name or the e-mail);
6. the content fingerprint, unique on both sides: same source, then another
   source of the same kind (as in 4).

Whatever stays unmatched is a new row (tonight) or a row that really
disappeared (the caller deactivates it). Two rows are never merged into one
record and one row never takes two records.

Stored keys are ``key`` for the first row with that key in its source and
``key#2``, ``key#3``… for the next ones, in order of first appearance. A number
once stored is never handed to another row in the same run, so unique indexes
never see a transient clash.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

LEGACY_PREFIX = "legacy:"
FALLBACK_KINDS = ("t", "le", "ln", "e", "n")


def split_key(row_key: str) -> tuple[str, int]:
    base, sep, n = row_key.rpartition("#")
    if sep and n.isdigit():
        return base, int(n)
    return row_key, 1


def numbered(base: str, n: int) -> str:
    return base if n == 1 else f"{base}#{n}"


@dataclass
class Incoming:
    """One non-empty row of tonight's read."""

    index: int  # position in the run's outcome list
    source_id: str
    kind: str | None  # the source's kind
    key: str
    fingerprint: str
    fallbacks: tuple[str, ...]
    place: tuple  # (spreadsheet, worksheet, row_number): for migrated records only
    content_hash: str = ""  # hash of the raw row: for migrated records only


@dataclass(slots=True)
class _Old:
    obj: Any
    source_id: str
    kind: str | None
    base: str
    number: int
    fingerprint: str
    fallbacks: tuple[str, ...]
    legacy: bool  # no key could be computed when the registry was migrated
    unconfirmed: bool  # migrated and not seen by a night since (fingerprint unknown)
    movable: bool


@dataclass
class MatchResult:
    matched: dict[int, Any] = field(default_factory=dict)  # incoming index -> record
    unmatched_records: list[Any] = field(default_factory=list)
    passes: dict[str, int] = field(default_factory=dict)  # how many matched in which pass (numbers only)


def _fallback(keys: Iterable[str], kind: str) -> str | None:
    prefix = kind + ":"
    return next((k for k in keys if k.startswith(prefix)), None)


def match_records(
    records: Sequence[Any],
    incoming: Sequence[Incoming],
    *,
    kinds: dict[str, str],
    read_sources: set[str],
    kind_of: Callable[[Any], str | None],
) -> MatchResult:
    """Pair ``incoming`` rows with stored ``records`` (objects with ``source_id``, ``row_key``,
    ``fingerprint``, ``fallback_keys``, ``spreadsheet``, ``worksheet``, ``row_number``)."""
    olds: list[_Old] = []
    for r in records:
        base, number = split_key(r.row_key or "")
        legacy = base.startswith(LEGACY_PREFIX)
        olds.append(
            _Old(
                r,
                r.source_id,
                kind_of(r),
                "" if legacy else base,
                number,
                r.fingerprint or "",
                tuple(r.fallback_keys or ()),
                legacy,
                r.fingerprint is None,
                movable=r.source_id in read_sources or r.source_id not in kinds,
            )
        )
    olds.sort(key=lambda o: (o.source_id, o.base, o.number, getattr(o.obj, "id", 0) or 0))
    free_old = set(range(len(olds)))
    free_new = {i.index for i in incoming}
    by_index = {i.index: i for i in incoming}
    result = MatchResult()

    def take(new: Incoming, old_i: int, name: str) -> None:
        result.matched[new.index] = olds[old_i].obj
        free_old.discard(old_i)
        free_new.discard(new.index)
        result.passes[name] = result.passes.get(name, 0) + 1

    def in_order(name: str, old_key: Callable[[_Old], Any], new_key: Callable[[Incoming], Any]) -> None:
        """Pair equal keys in order of occurrence (any number on each side)."""
        if not free_old or not free_new:  # nothing left to pair (e.g. every row found by the first pass)
            return
        groups: dict[Any, list[int]] = defaultdict(list)
        for oi in sorted(free_old):
            k = old_key(olds[oi])
            if k is not None:
                groups[k].append(oi)
        for new in [by_index[i] for i in sorted(free_new)]:
            k = new_key(new)
            if k is not None and groups.get(k):
                take(new, groups[k].pop(0), name)

    def unique(name: str, old_key: Callable[[_Old], Any], new_key: Callable[[Incoming], Any]) -> None:
        """Pair keys that occur exactly once on each side."""
        if not free_old or not free_new:
            return
        olds_by: dict[Any, list[int]] = defaultdict(list)
        news_by: dict[Any, list[Incoming]] = defaultdict(list)
        for oi in free_old:
            k = old_key(olds[oi])
            if k is not None:
                olds_by[k].append(oi)
        for i in free_new:
            k = new_key(by_index[i])
            if k is not None:
                news_by[k].append(by_index[i])
        for k, news in sorted(news_by.items(), key=lambda kv: kv[1][0].index):
            if len(news) == 1 and len(olds_by.get(k, ())) == 1:
                take(news[0], olds_by[k][0], name)

    real = lambda o: not o.legacy  # noqa: E731
    # 1-2: same source
    in_order(
        "key_fingerprint",
        lambda o: (o.source_id, o.base, o.fingerprint) if real(o) and o.fingerprint else None,
        lambda n: (n.source_id, n.key, n.fingerprint),
    )
    in_order("key", lambda o: (o.source_id, o.base) if real(o) else None, lambda n: (n.source_id, n.key))
    # 3: migrated records not seen since: by the raw row's content hash in their source, then by place
    in_order(
        "migrated_content",
        lambda o: (o.source_id, o.obj.content_hash) if o.unconfirmed else None,
        lambda n: (n.source_id, n.content_hash) if n.content_hash else None,
    )
    in_order(
        "legacy_place",
        lambda o: (o.source_id, o.obj.spreadsheet, o.obj.worksheet, o.obj.row_number) if o.unconfirmed else None,
        lambda n: (n.source_id, *n.place),
    )
    # 4: moved to another source of the same kind
    moved = lambda o: o.movable and real(o) and o.kind is not None  # noqa: E731
    in_order(
        "moved_key_fingerprint",
        lambda o: (o.kind, o.base, o.fingerprint) if moved(o) and o.fingerprint else None,
        lambda n: (n.kind, n.key, n.fingerprint),
    )
    in_order("moved_key", lambda o: (o.kind, o.base) if moved(o) else None, lambda n: (n.kind, n.key))
    # 5: weaker keys, same source, unique on both sides
    for fb in FALLBACK_KINDS:
        unique(
            f"fallback_{fb}",
            lambda o, fb=fb: (o.source_id, k) if (k := _fallback(o.fallbacks, fb)) else None,
            lambda n, fb=fb: (n.source_id, k) if (k := _fallback(n.fallbacks, fb)) else None,
        )
    # 6: fingerprint, same source then moved
    unique("fingerprint", lambda o: (o.source_id, o.fingerprint) if o.fingerprint else None, lambda n: (n.source_id, n.fingerprint))
    unique(
        "moved_fingerprint",
        lambda o: (o.kind, o.fingerprint) if o.movable and o.fingerprint and o.kind else None,
        lambda n: (n.kind, n.fingerprint),
    )

    result.unmatched_records = [olds[i].obj for i in sorted(free_old)]
    return result


def pair_unique_firsts(
    records: Iterable[tuple[str, str | None, str | None]], incoming: Iterable[tuple[int, str, str, str]]
) -> dict[int, int]:
    """Pass 1 of ``match_records`` (same source, key and fingerprint) for the keys that occur
    exactly once on each side: incoming index -> position in ``records``.

    ``records`` = (source_id, row_key, fingerprint) of the stored records, ``incoming`` =
    (index, source_id, key, fingerprint) of tonight's rows. Pass 1 pairs each of its keys on its
    own, so such a pair is what ``match_records`` would make of it; everything else (keys held by
    several rows or records, records without a fingerprint, legacy keys) is left to
    ``match_records``, given only the rows and records not paired here. An unchanged night pairs
    nearly every row here, with no object per row."""
    olds: dict[tuple[str, str, str], int] = {}
    for pos, (source_id, row_key, fingerprint) in enumerate(records):
        if not fingerprint:
            continue
        base = row_key or ""
        if "#" in base:
            base = split_key(base)[0]
        if base.startswith(LEGACY_PREFIX):
            continue
        k = (source_id, base, fingerprint)
        olds[k] = -1 if k in olds else pos
    news: dict[tuple[str, str, str], int] = {}
    for index, source_id, key, fingerprint in incoming:
        k = (source_id, key, fingerprint)
        news[k] = -1 if k in news else index
    get = olds.get
    return {index: pos for k, index in news.items() if index >= 0 and (pos := get(k, -1)) >= 0}


class KeyBook:
    """Hands out stored row keys per source: ``key``, ``key#2``… never one held by any record."""

    def __init__(self, records: Iterable[Any] = (), keys: Iterable[tuple[str, str | None]] = ()):
        """``records`` (objects with ``source_id`` and ``row_key``) or ``keys`` ((source_id, row_key) pairs)."""
        self.taken: dict[str, set[str]] = defaultdict(set)
        for r in records:
            if r.row_key:
                self.taken[r.source_id].add(r.row_key)
        for source_id, row_key in keys:
            if row_key:
                self.taken[source_id].add(row_key)

    def keep_or_new(self, record: Any | None, source_id: str, key: str) -> str:
        if record is not None and record.source_id == source_id and split_key(record.row_key or "")[0] == key:
            return record.row_key
        taken = self.taken[source_id]
        n = 1
        while numbered(key, n) in taken:
            n += 1
        taken.add(numbered(key, n))
        return numbered(key, n)
