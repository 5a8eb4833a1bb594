"""RODO commands: ``erase``, ``export-person``, ``audit``, ``retention status|run``, ``rodo register``.

Thin: the work is in ``synergia.rodo``. Output is counts, ids and places only — never personal data.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import typer
from rich.console import Console
from rich.table import Table

if TYPE_CHECKING:
    from config.project import ProjectConfig
    from synergia.registry.db import Registry

console = Console()
err = Console(stderr=True)

ProjectOpt = typer.Option(..., "--project", "-p", help="Plik projektu YAML albo slug (project file or slug), np. demo")
OperatorOpt = typer.Option(None, "--operator", help="Kto wykonuje (who; default: the OS user) — do dziennika audytu")


def _project(value: str) -> ProjectConfig:
    from cli.commands_core import load_or_exit, resolve_project_path

    return load_or_exit(resolve_project_path(value))


def _registry() -> Registry:
    from synergia import runtime

    return runtime.registry(migrate=True)


def _find(registry: Registry, cfg: ProjectConfig, person: int | None, email: str | None, pesel: str | None) -> int:
    from synergia.rodo.locate import AmbiguousPerson, PersonNotFound, find_person

    if sum(x is not None for x in (person, email, pesel)) != 1:
        err.print("[red]Podaj dokładnie jedno: --person, --email albo --pesel (give exactly one).[/red]")
        raise typer.Exit(2)
    try:
        with registry.session() as session:
            return find_person(session, cfg.slug, person_id=person, email=email, pesel=pesel)
    except (PersonNotFound, AmbiguousPerson) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None


_LABELS = {
    "applications": "zgłoszenia (applications)",
    "application_versions": "poprzednie wersje (versions)",
    "attendance": "obecności (attendance)",
    "quarantine": "wiersze w kwarantannie (quarantine)",
    "dedupe_merges": "połączenia (merges)",
    "dedupe_assignments": "historia przypisań (assignments)",
    "dedupe_decisions": "decyzje personelu (decisions)",
    "dedupe_reviews": "pary do sprawdzenia (reviews)",
    "certificates": "zaświadczenia (certificates)",
    "certificate_pdfs": "pliki PDF zaświadczeń",
    "mail_deliveries": "wiadomości e-mail (mail)",
    "tombstones": "blokady ponownego importu (tombstones)",
}


def _counts_table(counts: dict[str, int]) -> Table:
    table = Table("Co (what)", "Liczba")
    for key, n in counts.items():
        table.add_row(_LABELS.get(key, key), str(n))
    return table


def erase(
    project: str = ProjectOpt,
    person: int | None = typer.Option(None, "--person", help="Id osoby (person id)"),
    email: str | None = typer.Option(None, "--email", help="Adres e-mail osoby"),
    pesel: str | None = typer.Option(None, "--pesel", help="PESEL osoby"),
    mode: str = typer.Option("anonymise", "--mode", help="anonymise (wskaźniki bez zmian) | delete (osoba znika też ze wskaźników)"),
    yes: bool = typer.Option(False, "--yes", help="Bez pytania o potwierdzenie (no confirmation prompt)"),
    operator: str | None = OperatorOpt,
) -> None:
    """Usuń osobę (art. 17 RODO): rejestr, zaświadczenia, poczta, zakładki; blokada ponownego importu.

    Example:  synergia erase -p demo --email jan@example.org --mode anonymise
    """
    from config.settings import get_settings
    from synergia import runtime
    from synergia.rodo.audit import current_operator
    from synergia.rodo.salt import salt_from_settings
    from synergia.rodo.service import erase_person, plan

    if mode not in ("anonymise", "delete"):
        err.print("[red]--mode: anonymise albo delete[/red]")
        raise typer.Exit(2)
    cfg = _project(project)
    registry = _registry()
    pid = _find(registry, cfg, person, email, pesel)
    counts, rows = plan(registry, cfg, pid)
    console.print(f"Osoba #{pid} w projekcie {cfg.slug} — zostanie {'zanonimizowana' if mode == 'anonymise' else 'USUNIĘTA'}:")
    console.print(_counts_table(counts))
    if mode == "delete":
        console.print("[yellow]Tryb delete: osoba zniknie także ze wskaźników (past indicator counts will change).[/yellow]")
    else:
        console.print("Tryb anonymise: płeć, kategoria, organizacja, gmina i daty zostają — wskaźniki się nie zmienią.")
    if not yes and not typer.confirm("Kontynuować? (continue?)", default=False):
        console.print("Przerwano — nic nie zmieniono (aborted, nothing changed).")
        raise typer.Exit(1)
    settings = get_settings()
    result = erase_person(
        registry,
        cfg,
        pid,
        mode,
        settings=settings,
        backend=runtime.sheets_backend(cfg, settings),
        storage=runtime.storage(settings),
        operator=current_operator(operator),
        salt=salt_from_settings(settings),
    )
    console.print(
        f"Gotowe (done). Pliki usunięte: {result.files.get('files_deleted', 0)}, brakujące: "
        f"{result.files.get('files_missing', 0)}, błędy: {result.files.get('files_failed', 0)}. "
        f"Blokady importu: {result.report.counts.get('tombstones', 0)}."
    )
    for tab, state in result.tabs.items():
        console.print(f"Zakładka '{tab}': {state}")
    if result.site:
        console.print(f"Strona weryfikacji: {result.site}")
    console.print(f"Baza danych: {result.compaction}")
    if rows:
        console.print("[bold]Usuń te wiersze w arkuszach personelu (delete these rows in the staff sheets):[/bold]")
        for sheet, tab, row in rows:
            console.print(f"  {sheet} / {tab}, wiersz {row}")
        console.print("Dopóki tam są, nocny przebieg odrzuca je z powodem 'erased' (until then they are quarantined).")
    if mode == "delete":
        console.print(
            "[yellow]Wskaźniki: osoba nie jest już liczona; zakładka 'Wskaźniki' zmieni się przy najbliższym "
            "przebiegu miesięcznym.[/yellow]"
        )


def export_person(
    project: str = ProjectOpt,
    out: Path = typer.Option(..., "--out", "-o", help="Folder na pliki eksportu (output folder; files are 0600)"),
    person: int | None = typer.Option(None, "--person"),
    email: str | None = typer.Option(None, "--email"),
    pesel: str | None = typer.Option(None, "--pesel"),
    pdf: bool = typer.Option(True, "--pdf/--no-pdf", help="Także PDF (also a PDF)"),
    operator: str | None = OperatorOpt,
) -> None:
    """Kopia danych osoby (art. 15 RODO): JSON + HTML (+ PDF) do wskazanego folderu.

    Example:  synergia export-person -p demo --email jan@example.org --out ~/wnioski/2026-12
    """
    from synergia.rodo import audit
    from synergia.rodo.export import collect, write_export

    cfg = _project(project)
    registry = _registry()
    pid = _find(registry, cfg, person, email, pesel)
    with registry.session() as session:
        doc = collect(session, cfg, pid)
        audit.record(
            session,
            cfg.slug,
            "export",
            operator=audit.current_operator(operator),
            subject=f"osoba #{pid}",
            details={
                "applications": len(doc["zgloszenia"]),
                "certificates": len(doc["zaswiadczenia"]),
                "mails": len(doc["wiadomosci"]),
                "pdf": pdf,
            },
        )
    paths = write_export(doc, out, pdf=pdf)
    console.print(f"Zapisano {len(paths)} pliki eksportu osoby #{pid} w {out.resolve()} (tylko dla właściciela, 0600).")


def audit_cmd(
    project: str = ProjectOpt,
    since: str | None = typer.Option(None, "--since", help="Od dnia RRRR-MM-DD (since date)"),
    action: str | None = typer.Option(
        None, "--action", help="erasure | export | dedupe_decisions | revocation | consent_versions | retention"
    ),
) -> None:
    """Dziennik audytu (audit log): kto, kiedy, co, ile — bez danych osobowych.

    Example:  synergia audit -p demo --since 2026-01-01
    """
    from synergia.rodo.audit import entries

    cfg = _project(project)
    try:
        since_day = date.fromisoformat(since) if since else None
    except ValueError:
        err.print("[red]--since: użyj RRRR-MM-DD (use YYYY-MM-DD)[/red]")
        raise typer.Exit(2) from None
    registry = _registry()
    with registry.session() as session:
        rows = entries(session, cfg.slug, since_day, action)
    table = Table("Kiedy (UTC)", "Kto", "Czynność", "Dotyczy", "Liczby")
    for r in rows:
        table.add_row(
            r.at.strftime("%Y-%m-%d %H:%M:%S"), r.operator, r.action, r.subject or "", ", ".join(f"{k}={v}" for k, v in r.details.items())
        )
    console.print(table)
    console.print(f"Wpisów: {len(rows)}")


def retention_status(
    project: str = ProjectOpt,
    today: str | None = typer.Option(None, "--today", help="Data odniesienia RRRR-MM-DD (default: today)"),
) -> None:
    """Okres przechowywania projektu i co czeka na usunięcie (retention status).

    Example:  synergia retention status -p demo
    """
    from synergia.rodo.retention import status

    cfg = _project(project)
    day = date.fromisoformat(today) if today else date.today()
    registry = _registry()
    with registry.session() as session:
        st = status(session, cfg, today=day)
    console.print(f"Projekt {cfg.slug}: okres {cfg.period.start} – {cfg.period.end}")
    if st.keep_until:
        state = "MINĄŁ — nocny przebieg anonimizuje wszystkich" if st.expired else f"zostało {st.days_left} dni"
        console.print(f"Dane przechowywane do {st.keep_until} ({state}).")
    else:
        console.print("[yellow]Brak okresu przechowywania w pliku projektu (retention: until / years_after_end).[/yellow]")
    console.print(
        f"Treść wysłanych e-maili: {st.mail_body_days if st.mail_body_days is not None else 'bez limitu'} dni; "
        f"do usunięcia teraz: {st.mail_bodies_due}."
    )
    console.print(f"Osób z danymi identyfikującymi: {st.persons_with_data}.")


def retention_run(
    project: str = ProjectOpt,
    today: str | None = typer.Option(None, "--today", help="RRRR-MM-DD (default: today)"),
    operator: str | None = OperatorOpt,
) -> None:
    """Zastosuj okres przechowywania teraz (the nightly run does this after mail).

    Example:  synergia retention run -p demo --today 2027-01-31
    """
    from synergia import runtime, steps
    from synergia.rodo.audit import current_operator

    ctx = runtime.context(_project(project), migrate=True)
    day = date.fromisoformat(today) if today else date.today()
    counts = steps.run_retention(ctx, today=day, operator=current_operator(operator))
    console.print(", ".join(f"{k}={v}" for k, v in counts.as_dict().items()))


def register_cmd(project: str = ProjectOpt, out: Path = typer.Option(Path("."), "--out", help="Folder na rejestr (output folder)")) -> None:
    """Rejestr czynności przetwarzania (art. 30 RODO): Markdown i PDF, z pliku projektu.

    Example:  synergia rodo register -p demo --out docs/
    """
    from synergia.rodo.register import write_register

    cfg = _project(project)
    for path in write_register(cfg, out):
        console.print(f"Zapisano {path.resolve()}")


def register(app: typer.Typer) -> None:
    app.command("erase")(erase)
    app.command("export-person")(export_person)
    app.command("audit")(audit_cmd)
    ret = typer.Typer(help="Okres przechowywania danych (retention).", no_args_is_help=True)
    ret.command("status")(retention_status)
    ret.command("run")(retention_run)
    app.add_typer(ret, name="retention")
    rodo = typer.Typer(help="Obowiązki RODO (GDPR duties).", no_args_is_help=True)
    rodo.command("register")(register_cmd)
    app.add_typer(rodo, name="rodo")
