"""Numbering, revisions, revocation and verification codes in a real registry (SQLite; PostgreSQL when available)."""

from __future__ import annotations

import threading
import time
import uuid
from datetime import date

import pytest
from sqlalchemy import func, select

from synergia.certificates.register import CertificateRegister, RegisterError, revoke_number, verify
from synergia.registry.db import Registry
from synergia.registry.tables import Person
from synergia.registry.tables_certificates import Certificate, CertificateRevision

FMT = "{prefix}/{year}/{seq:04d}"


def persons(registry, n, project="cert-test"):
    with registry.session() as s:
        ps = [Person(project=project) for _ in range(n)]
        s.add_all(ps)
        s.flush()
        return [p.id for p in ps]


def issue(registry, person_ids, *, on=date(2026, 3, 1), content=None, project="cert-test", cycle="dt"):
    with registry.session() as s:
        reg = CertificateRegister(s, project=project, number_format=FMT, prefix="SYN", issue_date=on)
        return [reg.issue(pid, cycle, content or {"name": f"Osoba {pid}"}) for pid in person_ids]


def test_numbers_are_sequential_per_project_and_year(registry):
    a, b, c, d = persons(registry, 4)
    assert [i.number for i in issue(registry, [a, b])] == ["SYN/2026/0001", "SYN/2026/0002"]
    assert [i.number for i in issue(registry, [c], on=date(2027, 1, 2))] == ["SYN/2027/0001"]
    other = persons(registry, 1, project="other")[0]
    assert issue(registry, [other], project="other")[0].number == "SYN/2026/0001"
    assert issue(registry, [d])[0].number == "SYN/2026/0003"


def test_rolled_back_run_hands_out_nothing_and_revoked_numbers_are_never_reused(registry):
    a, b, c = persons(registry, 3)
    issue(registry, [a])
    with pytest.raises(RuntimeError):
        with registry.session() as s:
            reg = CertificateRegister(s, project="cert-test", number_format=FMT, prefix="SYN", issue_date=date(2026, 3, 1))
            reg.issue(b, "dt", {"name": "x"})
            raise RuntimeError("crash before commit")
    with registry.session() as s:
        revoke_number(s, project="cert-test", number="SYN/2026/0001", reason="błąd w liście obecności")
    assert [i.number for i in issue(registry, [b, c])] == ["SYN/2026/0002", "SYN/2026/0003"]
    with registry.session() as s:
        numbers = s.scalars(select(Certificate.number).order_by(Certificate.seq)).all()
        assert numbers == ["SYN/2026/0001", "SYN/2026/0002", "SYN/2026/0003"]
        with pytest.raises(RegisterError):
            revoke_number(s, project="cert-test", number="SYN/2026/0001", reason="again")
        with pytest.raises(RegisterError):
            revoke_number(s, project="cert-test", number="SYN/2026/9999", reason="none")


def test_changed_data_keeps_the_number_and_raises_the_revision(registry):
    (a,) = persons(registry, 1)
    first = issue(registry, [a], content={"name": "Jan Kowalsky"})[0]
    same = issue(registry, [a], content={"name": "Jan Kowalsky"})[0]
    fixed = issue(registry, [a], content={"name": "Jan Kowalski"}, on=date(2026, 4, 1))[0]
    assert (first.outcome, same.outcome, fixed.outcome) == ("new", "unchanged", "reissued")
    assert fixed.number == first.number and fixed.revision == 2
    with registry.session() as s:
        revs = s.scalars(select(CertificateRevision).order_by(CertificateRevision.revision)).all()
        assert [r.revision for r in revs] == [1, 2]
        assert [r.data["content"]["name"] for r in revs] == ["Jan Kowalsky", "Jan Kowalski"]
        assert revs[0].verification_code != revs[1].verification_code
        assert verify(s, revs[0].verification_code).status == "superseded"
        v = verify(s, revs[1].verification_code)
        assert (v.status, v.number, v.revision, v.issued_on) == ("valid", first.number, 2, date(2026, 4, 1))
        assert verify(s, "nie-ma-takiego-kodu").status == "unknown"


def test_verification_codes_are_random_and_long_enough(registry):
    ids = persons(registry, 30)
    issue(registry, ids)
    with registry.session() as s:
        codes = s.scalars(select(CertificateRevision.verification_code)).all()
    assert len(set(codes)) == 30
    import base64

    for code in codes:
        raw = base64.urlsafe_b64decode(code + "=" * (-len(code) % 4))
        assert len(raw) * 8 >= 64 and not code.startswith("-")


def test_auto_revoked_certificate_is_reinstated_under_its_number_but_staff_revocation_sticks(registry):
    a, b, c = persons(registry, 3)
    issue(registry, [a, b, c])
    with registry.session() as s:
        reg = CertificateRegister(s, project="cert-test", number_format=FMT, prefix="SYN", issue_date=date(2026, 3, 2))
        assert reg.revoke_ineligible("dt", still_eligible={b, c}, keep=set()) == (["SYN/2026/0001"], 0)
        revoke_number(s, project="cert-test", number="SYN/2026/0002", reason="rezygnacja")
    with registry.session() as s:
        code_a = s.scalars(select(CertificateRevision.verification_code).join(Certificate).where(Certificate.person_id == a)).one()
        assert verify(s, code_a).status == "revoked"
    back = issue(registry, [a, b])  # same content: the printout they hold is valid again, no new revision
    assert [(i.number, i.revision, i.outcome) for i in back] == [("SYN/2026/0001", 1, "reinstated"), ("SYN/2026/0002", 1, "kept_revoked")]
    with registry.session() as s:
        assert verify(s, code_a).status == "valid"
        reg = CertificateRegister(s, project="cert-test", number_format=FMT, prefix="SYN", issue_date=date(2026, 3, 3))
        reg.revoke_ineligible("dt", still_eligible={b, c}, keep=set())
    changed = issue(registry, [a], content={"name": "Osoba poprawiona"})[0]
    assert (changed.number, changed.revision, changed.outcome) == ("SYN/2026/0001", 2, "reinstated")


def test_mass_auto_revocation_is_held_back(registry):
    ids = persons(registry, 10)
    issue(registry, ids)
    with registry.session() as s:
        reg = CertificateRegister(s, project="cert-test", number_format=FMT, prefix="SYN", issue_date=date(2026, 3, 2))
        assert reg.revoke_ineligible("dt", still_eligible=set(ids[3:]), keep=set(), limit_share=0.2) == ([], 3)
        assert reg.revoke_ineligible("dt", still_eligible=set(ids[2:]), keep={ids[0]}, limit_share=0.2) == (
            [reg.by_key[(ids[1], "dt")].number],
            0,
        )
        assert reg.revoke_ineligible("other-cycle", still_eligible=set(), keep=set()) == ([], 0)
    with registry.session() as s:
        assert s.scalar(select(func.count()).where(Certificate.status == "revoked")) == 1


@pytest.mark.both_backends
def test_concurrent_runs_never_share_a_number(registry):
    """Four runs at once, two of them racing for the same people: one certificate each, gap-free numbers."""
    project = f"race-{uuid.uuid4().hex[:8]}"
    ids = persons(registry, 30, project=project)
    groups = [ids[0:10], ids[10:20], ids[20:30], ids[0:10]]  # the last one races the first for the same people
    errors: list[BaseException] = []
    barrier = threading.Barrier(len(groups))

    def run(group):
        engine_registry = Registry(registry.url, auto_migrate=False)
        try:
            barrier.wait()
            with engine_registry.session() as s:
                reg = CertificateRegister(s, project=project, number_format=FMT, prefix="SYN", issue_date=date(2026, 5, 1))
                for pid in group:
                    reg.issue(pid, "dt", {"name": f"Osoba {pid}"})
                    time.sleep(0.002)  # keep the transactions overlapping
        except BaseException as exc:
            errors.append(exc)
        finally:
            engine_registry.dispose()

    threads = [threading.Thread(target=run, args=(g,)) for g in groups]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    with registry.session() as s:
        rows = s.execute(select(Certificate.person_id, Certificate.seq).where(Certificate.project == project)).all()
    assert sorted(seq for _, seq in rows) == list(range(1, 31))
    assert sorted(pid for pid, _ in rows) == sorted(ids)
