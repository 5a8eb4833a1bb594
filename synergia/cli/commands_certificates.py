"""``synergia certificates …``: preview the template, list the register, revoke, verify a code."""
from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console()
err = Console(stderr=True)

ProjectOpt = typer.Option(..., "--project", "-p", help="Plik projektu YAML albo slug (project file or slug), np. demo")


def _project(value: str):  # noqa: ANN202
    from synergia.cli.commands_core import load_or_exit, resolve_project_path

    return load_or_exit(resolve_project_path(value))


def _registry():  # noqa: ANN202
    from synergia import runtime

    return runtime.registry(migrate=True)


def preview(
    project: str = ProjectOpt,
    output: Path = typer.Option(Path("zaswiadczenie-podglad.pdf"), "--output", "-o", help="Plik PDF do zapisania (output file)"),
    cycle: str | None = typer.Option(None, "--cycle", help="Id cyklu szkoleń (default: the first one)"),
) -> None:
    """Podgląd zaświadczenia z przykładowymi danymi (sample certificate; no registry needed)."""
    from synergia.certificates.pdf import LayoutError
    from synergia.certificates.preview import render_preview
    from synergia.certificates.service import CertificatesConfigError

    cfg = _project(project)
    try:
        path, problems = render_preview(cfg, output, cycle_id=cycle)
    except (LayoutError, CertificatesConfigError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    console.print(f"Zapisano podgląd zaświadczenia: [bold]{path.resolve()}[/bold]")
    for problem in problems:
        console.print(f"[yellow]Uwaga: {problem} — popraw położenie (y) w szablonie.[/yellow]")


def list_(project: str = ProjectOpt) -> None:
    """Rejestr wydanych zaświadczeń (register of issued certificates; ids only, no personal data)."""
    from sqlalchemy import select

    from synergia.registry.tables_certificates import Certificate

    cfg = _project(project)
    registry = _registry()
    table = Table("Numer", "Wydanie", "Cykl", "Osoba (id)", "Status", "Wydano")
    with registry.session() as session:
        rows = session.scalars(select(Certificate).where(Certificate.project == cfg.slug).order_by(Certificate.year, Certificate.seq))
        n = 0
        for c in rows:
            n += 1
            status = "ważne" if c.status == "valid" else f"unieważnione ({'automatycznie' if c.revoked_by == 'auto' else 'ręcznie'})"
            table.add_row(c.number, str(c.revision), c.cycle, str(c.person_id), status, c.created_at.date().isoformat())
    registry.dispose()
    console.print(table)
    console.print(f"Zaświadczeń w rejestrze: {n}")


def revoke(
    number: str = typer.Argument(..., help="Numer zaświadczenia, np. SYN/2026/0001"),
    project: str = ProjectOpt,
    reason: str = typer.Option(..., "--reason", help="Powód unieważnienia (reason)"),
) -> None:
    """Unieważnij zaświadczenie (revoke; the number is never reused and never reinstated automatically)."""
    from synergia.certificates.register import RegisterError, revoke_number

    cfg = _project(project)
    registry = _registry()
    try:
        with registry.session() as session:
            cert = revoke_number(session, project=cfg.slug, number=number, reason=reason)
            shown = cert.number
    except RegisterError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        registry.dispose()
    console.print(f"Unieważniono zaświadczenie {shown}.")


def verify(code: str = typer.Argument(..., help="Kod weryfikacyjny z zaświadczenia (verification code)")) -> None:
    """Sprawdź kod weryfikacyjny (check a verification code)."""
    from synergia.certificates.register import verify as verify_code

    registry = _registry()
    with registry.session() as session:
        result = verify_code(session, code)
    registry.dispose()
    labels = {"valid": "ważne", "superseded": "nieaktualne — wydano nowsze wydanie", "revoked": "unieważnione",
              "unknown": "nie znaleziono takiego kodu"}
    console.print(f"Status: [bold]{labels[result.status]}[/bold]")
    if result.number:
        console.print(f"Numer: {result.number}, wydanie {result.revision} z {result.current_revision}, wydano {result.issued_on}")
    if result.status == "unknown":
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="Zaświadczenia o ukończeniu szkoleń (certificates).", no_args_is_help=True)
    sub.command("preview")(preview)
    sub.command("list")(list_)
    sub.command("revoke")(revoke)
    sub.command("verify")(verify)
    app.add_typer(sub, name="certificates")
