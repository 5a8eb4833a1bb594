"""A certification run killed with SIGKILL in the middle of a batch, then rerun: every certificate once."""

from __future__ import annotations

import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlalchemy import func, select

from synergia.certificates.service import issue_certificates
from synergia.registry.db import Registry
from synergia.registry.tables_certificates import Certificate, CertificateRevision
from synergia.registry.tables_mail import MailDelivery
from synergia.storage.local import LocalStorage
from tests.certificates.conftest import PROJECT_YAML, Seeder

REPO = Path(__file__).resolve().parents[2]

CHILD = textwrap.dedent("""
    import os, signal, sys
    from config.project import load_project
    from synergia.certificates.service import issue_certificates
    from synergia.registry.db import Registry
    from synergia.storage.local import LocalStorage

    class DyingStorage(LocalStorage):
        '''Killed hard (no cleanup, no rollback handlers) while storing the 4th PDF, in the 2nd batch.'''
        puts = 0
        def put(self, name, content, mime):
            DyingStorage.puts += 1
            if DyingStorage.puts == 4:
                os.kill(os.getpid(), signal.SIGKILL)
            return super().put(name, content, mime)

    db, store, project = sys.argv[1:4]
    issue_certificates(Registry(db, auto_migrate=False), load_project(project), DyingStorage(store), batch_size=3)
""")


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def test_killed_run_then_rerun_queues_each_certificate_exactly_once(request, backend, tmp_path, project):
    url = f"sqlite:///{tmp_path / 'synergia.db'}" if backend == "sqlite" else request.getfixturevalue("pg_database")
    registry = Registry(url)
    seed = Seeder(registry)
    people = []
    for i in range(7):
        pid = seed.person(f"Uczestnik{i}", "Źrebięcki", f"u{i}@example.org", "M")
        seed.attend(pid, "rada", [1])
        people.append(pid)
    store = tmp_path / "certificates"

    child = subprocess.run(
        [sys.executable, "-c", CHILD, url, str(store), str(PROJECT_YAML)], cwd=REPO, capture_output=True, text=True, timeout=120
    )
    assert child.returncode == -signal.SIGKILL, child.stderr[-2000:]
    with registry.session() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 7  # register phase had committed
        stored = s.scalar(select(func.count()).where(CertificateRevision.storage_uri.is_not(None)))
        assert s.scalar(select(func.count()).select_from(MailDelivery)) == stored == 3  # first batch only

    counts = issue_certificates(registry, project, LocalStorage(store))
    assert (counts.issued_new, counts.unchanged, counts.pdfs_stored, counts.mails_queued) == (0, 7, 4, 4)
    again = issue_certificates(registry, project, LocalStorage(store))
    assert (again.pdfs_stored, again.mails_queued) == (0, 0)

    with registry.session() as s:
        keys = s.scalars(select(MailDelivery.key)).all()
        numbers = s.scalars(select(Certificate.number).order_by(Certificate.seq)).all()
        recipients = s.scalars(select(MailDelivery.recipient)).all()
    assert sorted(keys) == sorted(f"{n}#r1" for n in numbers) and len(set(keys)) == 7
    assert sorted(recipients) == sorted(f"u{i}@example.org" for i in range(7))
    assert [int(n.rsplit("/", 1)[1]) for n in numbers] == list(range(1, 8))
    pdfs = sorted(p.name for p in store.rglob("*.pdf"))
    assert len(pdfs) == 7 and not list(store.rglob(".tmp-*"))
    registry.dispose()
