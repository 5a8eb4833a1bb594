"""The certification run against a real SQLite registry, local storage and the real mail register."""

from __future__ import annotations

import io
from datetime import date

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from synergia.certificates.pdf import CertificateRenderer
from synergia.certificates.service import issue_certificates
from synergia.registry.tables_certificates import Certificate, CertificateRevision
from synergia.registry.tables_mail import MailDelivery
from synergia.storage.local import LocalStorage

DAY = date(2026, 4, 20)


@pytest.fixture(scope="module")
def renderer(project):
    return CertificateRenderer(project)


@pytest.fixture
def store(tmp_path):
    return LocalStorage(tmp_path / "certificates")


def run(registry, project, store, renderer, **kw):
    return issue_certificates(registry, project, store, renderer=renderer, issue_date=kw.pop("on", DAY), **kw)


def pdf_text(data: bytes) -> str:
    return " ".join(PdfReader(io.BytesIO(data)).pages[0].extract_text().split())


def deliveries(registry):
    from sqlalchemy.orm import selectinload

    with registry.session() as s:
        return s.scalars(select(MailDelivery).options(selectinload(MailDelivery.parts)).order_by(MailDelivery.id)).all()


@pytest.fixture
def people(seed):
    """Four people in the 5-session 'dt' cycle and one in the 6-hour 'rada' workshop."""
    zofia = seed.person("zofia", "ŁĘCKA", "zofia@example.org", "K")
    seed.attend(zofia, "dt-1", [1, 2])
    seed.attend(zofia, "dt-2", [1, 2, 3])
    # merged by dedupe from two attendance rows that both mark dt-1 session 1: 4 distinct of 5 = exactly 80 %
    marek = seed.person("Marek", "Żak", "marek@example.org", "M")
    seed.attend(marek, "dt-1", [1])
    seed.attend(marek, "dt-1", [1, 2])
    seed.attend(marek, "dt-2", [1, 3])
    jan = seed.person("Jan", "Kowalski", "jan@example.org")  # 3 of 5: below the rule
    seed.attend(jan, "dt-1", [1, 2])
    seed.attend(jan, "dt-2", [2])
    ewa = seed.person("Ewa", "Nowak")  # no e-mail address
    ewa_row = seed.attend(ewa, "rada", [1])
    return {"zofia": zofia, "marek": marek, "jan": jan, "ewa": ewa, "ewa_row": ewa_row}


def test_first_run_issues_stores_and_queues_one_mail_per_certificate(registry, project, store, renderer, people):
    counts = run(registry, project, store, renderer)
    assert (counts.eligible, counts.not_eligible, counts.issued_new) == (3, 1, 3)
    assert (counts.pdfs_stored, counts.mails_queued, counts.no_email) == (3, 2, 1)
    assert counts.per_cycle["dt"]["not_eligible"] == 1 and counts.per_cycle["rada"]["eligible"] == 1

    with registry.session() as s:
        certs = {c.person_id: c for c in s.scalars(select(Certificate))}
        uris = {r.certificate.person_id: r.storage_uri for r in s.scalars(select(CertificateRevision))}
    assert people["jan"] not in certs
    assert sorted(c.number for c in certs.values()) == ["SYN/2026/0001", "SYN/2026/0002", "SYN/2026/0003"]
    zofia_pdf = store.get(uris[people["zofia"]])
    assert "Zofia Łęcka" in pdf_text(zofia_pdf) and certs[people["zofia"]].number in pdf_text(zofia_pdf)
    assert "ukończył szkolenie" in pdf_text(store.get(uris[people["marek"]]))

    mails = deliveries(registry)
    assert sorted(m.key for m in mails) == sorted(f"{certs[p].number}#r1" for p in (people["zofia"], people["marek"]))
    zofia_mail = next(m for m in mails if m.recipient == "zofia@example.org")
    assert zofia_mail.kind == "certificate" and zofia_mail.status == "pending"
    assert zofia_mail.subject.startswith("Zaświadczenie o ukończeniu szkolenia „Design Thinking w samorządzie”")
    assert "Zofia Łęcka" in zofia_mail.body_text and certs[people["zofia"]].number in zofia_mail.body_html
    (part,) = zofia_mail.parts
    number = certs[people["zofia"]].number
    assert part.name == f"zaswiadczenie-{number.replace('/', '-')}.pdf" and part.name.isascii()
    assert part.content == zofia_pdf


def test_rerun_adds_nothing(registry, project, store, renderer, people, tmp_path):
    run(registry, project, store, renderer)
    files = sorted(p.relative_to(tmp_path) for p in (tmp_path / "certificates").rglob("*.pdf"))
    before = [(m.key, m.message_id) for m in deliveries(registry)]
    counts = run(registry, project, store, renderer, on=date(2026, 4, 21))
    assert (counts.issued_new, counts.reissued, counts.unchanged, counts.pdfs_stored, counts.mails_queued) == (0, 0, 3, 0, 0)
    assert sorted(p.relative_to(tmp_path) for p in (tmp_path / "certificates").rglob("*.pdf")) == files
    assert [(m.key, m.message_id) for m in deliveries(registry)] == before
    assert len(files) == 3


def test_corrected_name_reissues_under_the_same_number(registry, project, store, renderer, people, seed):
    run(registry, project, store, renderer)
    seed.rename(people["zofia"], "Zofia", "Łęcka-Nowak")
    counts = run(registry, project, store, renderer, on=date(2026, 5, 4))
    assert (counts.reissued, counts.unchanged, counts.mails_queued) == (1, 2, 1)
    with registry.session() as s:
        cert = s.scalars(select(Certificate).where(Certificate.person_id == people["zofia"])).one()
        assert cert.revision == 2 and cert.number == "SYN/2026/0001"
        rev2 = s.scalars(select(CertificateRevision).where(CertificateRevision.revision == 2)).one()
        assert rev2.issued_on == date(2026, 5, 4)
        uri = rev2.storage_uri
    text = pdf_text(store.get(uri))
    assert "Zofia Łęcka-Nowak" in text and "(wydanie 2)" in text
    last = deliveries(registry)[-1]
    assert last.key == "SYN/2026/0001#r2" and last.subject.startswith("Poprawione zaświadczenie")
    assert last.parts[0].name == "zaswiadczenie-SYN-2026-0001-r2.pdf"


def test_person_who_no_longer_qualifies_is_revoked_and_reinstated_when_they_do_again(registry, project, store, renderer, people, seed):
    run(registry, project, store, renderer)
    seed.deactivate(people["ewa_row"])  # the attendance row disappeared from the sheet
    counts = run(registry, project, store, renderer)
    assert (counts.revoked, counts.mails_queued) == (1, 0)
    with registry.session() as s:
        cert = s.scalars(select(Certificate).where(Certificate.person_id == people["ewa"])).one()
        assert (cert.status, cert.revoked_by) == ("revoked", "auto")
    seed.attend(people["ewa"], "rada", [1])
    counts = run(registry, project, store, renderer)
    assert (counts.reinstated, counts.pdfs_stored, counts.mails_queued) == (1, 0, 0)  # same certificate, valid again
    with registry.session() as s:
        cert = s.scalars(select(Certificate).where(Certificate.person_id == people["ewa"])).one()
        assert (cert.status, cert.revision, cert.number) == ("valid", 1, "SYN/2026/0003")
        assert s.scalar(select(func.max(Certificate.seq))) == 3  # no number spent on the reinstatement


def test_emptied_attendance_list_does_not_revoke_everyone(registry, project, store, renderer, people, seed):
    from synergia.registry.tables import Application

    run(registry, project, store, renderer)
    with registry.session() as s:  # the whole dt-1 list vanished from the sheet
        for app in s.scalars(select(Application).where(Application.kind == "attendance", Application.source_id == "obecnosc")):
            if app.person_id != people["ewa"]:
                app.active = False
    counts = run(registry, project, store, renderer)
    assert (counts.revoked, counts.revocations_held) == (0, 2)
    with registry.session() as s:
        assert s.scalar(select(func.count()).where(Certificate.status == "revoked")) == 0


class Boom(Exception):
    pass


def test_crash_while_rendering_leaves_register_and_rerun_completes_once(registry, project, store, renderer, people):
    class Crashing(CertificateRenderer):
        def render_batch(self, contents):
            raise Boom()

    with pytest.raises(Boom):
        run(registry, project, store, Crashing(project))
    with registry.session() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 3  # phase 1 committed
        assert s.scalar(select(func.count()).where(CertificateRevision.storage_uri.is_not(None))) == 0
    assert deliveries(registry) == []
    counts = run(registry, project, store, renderer)
    assert (counts.issued_new, counts.unchanged, counts.pdfs_stored, counts.mails_queued) == (0, 3, 3, 2)
    assert len(deliveries(registry)) == 2


def test_crash_after_storing_before_commit_queues_each_mail_once(registry, project, store, renderer, people):
    from synergia.mail.queue import enqueue as real_enqueue

    calls = []

    def flaky(session, **kw):
        calls.append(kw["key"])
        real_enqueue(session, **kw)
        if len(calls) == 2:
            raise Boom()  # dies inside the batch transaction, after the first enqueue

    with pytest.raises(Boom):
        run(registry, project, store, renderer, enqueue=flaky)
    assert deliveries(registry) == []  # the whole batch rolled back together with the storage URIs
    counts = run(registry, project, store, renderer)
    assert counts.mails_queued == 2
    assert sorted(m.key for m in deliveries(registry)) == ["SYN/2026/0001#r1", "SYN/2026/0002#r1"]


def test_batches_and_missing_names(registry, project, store, renderer, seed):
    ids = []
    for i in range(7):
        pid = seed.person(f"Osoba{i}", "Testowa", f"o{i}@example.org")
        seed.attend(pid, "rada", [1])
        ids.append(pid)
    nameless = seed.person("", "", "anon@example.org")
    seed.attend(nameless, "rada", [1], data={"first_name": "", "last_name": ""})
    counts = run(registry, project, store, renderer, batch_size=3)
    assert (counts.eligible, counts.missing_name, counts.issued_new, counts.pdfs_stored, counts.mails_queued) == (8, 1, 7, 7, 7)
    for m in deliveries(registry):
        person = m.recipient.split("@")[0][1:]
        assert f"Osoba{person} Testowa" in pdf_text(m.parts[0].content)


def test_project_without_certificates_does_nothing(registry, project, store, renderer, people):
    counts = issue_certificates(registry, project.model_copy(update={"certificates": None}), store, renderer=renderer)
    assert counts.as_dict()["issued_new"] == 0 and deliveries(registry) == []


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda p: {"events": [e.model_copy(update={"cycle": "nie-ma"}) if e.id == "rada" else e for e in p.events]}, "nie-ma"),
        (lambda p: {"events": [e.model_copy(update={"cycle": "dt"}) if e.id == "rada" else e for e in p.events]}, "rada"),
        (
            lambda p: {
                "certificates": p.certificates.model_copy(
                    update={
                        "cycles": [c.model_copy(update={"events": ["dt-1", "dt-9"]}) if c.id == "dt" else c for c in p.certificates.cycles]
                    }
                )
            },
            "dt-9",
        ),
    ],
)
def test_inconsistent_cycles_are_refused_before_anything_is_issued(registry, project, store, renderer, people, change, message):
    from synergia.certificates.cycles import CertificatesConfigError

    with pytest.raises(CertificatesConfigError, match=message):
        run(registry, project.model_copy(update=change(project)), store, renderer)
    with registry.session() as s:
        assert s.scalar(select(func.count()).select_from(Certificate)) == 0


def test_certificate_waits_for_an_address_and_is_mailed_once_one_appears(registry, project, store, renderer, people):
    from synergia.registry.tables import Application

    first = run(registry, project, store, renderer)
    assert first.no_email == 1  # Ewa has no e-mail
    assert run(registry, project, store, renderer).no_email == 1  # still waiting, nothing queued
    assert len(deliveries(registry)) == 2
    with registry.session() as s:  # staff add her address in the form sheet
        app = s.scalars(select(Application).where(Application.person_id == people["ewa"], Application.kind == "recruitment")).one()
        app.data = {**app.data, "email": "ewa.nowak@example.org"}
    late = run(registry, project, store, renderer)
    assert (late.pdfs_stored, late.mails_queued, late.mails_late, late.no_email) == (0, 1, 1, 0)
    mail = deliveries(registry)[-1]
    assert mail.recipient == "ewa.nowak@example.org" and mail.key == "SYN/2026/0003#r1"
    assert "Ewa Nowak" in pdf_text(mail.parts[0].content)
    again = run(registry, project, store, renderer)
    assert (again.mails_queued, again.no_email) == (0, 0) and len(deliveries(registry)) == 3


def test_certificate_name_uses_the_formal_spelling_the_person_typed_somewhere() -> None:
    from synergia.certificates.people import best_name

    newest_first = [
        {"first_name": "Kasia", "last_name": "KROL"},  # newest: diminutive, no diacritics, caps
        {"first_name": "Katarzyna", "last_name": "Król"},  # older recruitment form
        {"first_name": "Katarzyna", "last_name": "Krol"},
    ]
    assert best_name(newest_first) == "Katarzyna Król"
    assert best_name([{"first_name": "Jerzy", "last_name": "Krol"}]) == "Jerzy Krol"  # nothing better typed: kept
    assert best_name([{"first_name": "Ola", "last_name": "Nowak"}, {"first_name": "Olga", "last_name": "Nowak"}]) == "Ola Nowak"


@pytest.mark.parametrize(
    ("first", "last"),
    [
        ("ANNA-MARIA", "nowak-kowalska"),
        ("jan", "von TRAPP"),
        ("  ZOFIA  ", "DE  ŁĘCKA"),
        ("Łucja", "McDONALD"),
    ],
)
def test_certificate_name_is_capitalised_as_validation_writes_it(first: str, last: str) -> None:
    from synergia.certificates.people import best_name
    from synergia.validation.identity import clean_name

    assert best_name([{"first_name": first, "last_name": last}]) == f"{clean_name(first)} {clean_name(last)}"


def test_a_name_part_without_letters_is_missing_on_the_certificate() -> None:
    from synergia.certificates.people import best_name

    assert best_name([{"first_name": "\u200b?!", "last_name": "Lis"}, {"first_name": None, "last_name": "LIS"}]) == "Lis"
    assert best_name([{"first_name": "...", "last_name": "123"}]) == ""
