"""A night whose sources did not change is not read again (``synergia.registry.uptodate``), and ends
exactly as a full night: the same registry (every table), owned tabs, certificates, mail and counts.

Two data directories run the same nights with the same staff edits: A with the fast path, B with
``SYNERGIA_FULL_SYNC=1``. The workbook is the demo generator's small one plus rows of our own
(a future birth date, a bad e-mail, a double submission, a diminutive pair for the review tab)."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import DateTime, LargeBinary, select

from config.project import load_project
from config.settings import PROJECTS_DIR, reset_settings_cache
from synergia import runtime

DEMO = PROJECTS_DIR / "demo.yaml"
FORM = "Formularz NGO i rady"
OWN = ("Odrzucone", "Do sprawdzenia", "Wskaźniki")

#: our own rows for the NGO form (its header order: see config/projects/demo.yaml), appended to the generated tab
OUR_ROWS = [
    # a birth date in the future: birth_date_implausible, a reason that depends on the date bound
    ["03.04.2026 09:12:44", "Wiesława", "Kądziołka", "w.kadziolka@example.org", "605-404-303", "", "04.05.2031", "Kobieta",
     "ul. Brzozowa 2/5", "43100", "Tychy", "Tychy", "Koło Gospodyń Wiejskich", "Organizacja pozarządowa", "Tak", "tak"],
    # not an e-mail address
    ["03.04.2026 11:00:00", "Zdzisław", "Pęcherz", "zdzislaw.pecherz(at)example.org", "+48 512 777 001", "", "1958-02-14",
     "Mężczyzna", "ul. Hutnicza 8", "43-150", "Bieruń", "Bieruń", "Rada Osiedla", "Rada seniorów", "Wyrażam zgodę", "Nie"],
    # one name and e-mail, two phones (a family's mailbox?): a pair for staff to look at
    ["04.04.2026 08:30:00", "Katarzyna", "Żmuda-Trzebiatowska", "kasia.zmuda@example.net", "600 100 200", "", "12.12.1985",
     "Kobieta", "ul. Dworcowa 1", "43-100", "Tychy", "Tychy", "Fundacja Most", "Organizacja pozarządowa", "TAK", "Tak"],
    ["05.04.2026 19:45:10", "Katarzyna", "Żmuda-Trzebiatowska", "kasia.zmuda@example.net", "+48 790 555 123", "", "",
     "Kobieta", "", "43-100", "Tychy", "Tychy", "", "Organizacja pozarządowa", "Tak", "Tak"],
    # the same submission twice
    ["06.04.2026 10:10:10", "Józef", "Ćwik", "jozef.cwik@example.org", "32 227 11 00", "", "30.06.1970", "Mężczyzna",
     "ul. Wąska 3", "43-143", "Lędziny", "Lędziny", "OSP Lędziny", "Organizacja pozarządowa", "Tak", "Nie"],
    ["06.04.2026 10:10:10", "Józef", "Ćwik", "jozef.cwik@example.org", "32 227 11 00", "", "30.06.1970", "Mężczyzna",
     "ul. Wąska 3", "43-143", "Lędziny", "Lędziny", "OSP Lędziny", "Organizacja pozarządowa", "Tak", "Nie"],
]  # fmt: skip


@pytest.fixture(scope="module")
def base_workbook(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from devtools.demo.generator import generate_workbook

    path = tmp_path_factory.mktemp("book") / "demo.xlsx"
    generate_workbook(load_project(DEMO), path, people=40)
    wb = load_workbook(path)
    for row in OUR_ROWS:
        wb[FORM].append(row)
    wb.save(path)
    return path


class Env:
    """One data directory (workbook, SQLite or PostgreSQL registry, certificates, outbox) and its project file copy."""

    def __init__(self, root: Path, book: Path, full: bool, db_url: str | None = None) -> None:
        self.data, self.full = root / "data", full
        self.data.mkdir(parents=True)
        self.project = root / "demo.yaml"
        shutil.copy(DEMO, self.project)
        self.book = self.data / load_project(DEMO).spreadsheet.id
        self.book.parent.mkdir(parents=True)
        shutil.copy(book, self.book)
        self.db_url = db_url or f"sqlite:///{self.data / 'synergia.db'}"

    def use(self, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.setenv("SYNERGIA_DATA_DIR", str(self.data))
        monkeypatch.setenv("SYNERGIA_DATABASE_URL", self.db_url)
        monkeypatch.setenv("SYNERGIA_RODO_SALT", "test-salt-of-this-module")
        monkeypatch.setenv("SYNERGIA_FULL_SYNC", "1" if self.full else "0")
        reset_settings_cache()
        runtime.reset()


def night(env: Env, monkeypatch: pytest.MonkeyPatch) -> dict:
    """The nightly flow's steps in its order (``flows/nightly.py``), as plain functions; the night's flat result."""
    from prefect.logging import disable_run_logger

    from synergia.sheets.owned import QUARANTINE, REVIEW
    from synergia.steps import nightly_result
    from tasks.certificates import issue_certificates, publish_verification_site
    from tasks.dedupe import cluster_participants
    from tasks.mail import send_mail
    from tasks.registry import prepare_registry, upsert_registry
    from tasks.sources import read_sources
    from tasks.validate import validate_rows
    from tasks.writeback import write_quarantine_tab

    env.use(monkeypatch)
    path = str(env.project)
    with disable_run_logger():
        prepare_registry.fn(path)
        batch = validate_rows.fn(path, read_sources.fn(path))
        counts = upsert_registry.fn(path, batch)
        quarantine, review = batch.owned_tabs.get(QUARANTINE.key), batch.owned_tabs.get(REVIEW.key)
        write_quarantine_tab.fn(path, quarantine)
        dedupe = cluster_participants.fn(path, review)
        certificates = issue_certificates.fn(path)
        publish_verification_site.fn(path, certificates)
        mail = send_mail.fn(path)
    return nightly_result(runtime.context(path), counts, {"dedupe": dedupe, "certificates": certificates, "mail": mail})


#: columns holding random values by design (verification codes, Message-IDs, tokens; binary columns hold PDFs
#: with the code and a creation time): equal in form, not in value
RANDOM = {"verification_code", "code", "message_id", "token"}
#: what differs between two equal nights by design: when, and the digests of when (a workbook saved
#: again by openpyxl carries its save time, so the two copies' fingerprints may differ)
NOT_COMPARED = {"sync_run_id", "sources_unchanged", "registry_mark", "sources_fingerprint"}


def state(env: Env, monkeypatch: pytest.MonkeyPatch) -> dict:
    """Every registry table (timestamps and random codes left out), the owned tabs, certificate files and mail."""
    from synergia.sheets.workbook import WorkbookBackend

    tabs = WorkbookBackend(env.data).read_tabs(str(env.book), OWN, owned=OWN).tabs
    return registry_state(env, monkeypatch, tabs)


def registry_state(env: Env, monkeypatch: pytest.MonkeyPatch, tabs: dict[str, list[list[str]]]) -> dict:
    """``state`` with the owned tabs as ``tabs`` (read from wherever the environment's spreadsheet is)."""
    from synergia.registry.base import Base

    env.use(monkeypatch)
    tables = {}
    with runtime.registry().engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            if table.name == "alembic_version":
                continue
            cols = [c for c in table.columns if not isinstance(c.type, (DateTime, LargeBinary)) and c.name not in RANDOM]
            rows = conn.execute(select(*cols)).all()
            if table.name == "sync_runs":
                rows = [tuple({k: v for k, v in r.counts.items() if k not in NOT_COMPARED} if c.name == "counts" else v
                              for c, v in zip(cols, r, strict=True)) for r in rows]  # fmt: skip
            tables[table.name] = sorted(repr(r).replace(str(env.data), "<data>") for r in rows)  # file paths
    tabs = {name: _without_times(name, rows) for name, rows in tabs.items()}
    files = sorted(str(p.relative_to(env.data)) for p in env.data.rglob("*.pdf"))
    outbox = len(list(env.data.rglob("*.eml")))
    return {"tables": tables, "tabs": tabs, "pdfs": files, "mails": outbox}


def _without_times(name: str, rows: list[list[str]]) -> list[list[str]]:
    """``Odrzucone`` shows when a row was first and last seen (to the minute): two environments run
    one after the other may straddle a minute, like the registry's DateTime columns left out above."""
    from synergia.sheets.quarantine_tab import HEADER

    if name != "Odrzucone" or not rows:
        return rows
    timed = {i for i, h in enumerate(rows[0]) if h in HEADER[-2:]}
    return [rows[0]] + [[("" if i in timed else v) for i, v in enumerate(r)] for r in rows[1:]]


def compare(a: dict, b: dict) -> None:
    assert {k: v for k, v in a.items() if k not in NOT_COMPARED} == {k: v for k, v in b.items() if k not in NOT_COMPARED}


def edit_cell(book: Path, tab: str, ref: str, value: str) -> None:
    wb = load_workbook(book)  # openpyxl saves the whole file again, as a spreadsheet program does
    wb[tab][ref] = value
    wb.save(book)


def answer_first_pair(env: Env, answer: str) -> bool:
    """Staff write TAK/NIE beside the first pair of ``Do sprawdzenia`` (only that tab's part changes)."""
    from synergia.sheets.review_tab import DECISION_HEADER
    from synergia.sheets.workbook import WorkbookBackend

    backend = WorkbookBackend(env.data)
    rows = backend.read_tabs(str(env.book), ["Do sprawdzenia"], owned=OWN).tabs.get("Do sprawdzenia", [])
    if len(rows) < 2:
        return False
    col = rows[0].index(DECISION_HEADER)
    rows = [list(r) + [""] * (len(rows[0]) - len(r)) for r in rows]
    rows[1][col] = answer
    backend.write_tab(str(env.book), "Do sprawdzenia", rows, owned=OWN)
    return True


def delete_first_quarantine_row(env: Env) -> None:
    from synergia.sheets.workbook import WorkbookBackend

    backend = WorkbookBackend(env.data)
    rows = backend.read_tabs(str(env.book), ["Odrzucone"], owned=OWN).tabs["Odrzucone"]
    backend.write_tab(str(env.book), "Odrzucone", [rows[0], *rows[2:]], owned=OWN)


def erase_someone(env: Env, monkeypatch: pytest.MonkeyPatch) -> None:
    from synergia.registry.tables import Application
    from synergia.rodo.salt import salt_from_settings
    from synergia.rodo.service import erase_person

    env.use(monkeypatch)
    ctx = runtime.context(str(env.project))
    with ctx.registry.session() as session:
        person = session.scalar(select(Application.person_id).where(Application.active.is_(True)).order_by(Application.id).limit(1))
    erase_person(ctx.registry, ctx.project, person, "delete", settings=ctx.settings, backend=ctx.sheets, storage=ctx.storage,
                 operator="test", salt=salt_from_settings(ctx.settings))  # fmt: skip


def tomorrow(monkeypatch: pytest.MonkeyPatch) -> None:
    import synergia.validation.batch as batch

    class Tomorrow(dt.date):
        @classmethod
        def today(cls) -> dt.date:
            return dt.date.today() + dt.timedelta(days=1)

    monkeypatch.setattr(batch, "date", Tomorrow)


def both(a: Env, b: Env, monkeypatch: pytest.MonkeyPatch, *, fast: bool, state_of=state) -> tuple[dict, dict]:
    ra, rb = night(a, monkeypatch), night(b, monkeypatch)
    assert ra.get("sources_unchanged", 0) == int(fast), "path taken by the fast environment"
    assert rb.get("sources_unchanged", 0) == 0
    compare(ra, rb)
    sa, sb = state_of(a, monkeypatch), state_of(b, monkeypatch)
    for name in sa["tables"]:
        assert sa["tables"][name] == sb["tables"][name], name
    assert sa == sb
    return ra, rb


def test_nights_with_the_fast_path_end_as_full_nights(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_workbook: Path) -> None:
    a, b = Env(tmp_path / "a", base_workbook, full=False), Env(tmp_path / "b", base_workbook, full=True)
    first, _ = both(a, b, monkeypatch, fast=False)
    assert first["reasons"].get("birth_date_implausible") and first["new"] == first["accepted"] > 0

    second, _ = both(a, b, monkeypatch, fast=True)  # our own tab writes of night 1 changed the file, not its sources
    assert second["unchanged"] == second["accepted"] == first["accepted"] and second["new"] == second["changed"] == 0

    for env in (a, b):
        edit_cell(env.book, FORM, "K2", "Mikołów")  # staff correct a town
    third, _ = both(a, b, monkeypatch, fast=False)
    assert third["changed"] == 1

    both(a, b, monkeypatch, fast=True)

    answered = [answer_first_pair(env, "TAK") for env in (a, b)]
    for env in (a, b):
        delete_first_quarantine_row(env)
    fifth, _ = both(a, b, monkeypatch, fast=True)  # the sources are the same; the answer is read all the same
    assert answered == [True, True] and fifth["dedupe.decisions_recorded"] == 1

    for env in (a, b):
        env.project.write_text(env.project.read_text(encoding="utf-8").replace("name: ", "name: Zmieniony ", 1), encoding="utf-8")
    both(a, b, monkeypatch, fast=False)  # another project file: other rules

    both(a, b, monkeypatch, fast=True)
    for env in (a, b):
        erase_someone(env, monkeypatch)
    erased, _ = both(a, b, monkeypatch, fast=False)  # the person's rows are quarantined as erased now
    assert erased["reasons"].get("erased")

    both(a, b, monkeypatch, fast=True)
    tomorrow(monkeypatch)
    both(a, b, monkeypatch, fast=False)  # a later date bound, and a row rejected for its birth date


# --------------------------------------------------------------------------- each condition of the check


def _ok_previous() -> dict:
    return {
        "sources_fingerprint": "in",
        "validation_context": "ctx",
        "checked_until": "2026-12-01",
        "validated_sources": ["a", "b"],
        "registry_mark": "mark",
        "reasons": {"email_invalid": 2},
        "formula_rows": 0,
        "source_errors": [],
        "missing_sources": [],
        "skipped_rows": 0,
    }


def _why(previous: dict | None, **changes: object) -> str | None:
    from synergia.registry.uptodate import why_not

    args: dict = {"inputs": "in", "context": "ctx", "until": dt.date(2026, 12, 1), "mark": lambda: "mark", "sources": ["b", "a"]}
    args.update(changes)
    return why_not(previous, **args)


def test_the_check_passes_only_when_nothing_changed() -> None:
    assert _why(_ok_previous()) is None
    assert _why(_ok_previous(), until=dt.date(2026, 12, 2)) is None  # a later bound, no row rejected for a birth date


@pytest.mark.parametrize(
    ("previous", "changes", "reason"),
    [
        (None, {}, "no_previous_run"),
        ({}, {"inputs": "other"}, "sources_changed"),
        ({}, {"inputs": None}, "sources_changed"),
        ({"source_errors": ["x"]}, {}, "previous_run_incomplete"),
        ({"missing_sources": ["a: 'Tab'"]}, {}, "previous_run_incomplete"),
        ({"skipped_rows": 3}, {}, "previous_run_incomplete"),
        ({"validated_sources": ["a"]}, {}, "previous_run_incomplete"),
        ({"formula_rows": 1}, {}, "formulas_without_values"),
        ({}, {"context": "other rules"}, "rules_changed"),
        ({}, {"until": dt.date(2026, 11, 30)}, "date_bound"),  # the clock went back
        ({"reasons": {"birth_date_implausible": 1}}, {"until": dt.date(2026, 12, 2)}, "date_bound"),
        ({"reasons": {"pesel_birth_date_implausible": 1}}, {"until": dt.date(2026, 12, 2)}, "date_bound"),
        ({"checked_until": ""}, {}, "date_bound"),
        ({}, {"mark": lambda: "other"}, "registry_changed"),
        ({"registry_mark": ""}, {"mark": lambda: ""}, "registry_changed"),
    ],
)
def test_each_condition_alone_sends_the_night_to_the_full_read(previous: dict | None, changes: dict, reason: str) -> None:
    assert _why(None if previous is None else {**_ok_previous(), **previous}, **changes) == reason


def test_a_date_bound_reason_with_the_same_bound_still_skips() -> None:
    assert _why({**_ok_previous(), "reasons": {"birth_date_implausible": 1}}) is None


def test_the_date_bound_reasons_are_the_rules_that_use_the_bound() -> None:
    """Every reason code ``validation.row`` makes from ``latest`` is listed (a row rejected so may pass later)."""
    import inspect
    import re

    from synergia.registry.uptodate import DATE_BOUND_REASONS
    from synergia.validation import row

    source = inspect.getsource(row)
    codes = set(re.findall(r'_check_plausible_birth\([^)]*code="(\w+)"', source))
    default = inspect.signature(row._check_plausible_birth).parameters["code"].default
    assert codes | {default} == set(DATE_BOUND_REASONS)


# --------------------------------------------------------------------------- the workbook fingerprint


def _rezip(path: Path, name: str, change) -> None:
    """Rewrite one member of the XLSX ``path`` (the others copied as they are)."""
    import zipfile

    src = path.read_bytes()
    import io

    zin = zipfile.ZipFile(io.BytesIO(src))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info.filename)
            if info.filename == name:
                changed = change(data)
                assert changed != data, name
                data = changed
            zout.writestr(info, data)
    path.write_bytes(out.getvalue())


def _sheet_part(path: Path, tab: str) -> str:
    import zipfile

    from synergia.sheets.workbook import _sheet_parts

    with zipfile.ZipFile(path) as archive:
        return _sheet_parts(archive)[tab]


@pytest.fixture
def book(tmp_path: Path, base_workbook: Path) -> Path:
    path = tmp_path / "demo.xlsx"
    shutil.copy(base_workbook, path)
    return path


def _print(path: Path) -> str | None:
    from synergia.sheets.workbook import workbook_fingerprint

    project = load_project(DEMO)
    return workbook_fingerprint(path, sorted({s.worksheet for s in project.sources}), OWN)


def test_our_own_tab_writes_leave_the_fingerprint_alone(book: Path) -> None:
    from synergia.sheets.workbook import WorkbookBackend

    backend = WorkbookBackend(book.parent)
    before = _print(book)
    assert before is not None
    backend.write_tab(str(book), "Odrzucone", [["Źródło", "Wiersz"], ["rekrutacja", "7"]], owned=OWN)  # created
    backend.write_tab(str(book), "Do sprawdzenia", [["Klucz pary"], ["=1+1"]], owned=OWN)  # created, formula-like text
    backend.write_tab(str(book), "Wskaźniki", [["Wskaźnik"]], owned=OWN)
    assert _print(book) == before
    backend.write_tab(str(book), "Odrzucone", [["Źródło"]], owned=OWN)  # replaced
    assert _print(book) == before
    # staff typed a formula into our tab: the next write drops calcChain.xml with its entries
    part = _sheet_part(book, "Do sprawdzenia")
    _rezip(book, part, lambda xml: xml.replace(b"</sheetData>", b'<row r="9"><c r="A9"><f>1+1</f><v>2</v></c></row></sheetData>'))
    assert _print(book) == before  # our tab's own part: not a source
    backend.write_tab(str(book), "Do sprawdzenia", [["Klucz pary"]], owned=OWN)
    assert _print(book) == before


def test_the_fingerprint_follows_every_source_change(book: Path) -> None:
    before = _print(book)
    form = _sheet_part(book, FORM)
    date_format = b'<numFmts count="1"><numFmt numFmtId="170" formatCode="dd/mm/yyyy"/></numFmts><cellXfs'

    def date1904(xml: bytes) -> bytes:
        if b"<workbookPr" in xml:
            return xml.replace(b"<workbookPr", b'<workbookPr date1904="1"', 1)
        return xml.replace(b"<sheets>", b'<workbookPr date1904="1"/><sheets>', 1)

    cases = [
        (form, lambda xml: xml.replace(b"Tychy", b"Tyhcy", 1)),  # one cell of a source tab
        ("xl/styles.xml", lambda xml: xml.replace(b"<cellXfs", date_format, 1)),  # a date format
        ("xl/workbook.xml", lambda xml: xml.replace(FORM.encode(), b"Formularz NGO", 1)),  # a source tab renamed
        ("xl/workbook.xml", date1904),
    ]
    seen = {before}
    for name, change in cases:
        copy = book.with_name(f"case-{len(seen)}.xlsx")
        shutil.copy(book, copy)
        _rezip(copy, name, change)
        assert copy.read_bytes() != book.read_bytes()
        now = _print(copy)
        assert now not in seen, name
        seen.add(now)


def test_no_fingerprint_for_a_missing_source_tab_or_a_backend_without_one(book: Path) -> None:
    from synergia.sheets.base import fingerprint_of
    from synergia.sheets.workbook import workbook_fingerprint

    assert workbook_fingerprint(book, ["Nie ma takiej zakładki"], OWN) is None
    assert fingerprint_of(object(), "x", ["a"]) is None  # Google Sheets: always the full read


# --------------------------------------------------------------------------- the registry mark


def test_a_registry_change_between_the_read_and_the_sync_syncs_in_full(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_workbook: Path
) -> None:
    """The sync step checks the mark once more in its own transaction: rows deleted by hand after the
    read step are brought back by a full read, as a full night would."""
    from sqlalchemy import delete

    from synergia import steps
    from synergia.registry.tables import Quarantine

    a, b = Env(tmp_path / "a", base_workbook, full=False), Env(tmp_path / "b", base_workbook, full=True)
    both(a, b, monkeypatch, fast=False)
    a.use(monkeypatch)
    ctx = runtime.context(str(a.project))
    snap = steps.run_read_sources(ctx)
    assert snap.uptodate is not None and snap.row_count == 0
    batch = steps.run_validate(ctx, snap)
    for env in (a, b):
        env.use(monkeypatch)
        with runtime.registry().session() as session:
            session.execute(delete(Quarantine).where(Quarantine.id == 1))
    a.use(monkeypatch)
    counts = steps.run_sync(runtime.context(str(a.project)), batch)
    assert counts.sources_unchanged == 0 and counts.newly_quarantined == 1
    b.use(monkeypatch)
    steps.run_sync(runtime.context(str(b.project)), steps.run_validate(ctx, steps.run_read_sources(runtime.context(str(b.project)))))
    assert state(a, monkeypatch)["tables"]["quarantine"] == state(b, monkeypatch)["tables"]["quarantine"]


@pytest.mark.parametrize(
    "edit",
    [
        "update applications set data = replace(data, 'a', 'ab') where id = (select min(id) from applications)",
        "update applications set active = 0 where id = (select min(id) from applications)",
        "update applications set row_key = row_key || 'x' where id = (select min(id) from applications)",
        "update applications set fingerprint = 'ff' || substr(fingerprint, 2) where id = (select min(id) from applications)",
        "delete from quarantine where id = (select max(id) from quarantine)",
        "update quarantine set resolved_at = '2026-12-01 00:00:00' where id = (select min(id) from quarantine)",
        "insert into erasure_tombstones (project, kind, digest, created_at) values ('demo', 'email', 'abc', '2026-12-01')",
        "insert into audit_log (project, at, operator, action, details) values ('demo', '2026-12-01', 't', 'erasure', '{}')",
    ],
)
def test_the_registry_mark_moves_with_what_the_sync_reads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_workbook: Path, edit: str
) -> None:
    from sqlalchemy import text

    from synergia.registry.uptodate import registry_mark

    env = Env(tmp_path / "a", base_workbook, full=False)
    night(env, monkeypatch)
    project = load_project(env.project)
    with runtime.registry().session() as session:
        before = registry_mark(session, project)
        session.execute(text("update applications set person_id = person_id"))  # dedupe's merges: not read by the sync
        assert registry_mark(session, project) == before
        session.execute(text(edit))
        assert registry_mark(session, project) != before
        session.rollback()


@pytest.fixture
def second_pg_database(pg_url: str):
    """One more fresh database on the session's server (the fast and the full environment need one each)."""
    import uuid

    import sqlalchemy

    name = f"t_{uuid.uuid4().hex[:12]}"
    admin = sqlalchemy.create_engine(pg_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'CREATE DATABASE "{name}"'))
    yield pg_url.rsplit("/", 1)[0] + f"/{name}"
    with admin.connect() as conn:
        conn.execute(sqlalchemy.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.mark.postgres
def test_on_postgresql_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, base_workbook: Path, pg_database: str, second_pg_database: str
) -> None:
    a = Env(tmp_path / "a", base_workbook, full=False, db_url=pg_database)
    b = Env(tmp_path / "b", base_workbook, full=True, db_url=second_pg_database)
    both(a, b, monkeypatch, fast=False)
    both(a, b, monkeypatch, fast=True)
    for env in (a, b):
        answer_first_pair(env, "NIE")
        delete_first_quarantine_row(env)
    both(a, b, monkeypatch, fast=True)
    for env in (a, b):
        edit_cell(env.book, FORM, "C3", "Nowakowska")
    both(a, b, monkeypatch, fast=False)
    for env in (a, b):
        erase_someone(env, monkeypatch)
    both(a, b, monkeypatch, fast=False)
    both(a, b, monkeypatch, fast=True)
