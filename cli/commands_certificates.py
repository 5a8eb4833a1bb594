"""``synergia certificates …``: preview the template, list the register, revoke, verify a code, build/serve the verification site."""

from __future__ import annotations

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


def _project(value: str) -> ProjectConfig:
    from cli.commands_core import load_or_exit, resolve_project_path

    return load_or_exit(resolve_project_path(value))


def _registry() -> Registry:
    from synergia import runtime

    return runtime.registry(migrate=True)


def preview(
    project: str = ProjectOpt,
    output: Path = typer.Option(Path("zaswiadczenie-podglad.pdf"), "--output", "-o", help="Plik PDF do zapisania (output file)"),
    cycle: str | None = typer.Option(None, "--cycle", help="Id cyklu szkoleń (default: the first one)"),
) -> None:
    """Podgląd zaświadczenia z przykładowymi danymi (sample certificate; no registry needed).

    Example:  synergia certificates preview -p demo -o podglad.pdf
    """
    from synergia.certificates.cycles import CertificatesConfigError
    from synergia.certificates.layout import LayoutError
    from synergia.certificates.preview import render_preview

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
    """Rejestr wydanych zaświadczeń (register of issued certificates; ids only, no personal data).

    Example:  synergia certificates list -p demo
    """
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
    """Unieważnij zaświadczenie (revoke; the number is never reused and never reinstated automatically).

    Example:  synergia certificates revoke SYN/2026/0001 -p demo --reason "wydane omyłkowo"
    """
    from synergia.certificates.register import RegisterError, revoke_number

    cfg = _project(project)
    registry = _registry()
    try:
        with registry.session() as session:
            cert = revoke_number(session, project=cfg.slug, number=number, reason=reason)
            shown = cert.number
            from synergia.rodo.audit import current_operator
            from synergia.rodo.audit import record as audit_record

            audit_record(session, cfg.slug, "revocation", operator=current_operator(), subject=cert.number, details={"staff": 1})
    except RegisterError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    finally:
        registry.dispose()
    console.print(f"Unieważniono zaświadczenie {shown}.")
    _refresh_site(cfg)


def _refresh_site(cfg: ProjectConfig) -> None:
    """After a revocation: update the verification pages in the default site folder right away."""
    from config.settings import get_settings
    from synergia.certificates.site import SiteError, build_site_in, default_site_dir

    folder = default_site_dir(get_settings(), cfg.slug)
    try:
        counts = build_site_in(_registry(), cfg, folder)
    except SiteError as exc:
        err.print(f"[yellow]Strona weryfikacji nie została odświeżona: {exc}[/yellow]")
        return
    console.print(f"Strona weryfikacji odświeżona (verification site updated): zmienione pliki {counts.written} → {folder}")


def verify(code: str = typer.Argument(..., help="Kod weryfikacyjny z zaświadczenia (verification code)")) -> None:
    """Sprawdź kod weryfikacyjny (check a verification code).

    Example:  synergia certificates verify K7QW-2M9X
    """
    from synergia.certificates.register import verify as verify_code

    registry = _registry()
    with registry.session() as session:
        result = verify_code(session, code)
    registry.dispose()
    labels = {
        "valid": "ważne",
        "superseded": "nieaktualne — wydano nowsze wydanie",
        "revoked": "unieważnione",
        "withdrawn": "wycofane",
        "unknown": "nie znaleziono takiego kodu",
    }
    console.print(f"Status: [bold]{labels[result.status]}[/bold]")
    if result.number:
        console.print(f"Numer: {result.number}, wydanie {result.revision} z {result.current_revision}, wydano {result.issued_on}")
    if result.status == "unknown":
        raise typer.Exit(1)


def site(
    project: str | None = typer.Option(None, "--project", "-p", help="Plik projektu YAML albo slug: zbuduj stronę z rejestru"),
    out: Path | None = typer.Option(None, "--out", help="Folder strony (default: <data_dir>/site/<slug>/)"),
    serve: bool = typer.Option(False, "--serve", help="Udostępnij folder lokalnie na 127.0.0.1 (serve it locally)"),
    port: int = typer.Option(8000, "--port", help="Port dla --serve"),
) -> None:
    """Strona weryfikacji zaświadczeń: jedna strona na kod z QR (static verification site).

    Builds one page (z/<kod>/index.html) and one JSON file (z/<kod>.json) per
    verification code from the register; only changed files are rewritten.
    Publish the folder at the address in verification_url (e.g. rclone/rsync).

    Examples:  synergia certificates site -p demo
               synergia certificates site -p demo --serve --port 8000
               synergia certificates site --out var/site/demo --serve
    """
    from config.settings import get_settings
    from synergia.certificates.site import SiteError, build_site_in, default_site_dir

    if project is None and out is None:
        err.print("[red]Podaj --project albo --out[/red] (give a project to build, or a folder to serve).")
        raise typer.Exit(2)
    cfg = _project(project) if project is not None else None
    folder = out if out is not None else default_site_dir(get_settings(), cfg.slug)
    if cfg is not None:
        registry = _registry()
        try:
            counts = build_site_in(registry, cfg, folder)
        except SiteError as exc:
            err.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None
        finally:
            registry.dispose()
        statuses = ", ".join(f"{k}: {v}" for k, v in sorted(counts.per_status.items())) or "brak"
        console.print(
            f"Strona weryfikacji: kodów {counts.codes} ({statuses}); zapisano plików {counts.written}, "
            f"bez zmian {counts.unchanged}, usunięto {counts.removed} → [bold]{Path(folder).resolve()}[/bold]"
        )
    if serve:
        _serve(Path(folder), port)


def _serve(folder: Path, port: int) -> None:
    from synergia.certificates.site_server import make_server

    try:
        server = make_server(folder, port)
    except (FileNotFoundError, OSError) as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(2) from None
    host, bound = server.server_address[:2]
    console.print(
        f"Serwuję {folder.resolve()} na http://{host}:{bound}/ — otwórz http://{host}:{bound}/z/<kod> "
        "(kod z adresu na zaświadczeniu / z QR). Ctrl+C kończy (stop)."
    )
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def register(app: typer.Typer) -> None:
    sub = typer.Typer(help="Zaświadczenia o ukończeniu szkoleń (certificates).", no_args_is_help=True)
    sub.command("preview")(preview)
    sub.command("list")(list_)
    sub.command("revoke")(revoke)
    sub.command("verify")(verify)
    sub.command("site")(site)
    app.add_typer(sub, name="certificates")
