"""The renderer costs only when something is rendered: importing the service loads no PDF library,
and a run with nothing to render makes no renderer (its layout checks, fonts, fpdf2, pypdf)."""

from __future__ import annotations

import subprocess
import sys
from datetime import date
from pathlib import Path

from sqlalchemy import select

from synergia.certificates import service
from synergia.registry.tables_certificates import CertificateRevision
from synergia.storage.local import LocalStorage

ROOT = Path(__file__).resolve().parents[2]


def test_importing_the_service_loads_no_pdf_library():
    code = (
        "import sys\n"
        "import synergia.certificates.service\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & {'fpdf', 'pypdf', 'segno', 'fontTools', 'PIL'})\n"
        "print(','.join(heavy))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_renderer_made_only_when_something_is_pending(registry, project, seed, tmp_path, monkeypatch):
    made = []
    real = service.CertificateRenderer

    def counting(*args, **kwargs):
        made.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(service, "CertificateRenderer", counting)
    store = LocalStorage(tmp_path / "certificates")
    person = seed.person("Halina", "Wójcik", "halina@example.org", "K")
    seed.attend(person, "rada", [1])
    day = date(2026, 4, 20)

    first = service.issue_certificates(registry, project, store, issue_date=day)
    assert first.pdfs_stored == 1 and made == [1]
    with registry.session() as s:
        (uri,) = s.scalars(select(CertificateRevision.storage_uri)).all()
    assert store.get(uri).startswith(b"%PDF")

    def refuse(*args, **kwargs):
        raise AssertionError("no renderer for a run with nothing to render")

    monkeypatch.setattr(service, "CertificateRenderer", refuse)
    again = service.issue_certificates(registry, project, store, issue_date=day)
    assert (again.unchanged, again.pdfs_stored, again.layout_problems) == (1, 0, [])
