"""A registry held by another writer: the night fails in one clear line and leaks nobody's data.

Field behaviour (../shared/field-behaviours.md, "The machine and the night"): the
registry is held by another writer (a backup, a second run) for longer than we
wait. SQLAlchemy's OperationalError then quotes the SQL parameters — names,
PESEL, phone, e-mail — and Prefect writes the failed task's and flow's exception
into its log, state and event tables and pickles the flow's exception into
``$PREFECT_HOME/storage``. Here the user's command runs in a subprocess with a
fresh PREFECT_HOME while this process holds ``BEGIN EXCLUSIVE`` on the registry;
afterwards every byte under PREFECT_HOME, a dump of Prefect's tables and the
terminal output are searched for every personal value of the workbook.
"""

from __future__ import annotations

import base64
import contextlib
import json
import os
import re
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from openpyxl import Workbook

REPO = Path(__file__).resolve().parents[2]
SYNERGIA = Path(sys.executable).parent / "synergia"
BUSY_TIMEOUT = 2
PREFECT_LOG_LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d+ \| ")  # "09:23:48.082 | INFO    | prefect - ..."

PROJECT_YAML = """
slug: zajety-rejestr
name: "Projekt z zajętym rejestrem"
organiser: {name: "Stowarzyszenie Próbne"}
funder: {name: "NIW-CRSO"}
period: {start: 2026-01-01, end: 2026-12-31}
spreadsheet: {id: nabor.xlsx}
sources:
  - id: nabor
    kind: recruitment
    worksheet: "Odpowiedzi na formularz 1"
    required_consents: [rodo]
    columns:
      "Sygnatura czasowa": submitted_at
      "Imię": first_name
      "Nazwisko": last_name
      "Adres e-mail": email
      "Numer telefonu": phone
      "PESEL": pesel
      "Zgoda na przetwarzanie danych": consent.rodo
"""


def pesel(yymmdd: str, serial: str) -> str:
    digits = yymmdd + serial
    check = (10 - sum(int(d) * w for d, w in zip(digits, [1, 3, 7, 9] * 3)) % 10) % 10
    return digits + str(check)


# first name, surname, PESEL, e-mail and phone as typed on the form, then as corrected by the
# office before the locked night (an UPDATE of the application carries them) — invented for this test
PEOPLE = [
    (
        "Bożydar",
        "Wrzosowiecki",
        pesel("790417", "0153"),
        "Bozydar.Wrzosowiecki@skrzynka-testowa.example",
        "+48 512 347 861",
        "bozydar.w@poprawiony-adres.example",
        "512347871",
    ),
    (
        "Radosława",
        "Pstrągowska",
        pesel("880130", "1248"),
        "radka.p@poczta-proba.example",
        "512-347-862",
        "RADKA.PSTRAGOWSKA@poprawiony-adres.example",
        "+48 512-347-872",
    ),
    (
        "Teodozja",
        "Bąkowska-Ślęk",
        pesel("920914", "3346"),
        "TEODOZJA.SLEK@przyklad-nabor.example",
        "(48) 698 204 113",
        "t.bakowska@poprawiony-adres.example",
        "698 204 123",
    ),
    (
        "Gerwazy",
        "Mączyński",
        pesel("650702", "4471"),
        "gerwazy65@zgloszenia-test.example",
        "0048 725 019 448",
        "gerwazy.maczynski@poprawiony-adres.example",
        "0048725019458",
    ),
    (
        "Wiesława",
        "Żurawińska",
        pesel("012305", "2762"),
        "w.zurawinska@lista-probna.example",
        "791.336.205",
        "wiesia.z@poprawiony-adres.example",
        "791 336 215",
    ),
    (
        "Lucjan",
        "Fiołkowski",
        pesel("550921", "0937"),
        "lucjan.fiolkowski@skrzynka-testowa.example",
        "609 441 387",
        "l.fiolkowski@poprawiony-adres.example",
        "(0) 609 441 397",
    ),
]
TYPED_PESEL = {  # people type PESELs with spaces, dashes, dots
    0: lambda p: p,
    1: lambda p: f"{p[:6]} {p[6:]}",
    2: lambda p: f"{p[:6]}-{p[6:]}",
    3: lambda p: ".".join([p[:2], p[2:4], p[4:6], p[6:]]),
    4: lambda p: p,
    5: lambda p: " ".join([p[:3], p[3:6], p[6:9], p[9:]]),
}


def write_workbook(path: Path, *, corrected: bool = False) -> None:
    wb = Workbook()
    ws = wb.active
    ws.title = "Odpowiedzi na formularz 1"
    ws.append(["Sygnatura czasowa", "Imię", "Nazwisko", "Adres e-mail", "Numer telefonu", "PESEL", "Zgoda na przetwarzanie danych"])
    for i, (first, last, number, email, phone, email2, phone2) in enumerate(PEOPLE):
        email, phone = (email2, phone2) if corrected else (email, phone)
        ws.append([f"2026-02-{10 + i:02d} 09:{15 + i:02d}:00", first, last, email, phone, TYPED_PESEL[i](number), "Tak"])
    wb.save(path)


def personal_values() -> set[str]:
    """Each person's PESEL, e-mail, phone and surname in the forms they may be written in."""
    values: set[str] = set()
    for i, (_first, last, number, *contacts) in enumerate(PEOPLE):
        values |= {number, TYPED_PESEL[i](number), last}
        for email, phone in (contacts[:2], contacts[2:]):
            national = re.sub(r"\D", "", phone)[-9:]
            values |= {
                email.lower(),
                phone.lower(),
                national,
                "+48" + national,
                "48" + national,
                f"{national[:3]} {national[3:6]} {national[6:]}",
            }
    return values


def needles(value: str) -> set[str]:
    """A value as typed and JSON-escaped (Prefect stores JSON with \\u escapes), lower case."""
    return {value.lower(), json.dumps(value)[1:-1].lower()}


def dump_prefect_db(path: Path) -> str:
    """Every row of every table of Prefect's database as text, with JSON cells decoded."""
    out: list[str] = []
    con = sqlite3.connect(path)
    try:
        tables = [r[0] for r in con.execute("SELECT name FROM sqlite_master WHERE type='table'")]
        for table in tables:
            for row in con.execute(f'SELECT * FROM "{table}"'):
                for cell in row:
                    text = cell.decode("utf-8", "replace") if isinstance(cell, bytes) else str(cell)
                    out.append(text)
                    with contextlib.suppress(ValueError, TypeError):
                        out.append(json.dumps(json.loads(text), ensure_ascii=False))
    finally:
        con.close()
    assert {"log", "task_run_state", "flow_run_state", "events"} <= set(tables)
    return "\n".join(out)


BASE64 = re.compile(rb"[A-Za-z0-9+/\r\n]{24,}={0,2}")


def decoded(blob: bytes) -> bytes:
    """The bytes plus every base64 run in them decoded (Prefect's result storage holds a failed
    flow's exception as base64 of its cloudpickle, in lines of 76 characters)."""
    parts = [blob]
    for run in BASE64.findall(blob):
        run = re.sub(rb"\s", b"", run)
        with contextlib.suppress(ValueError):
            parts.append(base64.b64decode(run + b"=" * (-len(run) % 4)))
    return b"\n".join(parts)


def stored_object(raw: bytes) -> object:
    """What a file of Prefect's result storage holds (a JSON result record or bare base64)."""
    import cloudpickle

    try:
        payload = json.loads(raw)["result"]
    except (ValueError, KeyError, TypeError):
        payload = raw
    return cloudpickle.loads(base64.b64decode(payload))


def leaks(haystack: str | bytes, values: set[str]) -> list[str]:
    """The values found in the text or bytes (case-insensitive, also inside base64 runs)."""
    blob = haystack.encode() if isinstance(haystack, str) else haystack
    low = decoded(blob).decode("utf-8", "replace").lower()
    return sorted(v for v in values if any(n in low for n in needles(v)))


def first_night(project_path: Path) -> int:
    """Last night, unlocked, without Prefect: the rows are in the registry (domain code only)."""
    from config.project import load_project
    from synergia import runtime
    from synergia.registry.sync import apply_outcomes, mirror_events
    from synergia.sheets import backend_for
    from synergia.sheets.read import read_project_sources
    from synergia.validation.batch import validate_snapshot

    project = load_project(project_path)
    batch = validate_snapshot(project, read_project_sources(project, backend_for(project)))
    registry = runtime.registry(migrate=True)
    with registry.session() as session:
        mirror_events(session, project)
        counts = apply_outcomes(session, project, batch.outcomes, batch.read_worksheets)
    registry.dispose()
    runtime.reset()
    return counts.accepted


@pytest.mark.prefect
def test_locked_registry_fails_in_one_line_and_leaks_nothing(tmp_path: Path, synergia_env: Path) -> None:
    data, home = synergia_env, tmp_path / "prefect-home"
    home.mkdir()
    project = tmp_path / "projekt.yaml"
    project.write_text(PROJECT_YAML, encoding="utf-8")
    write_workbook(data / "nabor.xlsx")
    assert first_night(project) == len(PEOPLE)
    write_workbook(data / "nabor.xlsx", corrected=True)  # the office corrected every e-mail and phone

    # tonight another writer (a backup, a second run) holds the registry for longer than we wait
    holder = sqlite3.connect(data / "synergia.db", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")

    env = {k: v for k, v in os.environ.items() if not k.startswith(("SYNERGIA_", "PREFECT_"))}
    env.update(
        PYTHONPATH=str(REPO),
        PREFECT_HOME=str(home),
        SYNERGIA_DATA_DIR=str(data),
        SYNERGIA_DATABASE_BUSY_TIMEOUT=str(BUSY_TIMEOUT),
        PREFECT_SERVER_ANALYTICS_ENABLED="false",
        PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS="180",
        COLUMNS="200",
    )
    started = time.monotonic()
    try:
        result = subprocess.run(
            [str(SYNERGIA), "run", "nightly", "-p", str(project)], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600
        )
    finally:
        holder.rollback()
        holder.close()
    elapsed = time.monotonic() - started
    output = result.stdout + result.stderr

    assert result.returncode == 1, output[-3000:]
    values = personal_values()
    assert len(values) >= 6 * 12
    assert not leaks(output, values), f"personal data in the terminal: {output[-3000:]}"
    files = assert_prefect_home_clean(home, values)
    stored = [stored_object(p.read_bytes()) for p in files if p.parent.name == "storage"]
    assert [type(o).__name__ for o in stored] == ["RegistryBusy"], "the failed flow's exception, sanitized"

    ours = [line for line in output.splitlines() if line.startswith("Przebieg nie powiódł się")]
    not_prefect = [line for line in output.splitlines() if line.strip() and not PREFECT_LOG_LINE.match(line)]
    assert ours == not_prefect[-1:], output[-3000:]  # one line of ours, after Prefect's own log
    assert "Rejestr jest zajęty" in ours[0] and "(registry busy" in ours[0] and "SYNERGIA_DATABASE_BUSY_TIMEOUT" in ours[0]
    assert f"czekano {BUSY_TIMEOUT} s w kroku upsert_registry" in ours[0]
    assert elapsed < 240


def assert_prefect_home_clean(home: Path, values: set[str]) -> list[Path]:
    """No value in Prefect's tables (``home/prefect.db``) nor in the bytes of any file under ``home``;
    returns those files."""
    assert not leaks(dump_prefect_db(home / "prefect.db"), values), "personal data in Prefect's tables"
    files = [p for p in home.rglob("*") if p.is_file()]
    assert any(p.name == "prefect.db" for p in files)
    for path in files:
        found = leaks(path.read_bytes(), values)
        assert not found, f"{len(found)} personal values in {path.relative_to(home)}"
    return files
