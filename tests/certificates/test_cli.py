"""``synergia certificates preview|list|revoke|verify`` through the real Typer app."""

from __future__ import annotations

import io
import re

from pypdf import PdfReader
from sqlalchemy import select
from typer.testing import CliRunner

from synergia.certificates.preview import SAMPLE_NAME
from tests.certificates.conftest import PROJECT_YAML, Seeder

runner = CliRunner()


def cli():
    from cli.app import app

    return app


def test_preview_renders_a_sample_without_a_registry(tmp_path, synergia_env):
    out = tmp_path / "podglad" / "p.pdf"
    result = runner.invoke(cli(), ["certificates", "preview", "--project", str(PROJECT_YAML), "--output", str(out)])
    assert result.exit_code == 0, result.output
    assert "Zapisano podgląd" in result.output
    text = " ".join(PdfReader(io.BytesIO(out.read_bytes())).pages[0].extract_text().split())
    assert SAMPLE_NAME in text and "Design Thinking w samorządzie" in text
    assert re.search(r"SYN/\d{4}/0001", text)
    assert not (synergia_env / "synergia.db").exists()  # no registry touched

    result = runner.invoke(cli(), ["certificates", "preview", "--project", str(PROJECT_YAML), "--output", str(out), "--cycle", "rada"])
    assert result.exit_code == 0 and "Warsztat dla rad seniorów" in PdfReader(str(out)).pages[0].extract_text()


def test_preview_reports_a_broken_project_file(tmp_path, synergia_env):
    bad = tmp_path / "zly.yaml"
    bad.write_text("slug: Zły Projekt\n", encoding="utf-8")
    result = runner.invoke(cli(), ["certificates", "preview", "--project", str(bad), "--output", str(tmp_path / "x.pdf")])
    assert result.exit_code == 2 and not (tmp_path / "x.pdf").exists()


def test_list_revoke_verify(tmp_path, synergia_env, project):
    from synergia import runtime
    from synergia.certificates.service import issue_certificates
    from synergia.registry.tables_certificates import CertificateRevision
    from synergia.storage.local import LocalStorage

    registry = runtime.registry(migrate=True)
    seed = Seeder(registry)
    pid = seed.person("Anna", "Wiśniewska", "anna@example.org", "K")
    seed.attend(pid, "rada", [1])
    issue_certificates(registry, project, LocalStorage(tmp_path / "c"))
    with registry.session() as s:
        code = s.scalars(select(CertificateRevision.verification_code)).one()
        number = s.scalars(select(CertificateRevision)).one().certificate.number

    listing = runner.invoke(cli(), ["certificates", "list", "--project", str(PROJECT_YAML)])
    assert listing.exit_code == 0 and number in listing.output and "ważne" in listing.output
    assert "Wiśniewska" not in listing.output

    ok = runner.invoke(cli(), ["certificates", "verify", code])
    assert ok.exit_code == 0 and "ważne" in ok.output and number in ok.output

    revoked = runner.invoke(
        cli(), ["certificates", "revoke", number, "--project", str(PROJECT_YAML), "--reason", "rezygnacja uczestniczki"]
    )
    assert revoked.exit_code == 0 and f"Unieważniono zaświadczenie {number}" in revoked.output
    assert "unieważnione" in runner.invoke(cli(), ["certificates", "verify", code]).output
    twice = runner.invoke(cli(), ["certificates", "revoke", number, "--project", str(PROJECT_YAML), "--reason", "x"])
    assert twice.exit_code == 1
    assert runner.invoke(cli(), ["certificates", "verify", "zly-kod"]).exit_code == 1
