"""Registry side of deduplication: read applications, move person ids, keep history.

``run_dedupe`` matches the project's active applications (only pairs touching
new or changed ones: earlier pairs were decided on earlier nights), merges
persons into the oldest one (lowest id, so ids never reshuffle), writes one
``DedupeMerge`` with its reason per folded person and one ``DedupeAssignment``
per moved application, and keeps the open review pairs. ``unmerge`` splits a
wrong merge without losing an application or a line of history and records
cannot-links so the next run does not redo it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from synergia.counts import Counts
from synergia.dedupe.cluster import Link, cluster_records
from synergia.dedupe.compare import Thresholds, veto
from synergia.dedupe.engine import no_gc
from synergia.dedupe.normalize import normalize_record
from synergia.registry.base import utcnow
from synergia.registry.tables import Application, Person
from synergia.registry.tables_dedupe import DedupeAssignment, DedupeDecision, DedupeMerge, DedupeReview, DedupeSeen
from synergia.sheets.review_tab import ReviewItem, StaffDecision


class UnmergeError(ValueError):
    """An unmerge request that does not fit the registry (messages carry ids only)."""


@dataclass
class DedupeCounts(Counts, step="dedupe", merged=("extra",)):
    applications: int = 0
    new_or_changed: int = 0
    compared_pairs: int = 0
    vetoed_pairs: int = 0
    persons_merged: int = 0
    applications_moved: int = 0
    persons_created: int = 0
    decisions_recorded: int = 0
    reviews_open: int = 0
    reviews_new: int = 0
    reviews_closed: int = 0
    conflicting_decisions: int = 0
    applications_split: int = 0
    extra: dict = field(default_factory=dict)


def _pair(a: int, b: int) -> tuple[int, int]:
    return (a, b) if a < b else (b, a)


def record_decisions(
    session: Session, project: str, decisions: Iterable[StaffDecision], source: str = "review_tab", now: datetime | None = None
) -> int:
    """Store staff decisions for good (a later answer on the same pair replaces the earlier one)."""
    now = now or utcnow()
    existing = {
        (d.application_a, d.application_b): d for d in session.scalars(select(DedupeDecision).where(DedupeDecision.project == project))
    }
    reviews = {
        (r.application_a, r.application_b): r
        for r in session.scalars(select(DedupeReview).where(DedupeReview.project == project, DedupeReview.status == "open"))
    }
    n = 0
    for dec in decisions:
        a, b = _pair(dec.a, dec.b)
        row = existing.get((a, b))
        if row is None:
            row = DedupeDecision(project=project, application_a=a, application_b=b, same=dec.same, source=source, decided_at=now)
            session.add(row)
            existing[(a, b)] = row
            n += 1
        elif row.same != dec.same:
            row.same, row.source, row.decided_at = dec.same, source, now
            n += 1
        review = reviews.get((a, b))
        if review is not None:
            review.status, review.closed_at = "decided", now
    session.flush()
    return n


def run_dedupe(
    session: Session,
    project: str,
    thresholds: Thresholds = Thresholds(),
    decisions: Sequence[StaffDecision] = (),
    now: datetime | None = None,
) -> DedupeCounts:
    """One deduplication pass over a project's active applications, in the caller's transaction."""
    now = now or utcnow()
    counts = DedupeCounts()
    counts.decisions_recorded = record_decisions(session, project, decisions, now=now)
    if counts.decisions_recorded:  # the audit log counts staff answers read from the review tab (no data)
        from synergia.rodo.audit import record as audit_record

        audit_record(session, project, "dedupe_decisions", operator="review_tab", details={"recorded": counts.decisions_recorded})

    apps = list(
        session.scalars(select(Application).where(Application.project == project, Application.active.is_(True)).order_by(Application.id))
    )
    counts.applications = len(apps)
    if not apps:
        return counts
    by_id = {a.id: a for a in apps}
    seen = {
        s.application_id: s
        for s in session.scalars(
            select(DedupeSeen).join(Application, Application.id == DedupeSeen.application_id).where(Application.project == project)
        )
    }
    new_ids = [a.id for a in apps if a.id not in seen or seen[a.id].content_hash != a.content_hash]
    counts.new_or_changed = len(new_ids)

    must, cannot = [], []
    for d in session.scalars(select(DedupeDecision).where(DedupeDecision.project == project)):
        (must if d.same else cannot).append((d.application_a, d.application_b))
    counts.conflicting_decisions = sum(
        1 for a, b in cannot if a in by_id and b in by_id and by_id[a].person_id is not None and by_id[a].person_id == by_id[b].person_id
    )

    with no_gc():
        records = [normalize_record(a.data or {}, i, a.id) for i, a in enumerate(apps)]
        counts.applications_split = _split_contradicted(session, project, apps, records, new_ids, seen, now)
        groups = {a.id: a.person_id for a in apps if a.person_id is not None}
        # processes=1: this runs inside a (threaded) Prefect task, where forking is not safe
        result = cluster_records(records, thresholds, must_link=must, cannot_link=cannot, groups=groups, new=new_ids, processes=1)
    counts.compared_pairs, counts.vetoed_pairs = result.pairs_compared, result.vetoed

    old_pid = {a.id: a.person_id for a in apps}
    for members in result.clusters:
        pids = sorted({old_pid[m] for m in members if old_pid[m] is not None})
        if pids:
            survivor = pids[0]
        else:
            person = Person(project=project, created_at=now)
            session.add(person)
            session.flush()
            survivor = person.id
            counts.persons_created += 1
        merge_rows: dict[int, DedupeMerge] = {}
        for folded in pids[1:]:
            link = _evidence(result.merges, members, old_pid, folded)
            row = DedupeMerge(
                project=project,
                survivor_person_id=survivor,
                merged_person_id=folded,
                application_a=link.a if link else None,
                application_b=link.b if link else None,
                reason=(link.reason if link else "połączone przez inne zgłoszenia tej osoby")[:200],
                score=link.score if link else 1.0,
                created_at=now,
            )
            session.add(row)
            merge_rows[folded] = row
            counts.persons_merged += 1
        if merge_rows:
            session.flush()
            # applications no longer active follow their person too (history stays whole)
            for app in session.scalars(
                select(Application).where(
                    Application.project == project, Application.person_id.in_(list(merge_rows)), Application.active.is_(False)
                )
            ):
                session.add(
                    DedupeAssignment(
                        project=project,
                        application_id=app.id,
                        old_person_id=app.person_id,
                        new_person_id=survivor,
                        merge_id=merge_rows[app.person_id].id,
                        action="merge",
                        created_at=now,
                    )
                )
                app.person_id = survivor
        for m in members:
            app = by_id[m]
            if app.person_id == survivor:
                continue
            merge = merge_rows.get(app.person_id) if app.person_id is not None else None
            session.add(
                DedupeAssignment(
                    project=project,
                    application_id=m,
                    old_person_id=app.person_id,
                    new_person_id=survivor,
                    merge_id=merge.id if merge else None,
                    action="merge",
                    created_at=now,
                )
            )
            app.person_id = survivor
            counts.applications_moved += 1

    _update_reviews(session, project, result.reviews, by_id, must, cannot, counts, now)
    for a_id in new_ids:
        s = seen.get(a_id)
        if s is None:
            session.add(DedupeSeen(application_id=a_id, content_hash=by_id[a_id].content_hash, seen_at=now))
        else:
            s.content_hash, s.seen_at = by_id[a_id].content_hash, now
    session.flush()
    return counts


def _split_contradicted(
    session: Session, project: str, apps: Sequence[Application], records: Sequence, new_ids: Sequence[int], seen: dict, now: datetime
) -> int:
    """A corrected application that now vetoes another application of its person
    (another valid PESEL, another birth date, ...) leaves that person for a new one
    before matching, so tonight's run places it afresh: the person keeps its id and
    its other applications, the move is recorded (``split``), nothing is deleted."""
    fresh = set(new_ids)
    changed = [i for i, a in enumerate(apps) if a.id in fresh and a.id in seen and a.person_id is not None]
    if not changed:
        return 0
    members: dict[int, list[int]] = defaultdict(list)
    for i, a in enumerate(apps):
        if a.person_id is not None:
            members[a.person_id].append(i)
    split = 0
    for i in changed:
        app = apps[i]
        others = [j for j in members[app.person_id] if j != i]
        if not any(veto(records[i], records[j]) for j in others):
            continue
        members[app.person_id].remove(i)
        person = Person(project=project, created_at=now)
        session.add(person)
        session.flush()
        session.add(
            DedupeAssignment(
                project=project,
                application_id=app.id,
                old_person_id=app.person_id,
                new_person_id=person.id,
                merge_id=None,
                action="split",
                created_at=now,
            )
        )
        app.person_id = person.id
        members[person.id].append(i)
        split += 1
    return split


def _evidence(merges: Iterable[Link], members: Iterable[int], old_pid: dict[int, int | None], folded: int) -> Link | None:
    """The strongest link tying person ``folded`` to the rest of its new cluster."""
    inside = set(members)
    for link in merges:  # already strongest-first within each phase
        if link.a in inside and link.b in inside:
            pa, pb = old_pid.get(link.a), old_pid.get(link.b)
            if (pa == folded) != (pb == folded):
                return link
    return None


def _update_reviews(
    session: Session,
    project: str,
    links: Iterable[Link],
    by_id: dict[int, Application],
    must: Iterable[tuple[int, int]],
    cannot: Iterable[tuple[int, int]],
    counts: DedupeCounts,
    now: datetime,
) -> None:
    decided = {_pair(a, b) for a, b in list(must) + list(cannot)}
    open_rows = {
        (r.application_a, r.application_b): r for r in session.scalars(select(DedupeReview).where(DedupeReview.project == project))
    }
    for link in links:
        a, b = _pair(int(link.a), int(link.b))
        if (a, b) in decided:
            continue
        row = open_rows.get((a, b))
        if row is None:
            row = DedupeReview(
                project=project, application_a=a, application_b=b, reason=link.reason[:200], score=link.score, status="open", created_at=now
            )
            session.add(row)
            open_rows[(a, b)] = row
            counts.reviews_new += 1
        elif row.status == "obsolete":
            row.status, row.closed_at, row.reason, row.score = "open", None, link.reason[:200], link.score
            counts.reviews_new += 1
    for (a, b), row in open_rows.items():
        if row.status != "open":
            continue
        app_a, app_b = by_id.get(a), by_id.get(b)
        if app_a is None or app_b is None or app_a.person_id == app_b.person_id or (a, b) in decided:
            row.status, row.closed_at = "obsolete", now
            counts.reviews_closed += 1
        else:
            counts.reviews_open += 1


def review_items(session: Session, project: str, pending_text: dict[tuple[int, int], str] | None = None) -> list[ReviewItem]:
    """Open review pairs with both applications' data, for the staff tab."""
    pending_text = pending_text or {}
    rows = list(session.scalars(select(DedupeReview).where(DedupeReview.project == project, DedupeReview.status == "open")))
    ids = sorted({r.application_a for r in rows} | {r.application_b for r in rows})
    apps: dict[int, Application] = {}
    for start in range(0, len(ids), 5000):  # bounded IN lists (SQLite variable limit)
        chunk = ids[start : start + 5000]
        apps.update(
            {a.id: a for a in session.scalars(select(Application).where(Application.project == project, Application.id.in_(chunk)))}
        )
    items = []
    for r in rows:
        a, b = apps.get(r.application_a), apps.get(r.application_b)
        if a is None or b is None:
            continue
        items.append(
            ReviewItem(
                a=a.id,
                b=b.id,
                reason=r.reason,
                score=r.score,
                data_a=a.data or {},
                data_b=b.data or {},
                source_a=_label(a),
                source_b=_label(b),
                person_a=a.person_id,
                person_b=b.person_id,
                decision_text=pending_text.get((r.application_a, r.application_b), ""),
            )
        )
    return items


def _label(app: Application) -> str:
    return f"{app.source_id} / {app.worksheet}, wiersz {app.row_number}"


def unmerge(session: Session, project: str, person_id: int, application_ids: Sequence[int], now: datetime | None = None) -> int:
    """Split ``application_ids`` off person ``person_id``; returns the person id they get.

    The applications go back to the person they came from when that person is
    now empty (its id is restored), otherwise to a new person. Every
    application stays; moves are recorded; the two sides get cannot-links."""
    now = now or utcnow()
    moving = {int(a) for a in application_ids}
    apps = list(session.scalars(select(Application).where(Application.project == project, Application.person_id == person_id)))
    have = {a.id for a in apps}
    if not moving:
        raise UnmergeError("Podaj zgłoszenia do odłączenia (no applications given).")
    if not moving <= have:
        raise UnmergeError(f"Zgłoszenia {sorted(moving - have)} nie należą do osoby {person_id} (applications not of person {person_id}).")
    staying = have - moving
    if not staying:
        raise UnmergeError(f"Osoba {person_id} zostałaby pusta (nothing would stay with person {person_id}).")

    origins = set()
    for app_id in moving:
        last = session.scalars(
            select(DedupeAssignment)
            .where(
                DedupeAssignment.project == project,
                DedupeAssignment.application_id == app_id,
                DedupeAssignment.new_person_id == person_id,
                DedupeAssignment.action == "merge",
            )
            .order_by(DedupeAssignment.id.desc())
            .limit(1)
        ).first()
        origins.add(last.old_person_id if last else None)
    target: int | None = None
    if len(origins) == 1 and None not in origins:
        (candidate,) = origins
        holders = session.scalars(
            select(Application.id).where(Application.project == project, Application.person_id == candidate).limit(1)
        ).first()
        former = session.get(Person, candidate)
        if holders is None and former is not None and former.project == project:
            target = candidate
    if target is None:
        person = Person(project=project, created_at=now)
        session.add(person)
        session.flush()
        target = person.id
    for app in apps:
        if app.id in moving:
            session.add(
                DedupeAssignment(
                    project=project,
                    application_id=app.id,
                    old_person_id=person_id,
                    new_person_id=target,
                    merge_id=None,
                    action="unmerge",
                    created_at=now,
                )
            )
            app.person_id = target
    for m in session.scalars(
        select(DedupeMerge).where(
            DedupeMerge.project == project,
            DedupeMerge.survivor_person_id == person_id,
            DedupeMerge.merged_person_id == target,
            DedupeMerge.undone_at.is_(None),
        )
    ):
        m.undone_at = now
    record_decisions(
        session, project, [StaffDecision(a, b, False) for a in sorted(moving) for b in sorted(staying)], source="unmerge", now=now
    )
    session.flush()
    return target


def person_of(session: Session, project: str, person_id: int) -> int:
    """Where a (possibly merged-away) person id of ``project`` lives now: follows active merges."""
    seen = set()
    while person_id not in seen:
        seen.add(person_id)
        row = session.scalars(
            select(DedupeMerge)
            .where(DedupeMerge.project == project, DedupeMerge.merged_person_id == person_id, DedupeMerge.undone_at.is_(None))
            .order_by(DedupeMerge.id.desc())
            .limit(1)
        ).first()
        if row is None:
            return person_id
        person_id = row.survivor_person_id
    return person_id
