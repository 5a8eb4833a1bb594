"""Pre-flight checks of everything a night needs, each with the fix in Polish and English.

Plain functions returning :class:`Check` rows; nothing here sends mail, changes a
staff tab or prints cell values: headers are form questions, ids are the
project's own configuration. A check that cannot run because an earlier one
failed is skipped rather than reported twice.
"""

from __future__ import annotations

import difflib
import os
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from config.project import ConfigError, ProjectConfig, load_project
from config.settings import Settings

if TYPE_CHECKING:
    from config.project import Source
    from synergia.sheets.base import SheetData, SpreadsheetBackend

OK, FAIL, INFO = "ok", "fail", "info"


@dataclass(frozen=True)
class Check:
    name: str
    status: str  # ok | fail | info (not needed tonight, or a warning)
    detail: str = ""
    fix: str = ""  # "po polsku (in English)"

    @property
    def failed(self) -> bool:
        return self.status == FAIL


def _safe(exc: BaseException) -> str:
    """An exception's type and, for our own errors, its message (ours never carry personal data)."""
    own = type(exc).__module__.startswith(("synergia", "config"))
    return f"{type(exc).__name__}: {exc}" if own else type(exc).__name__


# --------------------------------------------------------------------------- project and registry


def check_project(path: Path) -> tuple[Check, ProjectConfig | None]:
    try:
        project = load_project(path)
    except ConfigError as exc:
        return Check(
            "Plik projektu (project file)",
            FAIL,
            str(exc),
            f"popraw wskazane linie, sprawdź: synergia check-config {path} (fix the lines named)",
        ), None
    return Check("Plik projektu (project file)", OK, f"{path.name}: {project.slug}"), project


def check_registry(settings: Settings) -> Check:
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from sqlalchemy import create_engine

    from synergia.registry.db import alembic_config

    name = "Rejestr (registry database)"
    url = settings.resolved_database_url
    heads = set(ScriptDirectory.from_config(alembic_config(url)).get_heads())
    if url.startswith("sqlite"):
        file = Path(url.split("///", 1)[-1])
        if not file.exists():
            folder = next((p for p in [file.parent, *file.parents] if p.exists()), None)
            if folder is not None and os.access(folder, os.W_OK):
                return Check(
                    name,
                    OK,
                    "SQLite: plik powstanie i zostanie zmigrowany przy pierwszym przebiegu (will be created and migrated by the first run)",
                )
            return Check(
                name,
                FAIL,
                f"SQLite: brak prawa zapisu w {file.parent} (folder not writable)",
                "ustaw SYNERGIA_DATA_DIR albo SYNERGIA_DATABASE_URL na zapisywalne miejsce (point it at a writable place)",
            )
    engine = create_engine(url, connect_args={"connect_timeout": 10} if url.startswith("postgresql") else {})
    try:
        with engine.connect() as conn:
            current = set(MigrationContext.configure(conn).get_current_heads())
    except Exception as exc:
        return Check(
            name,
            FAIL,
            f"brak połączenia (cannot connect): {type(exc).__name__}",
            "sprawdź SYNERGIA_DATABASE_URL i czy serwer bazy działa (check the URL and that the server runs)",
        )
    finally:
        engine.dispose()
    if current == heads:
        return Check(name, OK, "połączenie i schemat aktualny (reachable, migrated)")
    unknown = current - set(_all_revisions(url))
    if unknown:
        return Check(
            name,
            FAIL,
            "baza ma migracje nieznane tej wersji programu (the database is newer than this code)",
            "zaktualizuj kod Synergii (update this checkout)",
        )
    return Check(
        name, OK, "połączenie; migracje wykonają się na początku przebiegu (reachable; pending migrations run at the start of the night)"
    )


def _all_revisions(url: str) -> list[str]:
    from alembic.script import ScriptDirectory

    from synergia.registry.db import alembic_config

    return [r.revision for r in ScriptDirectory.from_config(alembic_config(url)).walk_revisions()]


# --------------------------------------------------------------------------- spreadsheets


def _google_checks(settings: Settings) -> tuple[list[Check], object | None]:
    """Credentials load and a token is obtained; returns the gspread client on success."""
    from google.auth.transport.requests import Request

    from synergia import runtime
    from synergia.google import GoogleConfigError

    out: list[Check] = []
    try:
        clients = runtime.google_clients(settings)
    except GoogleConfigError as exc:
        out.append(
            Check(
                "Klucz Google (credentials)",
                FAIL,
                str(exc),
                "ustaw SYNERGIA_GOOGLE_CREDENTIALS na plik JSON klucza konta usługi (set it to the service-account JSON key)",
            )
        )
        return out, None
    except Exception as exc:
        out.append(
            Check("Klucz Google (credentials)", FAIL, _safe(exc), "sprawdź SYNERGIA_GOOGLE_CREDENTIALS (check the key path or block name)")
        )
        return out, None
    creds = clients.session.credentials
    out.append(Check("Klucz Google (credentials)", OK, f"konto usługi (service account) {creds.service_account_email}"))
    try:
        creds.refresh(getattr(clients.session, "_auth_request", None) or Request())
    except Exception as exc:
        out.append(
            Check(
                "Token Google (access token)",
                FAIL,
                _safe(exc),
                "klucz odrzucony: wygeneruj nowy klucz w Google Cloud Console lub sprawdź zegar systemowy "
                "(key refused: create a new key, check the system clock)",
            )
        )
        return out, None
    out.append(Check("Token Google (access token)", OK, "uzyskany (obtained)"))
    return out, clients


def check_sheets(project: ProjectConfig, settings: Settings) -> list[Check]:
    from synergia import runtime
    from synergia.sheets import SpreadsheetError, owned

    kind = project.spreadsheet.backend or settings.sheets_backend
    out: list[Check] = []
    if kind == "gsheets":
        google, clients = _google_checks(settings)
        out += google
        if clients is None:
            return out
        from synergia.sheets.gsheets import GoogleSheetsBackend

        backend = GoogleSheetsBackend(clients.gspread(), cache_key=f"doctor:{settings.google_api_url or 'google'}")
        share = (
            f"udostępnij arkusz kontu {clients.session.credentials.service_account_email} jako edytor "
            "(share the spreadsheet with the service account as editor)"
        )
    else:
        backend = runtime.sheets_backend(project, settings)
        share = "uruchom synergia demo albo umieść skoroszyt w katalogu danych (run the demo or put the workbook in the data dir)"
        if not backend.path_of(project.spreadsheet.id).exists():
            if project.demo is not None:  # a demo project's workbook is generated by `synergia demo`
                return out + [
                    Check(
                        "Arkusz (spreadsheet)",
                        INFO,
                        f"skoroszyt demo powstanie przy pierwszym `synergia demo` "
                        f"(generated by the first demo run): {backend.path_of(project.spreadsheet.id)}",
                    )
                ]
            return out + [Check("Arkusz (spreadsheet)", FAIL, f"brak pliku (no file) {backend.path_of(project.spreadsheet.id)}", share)]

    by_sheet: dict[str, list] = {}
    for source in project.sources:
        by_sheet.setdefault(project.spreadsheet_of(source), []).append(source)
    by_sheet.setdefault(project.spreadsheet.id, [])
    main_data = None
    for spreadsheet, sources in by_sheet.items():
        own = owned.names(project) if spreadsheet == project.spreadsheet.id else ()
        wanted = sorted({s.worksheet for s in sources} | set(own))
        try:
            data = backend.read_tabs(spreadsheet, wanted, owned=own)
        except (SpreadsheetError, OSError) as exc:
            out.append(Check(f"Arkusz {spreadsheet} (spreadsheet)", FAIL, f"nie otwiera się (does not open): {_safe(exc)}", share))
            continue
        out.append(Check(f"Arkusz {spreadsheet} (spreadsheet)", OK, "otwiera się (opens)"))
        if spreadsheet == project.spreadsheet.id:
            main_data = data
        titles = _tab_titles(backend, spreadsheet)
        for source in sources:
            out += _source_checks(source, data, titles)
    if main_data is not None:
        out.append(_owned_writable(project, backend, main_data, kind, settings))
    return out


def _norm(header: str) -> str:
    return " ".join(str(header).lower().split())  # as the validator matches headers


def _source_checks(source: Source, data: SheetData, titles: list[str]) -> list[Check]:
    name = f"Źródło {source.id}: zakładka „{source.worksheet}” (source tab)"
    if source.worksheet not in data.tabs:
        close = difflib.get_close_matches(source.worksheet, titles, n=1, cutoff=0.5)
        hint = f"; najbliższa (closest): „{close[0]}”" if close else ""
        return [
            Check(
                name,
                FAIL,
                f"brak zakładki (tab missing){hint}",
                "popraw 'worksheet' w pliku projektu albo nazwę zakładki w arkuszu (fix the worksheet name)",
            )
        ]
    rows = data.tabs[source.worksheet]
    present = [str(h).strip() for h in (rows[0] if rows else []) if str(h).strip()]
    by_norm = {_norm(h): h for h in present}
    missing = [h for h in source.columns if _norm(h) not in by_norm]
    if not missing:
        return [Check(name, OK, f"{len(source.columns)} kolumn zmapowanych (mapped headers present)")]
    parts = []
    for header in missing:
        close = difflib.get_close_matches(_norm(header), list(by_norm), n=1, cutoff=0.4)
        parts.append(
            f"„{header}” → najbliższy (closest): „{by_norm[close[0]]}”" if close else f"„{header}” → brak podobnego (none similar)"
        )
    return [
        Check(
            f"Źródło {source.id}: nagłówki (mapped headers)",
            FAIL,
            f"brak {len(missing)} nagłówków (missing headers): " + "; ".join(parts),
            "popraw klucze 'columns' w pliku projektu albo przywróć nagłówek w arkuszu (fix the mapping or the header)",
        )
    ]


def _tab_titles(backend: SpreadsheetBackend, spreadsheet: str) -> list[str]:
    """Every tab title of a spreadsheet (to name the closest one to a missing tab); titles only."""
    try:
        if getattr(backend, "name", "") == "gsheets":
            from synergia.sheets import gsheets

            meta = gsheets._META_CACHE.get((backend.cache_key, spreadsheet))  # filled by the read just made
            return list(meta.tabs) if meta else []
        path = backend.path_of(spreadsheet)
        if path.is_dir():
            return [f.stem for f in path.glob("*.csv")]
        if path.suffix.lower() == ".csv":
            return [path.stem]
        from openpyxl import load_workbook

        wb = load_workbook(path, read_only=True)
        try:
            return list(wb.sheetnames)
        finally:
            wb.close()
    except Exception:
        return []


def _owned_writable(project: ProjectConfig, backend: SpreadsheetBackend, data: SheetData, kind: str, settings: Settings) -> Check:
    name = "Zakładki potoku zapisywalne (owned tabs writable)"
    from synergia.sheets import SpreadsheetError, owned

    if kind != "gsheets":
        path = backend.path_of(project.spreadsheet.id)
        if os.access(path, os.W_OK) and os.access(path.parent, os.W_OK):
            return Check(name, OK, "plik skoroszytu zapisywalny (workbook file writable)")
        return Check(name, FAIL, f"brak prawa zapisu (not writable): {path}", "nadaj prawo zapisu (make it writable)")
    # Write one owned tab back with exactly what it holds (a missing one is created empty, as the
    # first night would): proves edit rights without changing anything staff see.
    own = owned.names(project)
    tab = next((t for t in own if t in data.tabs), own[0])
    try:
        backend.write_tab(project.spreadsheet.id, tab, data.tabs.get(tab, []), owned=own)
    except (SpreadsheetError, OSError) as exc:
        return Check(
            name,
            FAIL,
            f"zapis odrzucony (write refused): {_safe(exc)}",
            "konto usługi musi być edytorem arkusza (the service account must be an editor)",
        )
    return Check(name, OK, f"zapis „{tab}” bez zmian treści (wrote it back unchanged)")


# --------------------------------------------------------------------------- mail, storage, Prefect, certificates


def check_mail(settings: Settings) -> Check:
    from synergia import runtime
    from synergia.mail.transports import SmtpTransport, TransportError

    if settings.mail_backend != "smtp":
        folder = settings.outbox_dir
        try:
            folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=folder, prefix=".doctor-", suffix=".tmp"):
                pass
        except OSError as exc:
            return Check(
                "Poczta: skrzynka .eml (outbox)",
                FAIL,
                f"{folder}: {type(exc).__name__}",
                "nadaj prawo zapisu albo ustaw SYNERGIA_DATA_DIR (make the folder writable)",
            )
        return Check("Poczta: skrzynka .eml (outbox)", OK, f"zapisywalna (writable): {folder}")
    name = f"Poczta SMTP {settings.smtp_host}:{settings.smtp_port} ({settings.smtp_security})"
    try:
        transport = runtime.mail_transport(settings)
        assert isinstance(transport, SmtpTransport)
        connection = transport.connect()  # connect + TLS + login; nothing is sent
    except ValueError as exc:
        return Check(name, FAIL, str(exc), "uzupełnij SYNERGIA_SMTP_USER / SYNERGIA_SMTP_PASSWORD (complete the SMTP settings)")
    except TransportError as exc:
        return Check(name, FAIL, f"kod (code) {exc.code}", _smtp_fix(exc.code))
    connection.close()
    what = "logowanie udane (login accepted)" if settings.smtp_user else "połączenie bez logowania (connected, no AUTH)"
    return Check(name, OK, what)


def _smtp_fix(code: str) -> str:
    if code.startswith("smtp-auth"):
        return (
            "serwer odrzucił login/hasło: sprawdź SYNERGIA_SMTP_USER i SYNERGIA_SMTP_PASSWORD (hasło aplikacji) "
            "(login refused: check user and app password)"
        )
    if code in ("tls", "smtp-not-supported"):
        return "sprawdź SYNERGIA_SMTP_SECURITY (ssl dla 465, starttls dla 587) (check ssl/starttls for the port)"
    if code in ("connection-refused", "connection", "timeout"):
        return "sprawdź SYNERGIA_SMTP_HOST i SYNERGIA_SMTP_PORT oraz zaporę (check host, port and firewall)"
    return "sprawdź ustawienia SYNERGIA_SMTP_* u dostawcy poczty (check the SMTP settings with your provider)"


def check_storage(settings: Settings) -> Check:
    if settings.storage_backend != "gdrive":
        folder = settings.certificates_dir
        probe = folder if folder.exists() else next((p for p in folder.parents if p.exists()), folder)
        if os.access(probe, os.W_OK):
            return Check("Zaświadczenia: folder lokalny (local folder)", OK, str(folder))
        return Check(
            "Zaświadczenia: folder lokalny (local folder)",
            FAIL,
            f"brak prawa zapisu (not writable): {probe}",
            "nadaj prawo zapisu albo ustaw SYNERGIA_DATA_DIR (make it writable)",
        )
    name = "Google Drive: folder zaświadczeń (certificates folder)"
    if not settings.gdrive_folder_id:
        return Check(name, FAIL, "brak SYNERGIA_GDRIVE_FOLDER_ID (not set)", "ustaw identyfikator folderu (set the folder id)")
    from synergia import runtime

    try:
        meta = (
            runtime.google_clients(settings)
            .drive()
            .files()
            .get(fileId=settings.gdrive_folder_id, fields="id,mimeType", supportsAllDrives=True)
            .execute()
        )
    except Exception as exc:
        return Check(
            name,
            FAIL,
            f"niedostępny (not reachable): {_safe(exc)}",
            "udostępnij folder kontu usługi jako edytor (share the folder with the service account)",
        )
    if meta.get("mimeType") != "application/vnd.google-apps.folder":
        return Check(name, FAIL, "to nie jest folder (not a folder)", "podaj id folderu, nie pliku (use a folder id)")
    return Check(name, OK, "dostępny (reachable)")


def check_prefect(environ: dict | os._Environ = os.environ) -> Check:
    import httpx

    api = environ.get("PREFECT_API_URL")
    if not api:
        return Check(
            "Prefect API",
            INFO,
            "nie ustawiono PREFECT_API_URL: przebiegi ręczne używają serwera tymczasowego; "
            "harmonogram: synergia serve (not set: schedules need `synergia serve`)",
        )
    try:
        ok = httpx.get(f"{api.rstrip('/')}/health", timeout=10).status_code == 200
    except httpx.HTTPError as exc:
        ok, why = False, type(exc).__name__
    else:
        why = "health != 200"
    if ok:
        return Check("Prefect API", OK, f"odpowiada (answers): {api}")
    return Check("Prefect API", FAIL, f"{api}: {why}", "uruchom serwer (start it: synergia serve) albo popraw PREFECT_API_URL")


def check_certificate(project: ProjectConfig) -> Check:
    from synergia.certificates.preview import render_preview

    name = "Szablon zaświadczenia (certificate template)"
    if project.certificates is None:
        return Check(name, INFO, "projekt nie wydaje zaświadczeń (the project issues none)")
    with tempfile.TemporaryDirectory(prefix="synergia-doctor-") as tmp:
        try:
            out, problems = render_preview(project, Path(tmp) / "sample.pdf")
            size = out.stat().st_size
        except Exception as exc:
            return Check(
                name,
                FAIL,
                f"nie renderuje się (does not render): {_safe(exc)}",
                "sprawdź config/templates/certificate.yaml: synergia certificates preview (check the template)",
            )
    if problems:
        return Check(name, INFO, f"renderuje się, ale bloki nachodzą (renders; overlapping blocks): {', '.join(problems)}")
    return Check(name, OK, f"renderuje się (renders), {size // 1024} kB")


def run_checks(path: Path, settings: Settings) -> Iterator[Check]:
    """All checks in order; project-dependent ones only when the project file is valid."""
    first, project = check_project(path)
    yield first
    steps: list[Callable[[], Check | list[Check]]] = [lambda: check_registry(settings)]
    if project is not None:
        steps.append(lambda: check_sheets(project, settings))
    steps += [lambda: check_mail(settings), lambda: check_storage(settings), lambda: check_prefect()]
    if project is not None:
        steps.append(lambda: check_certificate(project))
    for step in steps:
        result = step()
        yield from (result if isinstance(result, list) else [result])
