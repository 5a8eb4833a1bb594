"""Row numbers are not identities: what staff do to response tabs and lists must move nobody.

Night 1 runs on a workbook of our own (two response tabs of one form, an
attendance list, a quarantined row in each); then staff delete a spam response
in the middle, sort by surname, insert blank rows, move a response to the other
tab, correct an e-mail in place, or really delete a list row; night 2 must
change nothing for anybody else: no application changed, no person split or
merged, no certificate changes holder/number/revision/status, no extra e-mail.

The nights run the real steps the nightly flow runs (sync, Odrzucone rows,
dedupe, certificates, mail to the outbox) on SQLite and PostgreSQL; one test
runs the Prefect flow itself.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from config.project import load_project
from synergia.certificates.service import issue_certificates
from synergia.dedupe.compare import Thresholds
from synergia.dedupe.store import run_dedupe
from synergia.mail.deliveries import send_pending
from synergia.mail.transports import OutboxTransport
from synergia.registry.db import Registry
from synergia.registry.sync import apply_outcomes, mirror_events
from synergia.registry.tables import Application, ApplicationVersion, Quarantine
from synergia.registry.tables_certificates import Certificate, CertificateRevision
from synergia.registry.tables_dedupe import DedupeAssignment, DedupeMerge
from synergia.registry.tables_mail import MailDelivery
from synergia.sheets.quarantine_tab import quarantine_rows
from synergia.sheets.read import read_project_sources
from synergia.sheets.workbook import WorkbookBackend
from synergia.storage.local import LocalStorage
from synergia.validation.batch import validate_snapshot

pytestmark = [pytest.mark.both_backends, pytest.mark.slow]  # `registry` on SQLite and on PostgreSQL; whole nights

WORKBOOK = "biuro/nabor.xlsx"
FORM_A, FORM_B, LIST = "Odpowiedzi formularza 1", "Odpowiedzi – nabór jesienny", "Lista – warsztat"
PHONE = "Zgłoszenia telefoniczne"  # typed by staff: no timestamp column, keyed by content
CONSENT = "Czy wyrażasz zgodę na przetwarzanie danych osobowych?"
FORM_HEADER = ["Sygnatura czasowa", "Imię", "Nazwisko", "Adres e-mail", "Telefon", CONSENT, "Uwagi biura"]
LIST_HEADER = ["Imię", "Nazwisko", "E-mail", "Sesja 1", "Sesja 2"]
PHONE_HEADER = ["Imię", "Nazwisko", "E-mail", "Zgoda (ustnie)"]

PROJECT_YAML = f"""
slug: field-identity
name: "Projekt terenowy — tożsamość wierszy"
organiser: {{name: "Fundacja Przykładowa", logo: logos/organizator-demo.png}}
funder: {{name: "NIW-CRSO", logo: logos/fundator-demo.png}}
period: {{start: 2026-01-01, end: 2026-12-31}}
spreadsheet: {{id: {WORKBOOK}}}
sources:
  - id: nabor-wiosna
    kind: recruitment
    worksheet: "{FORM_A}"
    required_consents: [rodo]
    require: [email]
    columns: &form
      "Sygnatura czasowa": submitted_at
      "Imię": first_name
      "Nazwisko": last_name
      "Adres e-mail": email
      "Telefon": phone
      "{CONSENT}": consent.rodo
  - id: nabor-jesien
    kind: recruitment
    worksheet: "{FORM_B}"
    required_consents: [rodo]
    require: [email]
    columns: *form
  - id: telefon
    kind: recruitment
    worksheet: "{PHONE}"
    required_consents: [rodo]
    columns: {{"Imię": first_name, "Nazwisko": last_name, "E-mail": email, "Zgoda (ustnie)": consent.rodo}}
  - id: lista-warsztat
    kind: attendance
    event: warsztat
    worksheet: "{LIST}"
    columns: {{"Imię": first_name, "Nazwisko": last_name, "E-mail": email}}
    sessions: {{"Sesja 1": 1, "Sesja 2": 2}}
events:
  - id: warsztat
    type: warsztat
    title: "Warsztat partycypacji"
    dates: [2026-04-11, 2026-04-12]
    sessions: 2
    hours: 10
    cycle: partycypacja
certificates:
  prefix: FLD
  place_of_issue: Kęty
  signatory: "Irena Sobczak"
  verification_url: "https://weryfikacja.example.org/z/{{code}}"
  cycles:
    - id: partycypacja
      title: "Warsztat partycypacji"
      events: [warsztat]
      rule: {{min_attendance_ratio: 1.0}}
"""

# (timestamp, first, last, e-mail, phone, consent, staff note) — our own values
SPAM = ["04.03.2026 10:02:17", "Test", "Testowy", "test@test.example", "", "Tak", "usunąć"]
FORM_A_ROWS = [
    ["03.03.2026 09:12:44", "Halina", "Zawadzka", "h.zawadzka@poczta.example", "601 202 303", "Tak", ""],
    ["03.03.2026 09:40:01", "Bartłomiej", "Sowa", "bsowa@gmina-kety.example", "", "Tak", "sołtys"],
    SPAM,
    ["04.03.2026 18:21:09", "Grażyna", "Pietrzyk", "grazyna.p@kgw-bulowice.example", "33 845 12 10", "Tak", ""],
    ["05.03.2026 07:55:30", "Marian", "Kubacki", "m.kubacki@osp.example", "", "Tak", ""],
    ["05.03.2026 21:03:12", "Roman", "Bielecki", "roman.bielecki(at)poczta", "", "Tak", ""],  # quarantined
    ["06.03.2026 12:00:00", "Elżbieta", "Nowicka-Baran", "ela.nb@rada-seniorow.example", "", "Tak", ""],
    # a double submission: same second, same e-mail, another phone — two applications, never one
    ["07.03.2026 08:30:15", "Teodor", "Wilk", "t.wilk@stowarzyszenie.example", "501 100 100", "Tak", ""],
    ["07.03.2026 08:30:15", "Teodor", "Wilk", "t.wilk@stowarzyszenie.example", "501 100 101", "Tak", ""],
    ["08.03.2026 16:45:51", "Urszula", "Czerwińska", "u.czerwinska@szkola.example", "", "Tak", ""],
    ["09.03.2026 10:10:10", "Jarosław", "Ostrowski", "jaro.ostrowski@ug.example", "", "Tak", ""],
    ["09.03.2026 11:11:11", "Renata", "Malinowska", "renata.m@biblioteka.example", "", "Tak", ""],
]
FORM_B_ROWS = [
    ["02.09.2026 14:20:05", "Kazimierz", "Dudek", "k.dudek@lgd.example", "", "Tak", ""],
    ["03.09.2026 09:01:44", "Wioletta", "Szewczyk", "wiola.sz@mops.example", "", "Tak", ""],
]
PHONE_ROWS = [
    ["Leokadia", "Fijałkowska", "leokadia.f@poczta.example", "Tak"],
    ["Zenon", "Ryba", "", "Tak"],
    ["Bogumiła", "Kaczmarczyk", "b.kaczmarczyk@kgw.example", "Tak"],
]
LIST_ROWS = [
    ["Halina", "Zawadzka", "h.zawadzka@poczta.example", "x", "x"],
    ["Bartłomiej", "Sowa", "bsowa@gmina-kety.example", "x", "x"],
    ["Grażyna", "Pietrzyk", "grazyna.p@kgw-bulowice.example", "x", "x"],
    ["Stanisław", "Jaworski", "s.jaworski@parafia.example", "x", "x"],  # only this list row
    ["Marian", "Kubacki", "m.kubacki@osp.example", "x", "x"],
    ["Ola", "", "", "x", ""],  # quarantined: no surname
    ["Elżbieta", "Nowicka-Baran", "ela.nb@rada-seniorow.example", "x", "x"],
    ["Teodor", "Wilk", "t.wilk@stowarzyszenie.example", "x", "x"],
    ["Urszula", "Czerwińska", "u.czerwinska@szkola.example", "x", ""],  # not eligible
    ["Jarosław", "Ostrowski", "jaro.ostrowski@ug.example", "x", "x"],
    ["Renata", "Malinowska", "renata.m@biblioteka.example", "x", "x"],
    ["Kazimierz", "Dudek", "k.dudek@lgd.example", "x", "x"],
    ["Wioletta", "Szewczyk", "wiola.sz@mops.example", "x", "x"],
]


def initial_tabs() -> dict[str, list[list[str]]]:
    return {
        FORM_A: [FORM_HEADER] + [list(r) for r in FORM_A_ROWS],
        FORM_B: [FORM_HEADER] + [list(r) for r in FORM_B_ROWS],
        PHONE: [PHONE_HEADER] + [list(r) for r in PHONE_ROWS],
        LIST: [LIST_HEADER] + [list(r) for r in LIST_ROWS],
    }


def save(path: Path, tabs: dict[str, list[list[str]]]) -> None:
    """Rewrite the staff tabs (the pipeline's own tabs, if any, are kept)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    wb = load_workbook(path) if path.exists() else Workbook()
    for name in list(wb.sheetnames):
        if name in tabs or name == "Sheet":
            del wb[name]
    for name, rows in tabs.items():
        ws = wb.create_sheet(name)
        for row in rows:
            ws.append([v if v != "" else None for v in row])
    wb.save(path)


@pytest.fixture
def project(tmp_path: Path):
    path = tmp_path / "field-identity.yaml"
    path.write_text(PROJECT_YAML, encoding="utf-8")
    return load_project(path)


class Office:
    """The staff workbook, the registry and one night of the pipeline's steps (in the flow's order)."""

    def __init__(self, project, registry: Registry, root: Path):
        self.project, self.registry, self.root = project, registry, root
        self.workbook = root / WORKBOOK
        self.outbox = root / "outbox"
        self.tabs = initial_tabs()
        save(self.workbook, self.tabs)

    def save(self) -> None:
        save(self.workbook, self.tabs)

    def night(self) -> dict:
        project, reg = self.project, self.registry
        snap = read_project_sources(project, WorkbookBackend(self.root))
        batch = validate_snapshot(project, snap)
        with reg.session() as s:
            mirror_events(s, project)
            sync = apply_outcomes(s, project, batch.outcomes, batch.read_worksheets).as_dict()
        with reg.session() as s:
            rejected = quarantine_rows(s, project.slug)
        with reg.session() as s:
            dedupe = run_dedupe(s, project.slug, Thresholds(project.dedupe.match_threshold, project.dedupe.review_threshold))
        certs = issue_certificates(reg, project, LocalStorage(self.root / "certificates"), issue_date=date(2026, 10, 1))
        mail = send_pending(reg, OutboxTransport(self.outbox), project=project.slug, mail_cfg=project.mail, sender="biuro@fundacja.example")
        return {"sync": sync, "rejected": rejected, "dedupe": dedupe.as_dict(), "certificates": certs.as_dict(), "mail": mail.as_dict()}

    def state(self) -> dict:
        with self.registry.session() as s:
            apps = {a.id: (a.person_id, a.active, a.version, a.content_hash, a.source_id) for a in s.scalars(select(Application))}
            certs = {c.id: (c.person_id, c.number, c.revision, c.status) for c in s.scalars(select(Certificate))}
            return {
                "apps": apps,
                "certs": certs,
                "revisions": s.scalar(select(func.count()).select_from(CertificateRevision)),
                "assignments": s.scalar(select(func.count()).select_from(DedupeAssignment)),
                "merges": s.scalar(select(func.count()).select_from(DedupeMerge)),
                "versions": s.scalar(select(func.count()).select_from(ApplicationVersion)),
                "deliveries": s.scalar(select(func.count()).select_from(MailDelivery)),
                "quarantine": {q.id: q.resolved_at is None for q in s.scalars(select(Quarantine))},
                "outbox": sorted(p.name for p in self.outbox.glob("*.eml")),
            }

    def app_of(self, source_id: str, email: str) -> Application:
        with self.registry.session() as s:
            found = [
                a for a in s.scalars(select(Application).where(Application.source_id == source_id)) if (a.data.get("email") or "") == email
            ]
            assert len(found) == 1
            return found[0]

    def cert_of(self, person_id: int) -> tuple:
        with self.registry.session() as s:
            c = s.scalars(select(Certificate).where(Certificate.person_id == person_id)).one()
            return (c.number, c.revision, c.status)


@pytest.fixture
def office(project, registry, tmp_path: Path) -> Office:
    office = Office(project, registry, tmp_path / "data")
    first = office.night()
    # night 1 did real work: certificates issued and mailed, persons merged across forms and the list
    assert first["sync"]["quarantined"] == 2
    assert first["sync"]["accepted"] == len(FORM_A_ROWS) + len(FORM_B_ROWS) + len(PHONE_ROWS) + len(LIST_ROWS) - 2
    assert first["certificates"]["issued_new"] == 11 and first["mail"]["sent"] == 11
    assert first["dedupe"]["persons_merged"] >= 10
    return office


def _row(tab: list[list[str]], email: str) -> list[str]:
    return next(r for r in tab if email in r)


def assert_nobody_moved(before: dict, after: dict, *, gone: set[int] = frozenset(), revoked: set[int] = frozenset()) -> None:
    """Every application keeps its person and content; only ``gone`` ones are deactivated; only
    the certificates in ``revoked`` (ids) change, to revoked, keeping holder, number and revision."""
    assert set(after["apps"]) == set(before["apps"]), "no application appears or disappears"
    for app_id, (pid, active, version, content, *_src) in before["apps"].items():
        a_pid, a_active, a_version, a_content, *_ = after["apps"][app_id]
        assert (a_pid, a_version, a_content) == (pid, version, content), f"application {app_id} changed"
        assert a_active == (active and app_id not in gone), f"application {app_id} activity"
    assert set(after["certs"]) == set(before["certs"])
    for cert_id, (pid, number, revision, status) in before["certs"].items():
        expected = (pid, number, revision, "revoked" if cert_id in revoked else status)
        assert after["certs"][cert_id] == expected, f"certificate {cert_id}"
    for key in ("revisions", "assignments", "merges", "versions", "deliveries", "outbox"):
        assert after[key] == before[key], key
    assert after["quarantine"] == before["quarantine"], "quarantine entries kept, none duplicated"


def test_deleting_a_spam_response_in_the_middle_moves_nobody(office: Office) -> None:
    before = office.state()
    spam = office.app_of("nabor-wiosna", "test@test.example")
    office.tabs[FORM_A].remove(SPAM)
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (0, 0, 1)
    assert night["mail"]["sent"] == 0 and night["certificates"]["unchanged"] == 11
    assert_nobody_moved(before, office.state(), gone={spam.id})


def test_sorting_tabs_by_surname_changes_nothing(office: Office) -> None:
    before = office.state()
    for tab, col in ((FORM_A, 2), (FORM_B, 2), (LIST, 1), (PHONE, 1)):
        header, *rows = office.tabs[tab]
        office.tabs[tab] = [header] + sorted(rows, key=lambda r: (r[col], r[0]), reverse=True)
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (0, 0, 0)
    assert night["sync"]["moved"] > 5 and night["sync"]["newly_quarantined"] == 0
    assert_nobody_moved(before, office.state())
    # the row numbers shown to staff follow the rows (a display reference)
    shown = {r[0]: int(r[2]) for r in night["rejected"][1:]}
    bielecki = 1 + next(i for i, r in enumerate(office.tabs[FORM_A]) if r[2] == "Bielecki")
    assert shown["nabor-wiosna"] == bielecki and len(night["rejected"]) == 3


def test_inserted_blank_rows_change_nothing(office: Office) -> None:
    before = office.state()
    office.tabs[FORM_A].insert(4, [""] * len(FORM_HEADER))
    office.tabs[FORM_A].insert(8, [""] * len(FORM_HEADER))
    office.tabs[LIST].insert(2, [""] * len(LIST_HEADER))
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (0, 0, 0)
    assert night["sync"]["empty"] == 3
    assert_nobody_moved(before, office.state())


def test_a_response_moved_to_the_other_tab_keeps_its_application(office: Office) -> None:
    moving = office.app_of("nabor-wiosna", "grazyna.p@kgw-bulowice.example")
    before = office.state()
    row = _row(office.tabs[FORM_A], "grazyna.p@kgw-bulowice.example")
    office.tabs[FORM_A].remove(row)
    office.tabs[FORM_B].insert(2, row)
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (0, 0, 0)
    after = office.state()
    assert after["apps"][moving.id][4] == "nabor-jesien"
    for state in (before, after):  # the source is where the row lives now; nothing else may differ
        state["apps"][moving.id] = state["apps"][moving.id][:4]
    assert_nobody_moved(before, after)


def test_a_list_row_that_really_disappears_revokes_only_its_own_certificate(office: Office) -> None:
    gone = office.app_of("lista-warsztat", "s.jaworski@parafia.example")
    number, revision, _ = office.cert_of(gone.person_id)
    before = office.state()
    cert_id = next(i for i, c in before["certs"].items() if c[0] == gone.person_id)
    office.tabs[LIST].remove(_row(office.tabs[LIST], "s.jaworski@parafia.example"))
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (0, 0, 1)
    assert night["certificates"]["revoked"] == 1 and night["certificates"]["issued_new"] == 0
    assert_nobody_moved(before, office.state(), gone={gone.id}, revoked={cert_id})
    assert office.cert_of(gone.person_id) == (number, revision, "revoked")  # stays with its person, number kept

    # the row comes back (deleted by mistake): same application, same person, same number again
    office.tabs[LIST] = [LIST_HEADER] + [list(r) for r in LIST_ROWS]
    office.save()
    back = office.night()
    assert back["sync"]["new"] == 0 and back["certificates"]["reinstated"] == 1
    assert office.state()["apps"][gone.id][:2] == (gone.person_id, True)
    assert office.cert_of(gone.person_id)[0] == number


def test_everything_at_once_moves_nobody(office: Office) -> None:
    """Spam deleted, tabs sorted, blank rows inserted and a response moved, all before one night."""
    spam = office.app_of("nabor-wiosna", "test@test.example")
    moving = office.app_of("nabor-wiosna", "m.kubacki@osp.example")
    before = office.state()
    office.tabs[FORM_A].remove(SPAM)
    row = _row(office.tabs[FORM_A], "m.kubacki@osp.example")
    office.tabs[FORM_A].remove(row)
    office.tabs[FORM_B].append(row)
    for tab, col in ((FORM_A, 2), (LIST, 1)):
        header, *rows = office.tabs[tab]
        office.tabs[tab] = [header] + sorted(rows, key=lambda r: r[col])
    office.tabs[FORM_A].insert(3, [""] * len(FORM_HEADER))
    office.tabs[LIST].insert(5, [""] * len(LIST_HEADER))
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (0, 0, 1)
    after = office.state()
    for state in (before, after):
        state["apps"][moving.id] = state["apps"][moving.id][:4]
    assert_nobody_moved(before, after, gone={spam.id})


def test_an_email_corrected_in_place_is_a_new_version_of_the_same_application(office: Office) -> None:
    app = office.app_of("nabor-wiosna", "jaro.ostrowski@ug.example")
    before = office.state()
    row = _row(office.tabs[FORM_A], "jaro.ostrowski@ug.example")
    row[3] = "jaroslaw.ostrowski@ug.example"  # staff fix the address: the key (timestamp + e-mail) changes
    office.tabs[FORM_A].remove(row)
    office.tabs[FORM_A].insert(1, row)  # and the row moves too
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (1, 0, 0)
    after = office.state()
    assert after["apps"][app.id][0] == before["apps"][app.id][0] and after["apps"][app.id][2] == 2
    assert after["versions"] == before["versions"] + 1
    assert after["assignments"] == before["assignments"], "nobody split or merged"
    assert {i: c[:2] for i, c in after["certs"].items()} == {i: c[:2] for i, c in before["certs"].items()}
    assert all(c[3] == "valid" for c in after["certs"].values())


def test_an_email_added_to_a_typed_row_without_timestamp_is_the_same_application(office: Office) -> None:
    app = office.app_of("telefon", "leokadia.f@poczta.example")
    before = office.state()
    rows = office.tabs[PHONE]
    _row(rows, "leokadia.f@poczta.example")[2] = "leokadia.fijalkowska@poczta.example"
    rows[1:] = list(reversed(rows[1:]))  # and the tab is re-sorted
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (1, 0, 0)
    after = office.state()
    assert after["apps"][app.id][:3] == (before["apps"][app.id][0], True, 2)
    assert after["assignments"] == before["assignments"]


def test_a_name_corrected_on_the_list_stays_the_same_list_row(office: Office) -> None:
    app = office.app_of("lista-warsztat", "renata.m@biblioteka.example")
    before = office.state()
    _row(office.tabs[LIST], "renata.m@biblioteka.example")[1] = "Malinowska-Król"  # married name added
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (1, 0, 0)
    after = office.state()
    assert after["apps"][app.id][:3] == (before["apps"][app.id][0], True, 2)
    assert after["assignments"] == before["assignments"]


def test_double_submission_stays_two_applications_when_sorted(office: Office) -> None:
    with office.registry.session() as s:
        wilk = sorted(
            (a.id, a.data.get("phone"))
            for a in s.scalars(select(Application).where(Application.source_id == "nabor-wiosna"))
            if a.data.get("email") == "t.wilk@stowarzyszenie.example"
        )
    assert len(wilk) == 2 and wilk[0][1] != wilk[1][1]
    before = office.state()
    rows = [r for r in office.tabs[FORM_A] if "t.wilk@stowarzyszenie.example" in r]
    a, b = (office.tabs[FORM_A].index(r) for r in rows)
    office.tabs[FORM_A][a], office.tabs[FORM_A][b] = office.tabs[FORM_A][b], office.tabs[FORM_A][a]
    office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"]) == (0, 0)
    assert_nobody_moved(before, office.state())
    with office.registry.session() as s:
        assert sorted((i, s.get(Application, i).data.get("phone")) for i, _ in wilk) == wilk


# --- the Prefect flow itself ---------------------------------------------------------------------


@pytest.mark.prefect
@pytest.mark.parametrize("db", ["sqlite", "postgresql"])
def test_nightly_flow_after_a_deleted_middle_row(
    db: str, prefect_harness, synergia_env: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, request: pytest.FixtureRequest
) -> None:
    from config.settings import reset_settings_cache
    from flows.nightly import nightly
    from synergia import runtime

    if db == "postgresql":
        monkeypatch.setenv("SYNERGIA_DATABASE_URL", request.getfixturevalue("pg_database"))
        reset_settings_cache()
        runtime.reset()
    path = tmp_path / "field-identity.yaml"
    path.write_text(PROJECT_YAML, encoding="utf-8")
    tabs = initial_tabs()
    save(synergia_env / WORKBOOK, tabs)
    first = nightly(project_path=str(path))
    assert first["certificates.issued_new"] == 11 and first["mail.sent"] == 11
    outbox = sorted((synergia_env / "outbox").glob("*.eml"))
    assert len(outbox) == 11
    registry = runtime.registry()
    with registry.session() as s:
        before = {a.id: (a.person_id, a.version) for a in s.scalars(select(Application))}
        certs = {c.id: (c.person_id, c.number, c.revision, c.status) for c in s.scalars(select(Certificate))}
    tabs[FORM_A].remove(SPAM)
    tabs[FORM_A].insert(6, [""] * len(FORM_HEADER))
    save(synergia_env / WORKBOOK, tabs)
    second = nightly(project_path=str(path))
    assert (second["changed"], second["new"], second["deactivated"]) == (0, 0, 1)
    assert (second["certificates.unchanged"], second["certificates.revoked"], second["mail.sent"]) == (11, 0, 0)
    assert second["dedupe.persons_merged"] == second["dedupe.applications_split"] == 0
    with registry.session() as s:
        assert {a.id: (a.person_id, a.version) for a in s.scalars(select(Application))} == before
        assert {c.id: (c.person_id, c.number, c.revision, c.status) for c in s.scalars(select(Certificate))} == certs
    assert sorted((synergia_env / "outbox").glob("*.eml")) == outbox
    rejected = [r for r in load_workbook(synergia_env / WORKBOOK)["Odrzucone"].iter_rows(values_only=True) if any(r)]
    assert len(rejected) == 3  # header + the two quarantined rows, no duplicate


# --- upgrading an existing registry --------------------------------------------------------------


def _back_to_0005(office: Office) -> None:
    """The registry as the code before row identities left it: migration 0006 undone."""
    from alembic import command
    from sqlalchemy import inspect

    from synergia.registry.db import alembic_config

    office.registry.engine.dispose()
    command.downgrade(alembic_config(office.registry.url), "0005")
    columns = {c["name"] for c in inspect(office.registry.engine).get_columns("applications")}
    assert "row_key" not in columns and "row_number" in columns
    office.registry.engine.dispose()


@pytest.mark.parametrize("staff_edit", ["unchanged", "spam_deleted"])
def test_upgrade_from_0005_then_a_night_changes_nothing(office: Office, staff_edit: str) -> None:
    from synergia.registry.db import migrate

    before = office.state()
    _back_to_0005(office)
    migrate(office.registry.url)  # 0005 -> 0006: keys computed from the stored data
    with office.registry.session() as s:
        keys = [a.row_key for a in s.scalars(select(Application))]
    assert len(set(keys)) == len(keys)
    # only the typed tab without timestamps needs the raw row for its key (matched by content, then place)
    assert sum(k.startswith("legacy:") for k in keys) == len(PHONE_ROWS)
    gone: set[int] = set()
    if staff_edit == "spam_deleted":  # staff clean the tabs on the day of the upgrade
        gone = {office.app_of("nabor-wiosna", "test@test.example").id, office.app_of("telefon", "").id}
        office.tabs[FORM_A].remove(SPAM)
        office.tabs[PHONE].remove(_row(office.tabs[PHONE], "Ryba"))
        office.save()
    night = office.night()
    assert (night["sync"]["changed"], night["sync"]["new"], night["sync"]["deactivated"]) == (0, 0, len(gone))
    assert night["mail"]["sent"] == 0
    assert_nobody_moved(before, office.state(), gone=gone)
    # the next night sorts the tab: identities now hold without the migration's help
    header, *rows = office.tabs[FORM_A]
    office.tabs[FORM_A] = [header] + sorted(rows, key=lambda r: r[2])
    office.save()
    again = office.night()
    assert (again["sync"]["changed"], again["sync"]["new"], again["sync"]["deactivated"]) == (0, 0, 0)
    assert_nobody_moved(before, office.state(), gone=gone)
    if staff_edit == "spam_deleted":
        # weeks later somebody new stands where the deleted typed row stood: a new application,
        # not the old one (a migrated record is matched by its last place on the first night only)
        ryba = office.app_of("telefon", "")
        office.tabs[PHONE].insert(2, ["Wanda", "Ryba", "w.ryba@poczta.example", "Tak"])
        office.save()
        later = office.night()
        assert (later["sync"]["new"], later["sync"]["changed"]) == (1, 0)
        with office.registry.session() as s:
            assert s.get(Application, ryba.id).active is False


def test_keys_from_stored_data_equal_keys_from_the_sheet(project) -> None:
    """Migration 0006 computes keys from validated data; the night computes them from raw cells:
    both must agree however the respondent typed the name or the address."""
    from synergia.sheets.identity import identity_from_data, with_identities
    from synergia.sheets.rows import rows_from_table
    from synergia.validation.row import Accepted, validate_row

    typed = {
        "nabor-wiosna": [
            FORM_HEADER,
            ["3/3/2026 9:12:44", "  HALINA ", "zawadzka", " H.Zawadzka@Poczta.Example ", "", "Tak", ""],
            ["2026-03-05 07:55:30", "Marian\u200b", "Kubacki  ", "m.kubacki@osp.example", "", "Tak", ""],
        ],
        "lista-warsztat": [
            LIST_HEADER,
            ["elżbieta", "NOWICKA - BARAN", "Ela.NB@rada-seniorow.example", "x", ""],
            ["Stanisław", "Jaworski", "", "", "x"],
        ],
    }
    checked = 0
    for source_id, table in typed.items():
        source = project.source(source_id)
        for raw in with_identities(rows_from_table(source_id, WORKBOOK, source.worksheet, table), source, "en_US"):
            outcome = validate_row(raw, source, project, locale="en_US")
            assert isinstance(outcome, Accepted)
            assert identity_from_data(outcome.kind, outcome.data).key == raw.ref.identity.key
            checked += 1
    assert checked == 4
    spaced = rows_from_table("lista-warsztat", WORKBOOK, LIST, [LIST_HEADER, ["Jan", "Kos", "", "x", ""], ["Jan", "Kos", "", "x", "x"]])
    a, b = with_identities(spaced, project.source("lista-warsztat"), None)
    assert a.ref.identity.key == b.ref.identity.key and a.ref.identity.fingerprint != b.ref.identity.fingerprint
    assert "kos" not in a.ref.identity.key.lower() and repr(a.ref.identity) == "RowIdentity(…)"
