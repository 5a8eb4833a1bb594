"""Issue date is a decision: completion date for a back-dated project, run date for a live one."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import select

from synergia.certificates.pdf import CertificateRenderer
from synergia.certificates.service import decided_issue_date, issue_certificates
from synergia.registry.tables_certificates import Certificate, CertificateRevision
from synergia.storage.local import LocalStorage
from tests.certificates.test_service import people  # noqa: F401 - fixture


@pytest.fixture(scope="module")
def renderer(project):
    return CertificateRenderer(project)


def issued(registry) -> dict[int, tuple[str, date]]:
    with registry.session() as s:
        return {
            c.person_id: (c.number, r.issued_on)
            for c, r in s.execute(
                select(Certificate, CertificateRevision).join(CertificateRevision, CertificateRevision.certificate_id == Certificate.id)
            )
        }


def with_policy(project, policy: str):
    cycles = [c.model_copy(update={"issue_date": policy}) for c in project.certificates.cycles]
    return project.model_copy(update={"certificates": project.certificates.model_copy(update={"cycles": cycles})})


def test_back_dated_project_dates_certificates_by_completion(registry, project, renderer, people, tmp_path):  # noqa: F811
    # the project ran in 2026; the pipeline first runs on 1 March 2027
    issue_certificates(registry, project, LocalStorage(tmp_path), renderer=renderer, issue_date=date(2027, 3, 1))
    got = issued(registry)
    # last attended sessions: Zofia and Marek dt-2 session 3 (09.04.2026), Ewa the workshop (05.05.2026)
    assert got[people["zofia"]][1] == date(2026, 4, 9) and got[people["marek"]][1] == date(2026, 4, 9)
    assert got[people["ewa"]][1] == date(2026, 5, 5)
    # numbered in the year of the issue date, not of the run
    assert all(number.startswith("SYN/2026/") for number, _ in got.values())


def test_live_project_dates_certificates_by_the_run(registry, project, renderer, people, tmp_path):  # noqa: F811
    issue_certificates(registry, project, LocalStorage(tmp_path), renderer=renderer, issue_date=date(2026, 6, 1))
    assert {d for _, d in issued(registry).values()} == {date(2026, 6, 1)}


def test_policy_per_cycle(registry, project, renderer, people, tmp_path):  # noqa: F811
    issue_certificates(registry, with_policy(project, "completion"), LocalStorage(tmp_path), renderer=renderer, issue_date=date(2026, 6, 1))
    assert issued(registry)[people["zofia"]][1] == date(2026, 4, 9)  # completion even while the project runs


def test_run_policy_keeps_the_run_date_after_the_period(registry, project, renderer, people, tmp_path):  # noqa: F811
    issue_certificates(registry, with_policy(project, "run"), LocalStorage(tmp_path), renderer=renderer, issue_date=date(2027, 3, 1))
    assert {d for _, d in issued(registry).values()} == {date(2027, 3, 1)}


@pytest.mark.parametrize(
    "policy,run,done,expected",
    [
        ("auto", date(2027, 1, 5), date(2026, 4, 9), date(2026, 4, 9)),
        ("auto", date(2026, 4, 20), date(2026, 4, 9), date(2026, 4, 20)),
        ("auto", date(2027, 1, 5), date(2027, 1, 2), date(2026, 12, 31)),  # a session typed after the end: kept inside
        ("completion", date(2026, 4, 20), date(2025, 12, 1), date(2026, 1, 1)),
        ("completion", date(2026, 4, 20), None, date(2026, 4, 20)),
        ("run", date(2027, 1, 5), date(2026, 4, 9), date(2027, 1, 5)),
    ],
)
def test_decided_issue_date(policy, run, done, expected):
    assert decided_issue_date(policy, run, done, date(2026, 1, 1), date(2026, 12, 31)) == expected
