"""Erasure end to end on the demo project (real Prefect flow, SQLite and PostgreSQL).

Demo workbook → nightly → erase a person with a certificate and sent mail → their name, e-mail,
phone and PESEL are nowhere in the data dir (database bytes and WAL, PDFs' text, .eml, site, owned
tabs), the database tables or Prefect → indicators unchanged (anonymise) → the next nightly
quarantines their rows as ``erased`` → the audit log has the erasure.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from openpyxl import load_workbook
from sqlalchemy import inspect, select, text
from typer.testing import CliRunner

from config.project import load_project
from config.settings import PROJECTS_DIR
from devtools.demo.generator import generate_workbook
from tests.field.test_pii_busy_registry import dump_prefect_db, leaks

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from synergia.registry.db import Registry
    from synergia.sheets.base import SpreadsheetBackend

DEMO = PROJECTS_DIR / "demo.yaml"
OWNED_TABS = ("Odrzucone", "Do sprawdzenia", "Wskaźniki")


def _needles(values: dict[str, set[str]]) -> set[str]:
    """Forms a value can take in files: as typed, JSON-escaped (ensure_ascii) and digits only."""
    out: set[str] = set()
    for kind, items in values.items():
        for v in items:
            if not v:
                continue
            out.add(v)
            out.add(json.dumps(v)[1:-1])
            if kind == "phone":
                out.add(re.sub(r"\D", "", v)[-9:])
    return {n for n in out if len(n) >= 5}


def _file_texts(root: Path) -> list[tuple[str, str]]:
    from pypdf import PdfReader

    out = []
    for p in sorted(root.rglob("*")):
        if not p.is_file():
            continue
        if p.suffix == ".pdf":
            out.append((p.name, " ".join(page.extract_text() or "" for page in PdfReader(p).pages)))
        elif p.suffix == ".xlsx":
            wb = load_workbook(p, read_only=True)
            for tab in OWNED_TABS:
                if tab in wb.sheetnames:
                    out.append((f"{p.name}:{tab}", " ".join(str(c) for r in wb[tab].iter_rows(values_only=True) for c in r if c)))
        else:  # the SQLite file and its -wal/-shm, .eml, site pages and JSON: raw bytes
            out.append((p.name, p.read_bytes().decode("utf-8", "replace")))
    return out


def _db_text(registry: Registry) -> str:
    """Every table's every row as text (the logical content, on any database)."""
    chunks = []
    with registry.engine.connect() as conn:
        for table in inspect(conn).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                chunks.append(" ".join(str(v) for v in row))
    return "\n".join(chunks)


def _hits(needles: set[str], texts: list[tuple[str, str]]) -> list[str]:
    return [f"{name}" for name, body in texts for n in needles if n in body or n in re.sub(r"\s", "", body)]


def _prefect_files() -> tuple[Path, list[Path]]:
    """Prefect's database file (the harness's temporary one) and every file under PREFECT_HOME and
    beside the database (its -wal/-journal, result storage)."""
    from prefect.settings import PREFECT_HOME, PREFECT_SERVER_DATABASE_CONNECTION_URL

    url = PREFECT_SERVER_DATABASE_CONNECTION_URL.value()
    assert url and url.startswith("sqlite"), url
    db = Path(url.split(":///", 1)[1])
    assert db.is_file(), db
    roots = {db.parent, Path(PREFECT_HOME.value())}
    return db, sorted({p for r in roots if r.exists() for p in r.rglob("*") if p.is_file()})


def _prefect_values(values: dict[str, set[str]]) -> set[str]:
    """The raw values to look for in Prefect's bytes (``leaks`` adds lower case and JSON escapes)."""
    out = {v for items in values.values() for v in items if len(v) >= 5}
    out |= {re.sub(r"\D", "", v)[-9:] for v in values["phone"] if v}
    return {v for v in out if len(v) >= 5}


def _indicators(project: ProjectConfig, registry: Registry, backend: SpreadsheetBackend) -> list[tuple]:
    from synergia.indicators.monthly import build_summary
    from synergia.indicators.months import Month

    s = build_summary(project, registry, backend, Month.of(project.period.end))
    return [(r.id, r.cumulative, r.month_value) for r in s.results]


def _pick_person(registry: Registry, slug: str) -> int:
    """A person with a valid certificate whose PDF is stored and whose mail was sent; prefer one with a
    review pair and a quarantined row; their surname unique in the registry."""
    from synergia.registry.tables import Application
    from synergia.registry.tables_certificates import Certificate
    from synergia.rodo.locate import holdings

    with registry.session() as s:
        apps = list(s.scalars(select(Application).where(Application.project == slug)))
        surnames: dict[str, set[int]] = {}
        for a in apps:
            for k in ("last_name", "email", "phone"):
                surnames.setdefault(str((a.data or {}).get(k, "")).lower(), set()).add(a.person_id)
        best, best_score = None, -1
        for cert in s.scalars(select(Certificate).where(Certificate.project == slug, Certificate.status == "valid")):
            h = holdings(s, slug, cert.person_id)
            names = {str((a.data or {}).get("last_name", "")).lower() for a in h.applications}
            contacts = {str((a.data or {}).get(k, "")).lower() for a in h.applications for k in ("email", "phone")} - {""}
            if any(len(surnames.get(n, ())) > 1 or len(n) < 5 for n in names) or any(len(surnames.get(c, ())) > 1 for c in contacts):
                continue
            if not any(d.status == "sent" for d in h.deliveries) or not any(a.data.get("email") for a in h.applications):
                continue
            score = 2 * bool(h.reviews) + bool(h.quarantine) + bool(any(a.data.get("phone") for a in h.applications))
            if score > best_score:
                best, best_score = cert.person_id, score
        assert best is not None, "the demo should have a certified, mailed person with a unique surname"
        return best


def _add_review_pair_and_quarantined_row(registry: Registry, slug: str, pid: int, workbook: Path) -> None:
    """Append to the person's form tab a second registration typed slightly differently (surname typo,
    another e-mail and phone, no PESEL, birth date or organisation, the same address: dedupe cannot be
    sure, so it goes to review) and a row of
    theirs with a broken PESEL checksum (quarantined)."""
    from synergia.registry.tables import Application

    with registry.session() as s:
        app = next(
            a
            for a in s.scalars(
                select(Application).where(Application.project == slug, Application.person_id == pid, Application.active.is_(True))
            )
            if (a.data or {}).get("pesel") and (a.data or {}).get("email")
        )
        tab, row = app.worksheet, app.row_number
    wb = load_workbook(workbook)
    ws = wb[tab]
    headers = [c.value for c in ws[1]]
    original = [c.value for c in ws[row]]
    col = {h: i for i, h in enumerate(headers)}
    last = str(original[col["Nazwisko"]])
    twin = list(original)
    twin[col["Nazwisko"]] = last[:2] + last[3] + last[2] + last[4:]  # two letters swapped
    twin[col["Adres e-mail"]] = "inny.adres.do.przegladu@example.net"
    twin[col["Telefon kontaktowy"]] = "+48 733 019 284"
    twin[col["PESEL"]] = twin[col["Data urodzenia"]] = twin[col["Nazwa organizacji / rady"]] = ""
    broken = list(original)
    number = str(original[col["PESEL"]])
    broken[col["PESEL"]] = number[:-1] + str((int(number[-1]) + 1) % 10)  # checksum no longer matches
    ws.append(twin)
    ws.append(broken)
    wb.save(workbook)


def _personal(registry: Registry, slug: str, pid: int) -> dict[str, set[str]]:
    from synergia.rodo.locate import holdings

    with registry.session() as s:
        h = holdings(s, slug, pid)
        datas = [a.data or {} for a in h.applications] + [v.data or {} for v in h.versions]
    return {k: {str(d.get(k) or "") for d in datas} for k in ("last_name", "email", "phone", "pesel")}


@pytest.mark.prefect
@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_erase_a_person_everywhere(
    db: str, prefect_harness, synergia_env: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    from prefect.client.orchestration import get_client

    from cli.app import app
    from config.settings import reset_settings_cache
    from flows.nightly import nightly
    from synergia import runtime
    from synergia.registry.tables import Application, Quarantine
    from synergia.registry.tables_rodo import AuditEntry
    from synergia.sheets import backend_for

    if db == "postgresql":
        monkeypatch.setenv("SYNERGIA_DATABASE_URL", request.getfixturevalue("pg_database"))
        reset_settings_cache()
        runtime.reset()
    project = load_project(DEMO)
    generate_workbook(project, synergia_env / project.spreadsheet.id, seed=7, people=80)
    first = nightly(project_path=str(DEMO))
    assert first["certificates.issued_new"] > 0 and first["mail.sent"] > 0
    registry = runtime.registry()
    backend = backend_for(project)
    pid = _pick_person(registry, project.slug)
    with registry.session() as s:
        from synergia.rodo.locate import holdings

        had = holdings(s, project.slug, pid)
        had_reviews, had_quarantine = len(had.reviews), len(had.quarantine)
    _add_review_pair_and_quarantined_row(registry, project.slug, pid, synergia_env / project.spreadsheet.id)
    nightly(project_path=str(DEMO))
    with registry.session() as s:
        from synergia.rodo.locate import holdings

        h = holdings(s, project.slug, pid)
        assert len(h.reviews) > had_reviews and len(h.quarantine) > had_quarantine, (len(h.reviews), len(h.quarantine))
        review_tab = dict(_file_texts(synergia_env)).get(f"{Path(project.spreadsheet.id).name}:Do sprawdzenia", "")
    values = _personal(registry, project.slug, pid)
    needles = _needles(values)
    assert _hits(needles, [("review tab", review_tab)]), "the person is in the review tab before erasure"
    assert needles and values["email"] - {""}
    before_hits = _hits(needles, _file_texts(synergia_env))
    assert any(".pdf" in h for h in before_hits) and any(".eml" in h for h in before_hits), "search must be able to find them"
    indicators_before = _indicators(project, registry, backend)

    email = sorted(values["email"] - {""})[0]
    result = CliRunner().invoke(app, ["erase", "-p", str(DEMO), "--email", email, "--yes", "--operator", "iod-test"])
    assert result.exit_code == 0, result.output
    assert not _hits(needles, [("cli", result.output)]), "the command printed personal data"
    assert "wiersz" in result.output  # source rows staff must delete

    assert _hits(needles, _file_texts(synergia_env)) == []
    assert _hits(needles, [("db", _db_text(registry))]) == []
    assert _indicators(project, registry, backend) == indicators_before

    again = nightly(project_path=str(DEMO))
    assert again["reasons"].get("erased", 0) >= 1 if isinstance(again.get("reasons"), dict) else True
    with registry.session() as s:
        erased = [q for q in s.scalars(select(Quarantine).where(Quarantine.project == project.slug)) if "erased" in q.reason_codes]
        assert erased, "the erased person's rows are quarantined as 'erased'"
        back = [
            a
            for a in s.scalars(select(Application).where(Application.project == project.slug, Application.active.is_(True)))
            if (a.data or {}).get("email") in values["email"]
        ]
        assert back == [], "the erased person was imported again"
        entries = list(s.scalars(select(AuditEntry).where(AuditEntry.action == "erasure")))
        assert len(entries) == 1 and entries[0].operator == "iod-test" and entries[0].details["mode"] == "anonymise"
        assert not _hits(needles, [("audit", json.dumps(entries[0].details))])
    assert _hits(needles, [(n, b) for n, b in _file_texts(synergia_env) if not n.endswith((".db", ".db-wal"))]) == []
    assert _hits(needles, [("db", _db_text(registry))]) == []
    assert _indicators(project, registry, backend) == indicators_before

    with get_client(sync_client=True) as client:
        logs = client.read_logs()
        artifacts = client.read_artifacts()
        runs = client.read_flow_runs()
    published = [
        (
            "prefect",
            " ".join(log.message for log in logs) + " ".join(str(a.data) for a in artifacts) + " ".join(str(r.parameters) for r in runs),
        )
    ]
    assert _hits(needles, published) == []

    # byte level: every table of Prefect's database and every file under PREFECT_HOME and beside the
    # database (incl. base64 runs, which is how Prefect's result storage holds pickled objects)
    raw = _prefect_values(values)
    assert raw
    prefect_db, files = _prefect_files()
    dump = dump_prefect_db(prefect_db)
    assert str(runs[0].id) in dump, "the dump must hold the flow runs it searches"
    assert leaks(dump, raw) == [], "personal data in Prefect's tables"
    assert prefect_db in files
    for path in files:
        assert leaks(path.read_bytes(), raw) == [], f"personal data in {path.name}"
