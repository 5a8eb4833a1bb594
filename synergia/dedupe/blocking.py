"""Candidate pairs from several blocking keys (never an all-pairs pass).

Each key catches a different kind of duplicate: identifiers and contacts catch
name changes and typos in names (an id number also with each digit left out in
turn, so two numbers one typo apart meet), the birth date with an initial catches a new
contact with typos in the names, the name with a place (postcode, town,
organisation) and the address keys feed the staff review (a name alone never
merges, so no looser name keys); the street with its house number and the town
catch a surname typo in its first letters, names typed in swapped fields or a
missing postcode at one home. Oversized blocks (a placeholder e-mail
used by hundreds of rows) are skipped: they carry no evidence.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING

from synergia.dedupe.normalize import NormRecord

if TYPE_CHECKING:  # numpy is imported where used: a forked worker starts normalising without it
    import numpy as np

MAX_BLOCK = 300


def blocking_keys(r: NormRecord) -> Iterable[tuple[str, ...]]:
    """The record's blocking keys, as tuples (kind, values...): cheaper to build and
    hash than joined strings, and no separator can be confused with a value."""
    if r.pesel:
        yield ("p", r.pesel)
    if r.other_id:
        yield ("o", r.other_id)
        if len(r.other_id) >= 6:  # one digit dropped in turn: ids one typo apart meet
            oid = r.other_id
            for k in range(len(oid)):
                yield ("d", oid[:k], oid[k + 1 :])
    if r.email:
        yield ("e", r.email)
    if r.phone:
        yield ("t", r.phone)
    fn, ln = r.fn_canon, r.ln_root
    if fn and ln:  # a name alone never merges; with a place it can go to review
        if r.postal:
            yield ("n", fn, ln, r.postal)
        if r.city:
            yield ("n", fn, ln, r.city)
        if r.org:
            yield ("n", fn, ln, r.org)
    if r.dob:  # birth date + an initial: survives a typo in either name
        if r.fn:
            yield ("b", r.dob, r.fn[0])
        if r.ln:  # same prefix as the first initial: names typed in swapped fields meet
            yield ("b", r.dob, r.ln[0])
    if r.postal and ln and r.fn:  # a typo in the first name and another house number
        yield ("l", ln, r.postal, r.fn[0])
    if r.postal and ln and r.street:
        yield ("a", r.postal, r.street[:4], ln[:2])
    if r.street and r.city:  # no name, no postcode: a surname typo, swapped names or no postcode
        yield ("s", r.street, r.city)


def key_hashes(records: Iterable[NormRecord]) -> tuple[list[int], list[int]]:
    """(key hashes, record idx of each): keys by their 64-bit hash, a collision
    only adds a pair that compare() rejects. A forked worker computes the same
    hashes (it inherits the hash seed), so it can hash the records it normalised."""
    ks: list[int] = []
    vs: list[int] = []
    for r in records:
        n = len(ks)
        ks += map(hash, blocking_keys(r))
        vs += [r.idx] * (len(ks) - n)
    return ks, vs


def candidate_pairs(
    records: Sequence[NormRecord],
    new: Sequence[bool] | None = None,
    max_block: int = MAX_BLOCK,
    hashed: tuple[Sequence[int], Sequence[int]] | None = None,
) -> list[tuple[int, int]]:
    """Distinct index pairs (i < j) sharing at least one key, sorted.

    With ``new`` given, only pairs with at least one new record are returned
    (old pairs were decided in earlier runs). Pairs are produced per block
    size with numpy, so 100k records take a fraction of a second. ``hashed``:
    ``key_hashes(records)`` when already computed (in the order of any split)."""
    i, j = candidate_pair_arrays(records, new, max_block, hashed)
    return list(zip(i.tolist(), j.tolist()))


def candidate_pair_arrays(
    records: Sequence[NormRecord],
    new: Sequence[bool] | None = None,
    max_block: int = MAX_BLOCK,
    hashed: tuple[Sequence[int], Sequence[int]] | None = None,
) -> tuple[np.ndarray, np.ndarray]:
    """``candidate_pairs`` as two index arrays (first, second)."""
    import numpy as np

    ks, vs = hashed if hashed is not None else key_hashes(records)
    n = len(records)
    none = np.zeros(0, dtype=np.int64)
    if len(ks) == 0:
        return none, none
    k_arr = np.asarray(ks, dtype=np.int64)
    v_arr = np.asarray(vs, dtype=np.int64)
    order = np.lexsort((v_arr, k_arr))
    k_arr, v_arr = k_arr[order], v_arr[order]
    starts = np.flatnonzero(np.r_[True, k_arr[1:] != k_arr[:-1]])
    sizes = np.diff(np.r_[starts, len(k_arr)])
    codes = []
    for m in _unique(sizes).tolist():
        if m < 2 or m > max_block:
            continue
        block_starts = starts[sizes == m]
        members = v_arr[block_starts[:, None] + np.arange(m)[None, :]]  # (blocks, m), sorted within a row
        a, b = np.triu_indices(m, 1)
        i, j = members[:, a].ravel(), members[:, b].ravel()
        keep = i != j
        codes.append(i[keep] * n + j[keep])
    if not codes:
        return none, none
    uniq = _unique(np.concatenate(codes))
    i, j = np.divmod(uniq, n)
    if new is not None:
        mask = np.asarray(new, dtype=bool)
        sel = mask[i] | mask[j]
        i, j = i[sel], j[sel]
    return i, j


def _unique(a: np.ndarray) -> np.ndarray:
    """``np.unique(a)`` by sorting: numpy 2's hash-based ``unique`` takes ~40x longer on 64-bit codes."""
    import numpy as np

    a = np.sort(a)
    return a[np.r_[True, a[1:] != a[:-1]]] if len(a) else a


def components(n: int, edges: Sequence[tuple[np.ndarray, np.ndarray]]) -> np.ndarray:
    """Connected-component label (its smallest member) of each of ``n`` nodes.

    Roots hook onto the smaller root of each edge, then pointers jump until
    every node points at its root; a few rounds even for a component of
    30k records (numpy, no Python loop per edge)."""
    import numpy as np

    labels = np.arange(n, dtype=np.int64)
    if not edges:
        return labels
    i = np.concatenate([e[0] for e in edges]).astype(np.int64, copy=False)
    j = np.concatenate([e[1] for e in edges]).astype(np.int64, copy=False)
    while True:
        li, lj = labels[i], labels[j]
        differ = li != lj
        if not differ.any():
            return labels
        i, j, li, lj = i[differ], j[differ], li[differ], lj[differ]
        lo, hi = np.minimum(li, lj), np.maximum(li, lj)
        # hook each larger root onto a smaller one (several candidates: any will do) ...
        order = np.lexsort((lo, hi))[::-1]  # per hi, its smallest lo written last
        labels[hi[order]] = lo[order]
        # ... then jump pointers until each node points at a root
        while True:
            nxt = labels[labels]
            if np.array_equal(nxt, labels):
                break
            labels = nxt
