"""Core commands: ``run nightly``, ``check-config``, ``demo``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from config.project import ConfigError, ProjectConfig, load_project
from config.settings import PROJECTS_DIR, get_settings
from synergia.counts import LABELS, label, nightly_keys

if TYPE_CHECKING:
    from prefect import Flow

console = Console()
err_console = Console(stderr=True)

run_app = typer.Typer(help="Uruchom przepływ (run a flow) — nightly / monthly.", no_args_is_help=True)

ProjectOpt = Annotated[
    str,
    typer.Option("--project", "-p", help="Plik projektu YAML albo jego slug z config/projects/ (project file or slug), np. demo."),
]


def prefect_defaults() -> None:
    """Prefect defaults for a local run (never override what the user set).

    The ``synergia`` script already did this before importing anything (see
    ``synergia.bootstrap``); this call only helps code that imported the CLI directly.
    """
    from synergia.bootstrap import prefect_environment

    prefect_environment()


SERVER_TIMEOUT_MARK = "Timed out while attempting to connect to ephemeral Prefect API server"


def _server_did_not_answer(exc: BaseException) -> None:
    detail = f" ({exc})" if not str(exc).startswith(SERVER_TIMEOUT_MARK) else ""
    err_console.print(
        f"[red]Tymczasowy serwer Prefect nie odpowiedział na czas[/red]{detail} — uruchom ponownie albo zwiększ "
        "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS (np. 300) lub ustaw PREFECT_API_URL na działający serwer "
        "(the temporary Prefect server did not answer in time: rerun, raise PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS, "
        "or point PREFECT_API_URL at a running server, e.g. `synergia serve`).",
        soft_wrap=True,
    )
    raise typer.Exit(1) from None


def resolve_project_path(value: str) -> Path:
    """Accept a path or a slug of a project in config/projects/."""
    p = Path(value)
    if p.is_file() or p.suffix in (".yaml", ".yml"):
        return p.resolve()
    candidate = PROJECTS_DIR / f"{value}.yaml"
    if candidate.exists():
        return candidate
    known = ", ".join(sorted(x.stem for x in PROJECTS_DIR.glob("*.yaml")))
    err_console.print(f"[red]Nie znaleziono projektu '{value}'[/red] (project not found). Dostępne / available: {known}")
    raise typer.Exit(2)


def load_or_exit(path: Path) -> ProjectConfig:
    try:
        return load_project(path)
    except ConfigError as exc:
        err_console.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None


@run_app.command("nightly")
def run_nightly(
    project: ProjectOpt,
    full_sync: Annotated[
        bool,
        typer.Option(
            "--full-sync",
            help="Czytaj i weryfikuj wszystkie wiersze, nawet gdy źródła się nie zmieniły "
            "(read and validate every row even when the sources did not change; = SYNERGIA_FULL_SYNC=1).",
        ),
    ] = False,
) -> None:
    """Nocna synchronizacja: formularze i listy obecności → rejestr (sync → dedupe → certify → mail).

    A night whose sources did not change since the last sync does not read them again (--full-sync: it does).

    Example:  synergia run nightly --project config/projects/demo.yaml
    """
    path = resolve_project_path(project)
    cfg = load_or_exit(path)
    if full_sync:
        import os

        from config.settings import reset_settings_cache

        os.environ["SYNERGIA_FULL_SYNC"] = "1"
        reset_settings_cache()
    counts = _run_nightly(path)
    print_sync_report(cfg, counts)
    if counts.get("source_errors"):
        raise typer.Exit(1)  # the run finished, but a source was skipped: staff must fix its header


def run_flow(flow_fn: Flow[..., dict], **parameters: object) -> dict:
    """Run a flow; on failure print its error in one line and exit 1 — the traceback stays
    in the Prefect logs above. Tasks raise sanitized errors only (``synergia.errors``);
    anything else is sanitized here too, so no message quoting data reaches the terminal."""
    from synergia.errors import sanitize

    prefect_defaults()
    from synergia.bootstrap import ServerDidNotAnswer, wait_for_early_server

    try:
        wait_for_early_server()
    except ServerDidNotAnswer as exc:
        _server_did_not_answer(exc)
    try:
        state = flow_fn(**parameters, return_state=True)
    except RuntimeError as exc:
        if SERVER_TIMEOUT_MARK in str(exc):
            _server_did_not_answer(exc)
        raise
    if state.is_completed():
        return state.result()
    error = state.result(raise_on_failure=False)
    if isinstance(error, BaseException):
        detail = str(sanitize(error, getattr(flow_fn, "name", "")))
    else:
        detail = f"{state.type.value}: {state.name}"
    err_console.print(f"[red]Przebieg nie powiódł się (run failed):[/red] {escape(detail)}", soft_wrap=True)
    raise typer.Exit(1)


def _run_nightly(path: Path) -> dict:
    from flows.nightly import nightly

    return run_flow(nightly, project_path=str(path))


def check_config(path: Annotated[Path, typer.Argument(help="Plik projektu YAML (project file).")]) -> None:
    """Sprawdź plik projektu i wskaż linie do poprawienia (validate a project file; errors name the line).

    Example:  synergia check-config config/projects/demo.yaml
    """
    cfg = load_or_exit(path)
    table = Table(title=f"Projekt {cfg.slug}: {cfg.name}", show_header=False)
    table.add_row("Okres / period", f"{cfg.period.start} – {cfg.period.end}")
    table.add_row("Źródła / sources", str(len(cfg.sources)))
    table.add_row("Wydarzenia / events", str(len(cfg.events)))
    table.add_row("Wskaźniki / indicators", str(len(cfg.indicators)))
    console.print(table)
    console.print("[green]Plik poprawny (config OK).[/green]")


def demo(
    project: Annotated[str, typer.Option("--project", "-p", help="Slug albo plik projektu (default: demo).")] = "demo",
    regenerate: Annotated[bool, typer.Option(help="Wygeneruj skoroszyt od nowa (overwrite the demo workbook).")] = False,
    monthly: Annotated[bool, typer.Option(help="Po nocnym przebiegu uruchom też miesięczne podsumowanie (also run monthly).")] = True,
) -> None:
    """Demo offline: generuje skoroszyt z fikcyjnymi zgłoszeniami i uruchamia przepływy.

    Generates a workbook of fictional applications for the project (once; kept
    between runs so your edits survive), runs the nightly flow on it and prints
    where everything landed. Run it twice: the second run changes nothing.

    Example:  synergia demo            (the embedded demo project)
              synergia demo -p kuznia-pruszkow
    """
    try:
        from devtools.demo.generator import generate_workbook
    except ImportError:  # an installed wheel carries no fake data
        err_console.print(
            "[red]Demo wymaga kopii repozytorium[/red] (the demo generator ships with the source checkout, "
            "not the wheel): git clone … && make demo"
        )
        raise typer.Exit(2) from None

    path = resolve_project_path(project)
    cfg = load_or_exit(path)
    settings = get_settings()
    if (cfg.spreadsheet.backend or settings.sheets_backend) != "workbook":
        err_console.print(
            "[red]Demo działa na lokalnym skoroszycie[/red] (demo needs the workbook backend; unset SYNERGIA_SHEETS_BACKEND)."
        )
        raise typer.Exit(2)
    workbook = settings.resolved_data_dir / cfg.spreadsheet.id
    if regenerate or not workbook.exists():
        with console.status(f"Generuję dane demonstracyjne (generating demo data) → {workbook}"):
            seed = cfg.demo.seed if cfg.demo else 2026
            stats = generate_workbook(cfg, workbook, seed=seed)
        console.print(f"Skoroszyt demo: {sum(stats.values())} wierszy w {len(stats)} zakładkach → {workbook}")
    else:
        console.print(f"Skoroszyt demo istnieje, używam go (workbook exists, reusing): {workbook}")
    counts = _run_nightly(path)
    print_sync_report(cfg, counts)
    extra = _run_monthly(path) if monthly else None
    print_paths(cfg, workbook, extra)


def _run_monthly(path: Path) -> dict:
    from flows.monthly import monthly as monthly_flow

    return run_flow(monthly_flow, project_path=str(path))


# labels: one home, synergia/counts.py (the Prefect artifact and `mail send` use the same)
SYNC_ROWS = [(text, key) for key, text in LABELS["sync"].items()]
STEP_ROWS = [(label(key), key) for key in nightly_keys()]
MONTHLY_ROWS = [
    ("Miesiąc (month)", "month"),
    ("Wskaźniki (indicators)", "indicators"),
    ("zagrożone (at risk)", "at_risk"),
    ("Zakładka „Wskaźniki” zapisana (tab written)", "tab_written"),
    ("E-maile w kolejce (queued)", "queued"),
    ("Wysłane (sent)", "sent"),
]


def _table(title: str, rows: list[tuple[str, str]], values: dict) -> Table:
    table = Table(title=title)
    table.add_column("Miara / measure")
    table.add_column("Liczba", justify="right")
    for text, key in rows:
        if key in values:
            value = values[key]
            table.add_row(text, ("tak" if value else "nie") if isinstance(value, bool) else str(value))
    return table


def print_sync_report(cfg: ProjectConfig, counts: dict) -> None:
    """Numbers only; every number is also in the run's Prefect artifact."""
    console.print(_table(f"Synchronizacja — {cfg.name}", SYNC_ROWS, {k: counts.get(k, 0) for _, k in SYNC_ROWS}))
    balanced = counts.get("accepted", 0) + counts.get("quarantined", 0) + counts.get("empty", 0) == counts.get("rows", -1)
    mark = "[green]✓[/green]" if balanced else "[red]✗[/red]"
    console.print(
        f"{mark} przyjęte + kwarantanna + puste = wiersze ({counts.get('accepted', 0)} + {counts.get('quarantined', 0)} + "
        f"{counts.get('empty', 0)} = {counts.get('rows', 0)})"
    )
    if counts.get("sources_unchanged"):
        console.print("Źródła bez zmian od ostatniego przebiegu: pominięto ponowny odczyt (sources unchanged: not read again).")
    if counts.get("skipped_rows"):
        console.print(
            f"[red]Pominięto {counts['skipped_rows']} wierszy ze źródeł z błędem[/red] — zostały w rejestrze "
            f"bez zmian (rows of skipped sources, left unchanged in the registry)."
        )
    for problem in counts.get("source_errors", []):
        console.print(f"[red]Błąd źródła (source error):[/red] {problem}", soft_wrap=True)
    for problem in counts.get("source_warnings", []):
        console.print(f"[yellow]Uwaga (warning):[/yellow] {problem}", soft_wrap=True)
    if counts.get("formula_rows"):
        console.print(
            f"[yellow]{counts['formula_rows']} wierszy z formułą bez obliczonej wartości[/yellow] — otwórz i zapisz "
            f"skoroszyt w Excelu/LibreOffice, żeby formuły się przeliczyły (formula without a cached value)."
        )
    for missing in counts.get("missing_sources", []):
        console.print(f"[yellow]Brak arkusza dla źródła {missing}[/yellow] — sprawdź nazwę w pliku projektu (worksheet not found).")
    if counts.get("reasons"):
        console.print("Przyczyny odrzuceń (reason codes): " + ", ".join(f"{k}: {v}" for k, v in counts["reasons"].items()))
    if any(key in counts for _, key in STEP_ROWS):
        console.print(_table("Deduplikacja, zaświadczenia, poczta", STEP_ROWS, counts))


def print_paths(cfg: ProjectConfig, workbook: Path, monthly: dict | None) -> None:
    if monthly:
        console.print(_table(f"Podsumowanie miesięczne — {cfg.name}", MONTHLY_ROWS, monthly))
    s = get_settings()
    table = Table(title="Gdzie szukać wyników (where to look)", show_header=False)
    table.add_row("Skoroszyt (zakładki Odrzucone, Do sprawdzenia, Wskaźniki)", str(workbook))
    table.add_row("Rejestr (registry database)", s.resolved_database_url)
    table.add_row("Zaświadczenia PDF (certificates)", str(s.certificates_dir / cfg.slug))
    if cfg.certificates is not None:
        from synergia.certificates.site import default_site_dir

        table.add_row("Strona weryfikacji QR (verification site)", str(default_site_dir(s, cfg.slug)))
    table.add_row("Skrzynka nadawcza .eml (outbox)", str(s.outbox_dir))
    console.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(run_app, name="run")
    app.command("check-config")(check_config)
    app.command("demo")(demo)
