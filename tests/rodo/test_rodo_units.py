"""RODO domain pieces with our own values: tombstones, PESEL discard, retention with a frozen clock,
export contents, the audit log, the register of processing for every seed project, the CLI."""

from __future__ import annotations

import json
import stat
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy
from sqlalchemy import select
from typer.testing import CliRunner

from config.project import ProjectConfig, load_project
from config.settings import PROJECTS_DIR
from synergia.registry.db import Registry
from synergia.registry.tables import Application, Attendance, Event, Person
from synergia.registry.tables_certificates import Certificate, CertificateRevision
from synergia.registry.tables_mail import MailDelivery
from synergia.registry.tables_rodo import AuditEntry, ErasureTombstone
from synergia.sheets.identity import identity_from_values
from synergia.sheets.rows import SourceRef
from synergia.validation.row import Accepted

pytestmark = pytest.mark.both_backends  # `registry` on SQLite and on PostgreSQL

PERSON = {
    "first_name": "Bożydar",
    "last_name": "Źrebięcki",
    "email": "bozydar.zrebiecki@poczta.example",
    "phone": "+48512034056",
    "pesel": "02270803628",
    "birth_date": "2002-07-08",
    "gender": "K",
    "gmina": "Bieruń",
    "category": "ngo",
    "organisation": "Koło Gospodyń Wiejskich w Bijasowicach",
    "organisation_type": "NGO",
    "street": "ul. Lipowa 7",
    "city": "Bieruń",
}

YAML = """
slug: rodo-test
name: "Projekt testowy RODO"
organiser: {name: "Fundacja Testowa"}
funder: {name: "NIW-CRSO", programme: "NOWEFIO"}
period: {start: 2024-01-01, end: 2024-12-31}
spreadsheet: {id: rodo.xlsx}
retention: {years_after_end: 5, mail_body_days: 30}
pesel: %s
sources:
  - id: rekrutacja
    kind: recruitment
    worksheet: Zgłoszenia
    consent_version: "v3"
    required_consents: [rodo]
    columns: {"Imię": first_name, "Nazwisko": last_name, "E-mail": email, "PESEL": pesel, "Zgoda": consent.rodo}
events:
  - {id: ws-1, type: warsztat, title: "Warsztat", dates: [2024-05-05]}
"""


@pytest.fixture
def project(tmp_path: Path) -> ProjectConfig:
    path = tmp_path / "rodo-test.yaml"
    path.write_text(YAML % "store", encoding="utf-8")
    return load_project(path)


def _seed(reg: Registry, tmp_path: Path, sent_days_ago: int = 40) -> dict:
    pdf = tmp_path / "certificates" / "rodo-test" / "c.pdf"
    pdf.parent.mkdir(parents=True, exist_ok=True)
    pdf.write_bytes(b"%PDF-1.4 Bozydar")
    eml = tmp_path / "outbox" / "m1@x.example.eml"
    eml.parent.mkdir(parents=True, exist_ok=True)
    eml.write_text("To: bozydar.zrebiecki@poczta.example")
    with reg.session() as s:
        s.add(
            Event(
                project="rodo-test", id="ws-1", type="warsztat", title="Warsztat", first_date=date(2024, 5, 5), last_date=date(2024, 5, 5)
            )
        )
        p = Person(project="rodo-test")
        s.add(p)
        s.flush()
        app = Application(
            project="rodo-test",
            source_id="rekrutacja",
            spreadsheet="rodo.xlsx",
            worksheet="Zgłoszenia",
            row_number=4,
            row_key="f:2024-04-01T10:00:00:abc",
            kind="recruitment",
            content_hash="h1",
            data=dict(PERSON),
            person_id=p.id,
        )
        s.add(app)
        s.flush()
        s.add(Attendance(project="rodo-test", application_id=app.id, event_id="ws-1", session_no=1))
        cert = Certificate(project="rodo-test", person_id=p.id, cycle="c", year=2024, seq=1, number="T/2024/0001")
        s.add(cert)
        s.flush()
        s.add(
            CertificateRevision(
                certificate_id=cert.id,
                revision=1,
                verification_code="code-1",
                content_hash="x",
                data={"name": "Bożydar Źrebięcki"},
                issued_on=date(2024, 6, 1),
                storage_uri=pdf.as_uri(),
            )
        )
        s.add(
            MailDelivery(
                project="rodo-test",
                kind="certificate",
                key="T/2024/0001#r1",
                message_id="<m1@x.example>",
                recipient=PERSON["email"],
                subject="Zaświadczenie",
                body_text="Dzień dobry Bożydarze",
                status="sent",
                sent_at=datetime(2025, 1, 1) - timedelta(days=sent_days_ago),
            )
        )
        return {"person": p.id, "app": app.id, "pdf": pdf, "eml": eml}


def _outcome_accepted(data: dict, key: str = "f:2025-02-01T09:00:00:zzz") -> Accepted:
    ref = SourceRef(
        "rekrutacja",
        "rodo.xlsx",
        "Zgłoszenia",
        9,
        identity=identity_from_values(
            "recruitment", event=None, submitted_at="", email="", first="", last="", day="", fingerprint="f" * 64
        ),
    )
    ref = replace(ref, identity=replace(ref.identity, key=key))
    return Accepted(ref, "recruitment", "c" * 64, data)


def test_erasure_tombstones_block_the_same_person_under_any_identifier(registry: Registry, project, tmp_path: Path) -> None:
    from synergia.rodo.erase import erase
    from synergia.rodo.tombstones import screen_outcomes

    seeded = _seed(registry, tmp_path)
    salt = b"test-salt"
    with registry.session() as s:
        report = erase(s, project.slug, seeded["person"], "anonymise", salt=salt, outbox_dir=tmp_path / "outbox", operator="iod")
    assert report.counts["certificates"] == 1 and report.counts["mail_deliveries"] == 1
    assert report.source_rows == [("rodo.xlsx", "Zgłoszenia", 4)]
    with registry.session() as s:
        digests = list(s.scalars(select(ErasureTombstone.digest)))
        assert digests and not any(PERSON["email"] in d or PERSON["pesel"] in d for d in digests)
        app = s.get(Application, seeded["app"])
        assert app.data == {k: PERSON[k] for k in ("gender", "gmina", "category", "organisation", "organisation_type")}
        assert s.get(Certificate, 1).revoke_reason == "erased"
        d = s.scalars(select(MailDelivery)).one()
        assert d.recipient is None and d.body_text is None
        # a new submission: other e-mail and spelling, the same PESEL -> erased
        by_pesel = _outcome_accepted({"first_name": "Bozydar", "last_name": "Zrebiecki", "pesel": PERSON["pesel"]})
        by_phone = _outcome_accepted({"first_name": "B", "last_name": "Z", "phone": "+48 512 034 056"[0:0] + "+48512034056"})
        by_name_birth = _outcome_accepted({"first_name": "BOŻYDAR", "last_name": "źrebięcki", "birth_date": "2002-07-08"})
        stranger = _outcome_accepted({"first_name": "Bożydar", "last_name": "Źrebięcki", "birth_date": "1990-01-01"})
        out = screen_outcomes(s, project, [by_pesel, by_phone, by_name_birth, stranger], salt=salt)
    assert [type(o).__name__ for o in out] == ["Rejected", "Rejected", "Rejected", "Accepted"]
    assert all(o.reasons == ("erased",) and "wiersz 9" in o.message and "Bo" not in o.message for o in out[:3])
    assert out[0].ref.identity.key.startswith("x:")


def test_pesel_discard_drops_it_before_the_registry(tmp_path: Path, registry: Registry) -> None:
    from synergia.rodo.tombstones import screen_outcomes

    path = tmp_path / "discard.yaml"
    path.write_text(YAML % "discard", encoding="utf-8")
    project = load_project(path)
    accepted = _outcome_accepted(dict(PERSON))
    with registry.session() as s:
        out = screen_outcomes(s, project, [accepted])
    assert "pesel" not in out[0].data and out[0].data["birth_date"] == "2002-07-08"
    with registry.session() as s:
        assert screen_outcomes(s, load_project(Path(str(path))).model_copy(update={"pesel": "store"}), [accepted])[0] is accepted


def test_retention_with_a_frozen_clock(registry: Registry, project, tmp_path: Path) -> None:
    from synergia.rodo import retention

    seeded = _seed(registry, tmp_path, sent_days_ago=20)  # sent 2024-12-12
    assert project.retention.keep_until(project.period.end) == date(2029, 12, 31)
    with registry.session() as s:
        st = retention.status(s, project, today=date(2025, 1, 5))
        assert (st.expired, st.mail_bodies_due, st.persons_with_data) == (False, 0, 1)
        counts = retention.run(s, project, today=date(2025, 1, 5), salt=b"s", outbox_dir=tmp_path / "outbox")
        assert (counts.mail_bodies_purged, counts.persons_anonymised) == (0, 0)
    with registry.session() as s:
        assert retention.status(s, project, today=date(2025, 1, 20)).mail_bodies_due == 1
        counts = retention.run(s, project, today=date(2025, 1, 20), salt=b"s", outbox_dir=tmp_path / "outbox")
        assert (counts.mail_bodies_purged, counts.persons_anonymised, counts.expired) == (1, 0, 0)
        assert str(seeded["eml"]) in counts.files
        assert s.get(Application, seeded["app"]).data["email"] == PERSON["email"]  # the person is kept until 2029
    with registry.session() as s:
        assert retention.status(s, project, today=date(2029, 12, 31)).expired is False
        counts = retention.run(s, project, today=date(2030, 1, 1), salt=b"s", outbox_dir=tmp_path / "outbox")
        assert (counts.persons_anonymised, counts.expired) == (1, 1)
        assert seeded["pdf"].as_uri() in counts.files
    with registry.session() as s:
        assert "email" not in s.get(Application, seeded["app"]).data
        assert s.scalars(select(AuditEntry.action)).all().count("retention") == 2
        again = retention.run(s, project, today=date(2030, 1, 2), salt=b"s", outbox_dir=tmp_path / "outbox")
        assert again.persons_anonymised == 0  # idempotent


def test_export_person_contents_and_file_modes(registry: Registry, project, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from synergia.rodo.export import collect, write_export

    seeded = _seed(registry, tmp_path)
    with registry.session() as s:
        doc = collect(s, project, seeded["person"])
    assert doc["zgloszenia"][0]["dane"]["pesel"] == PERSON["pesel"]
    assert doc["zaswiadczenia"][0]["numer"] == "T/2024/0001"
    assert doc["wiadomosci"][0]["odbiorca"] == PERSON["email"]
    assert doc["obecnosci"][0]["wydarzenie"] == "Warsztat"
    paths = write_export(doc, tmp_path / "export")
    assert [p.suffix for p in paths] == [".json", ".html", ".pdf"]
    assert all(stat.S_IMODE(p.stat().st_mode) == 0o600 for p in paths)
    assert json.loads(paths[0].read_text(encoding="utf-8"))["zgloszenia"][0]["dane"]["last_name"] == "Źrebięcki"
    html = paths[1].read_text(encoding="utf-8")
    assert "Źrebięcki" in html and "Koło Gospodyń Wiejskich w Bijasowicach" in html and "PESEL" in html
    pdf_text = " ".join(p.extract_text() for p in PdfReader(paths[2]).pages)
    assert "Źrebięcki" in pdf_text and PERSON["email"] in pdf_text


def test_delete_mode_removes_the_person_from_counts(registry: Registry, project, tmp_path: Path) -> None:
    from synergia.rodo.erase import erase

    seeded = _seed(registry, tmp_path)
    with registry.session() as s:
        erase(s, project.slug, seeded["person"], "delete", salt=b"s", outbox_dir=None, operator="iod")
    with registry.session() as s:
        assert s.scalars(select(Application)).all() == [] and s.scalars(select(Attendance)).all() == []
        assert s.get(Person, seeded["person"]) is not None  # kept empty: certificate T/2024/0001 stays used
        assert s.scalars(select(AuditEntry)).one().details["mode"] == "delete"


def test_audit_log_is_append_only(registry: Registry) -> None:
    from synergia.rodo import audit

    with registry.session() as s:
        audit.record(s, "p", "export", operator="iod", details={"applications": 2, "note": "a@b.example"})
    with registry.session() as s:
        assert s.scalars(select(AuditEntry)).one().details == {"applications": 2}  # no e-mail-like text kept
    for stmt in ("UPDATE audit_log SET operator = 'x'", "DELETE FROM audit_log"):
        with pytest.raises(sqlalchemy.exc.DBAPIError):
            with registry.engine.begin() as conn:
                conn.execute(sqlalchemy.text(stmt))


def test_consent_version_changes_are_audited_once(registry: Registry, project) -> None:
    from synergia.rodo.audit import record_consent_versions

    with registry.session() as s:
        assert record_consent_versions(s, project) is True
        assert record_consent_versions(s, project) is False
        changed = project.model_copy(update={"sources": [project.sources[0].model_copy(update={"consent_version": "v4"})]})
        assert record_consent_versions(s, changed) is True
        assert [e.details["versions"] for e in s.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
            {"rekrutacja": "v3"},
            {"rekrutacja": "v4"},
        ]


@pytest.mark.parametrize("path", sorted(p for p in PROJECTS_DIR.glob("*.yaml") if p.stem != "demo"), ids=lambda p: p.stem)
def test_register_of_processing_for_every_seed_project(path: Path, tmp_path: Path) -> None:
    from pypdf import PdfReader

    from synergia.rodo.register import mapped_fields, write_register

    cfg = load_project(path)
    md_path, pdf_path = write_register(cfg, tmp_path)
    md = md_path.read_text(encoding="utf-8")
    assert md.startswith("# Rejestr czynności przetwarzania (art. 30 RODO)")
    for heading in ("Administrator", "Cele przetwarzania", "Kategorie danych", "Odbiorcy", "Okres przechowywania", "Środki bezpieczeństwa"):
        assert heading in md
    assert cfg.organiser.name in md
    assert ("numer PESEL" in md) == ("pesel" in mapped_fields(cfg))
    assert ("nie jest zbierany" in md) == ("pesel" not in mapped_fields(cfg))
    assert "Rejestr czynności" in " ".join(" ".join(p.extract_text().split()) for p in PdfReader(pdf_path).pages)


def test_cli_retention_status_audit_and_register(synergia_env: Path, tmp_path: Path) -> None:
    from cli.app import app

    demo = str(PROJECTS_DIR / "demo.yaml")
    runner = CliRunner()
    r = runner.invoke(app, ["retention", "status", "-p", demo, "--today", "2026-06-01"])
    assert r.exit_code == 0, r.output
    assert "Dane przechowywane do" in r.output or "Brak okresu" in r.output
    r = runner.invoke(app, ["rodo", "register", "-p", demo, "--out", str(tmp_path / "reg")])
    assert r.exit_code == 0 and (tmp_path / "reg" / "rejestr-czynnosci-demo.md").exists()
    r = runner.invoke(app, ["audit", "-p", demo, "--since", "2020-01-01"])
    assert r.exit_code == 0 and "Wpisów: 0" in r.output
    r = runner.invoke(app, ["erase", "-p", demo, "--email", "nikt@nigdzie.example", "--yes"])
    assert r.exit_code == 1 and "nikt@" not in r.output


def test_erasure_reaches_quarantined_rows_and_review_pairs(registry: Registry, project, tmp_path: Path) -> None:
    from synergia.registry.tables import Quarantine
    from synergia.registry.tables_dedupe import DedupeReview
    from synergia.rodo.erase import erase
    from synergia.sheets.identity import _h, norm_email

    seeded = _seed(registry, tmp_path)
    with registry.session() as s:
        other = Person(project="rodo-test")
        s.add(other)
        s.flush()
        twin = Application(
            project="rodo-test",
            source_id="rekrutacja",
            spreadsheet="rodo.xlsx",
            worksheet="Zgłoszenia",
            row_number=5,
            row_key="f:2024-04-02T11:00:00:def",
            kind="recruitment",
            content_hash="h2",
            data={"first_name": "Bożena", "last_name": "Źrebięcka", "email": "bozena@poczta.example"},
            person_id=other.id,
        )
        s.add(twin)
        s.flush()
        s.add(DedupeReview(project="rodo-test", application_a=seeded["app"], application_b=twin.id, reason="podobne", score=0.8))
        mail_hash = _h(norm_email(PERSON["email"]))
        s.add(
            Quarantine(
                project="rodo-test",
                source_id="rekrutacja",
                spreadsheet="rodo.xlsx",
                worksheet="Zgłoszenia",
                row_number=7,
                row_key=f"f:2024-04-03T08:00:00:{mail_hash}",
                content_hash="q",
                reason_codes=["pesel_invalid"],
                message="wiersz 7",
            )
        )
        s.add(
            Quarantine(
                project="rodo-test",
                source_id="rekrutacja",
                spreadsheet="rodo.xlsx",
                worksheet="Zgłoszenia",
                row_number=8,
                row_key="f:2024-04-03T09:00:00:0123456789abcdef0123",
                content_hash="q2",
                reason_codes=["email_invalid"],
                message="wiersz 8",
            )
        )
    with registry.session() as s:
        report = erase(s, project.slug, seeded["person"], "anonymise", salt=b"s", outbox_dir=None, operator="iod")
    assert (report.counts["quarantine"], report.counts["dedupe_reviews"]) == (1, 1)
    assert report.source_rows == [("rodo.xlsx", "Zgłoszenia", 4), ("rodo.xlsx", "Zgłoszenia", 7)]
    with registry.session() as s:
        assert [q.row_number for q in s.scalars(select(Quarantine))] == [8]
        assert s.scalars(select(DedupeReview)).all() == []
        assert s.get(Application, twin.id).data["last_name"] == "Źrebięcka"


def _with_check_digit(first10: str) -> str:
    return first10 + str((10 - sum(int(d) * w for d, w in zip(first10, (1, 3, 7, 9) * 3)) % 10) % 10)


@pytest.mark.parametrize("keyed", [True, False])
def test_pesel_discard_keeps_a_keyed_hash_that_dedupe_matches_on(
    keyed: bool, tmp_path: Path, synergia_env: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pesel: discard — the number never reaches the database file, yet one PESEL still merges two
    registrations typed differently and two different PESELs still keep identical-looking rows apart."""
    from stdnum.pl import pesel as stdnum_pesel

    from synergia import runtime
    from synergia.dedupe.store import run_dedupe
    from synergia.registry.sync import apply_outcomes

    path = tmp_path / "discard.yaml"
    path.write_text(YAML % "discard", encoding="utf-8")
    project = load_project(path)
    own = _with_check_digit("0227080362")  # 2002-07-08, a woman
    other = _with_check_digit("0227080584")  # born the same day, the same sex
    assert stdnum_pesel.is_valid(own) and stdnum_pesel.is_valid(other) and other != own
    person = {**PERSON, "pesel": own}
    # the second registration alone is too weak to merge (no birth date or address, new contacts, a typo)
    typed = {k: v for k, v in person.items() if k not in ("birth_date", "street", "city")}
    typed |= {"last_name": "Źrebęicki", "email": "b.zrebiecki@gmina.example", "phone": "+48 601 770 318"}
    if not keyed:  # control: the PESEL only dropped, as before — then dedupe has nothing to merge them on
        from synergia.rodo import tombstones

        monkeypatch.setattr(tombstones, "discard_pesel", lambda data, salt: {k: v for k, v in data.items() if k != "pesel"})
    rows = [person, typed, {**person, "pesel": other}]
    outcomes = []
    for i, d in enumerate(rows):
        a = _outcome_accepted(d, key=f"f:2025-02-0{i + 1}T09:00:00:k{i}")
        outcomes.append(replace(a, ref=replace(a.ref, row_number=10 + i), content_hash=f"{i}" * 64))
    registry = runtime.registry(migrate=True)
    with registry.session() as s:
        assert apply_outcomes(s, project, outcomes, set()).accepted == 3
        run_dedupe(s, project.slug)
    with registry.session() as s:
        apps = sorted(s.scalars(select(Application).where(Application.project == project.slug)), key=lambda a: a.row_number)
        assert [("pesel" in a.data) for a in apps] == [False] * 3
        keys = [a.data.get("pesel_key") for a in apps]
        pids = [a.person_id for a in apps]
    if not keyed:
        assert keys == [None] * 3 and pids[0] != pids[1]
        return
    assert keys[0] and keys[0] == keys[1] and keys[2] and keys[2] != keys[0] and own not in keys[0]
    assert pids[0] == pids[1], "the same PESEL (as its keyed hash) merges a surname typo and new contacts"
    assert pids[2] != pids[0], "two different PESELs are never one person"

    # erasure finds the person by the PESEL typed to the command and tombstones the key: a new
    # registration with that PESEL (another name and e-mail) is kept out
    from synergia.rodo.erase import erase
    from synergia.rodo.locate import find_person
    from synergia.rodo.salt import salt_from_settings
    from synergia.rodo.tombstones import screen_outcomes

    salt = salt_from_settings()
    with registry.session() as s:
        assert find_person(s, project.slug, pesel=own) == pids[0]
        erase(s, project.slug, pids[0], "anonymise", salt=salt, outbox_dir=None, operator="iod")
    with registry.session() as s:
        again = _outcome_accepted({"first_name": "Bożena", "last_name": "Nowicka", "email": "bn@inna.example", "pesel": own})
        stranger = _outcome_accepted({"first_name": "Bożena", "last_name": "Nowicka", "email": "bn@inna.example", "pesel": other})
        assert [type(o).__name__ for o in screen_outcomes(s, project, [again, stranger])] == ["Rejected", "Accepted"]
    registry.dispose()
    runtime.reset()
    stored = b"".join(p.read_bytes() for p in synergia_env.rglob("*.db*"))
    assert PERSON["email"].encode() in stored, "the search must see what the file holds"
    assert own.encode() not in stored and other.encode() not in stored
    salt = (synergia_env / ".rodo-salt").read_bytes()
    assert salt not in stored, "the salt stays outside the database"
