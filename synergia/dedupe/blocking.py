"""Candidate pairs from several blocking keys (never an all-pairs pass).

Each key catches a different kind of duplicate: identifiers and contacts catch
name changes and typos in names, the birth date catches a new
contact with typos in the names, the exact name and the address keys
feed the staff review (a name alone never merges, so no looser name keys). Oversized blocks (a placeholder e-mail
used by hundreds of rows) are skipped: they carry no evidence.
"""
from __future__ import annotations

from collections import defaultdict
from itertools import combinations
from typing import Iterable, Sequence

from synergia.dedupe.names import KNOWN, canonical_first_name
from synergia.dedupe.normalize import NormRecord, surname_root

MAX_BLOCK = 300


def blocking_keys(r: NormRecord) -> Iterable[str]:
    if r.pesel:
        yield "p" + r.pesel
    if r.other_id:
        yield "o" + r.other_id
    if r.email:
        yield "e" + r.email
    if r.phone:
        yield "t" + r.phone
    fn, ln = r.fn_canon, r.ln_root
    if fn and ln:
        yield f"n{fn}|{ln}"
        if not r.fn_known and r.ln in KNOWN:  # first and last name swapped
            yield f"n{canonical_first_name(r.ln)}|{surname_root(r.fn)}"
    if r.dob:  # a birth date alone is selective (a placeholder date makes an oversized block)
        yield "b" + r.dob
    if r.postal and ln and r.street:
        yield f"a{r.postal}|{r.street[:4]}|{ln[:2]}"


def candidate_pairs(
    records: Sequence[NormRecord], new: Sequence[bool] | None = None, max_block: int = MAX_BLOCK
) -> list[tuple[int, int]]:
    """Distinct index pairs (i < j) sharing at least one key.

    With ``new`` given, only pairs with at least one new record are returned
    (old pairs were decided in earlier runs)."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for r in records:
        for k in blocking_keys(r):
            blocks[k].append(r.idx)
    n = len(records)
    seen: set[int] = set()
    for members in blocks.values():
        m = len(members)
        if m < 2 or m > max_block:
            continue
        if m == 2:
            i, j = members
            seen.add(i * n + j if i < j else j * n + i)
            continue
        for i, j in combinations(sorted(set(members)), 2):
            seen.add(i * n + j)
    pairs = [divmod(code, n) for code in seen]
    if new is not None:
        pairs = [(i, j) for i, j in pairs if new[i] or new[j]]
    pairs.sort()
    return pairs
