"""`synergia doctor` against the Sheets emulator on a socket and a real SMTP server (aiosmtpd)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from devtools.emulator.__main__ import load_workbook_tabs, write_service_account_key
from synergia.sheets.owned import DEFAULT_NAMES as OWNED_TABS
from tests.mail.smtpd import Handler, PasswordAuth, make_certificate, server_tls_context, start_server

REPO = Path(__file__).resolve().parents[2]
SHEET_KEY = "1PreFlightCheckSpreadsheetKey_0123456789ab"
USER, PASSWORD = "nabor@fundacja-przyklad.org", "haslo-aplikacji-42"


@pytest.fixture
def world(tmp_path, synergia_env, socket_emulator, socket_key, monkeypatch):
    """A gsheets project whose workbook lives in the emulator, and a STARTTLS + AUTH SMTP server."""
    from config.project import load_project
    from config.settings import reset_settings_cache
    from devtools.demo.generator import generate_workbook

    emu, url = socket_emulator
    text = (REPO / "config" / "projects" / "demo.yaml").read_text(encoding="utf-8")
    text = text.replace("  id: demo/demo.xlsx", f"  id: {SHEET_KEY}\n  backend: gsheets").replace("people: 400", "people: 25")
    project_path = tmp_path / "przed-nocą.yaml"
    project_path.write_text(text, encoding="utf-8")
    project = load_project(project_path)
    workbook = tmp_path / "seed.xlsx"
    generate_workbook(project, workbook, seed=19)
    tabs = load_workbook_tabs(workbook)
    for tab in OWNED_TABS:
        tabs.setdefault(tab, [])
    cert, key = make_certificate(tmp_path)
    auth = PasswordAuth(USER, PASSWORD)
    smtp = start_server(Handler(), tls_context=server_tls_context(cert, key), require_starttls=True, authenticator=auth, auth_required=True)
    env = {
        "SYNERGIA_SHEETS_BACKEND": "gsheets",
        "SYNERGIA_GOOGLE_CREDENTIALS": str(socket_key),
        "SYNERGIA_GOOGLE_API_URL": url,
        "SYNERGIA_GOOGLE_RETRY_ATTEMPTS": "2",
        "SYNERGIA_GOOGLE_RETRY_MAX_TOTAL": "3",
        "SYNERGIA_MAIL_BACKEND": "smtp",
        "SYNERGIA_SMTP_HOST": "127.0.0.1",
        "SYNERGIA_SMTP_PORT": str(smtp.port),
        "SYNERGIA_SMTP_SECURITY": "starttls",
        "SYNERGIA_SMTP_USER": USER,
        "SYNERGIA_SMTP_PASSWORD": PASSWORD,
        "SYNERGIA_SMTP_TIMEOUT": "5",
        "SSL_CERT_FILE": str(cert),
    }
    for k, v in env.items():
        monkeypatch.setenv(k, v)
    reset_settings_cache()

    def seed(changed: dict | None = None) -> None:
        emu.spreadsheets.pop(SHEET_KEY, None)
        emu.files.pop(SHEET_KEY, None)
        emu.create_spreadsheet("Nabór 2027", spreadsheet_id=SHEET_KEY, tabs=changed or copy.deepcopy(tabs))

    seed()
    yield {"emu": emu, "project": project, "path": project_path, "tabs": tabs, "seed": seed, "auth": auth, "tmp": tmp_path}
    smtp.stop()


def _doctor(world) -> tuple[int, str]:
    from cli.app import app
    from config.settings import reset_settings_cache
    from synergia.sheets import gsheets

    reset_settings_cache()
    gsheets.clear_metadata_cache()
    result = CliRunner().invoke(app, ["doctor", "-p", str(world["path"])], env={"COLUMNS": "400"})
    return result.exit_code, result.output


def _failures(output: str) -> list[str]:
    return [line for line in output.splitlines() if line.startswith("✗")]


def _personal_values(tabs: dict) -> set[str]:
    """Every cell below a header row of the seeded form tabs that looks like personal data."""
    values = set()
    for rows in tabs.values():
        for row in rows[1:]:
            values |= {c for c in row if ("@" in c or (c.isdigit() and len(c) >= 9))}
    return values


def test_all_good_passes_with_exit_0_and_prints_no_personal_data(world) -> None:
    before = copy.deepcopy(world["emu"].tab_values(SHEET_KEY, "Odrzucone"))
    code, out = _doctor(world)
    assert code == 0, out
    assert not _failures(out)
    for expected in (
        "Token Google",
        "otwiera się",
        "mapped headers present",
        "logowanie udane",
        "zapis „Odrzucone” bez zmian",
        "renderuje się",
    ):
        assert expected in out, out
    assert world["auth"].logins == [(USER, True)]
    assert world["emu"].tab_values(SHEET_KEY, "Odrzucone") == before  # written back unchanged
    leaked = [v for v in _personal_values(world["tabs"]) if v in out]
    assert not leaked and len(_personal_values(world["tabs"])) > 20


def test_a_key_google_does_not_accept_fails_at_the_token(world, monkeypatch) -> None:
    info = json.loads(Path(world["tmp"] / "sa.json").read_text())
    stranger = world["tmp"] / "stranger.json"
    write_service_account_key(stranger, info["token_uri"], email="obcy@inny-projekt.iam.gserviceaccount.com")
    monkeypatch.setenv("SYNERGIA_GOOGLE_CREDENTIALS", str(stranger))
    code, out = _doctor(world)
    assert code == 1
    assert [f.split(" — ")[0] for f in _failures(out)] == ["✗ Token Google (access token)"], out
    assert "wygeneruj nowy klucz" in out and "create a new key" in out


def test_an_unreadable_key_file_fails_at_the_credentials(world, monkeypatch) -> None:
    broken = world["tmp"] / "broken.json"
    broken.write_text('{"type": "service_account", "private_key": "-----BEGIN', encoding="utf-8")
    monkeypatch.setenv("SYNERGIA_GOOGLE_CREDENTIALS", str(broken))
    code, out = _doctor(world)
    assert code == 1
    assert [f.split(" — ")[0] for f in _failures(out)] == ["✗ Klucz Google (credentials)"], out
    assert "BEGIN" not in out  # no key material echoed


def test_a_missing_tab_is_named_with_the_closest_title(world) -> None:
    source = next(s for s in world["project"].sources if s.kind == "recruitment")
    tabs = copy.deepcopy(world["tabs"])
    tabs[source.worksheet + " (kopia)"] = tabs.pop(source.worksheet)
    world["seed"](tabs)
    code, out = _doctor(world)
    assert code == 1
    failures = _failures(out)
    assert len(failures) == 1 and f"„{source.worksheet}”" in failures[0], out
    assert f"najbliższa (closest): „{source.worksheet} (kopia)”" in failures[0]
    assert "popraw 'worksheet'" in out


def test_a_renamed_header_is_named_with_the_closest_header_found(world) -> None:
    source = next(s for s in world["project"].sources if s.kind == "recruitment")
    header = next(iter(source.columns))
    tabs = copy.deepcopy(world["tabs"])
    row = tabs[source.worksheet][0]
    renamed = header.rstrip(":?") + " – proszę wpisać"
    row[[h.strip() for h in row].index(header)] = renamed
    world["seed"](tabs)
    code, out = _doctor(world)
    assert code == 1
    failures = _failures(out)
    assert len(failures) == 1 and "brak 1 nagłówków" in failures[0], out
    assert f"„{header}” → najbliższy (closest): „{renamed}”" in failures[0]


def test_an_smtp_server_that_refuses_the_login(world, monkeypatch) -> None:
    monkeypatch.setenv("SYNERGIA_SMTP_PASSWORD", "stare-haslo")
    code, out = _doctor(world)
    assert code == 1
    failures = _failures(out)
    assert len(failures) == 1 and failures[0].startswith("✗ Poczta SMTP") and "smtp-auth-535" in failures[0], out
    assert "SYNERGIA_SMTP_PASSWORD" in out and "stare-haslo" not in out
    assert world["auth"].logins and all(not ok for _user, ok in world["auth"].logins)  # smtplib tries each AUTH mechanism


@pytest.mark.slow
def test_demo_offline_before_and_after_the_first_demo_run(synergia_env) -> None:
    from cli.app import app
    from config.settings import reset_settings_cache

    reset_settings_cache()
    result = CliRunner().invoke(app, ["doctor", "-p", "demo"], env={"COLUMNS": "400"})
    assert result.exit_code == 0, result.output
    assert "synergia demo" in result.output  # the workbook is generated by the demo
    from config.project import load_project
    from config.settings import PROJECTS_DIR
    from devtools.demo.generator import generate_workbook

    project = load_project(PROJECTS_DIR / "demo.yaml")
    generate_workbook(project, synergia_env / project.spreadsheet.id, seed=5, people=20)
    (synergia_env / project.spreadsheet.id).chmod(0o444)
    result = CliRunner().invoke(app, ["doctor", "-p", "demo"], env={"COLUMNS": "400"})
    import os

    if os.geteuid() != 0:  # root writes anyway
        assert result.exit_code == 1 and "owned tabs writable" in "\n".join(_failures(result.output))
    (synergia_env / project.spreadsheet.id).chmod(0o644)
    result = CliRunner().invoke(app, ["doctor", "-p", "demo"], env={"COLUMNS": "400"})
    assert result.exit_code == 0 and "mapped headers present" in result.output, result.output
