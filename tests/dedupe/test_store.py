"""Registry side, on SQLite and PostgreSQL: stable ids, nightly increments, staff loop, unmerge."""

from __future__ import annotations

import hashlib
import json
import random
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy
from openpyxl import Workbook
from sqlalchemy import func, select

from devtools.synthetic import make_pesel
from synergia.dedupe.store import UnmergeError, person_of, review_items, run_dedupe, unmerge
from synergia.registry.db import Registry
from synergia.registry.tables import Application, Person
from synergia.registry.tables_dedupe import DedupeAssignment, DedupeDecision, DedupeMerge
from synergia.sheets.owned import REVIEW
from synergia.sheets.review_tab import HEADER, build_rows, parse_decisions
from synergia.sheets.workbook import WorkbookBackend

TAB = REVIEW.default_name

P = "proj"
RNG = random.Random(11)


@pytest.fixture(params=["sqlite", "postgresql"])
def reg(request: pytest.FixtureRequest, tmp_path: Path) -> Registry:
    url = f"sqlite:///{tmp_path / 'r.db'}" if request.param == "sqlite" else request.getfixturevalue("pg_database")
    r = Registry(url)
    yield r
    r.dispose()


def add(session, data: dict, row: int) -> int:
    """What the nightly upsert does for a new row: an application with a person of its own."""
    person = Person(project=P)
    h = hashlib.sha256(json.dumps(data, sort_keys=True).encode()).hexdigest()
    app = Application(
        project=P,
        source_id="rekrutacja",
        spreadsheet="wb.xlsx",
        worksheet="Odpowiedzi",
        row_number=row,
        kind="recruitment",
        content_hash=h,
        data=data,
        person=person,
    )
    session.add(app)
    session.flush()
    return app.id


def persons(session) -> dict[int, int]:
    return dict(session.execute(select(Application.id, Application.person_id).where(Application.project == P)).all())


KASIA = {"first_name": "Katarzyna", "last_name": "Kowalska", "email": "kasia.k@wp.pl", "birth_date": "1990-03-07"}
KASIA2 = {"first_name": "Kasia", "last_name": "KOWALSKA", "email": "kasia.k@wp.pl", "phone": "600100200"}
KASIA3 = {"first_name": "Kasia", "last_name": "Kowalski", "phone": "+48 600 100 200", "organisation": "OSP"}
JAN = {"first_name": "Jan", "last_name": "Kowalski", "email": "kasia.k@wp.pl", "birth_date": "1961-01-01"}
NAMESAKE = {"first_name": "Katarzyna", "last_name": "Kowalska", "city": "Opole", "organisation": "OSP", "email": "kk@o2.pl"}


def test_applications_without_a_person_get_one_alone_or_with_their_cluster(reg: Registry) -> None:
    """An application with no person yet gets a new one: alone (a one-application cluster) and
    together with its duplicate (a cluster of two without persons), its move recorded; an
    application already with its person and alone is left as it is (no history row)."""
    with reg.session() as s:
        ids = [add(s, KASIA, 2), add(s, KASIA2, 3), add(s, JAN, 4), add(s, NAMESAKE, 5)]
        for a_id in ids[:3]:
            s.get(Application, a_id).person_id = None
        s.flush()
        before = persons(s)
        counts = run_dedupe(s, P)
    with reg.session() as s:
        after = persons(s)
        assert counts.persons_created == 2 and counts.applications_moved == 3 and counts.persons_merged == 0
        assert after[ids[0]] == after[ids[1]] is not None and after[ids[2]] not in (None, after[ids[0]])
        assert after[ids[3]] == before[ids[3]]
        moves = s.execute(select(DedupeAssignment.application_id, DedupeAssignment.old_person_id, DedupeAssignment.new_person_id)).all()
        assert sorted(moves) == sorted((a_id, None, after[a_id]) for a_id in ids[:3])


def test_a_first_night_reads_the_applications_data_in_one_pass(reg: Registry) -> None:
    """The first night (no application compared yet) reads the data with the list of active
    applications, not in a second pass over the table; a later night with a new row reads the
    data apart (an unchanged night does not read it at all). Same persons either way."""
    reads: list[str] = []  # passes over the active applications: their content or their data

    def seen(_conn, _cursor, statement, *_args) -> None:
        selected, _, rest = statement.partition("FROM applications")
        if rest and ("applications.data" in selected or "applications.content_hash" in selected):
            reads.append(statement)

    sqlalchemy.event.listen(reg.engine, "before_cursor_execute", seen)
    with reg.session() as s:
        ids = [add(s, KASIA, 2), add(s, KASIA2, 3), add(s, JAN, 4)]
        run_dedupe(s, P)
    first, reads[:] = len(reads), []
    with reg.session() as s:
        ids.append(add(s, KASIA3, 5))
        run_dedupe(s, P)
        after = persons(s)
    assert first == 1 and len(reads) == 2
    assert after[ids[0]] == after[ids[1]] != after[ids[2]]


def test_merges_keep_the_oldest_id_and_record_the_reason(reg: Registry) -> None:
    with reg.session() as s:
        ids = [add(s, KASIA, 2), add(s, KASIA2, 3), add(s, JAN, 4)]
        before = persons(s)
        counts = run_dedupe(s, P)
    with reg.session() as s:
        after = persons(s)
        assert after[ids[0]] == after[ids[1]] == min(before[ids[0]], before[ids[1]])
        assert after[ids[2]] == before[ids[2]]  # household e-mail did not pull Jan in
        merges = s.scalars(select(DedupeMerge)).all()
        assert [(m.survivor_person_id, m.merged_person_id, m.reason) for m in merges] == [
            (before[ids[0]], before[ids[1]], "zgodne: imię+nazwisko+e-mail")
        ]
        assert counts.persons_merged == 1 and counts.applications_moved == 1


def test_nightly_increments_attach_new_rows_and_never_reshuffle_ids(reg: Registry) -> None:
    with reg.session() as s:
        a, b = add(s, KASIA, 2), add(s, KASIA2, 3)
        run_dedupe(s, P)
    with reg.session() as s:
        first = persons(s)
        c = add(s, KASIA3, 4)  # new night: a third row of the same woman, phone only
        d = add(s, NAMESAKE, 5)
        counts = run_dedupe(s, P)
        assert counts.new_or_changed == 2
    with reg.session() as s:
        second = persons(s)
        assert second[a] == first[a] and second[b] == first[b]
        assert second[c] == first[a]
        assert second[d] != first[a]
        assert run_dedupe(s, P).new_or_changed == 0  # nothing new: nothing recompared
    with reg.session() as s:
        assert persons(s) == second


def test_a_corrected_application_that_now_contradicts_its_person_leaves_it(reg: Registry) -> None:
    """Staff fix the birth date of a row that was merged on name+e-mail: it is the
    father's row, not the son's. The row leaves the person (recorded as a split),
    the person keeps its id and its other rows, nothing is deleted; a correction that
    still fits changes nothing."""
    son = {"first_name": "Jan", "last_name": "Nowak", "email": "jan.nowak@wp.pl", "birth_date": "1990-05-01"}
    row = {"first_name": "Jan", "last_name": "Nowak", "email": "jan.nowak@wp.pl", "phone": "600100200"}
    with reg.session() as s:
        a, b = add(s, son, 2), add(s, row, 3)
        run_dedupe(s, P)
    with reg.session() as s:
        first = persons(s)
        assert first[a] == first[b]
        app = s.get(Application, b)  # a harmless correction (another phone format) first
        app.data = {**row, "phone": "+48 600 100 200"}
        app.content_hash = "changed-1"
        assert run_dedupe(s, P).applications_split == 0
    with reg.session() as s:
        assert persons(s) == first
        app = s.get(Application, b)  # now the birth date that makes it the father's row
        app.data = {**row, "birth_date": "1961-02-03"}
        app.content_hash = "changed-2"
        counts = run_dedupe(s, P)
        assert counts.applications_split == 1
    with reg.session() as s:
        after = persons(s)
        assert after[a] == first[a] and after[b] != first[a]
        moves = s.scalars(select(DedupeAssignment).where(DedupeAssignment.action == "split")).all()
        assert [(m.application_id, m.old_person_id, m.new_person_id) for m in moves] == [(b, first[a], after[b])]
        assert s.scalar(select(func.count()).select_from(Application)) == 2
        assert run_dedupe(s, P).applications_split == 0  # a rerun changes nothing
    with reg.session() as s:
        assert persons(s) == after


def test_staff_decisions_from_the_review_tab_survive_reruns(reg: Registry, tmp_path: Path) -> None:
    backend = WorkbookBackend(tmp_path)
    wb = Workbook()
    wb.active.title = "Odpowiedzi"
    wb.save(tmp_path / "wb.xlsx")
    # name+address with two different phones: a question for staff (a parent and child?)
    same_a = {
        "first_name": "Jan",
        "last_name": "Kowalski",
        "street": "ul. Polna 1",
        "postal_code": "00-001",
        "city": "Warszawa",
        "phone": "600100200",
    }
    same_b = {
        "first_name": "Jan",
        "last_name": "Kowalski",
        "street": "Polna 1",
        "postal_code": "00001",
        "city": "Warszawa",
        "birth_date": "1960-01-01",
        "phone": "700100200",
    }
    # the family phone, and one of them wrote someone else's mailbox (a mother and daughter?)
    other_a = {"first_name": "Anna", "last_name": "Nowak", "city": "Opole", "email": "anna.nowak@x.pl", "phone": "600300300"}
    other_b = {"first_name": "Anna", "last_name": "Nowak", "city": "Opole", "email": "halina.mroz@x.pl", "phone": "600300300"}

    def night(tab_values):
        parsed = parse_decisions(tab_values)
        with reg.session() as s:
            run_dedupe(s, P, decisions=parsed.decisions)
            rows = build_rows(review_items(s, P, parsed.pending_text))
        backend.write_tab("wb.xlsx", TAB, rows)
        return backend.read_tabs("wb.xlsx", [TAB]).tabs[TAB]

    with reg.session() as s:
        ids = [add(s, same_a, 2), add(s, same_b, 3), add(s, other_a, 4), add(s, other_b, 5)]
    tab = night(None)
    assert tab[0] == HEADER and len(tab) == 3
    keys = {row[0]: row for row in tab[1:]}
    key_jan, key_anna = f"{ids[0]}-{ids[1]}", f"{ids[2]}-{ids[3]}"
    assert set(keys) == {key_jan, key_anna}
    row = keys[key_jan]
    assert row[HEADER.index("Imię A")] == "Jan" and row[HEADER.index("Data urodzenia B")] == "1960-01-01"
    # staff answer: Jan is one person, the two Annas are not; a third answer is unreadable and kept
    for r in tab[1:]:
        r[1] = "TAK" if r[0] == key_jan else "nie"
    tab = night(tab)
    assert len(tab) == 1  # both pairs decided: tab is empty again
    with reg.session() as s:
        p = persons(s)
        assert p[ids[0]] == p[ids[1]] and p[ids[2]] != p[ids[3]]
        assert s.scalar(select(func.count()).select_from(DedupeDecision)) == 2
    # later nights: decisions stay in force even with an empty tab and new rows arriving
    with reg.session() as s:
        add(s, {"first_name": "Anna", "last_name": "Nowak", "email": "halina.mroz@x.pl", "phone": "600300300"}, 6)
    tab = night(tab)
    with reg.session() as s:
        p = persons(s)
        assert p[ids[0]] == p[ids[1]] and p[ids[2]] != p[ids[3]]


def test_unreadable_answers_stay_in_the_tab(reg: Registry) -> None:
    with reg.session() as s:
        a = add(s, {"first_name": "Jan", "last_name": "Lis", "street": "Polna 1", "postal_code": "00-001", "email": "jl@x.pl"}, 2)
        b = add(
            s,
            {
                "first_name": "Jan",
                "last_name": "Lis",
                "street": "Polna 1",
                "postal_code": "00-001",
                "birth_date": "1950-01-01",
                "email": "lis@y.pl",
            },
            3,
        )
        run_dedupe(s, P)
        rows = build_rows(review_items(s, P))
    rows[1][1] = "chyba tak?"
    parsed = parse_decisions(rows)
    assert parsed.decisions == [] and parsed.unreadable == 1
    with reg.session() as s:
        run_dedupe(s, P, decisions=parsed.decisions)
        again = build_rows(review_items(s, P, parsed.pending_text))
    assert again[1][0] == f"{a}-{b}" and again[1][1] == "chyba tak?"


def test_unmerge_keeps_every_application_and_the_history(reg: Registry) -> None:
    p = make_pesel(date(1980, 2, 3), True, RNG)
    with reg.session() as s:
        a = add(s, {"first_name": "Ewa", "last_name": "Lis", "pesel": p}, 2)
        b = add(s, {"first_name": "Ewa", "last_name": "Lis", "pesel": p, "email": "ewa@x.pl"}, 3)
        c = add(s, {"first_name": "Ewa", "last_name": "Lis", "email": "ewa@x.pl"}, 4)
        original = persons(s)
        run_dedupe(s, P)
    with reg.session() as s:
        merged = persons(s)
        survivor = merged[a]
        assert merged[b] == merged[c] == survivor
        with pytest.raises(UnmergeError):
            unmerge(s, P, survivor, [a, b, c])
        target = unmerge(s, P, survivor, [c])
    with reg.session() as s:
        after = persons(s)
        assert set(after) == {a, b, c}  # nothing lost
        assert after[c] == target == original[c]  # its own old id came back
        assert after[a] == after[b] == survivor
        moves = s.scalars(select(DedupeAssignment).where(DedupeAssignment.application_id == c).order_by(DedupeAssignment.id)).all()
        assert [(m.action, m.old_person_id, m.new_person_id) for m in moves] == [
            ("merge", original[c], survivor),
            ("unmerge", survivor, original[c]),
        ]
        assert person_of(s, P, original[b]) == survivor and person_of(s, P, original[c]) == original[c]
        run_dedupe(s, P)  # the next night does not undo the split
    with reg.session() as s:
        assert persons(s) == after
        add(s, {"first_name": "Ewa", "last_name": "Lis", "email": "ewa@x.pl", "phone": "600000001"}, 5)
        run_dedupe(s, P)
    with reg.session() as s:
        final = persons(s)
        assert final[a] != final[c]


def test_registry_result_equals_the_pure_core_on_synthetic_data(tmp_path: Path) -> None:
    """A few thousand applications in one night: persons = clusters of the pure core, ids = oldest per cluster."""
    from devtools.synthetic import generate_records
    from synergia.dedupe.engine import deduplicate

    rows, _truth = generate_records(3000, seed=8)
    reg = Registry(f"sqlite:///{tmp_path / 'big.db'}")
    try:
        with reg.session() as s:
            ids = {}
            for n, row in enumerate(rows, start=2):
                data = {k: v for k, v in row.items() if v and k != "record_id"}
                ids[add(s, data, n)] = row["record_id"]
            before = persons(s)
        with reg.session() as s:
            counts = run_dedupe(s, P)
        with reg.session() as s:
            after = persons(s)
            assert run_dedupe(s, P).new_or_changed == 0
        core = deduplicate(rows)
        cluster_of = {rid: n for n, members in enumerate(core.clusters) for rid in members}
        by_cluster: dict[int, set[int]] = {}
        for app_id, pid in after.items():
            by_cluster.setdefault(cluster_of[ids[app_id]], set()).add(pid)
        assert all(len(p) == 1 for p in by_cluster.values())  # one person per core cluster
        assert len(set(after.values())) == len(core.clusters)
        for app_id, pid in after.items():  # survivor is the oldest person of its cluster
            members = [a for a in after if cluster_of[ids[a]] == cluster_of[ids[app_id]]]
            assert pid == min(before[a] for a in members)
        assert counts.persons_merged == len(rows) - len(core.clusters)
    finally:
        reg.dispose()
