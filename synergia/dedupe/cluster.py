"""Constrained clustering: merge strongest evidence first, never through a veto.

Plain connected components would chain a household together (A~B by e-mail,
B~C by phone). Here a merge of two groups is refused when *any* two records
across them veto each other or carry a staff "NIE", so every final cluster is
veto-free. Edges are processed in a fixed order (score, then record ids), so
the result does not depend on input order.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Hashable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from operator import attrgetter, itemgetter
from typing import TYPE_CHECKING, Any, NamedTuple

from synergia.dedupe.blocking import candidate_pair_arrays, components
from synergia.dedupe.compare import (
    ADDRESS,
    EMAIL,
    PLACE,
    R_AMBIGUOUS,
    R_CHAIN_CONFLICT,
    R_NAME_ADDRESS_CLEAN,
    R_NAME_EMAIL_OTHER_PHONE,
    R_ONLY_NAMESAKE,
    R_OWN_ORGANISATION,
    R_STAFF_YES,
    V_DOB,
    WEAK_KINDS,
    Outcome,
    Thresholds,
    compare,
    dates_soft,
    plain_vetoes,
    veto,
    veto_fields,
)
from synergia.dedupe.normalize import NormRecord
from synergia.dedupe.score import NO_FREQUENCIES, Frequencies, frequencies
from synergia.parallel import fork_pair, worth_forking

if TYPE_CHECKING:  # imported where used (see blocking.py)
    import numpy as np


class Link(NamedTuple):
    """A pair of records with the reason (merged, or waiting for staff). A named
    tuple: 100k records make ~50k links, and a frozen dataclass is 5x dearer to build."""

    a: Any
    b: Any
    score: float
    reason: str


@dataclass
class ClusterResult:
    clusters: list[list[Any]]  # record ids, each cluster sorted, clusters sorted
    merges: list[Link] = field(default_factory=list)  # accepted links (why records are together)
    reviews: list[Link] = field(default_factory=list)  # uncertain pairs across different clusters
    vetoed: int = 0
    pairs_compared: int = 0

    def cluster_of(self) -> dict[Any, int]:
        return {rid: n for n, members in enumerate(self.clusters) for rid in members}

    def reason_of(self) -> dict[Any, str]:
        """Per record: the reason of the first link that attached it."""
        out: dict[Any, str] = {}
        for link in self.merges:
            out.setdefault(link.a, link.reason)
            out.setdefault(link.b, link.reason)
        return out


def _rid_key(rid: Any) -> tuple[int, Any]:
    return (0, rid) if isinstance(rid, int) else (1, str(rid))


def _sort_keys(records: Sequence[NormRecord]) -> list:
    """Per record a key ordering like ``_rid_key``; the ids themselves when all
    are ``str`` or all ``int`` (comparing plain values is much faster)."""
    rids = [r.rid for r in records]
    types = set(map(type, rids))
    if types == {str} or types == {int}:
        return rids
    return [_rid_key(rid) for rid in rids]


def pair_key(a: Any, b: Any) -> tuple[Any, Any]:
    """Order-free key of a record pair."""
    return (a, b) if _rid_key(a) <= _rid_key(b) else (b, a)


def _explained_dates(
    recs: Sequence[NormRecord], members: Sequence[int], typed: set[frozenset[str]], freq: Frequencies
) -> set[frozenset[str]]:
    """Which of the ``typed`` pairs of birth dates (one keystroke apart) two records of
    ``members`` (both groups) show to be one date mistyped: they carry the two dates
    and do not veto each other (names and address or a contact agree). The typo is then
    the person's, whichever of their forms carries it: a form with the other date is no
    second person. Whichever group holds that pair, the answer is the same."""
    out: set[frozenset[str]] = set()
    by_date: dict[str, list[NormRecord]] = defaultdict(list)
    for m in members:
        r = recs[m]
        if r.dob:
            by_date[r.dob].append(r)
    for dates in typed:
        d1, d2 = sorted(dates)
        if any(not veto(x, y, None, freq) for x in by_date.get(d1, ()) for y in by_date.get(d2, ())):
            out.add(dates)
    return out


class _Groups:
    """Union-find keeping member lists, for veto checks across groups."""

    def __init__(self, records: Sequence[NormRecord], cannot: Mapping[int, set[int]], freq: Frequencies = NO_FREQUENCIES):
        self.records = records
        self.freq = freq
        self.parent = list(range(len(records)))
        self.members: dict[int, list[int]] = {}
        self.cannot = cannot

    def find(self, i: int) -> int:
        p = self.parent
        while p[i] != i:
            p[i] = p[p[i]]
            i = p[i]
        return i

    def group(self, root: int) -> list[int]:
        return self.members.get(root) or [root]

    def conflict(self, ra: int, rb: int, check_veto: bool, checked: tuple[int, int] | None = None) -> bool:
        """Do groups ``ra`` and ``rb`` hold a staff "NIE" or (``check_veto``) a
        vetoed pair? ``checked``: the edge being merged, already compared and
        not vetoed (two single records need no second look)."""
        ma, mb = self.group(ra), self.group(rb)
        if self.cannot:
            for x in ma:
                for y in self.cannot.get(x, ()):
                    if self.find(y) == rb:
                        return True
        if check_veto and not (checked is not None and len(ma) == 1 and len(mb) == 1):
            recs, freq = self.records, self.freq
            typed: set[frozenset[str]] = set()  # birth dates one keystroke apart, refused in some pair
            for x in ma:
                rx = recs[x]
                for y in mb:
                    ry = recs[y]
                    v = veto(rx, ry, None, freq)
                    if not v:
                        continue
                    if v != V_DOB or not dates_soft(rx.dob, ry.dob):
                        return True
                    typed.add(frozenset((rx.dob, ry.dob)))
            if typed:
                return not typed <= _explained_dates(recs, ma + mb, typed, freq)
        return False

    def union(self, i: int, j: int, check_veto: bool = True, scored: bool = False) -> bool:
        """Merge the groups of ``i`` and ``j`` unless they conflict; ``scored``:
        the pair (i, j) itself was compared and not vetoed."""
        ra, rb = self.find(i), self.find(j)
        if ra == rb:
            return True
        if self.conflict(ra, rb, check_veto, (i, j) if scored else None):
            return False
        ma, mb = self.group(ra), self.group(rb)
        if len(ma) < len(mb):
            ra, rb, ma, mb = rb, ra, mb, ma
        self.parent[rb] = ra
        self.members.pop(rb, None)
        self.members[ra] = ma + mb
        return True


def _accept(g: _Groups, edge: tuple, merged: list[tuple], review: list[tuple], phase: int) -> None:
    neg, ka, kb, i, j, reason, kind = edge
    if g.find(i) == g.find(j):
        return
    if g.union(i, j, scored=True):
        merged.append((phase, neg, ka, kb, i, j, -neg, reason))
    else:
        review.append((neg, ka, kb, i, j, f"{R_CHAIN_CONFLICT} ({reason})", kind))


def _fits_several(g: _Groups, records: Sequence[NormRecord], x: int, ys: set[int]) -> int | None:
    """Does ``x`` link by contact to two groups that cannot be one person?

    Returns -1 when it does and nothing tells them apart; a member of the one
    group whose contacts with ``x`` strictly include those of every rival (the
    father's own e-mail beside the family phone) when one does; None when
    there is no rivalry. Links to the other groups then go to staff."""
    if len(ys) < 2:
        return None
    own = g.find(x)
    by_root: dict[int, int] = {}
    for y in ys:
        by_root.setdefault(g.find(y), y)
    by_root.pop(own, None)
    roots = sorted(by_root)
    if len(roots) < 2:
        return None
    rivals: dict[int, list[int]] = {}
    for k, ra in enumerate(roots):
        for rb in roots[k + 1 :]:
            if g.conflict(ra, rb, check_veto=True):
                rivals.setdefault(ra, []).append(rb)
                rivals.setdefault(rb, []).append(ra)
    if not rivals:
        return None
    mine = _contacts(records[x])
    shared = {r: mine & _group_contacts(g, records, r) for r in rivals}
    best = [r for r in rivals if all(shared[r] > shared[o] for o in rivals[r])]
    if len(best) == 1 and all(o in rivals[best[0]] for o in rivals if o != best[0]):
        return by_root[best[0]]
    return -1


def _emails_phones(g: _Groups, records: Sequence[NormRecord], root: int) -> tuple[set[str], set[str]]:
    members = [records[m] for m in g.group(root)]
    return {r.email for r in members if r.email}, {r.phone for r in members if r.phone}


def _contacts_contradict(g: _Groups, records: Sequence[NormRecord], ra: int, rb: int) -> bool:
    """Both groups gave e-mails (or phones) and none is shared."""
    (ea, pa), (eb, pb) = _emails_phones(g, records, ra), _emails_phones(g, records, rb)
    return bool(ea and eb and ea.isdisjoint(eb)) or bool(pa and pb and pa.isdisjoint(pb))


def _same_organisation(g: _Groups, records: Sequence[NormRecord], ra: int, rb: int) -> bool:
    """Both groups name one organisation. It is the person's own (the NGO or office they
    represent): a household shares an address, a phone, a mailbox, not a workplace, so the
    same organisation explains another e-mail or phone as a new contact of one person."""
    own = {records[m].org for m in g.group(ra)}
    own.discard("")
    return bool(own) and any(records[m].org in own for m in g.group(rb))


def _contact_note(g: _Groups, records: Sequence[NormRecord], ra: int, rb: int) -> str | None:
    """May the groups merge on a name with an address or a town (phases 3 and 4)? None when one
    gave an e-mail or phone the other lacks and no shared organisation explains it as a new
    contact; else what the reason adds ("" or ``R_OWN_ORGANISATION``)."""
    if not _contacts_contradict(g, records, ra, rb):
        return ""
    return R_OWN_ORGANISATION if _same_organisation(g, records, ra, rb) else None


def _phones_differ(g: _Groups, records: Sequence[NormRecord], ra: int, rb: int) -> bool:
    """Both groups gave phones and none is shared (one family mailbox, two people)."""
    pa, pb = _emails_phones(g, records, ra)[1], _emails_phones(g, records, rb)[1]
    return bool(pa and pb and pa.isdisjoint(pb))


def _namesake_at_home(g: _Groups, records: Sequence[NormRecord], by_home: Mapping[tuple[str, str], list[int]], i: int, j: int) -> bool:
    """Does a third person with this name, who cannot be either group, live at this address?"""
    ra, rb = g.find(i), g.find(j)
    for r in (records[i], records[j]):
        for k in by_home.get((r.name_key, r.street), ()):
            rk = g.find(k)
            if rk not in (ra, rb) and (g.conflict(rk, ra, check_veto=True) or g.conflict(rk, rb, check_veto=True)):
                return True
    return False


def _not_this_one(g: _Groups, only: Mapping[int, int], x: int, y: int) -> bool:
    """Is ``x`` restricted to another group than ``y``'s (or to none)?"""
    choice = only.get(x)
    if choice is None:
        return False
    return choice < 0 or g.find(choice) != g.find(y)


def _contacts(r: NormRecord) -> frozenset[str]:
    """A record's e-mail and phone (an e-mail has an '@', a phone never has)."""
    if r.email and r.phone:
        return frozenset((r.email, r.phone))
    if r.email:
        return frozenset((r.email,))
    return frozenset((r.phone,)) if r.phone else frozenset()


def _namesake_household(g: _Groups, records: Sequence[NormRecord], by_contact: Mapping[tuple[str, str], list[int]], i: int, j: int) -> bool:
    """Does another person with this name use the very contacts that link
    ``i`` and ``j`` (a father and son sharing a phone)? Then they prove nothing.
    A contact of the pair that this namesake never used (the father's own
    e-mail beside the family phone) still tells them apart.

    ``by_contact``: (contact, name key) -> records, so only namesakes are looked at."""
    ri, rj = records[i], records[j]
    shared = [c for c in (ri.email, ri.phone) if c and (c == rj.email or c == rj.phone)]
    names = {ri.name_key, rj.name_key} - {""}
    ra = rb = -1
    seen: set[int] = set()
    for contact in shared:
        for name in names:
            for k in by_contact.get((contact, name), ()):
                if k in (i, j):
                    continue
                if ra < 0:
                    ra, rb = g.find(i), g.find(j)
                rk = g.find(k)
                if rk in (ra, rb) or rk in seen:
                    continue
                seen.add(rk)
                if not frozenset(shared) <= _group_contacts(g, records, rk):
                    continue  # i and j share a contact this namesake never used: it cannot explain the link
                if g.conflict(rk, ra, check_veto=True) or g.conflict(rk, rb, check_veto=True):
                    return True
    return False


def _group_contacts(g: _Groups, records: Sequence[NormRecord], root: int) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for m in g.group(root):
        out |= _contacts(records[m])
    return out


def _score_pairs(
    records: Sequence[NormRecord],
    pairs: Sequence[tuple[int, int]],
    lo: int,
    hi: int,
    thresholds: Thresholds,
    keys: Sequence[int],
    freq: Frequencies = NO_FREQUENCIES,
) -> tuple[list[tuple], list[tuple], int]:
    """Score ``pairs[lo:hi]`` -> (merge edges, review edges, vetoed count); edges are
    (-score, rank, rank, i, j, reason, kind) in pair order, plain tuples (cheap to send back)."""
    same: list[tuple] = []
    review: list[tuple] = []
    vetoed = 0
    SAME_, REVIEW_ = Outcome.SAME, Outcome.REVIEW
    recs, decide, add_same, add_review = records, compare, same.append, review.append  # hot loop: local names
    for i, j in pairs[lo:hi]:
        d = decide(recs[i], recs[j], thresholds, freq)
        if d.outcome is SAME_:
            ka, kb = keys[i], keys[j]
            add_same((-d.score, ka, kb, i, j, d.reason, d.kind) if ka <= kb else (-d.score, kb, ka, i, j, d.reason, d.kind))
        elif d.outcome is REVIEW_:
            ka, kb = keys[i], keys[j]
            add_review((-d.score, ka, kb, i, j, d.reason, d.kind) if ka <= kb else (-d.score, kb, ka, i, j, d.reason, d.kind))
        elif d.veto:
            vetoed += 1
    return same, review, vetoed


def _place_keys(r: NormRecord) -> list[tuple[str, str]]:
    """(name, town / organisation / postcode) keys of a named record."""
    keys = []
    if r.city:
        keys.append((r.name_key, "c" + r.city))
    if r.org:
        keys.append((r.name_key, "o" + r.org))
    if r.postal:
        keys.append((r.name_key, "p" + r.postal))
    return keys


def _namesake_indexes(records: Sequence[NormRecord], members: Iterable[int], places: bool) -> tuple[dict, dict, dict]:
    """(contact, name), (name, street) over ``members`` and, with ``places``, (name, place)
    over every record -> records: where a namesake who shares a contact, a home or a town
    is looked for. A namesake in a town is only asked whether it is in one of two groups
    (``_only_namesakes``), and one outside this part never is: so the town index covers all
    records and needs no tie between the parts (towns tied most of a 100k night into one)."""
    by_contact: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_home: dict[tuple[str, str], list[int]] = defaultdict(list)
    by_place: dict[tuple[str, str], list[int]] = defaultdict(list)
    for i in members:
        r = records[i]
        if r.name_key:
            if r.email:
                by_contact[(r.email, r.name_key)].append(i)
            if r.phone:
                by_contact[(r.phone, r.name_key)].append(i)
            if r.street:
                by_home[(r.name_key, r.street)].append(i)
    if places:
        for r in records:
            if r.name_key:
                for key in _place_keys(r):
                    by_place[key].append(r.idx)
    return by_contact, by_home, by_place


def _only_namesakes(g: _Groups, records: Sequence[NormRecord], by_place: Mapping[tuple[str, str], list[int]], ra: int, rb: int) -> bool:
    """Is every record with this name in these towns / organisations one of the two groups?"""
    for m in g.group(ra) + g.group(rb):
        for key in _place_keys(records[m]):
            for k in by_place.get(key, ()):
                rk = g.find(k)
                if rk != ra and rk != rb:
                    return False
    return True


def namesake_tie_hashes(records: Iterable[NormRecord], places: bool = False) -> tuple[list[int], list[int]]:
    """(hashes, record idx) of the keys ``_namesake_indexes`` files records under; a
    forked worker computes the same hashes for the records it normalised."""
    hs: list[int] = []
    idx: list[int] = []
    for r in records:
        if r.name_key:
            if r.email:
                hs.append(hash((r.email, r.name_key)))
                idx.append(r.idx)
            if r.phone:
                hs.append(hash((r.phone, r.name_key)))
                idx.append(r.idx)
            if r.street:
                hs.append(hash((r.name_key, r.street, 0)))
                idx.append(r.idx)
            if places:
                for key in _place_keys(r):
                    hs.append(hash(key))
                    idx.append(r.idx)
    return hs, idx


def _namesake_ties(ties: tuple[Sequence[int], Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Edges between records filed under one namesake key (by hash: a collision only
    ties two more records into one part)."""
    import numpy as np

    h, v = np.asarray(ties[0], dtype=np.int64), np.asarray(ties[1], dtype=np.int64)
    order = np.argsort(h, kind="stable")
    h, v = h[order], v[order]
    same = np.flatnonzero(h[1:] == h[:-1])
    return v[same], v[same + 1]


def _worker_side(
    g: _Groups, n: int, pi: np.ndarray, pj: np.ndarray, ties: tuple[Sequence[int], Sequence[int]], share: float = 0.5
) -> np.ndarray:
    """Records for the worker process: whole connected parts (a candidate pair that is
    scored, a shared contact or home of namesakes, or a group formed before scoring ties
    records into one part; not a town: see ``_namesake_indexes``), about half of the pairs.

    ``pi``, ``pj``: the pairs that reach ``compare`` (not those ``plain_vetoes`` refuses: such
    a pair is never scored, so it makes no edge nor review and joins nothing; as ties they
    chained ~95 % of a 100k night into one part, leaving the worker almost idle). ``share``:
    about how much of the work stays in this process (it may have other work beside)."""
    import numpy as np

    edges = [(pi, pj), _namesake_ties(ties)]
    grouped = [(i, r) for i in range(n) if (r := g.find(i)) != i] if g.members else []
    if grouped:
        edges.append(tuple(map(np.asarray, zip(*grouped))))
    labels = components(n, edges)
    weight = np.bincount(labels[pi], minlength=n) + np.bincount(labels, minlength=n)
    loads = [0, 0]
    worker_part = np.zeros(n, dtype=bool)
    for label in np.argsort(-weight, kind="stable").tolist():
        w = int(weight[label])
        if w == 0:
            break
        side = loads[1] * share < loads[0] * (1 - share)
        loads[side] += w
        worker_part[label] = side
    return worker_part[labels]


def _merge_part(
    g: _Groups,
    records: Sequence[NormRecord],
    members: Iterable[int],
    pairs: Sequence[tuple[int, int]],
    thresholds: Thresholds,
    keys: Sequence[int],
    places: bool,
) -> tuple[list[tuple], list[tuple], int]:
    """Score ``pairs`` and merge in four phases -> (merges as (phase, -score, rank, rank,
    i, j, score, reason) in the order made, review edges, vetoed count). Parts that share
    no pair, contact, home or town under one name give the same merges apart as together. ``places``: also
    look up namesakes in the same town that were not compared (incremental nights)."""
    by_contact, by_home, _ = _namesake_indexes(records, members, False)
    by_place: dict | None = None  # over every record: built when phase 4 first asks (~0.5 s at 100k)
    same, review, vetoed = _score_pairs(records, pairs, 0, len(pairs), thresholds, keys, g.freq)
    merged: list[tuple] = []
    same.sort()
    # 1) strong evidence (PESEL, birth date, id number) first
    contact: list[tuple] = []
    for edge in same:
        if edge[6] in WEAK_KINDS:
            contact.append(edge)
            continue
        _accept(g, edge, merged, review, 1)
    # 2) shared-contact links, unless the record fits two people who veto each other
    neighbours: dict[int, set[int]] = defaultdict(set)
    for _n, _a, _b, i, j, _r, _k in contact:
        neighbours[i].add(j)
        neighbours[j].add(i)
    only: dict[int, int] = {}  # record -> a member of the one group it may join by contact (-1: none)
    for x, ys in neighbours.items():
        choice = _fits_several(g, records, x, ys)
        if choice is not None:
            only[x] = choice
    for edge in contact:
        i, j = edge[3], edge[4]
        if g.find(i) == g.find(j):
            continue  # already one person
        if _not_this_one(g, only, i, j) or _not_this_one(g, only, j, i) or _namesake_household(g, records, by_contact, i, j):
            if g.find(i) != g.find(j):
                review.append((*edge[:5], R_AMBIGUOUS, edge[6]))
            continue
        ri, rj = g.find(i), g.find(j)
        if edge[6] == EMAIL and _phones_differ(g, records, ri, rj) and not _same_organisation(g, records, ri, rj):
            review.append((*edge[:5], R_NAME_EMAIL_OTHER_PHONE, edge[6]))
            continue
        _accept(g, edge, merged, review, 2)

    # 3) name+address (a parent and child can share both) once the groups are known:
    #    only when neither group has an e-mail or phone the other lacks and no
    #    namesake who conflicts with them lives at that address
    review.sort()
    for neg, ka, kb, i, j, reason, kind in review:
        if kind != ADDRESS or reason.startswith((R_CHAIN_CONFLICT, R_AMBIGUOUS)):
            continue
        ra, rb = g.find(i), g.find(j)
        if ra == rb:
            continue
        note = _contact_note(g, records, ra, rb)
        if note is None or _namesake_at_home(g, records, by_home, i, j):
            continue
        if g.union(i, j):
            merged.append((3, neg, ka, kb, i, j, -neg, R_NAME_ADDRESS_CLEAN + note))

    # 4) the same full name in one town or organisation, nothing else shared: merged
    #    only when each of the two people is the other's only namesake there (a
    #    name-only attendance row and the one registration it can belong to)
    namesakes: dict[int, set[int]] = defaultdict(set)
    for _neg, _ka, _kb, i, j, _reason, kind in review:
        if kind in (PLACE, ADDRESS):
            ra, rb = g.find(i), g.find(j)
            if ra != rb:
                namesakes[ra].add(rb)
                namesakes[rb].add(ra)
    for neg, ka, kb, i, j, reason, kind in review:
        if kind != PLACE or reason.startswith((R_CHAIN_CONFLICT, R_AMBIGUOUS)):
            continue
        ra, rb = g.find(i), g.find(j)
        if ra == rb or namesakes[ra] != {rb} or namesakes[rb] != {ra}:
            continue
        note = _contact_note(g, records, ra, rb)
        if note is None:
            continue
        if places and by_place is None:
            by_place = _namesake_indexes(records, (), True)[2]
        if places and not _only_namesakes(g, records, by_place, ra, rb):
            continue  # another person of this name there, compared on an earlier night
        if g.union(i, j):
            merged.append((4, neg, ka, kb, i, j, -neg, R_ONLY_NAMESAKE + note))
    return merged, review, vetoed


def cluster_records(
    records: Sequence[NormRecord],
    thresholds: Thresholds = Thresholds(),
    must_link: Iterable[tuple[Hashable, Hashable]] = (),
    cannot_link: Iterable[tuple[Hashable, Hashable]] = (),
    groups: Mapping[Hashable, Hashable] | None = None,
    new: Iterable[Hashable] | None = None,
    processes: int | None = None,
    hashed: tuple[Sequence[int], Sequence[int]] | None = None,
    ties: tuple[Sequence[int], Sequence[int]] | None = None,
    redo_here: bool = False,
    alongside: Callable[[], None] | None = None,
    parent_share: float = 0.5,
) -> ClusterResult:
    """Cluster ``records`` (each ``idx`` must equal its position).

    ``groups`` maps record id -> existing person id: records of one existing
    person start together. ``new`` limits comparisons to pairs touching a new
    record (incremental nights). ``must_link``/``cannot_link`` are staff
    decisions on record-id pairs; "NIE" wins over "TAK". ``processes``: None =
    score and merge a large batch in two processes (in parts that share no
    pair, contact or home: the result is the same), 1 = in this one;
    ``hashed``, ``ties``: the records' ``key_hashes`` and ``namesake_tie_hashes`` (without
    ``places``: towns tie no parts) if already computed (by the processes that
    normalised them). ``redo_here``: a worker that
    fails, dies or stays silent has its part computed in this process (``parallel.fork_pair``;
    inside a threaded Prefect task). ``alongside``: the caller's work that needs nothing from
    the result (database writes), done here while a forked worker matches its part (which is
    then about ``1 - parent_share`` of the work), or first when nothing is forked."""
    import numpy as np

    must_link, cannot_link = list(must_link), list(cannot_link)
    # record id -> position, for staff decisions only (none in a plain file run)
    index = {r.rid: r.idx for r in records} if must_link or cannot_link else {}
    cannot: dict[int, set[int]] = defaultdict(set)
    for a, b in cannot_link:
        if a in index and b in index:
            cannot[index[a]].add(index[b])
            cannot[index[b]].add(index[a])
    g = _Groups(records, cannot, frequencies(records))
    merges: list[Link] = []

    if groups:
        # records of one existing person start together; a person of one record (most of a
        # first night: each application got its own) joins nothing, so only shared ids are listed
        pid_at = list(map(groups.get, map(attrgetter("rid"), records)))
        shared = {pid for pid, k in Counter(pid_at).items() if k > 1 and pid is not None}
        by_group: dict[Hashable, list[int]] = defaultdict(list)
        if shared:
            for i, pid in enumerate(pid_at):
                if pid in shared:
                    by_group[pid].append(i)  # records[i].idx == i
        for members in by_group.values():
            for x in members[1:]:
                g.union(members[0], x, check_veto=False)
    for a, b in sorted((pair_key(a, b) for a, b in must_link), key=lambda p: (_rid_key(p[0]), _rid_key(p[1]))):
        if a in index and b in index and g.union(index[a], index[b], check_veto=False):
            merges.append(Link(a, b, 1.0, R_STAFF_YES))

    # a night that compares only new records cannot see namesakes compared on earlier nights
    places = new is not None
    new_mask = None
    if new is not None:
        new_set = set(new)
        new_mask = [r.rid in new_set for r in records]
    pi, pj = candidate_pair_arrays(records, new_mask, hashed=hashed)
    # rank of each record in record-id order: edges sort on ints, clusters come out sorted
    order = sorted(range(len(records)), key=_sort_keys(records).__getitem__)
    keys = [0] * len(records)
    for pos, i in enumerate(order):
        keys[i] = pos

    # pairs refused for a plain reason (two PESELs, birth years, sexes) are found for all
    # pairs at once and never reach the per-pair comparison: about half of them
    plain = plain_vetoes(veto_fields(records), pi, pj)

    def part(side: np.ndarray | None) -> tuple[list[tuple], list[tuple], int]:
        sel = ~plain if side is None else side[pi] & ~plain
        pairs = list(zip(pi[sel].tolist(), pj[sel].tolist()))
        refused = int(plain.sum() if side is None else (side[pi] & plain).sum())
        members = range(len(records)) if side is None else np.flatnonzero(side).tolist()
        merged, review, vetoed = _merge_part(g, records, members, pairs, thresholds, keys, places)
        return merged, review, vetoed + refused

    if worth_forking(len(records), processes):
        # independent parts (no pair, shared contact or home, staff group across them),
        # one per process; the worker sends back its merges and the groups it formed
        if ties is None:
            ties = namesake_tie_hashes(records)  # no towns: ``_namesake_indexes`` covers every record there
        scored = ~plain
        theirs = _worker_side(g, len(records), pi[scored], pj[scored], ties, parent_share if alongside else 0.5)
        del scored

        def mine() -> tuple[list[tuple], list[tuple], int]:
            if alongside is not None:
                alongside()
            return part(~theirs)

        def worker() -> tuple[list[tuple], list[tuple], int, list[tuple[int, int]]]:
            merged, review, vetoed = part(theirs)
            find = g.find
            roots = [(i, r) for i in np.flatnonzero(theirs).tolist() if (r := find(i)) != i]
            return merged, review, vetoed, roots

        (merged, review, vetoed), (merged2, review2, vetoed2, roots) = fork_pair(mine, worker, redo_here=redo_here)
        for i, r in roots:
            g.parent[i] = r
        merged += merged2
        merged.sort()
        review += review2
        review.sort()
        vetoed += vetoed2
        del merged2, review2, roots
    else:
        if alongside is not None:
            alongside()
        merged, review, vetoed = part(None)
    rid_at = [records[i].rid for i in order]  # rank -> record id: a merge's (ka, kb) is already pair_key order
    merges += [Link(rid_at[ka], rid_at[kb], score, reason) for _phase, _neg, ka, kb, _i, _j, score, reason in merged]

    # final clusters, deterministic order: ranks, members and clusters sorted by record id
    by_root: dict[int, list[int]] = defaultdict(list)
    find = g.find
    for pos, i in enumerate(order):
        by_root[find(i)].append(pos)
    clusters = [[rid_at[pos] for pos in m] for m in sorted(by_root.values(), key=itemgetter(0))]

    # one review pair per pair of clusters, strongest first, skipping decided pairs
    decided = {tuple(sorted((keys[index[a]], keys[index[b]]))) for a, b in cannot_link if a in index and b in index}
    best: dict[tuple[int, int], tuple] = {}
    for edge in review:  # sorted above: strongest first, then record-id order
        ra, rb = g.find(edge[3]), g.find(edge[4])
        if ra == rb or (edge[1], edge[2]) in decided:
            continue
        best.setdefault((min(ra, rb), max(ra, rb)), edge)
    reviews = [
        Link(*pair_key(records[i].rid, records[j].rid), -neg, reason)
        for neg, _ka, _kb, i, j, reason, _kind in sorted(best.values(), key=lambda e: (e[1], e[2]))
    ]
    return ClusterResult(clusters, merges, reviews, vetoed, len(pi))
