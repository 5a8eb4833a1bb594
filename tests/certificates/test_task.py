"""The Prefect task in a real flow run: counts only in the result, PDFs in the data dir, mails queued."""

from __future__ import annotations

import pytest

from synergia.certificates.service import today_in
from tests.certificates.conftest import PROJECT_YAML, Seeder

pytestmark = [pytest.mark.prefect]


def test_task_in_a_flow_returns_counts_only(prefect_harness, synergia_env):
    from prefect import flow

    from synergia import runtime
    from tasks.certificates import issue_certificates

    registry = runtime.registry(migrate=True)
    seed = Seeder(registry)
    anna = seed.person("Anna", "Wiśniewska", "anna@example.org", "K")
    seed.attend(anna, "rada", [1])
    piotr = seed.person("Piotr", "Zając", "piotr@example.org", "M")
    seed.attend(piotr, "dt-1", [1])

    @flow(persist_result=False)
    def certify(path: str) -> dict:
        return issue_certificates(path)

    result = certify(str(PROJECT_YAML))
    assert (result["eligible"], result["not_eligible"], result["issued_new"], result["mails_queued"]) == (1, 1, 1, 1)
    flat = repr(result)
    assert "Anna" not in flat and "example.org" not in flat  # RODO: numbers only
    pdfs = list((synergia_env / "certificates").rglob("*.pdf"))
    assert [p.name for p in pdfs] == [f"zaswiadczenie-SYN-{today_in('Europe/Warsaw').year}-0001.pdf"]
    again = certify(str(PROJECT_YAML))
    assert (again["issued_new"], again["unchanged"], again["mails_queued"]) == (0, 1, 0)


def test_site_task_after_certification_counts_only_and_rewrites_nothing_unchanged(prefect_harness, synergia_env):
    from prefect import flow

    from synergia import runtime
    from tasks.certificates import issue_certificates, publish_verification_site

    registry = runtime.registry(migrate=True)
    seed = Seeder(registry)
    ola = seed.person("Aleksandra", "Wróbel-Gęś", "ola.wg@example.net", "K")
    seed.attend(ola, "rada", [1])

    @flow(persist_result=False)
    def nightly_part(path: str) -> dict:
        return publish_verification_site(path, issue_certificates(path))

    result = nightly_part(str(PROJECT_YAML))
    assert (result["codes"], result["written"], result["per_status"]) == (1, 5, {"valid": 1})
    assert "Wróbel" not in repr(result) and "example.net" not in repr(result)
    pages = list((synergia_env / "site" / "cert-test" / "z").glob("*/index.html"))
    assert len(pages) == 1 and "A. W.-G." in pages[0].read_text(encoding="utf-8")
    again = nightly_part(str(PROJECT_YAML))
    assert (again["written"], again["unchanged"]) == (0, 5)


def test_site_task_failure_does_not_fail_the_night(prefect_harness, synergia_env):
    from prefect import flow

    from synergia import runtime
    from tasks.certificates import publish_verification_site

    registry = runtime.registry(migrate=True)
    seed = Seeder(registry)
    seed.attend(seed.person("Józef", "Ślęzak", "js@example.net", "M"), "rada", [1])
    (synergia_env / "site").write_text("to nie jest folder", encoding="utf-8")  # the site folder cannot be made

    @flow(persist_result=False)
    def night(path: str) -> dict:
        return {"site": publish_verification_site(path), "after": "mail"}

    assert night(str(PROJECT_YAML)) == {"site": {"error": "site_write"}, "after": "mail"}
