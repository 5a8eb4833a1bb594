"""``synergia mail send|status``: send due mail now (no Prefect) and show the delivery register."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from cli.commands_core import ProjectOpt, console, err_console, load_or_exit, resolve_project_path

mail_app = typer.Typer(help="Poczta: wysyłka i stan rejestru doręczeń (mail: send and delivery register).", no_args_is_help=True)


@mail_app.command("send")
def send_cmd(project: ProjectOpt) -> None:
    """Wyślij teraz zaległe wiadomości projektu (send due messages now), w limicie dnia.

    Backend: SYNERGIA_MAIL_BACKEND=outbox (pliki .eml, domyślnie) albo smtp
    (SYNERGIA_SMTP_HOST, _PORT, _USER, _PASSWORD, _SECURITY=ssl|starttls|none).
    Przerwany przebieg można po prostu uruchomić ponownie (safe to rerun after a crash).

    Example:  SYNERGIA_MAIL_BACKEND=smtp SYNERGIA_SMTP_HOST=127.0.0.1 SYNERGIA_SMTP_PORT=8025 \\
              SYNERGIA_SMTP_SECURITY=none synergia mail send --project demo
    """
    from synergia import runtime, steps

    ctx = runtime.context(load_or_exit(resolve_project_path(project)))
    cfg, settings = ctx.project, ctx.settings
    try:
        transport = ctx.transport
    except ValueError as exc:
        err_console.print(f"[red]Błędna konfiguracja poczty[/red] (bad mail settings): {exc}")
        raise typer.Exit(2) from None
    ctx.registry = runtime.registry(settings, migrate=True)
    report = steps.run_mail(ctx)
    if report.locked:
        err_console.print("[yellow]Inny proces wysyła już pocztę tego projektu[/yellow] (another sender is running).")
        raise typer.Exit(1)
    table = Table(title=f"Poczta {cfg.slug} ({transport.name})")
    table.add_column("")
    table.add_column("liczba", justify="right")
    for label, value in report.rows():
        table.add_row(label, str(value))
    console.print(table)
    if report.stopped:
        err_console.print(
            f"[yellow]Serwer poczty niedostępny ({report.stopped})[/yellow] — reszta pójdzie w następnym przebiegu "
            f"(server unavailable; the rest goes in the next run)."
        )
    if transport.name == "outbox":
        console.print(f"Wiadomości .eml: {settings.outbox_dir}")


@mail_app.command("status")
def status_cmd(
    project: ProjectOpt,
    failures: Annotated[int, typer.Option(help="Ile ostatnich błędów stałych pokazać (how many permanent failures to list).")] = 20,
) -> None:
    """Stan rejestru doręczeń i lista błędów stałych (delivery counts and permanent failures, no addresses).

    Example:  synergia mail status -p demo --failures 50
    """
    from synergia import runtime
    from synergia.mail.reports import list_failures, status_counts

    cfg = load_or_exit(resolve_project_path(project))
    with runtime.registry(migrate=True).session() as s:
        counts = status_counts(s, project=cfg.slug)
        failed = list_failures(s, project=cfg.slug)
    table = Table(title=f"Doręczenia {cfg.slug} (deliveries)")
    table.add_column("status")
    table.add_column("liczba", justify="right")
    for status in ("pending", "sending", "deferred", "sent", "failed"):
        table.add_row(status, str(counts.get(status, 0)))
    console.print(table)
    if failed:
        ft = Table(title="Błędy stałe — do wyjaśnienia przez koordynatora (permanent failures)")
        for col in ("id", "rodzaj (kind)", "klucz (key)", "kod (code)", "data (UTC)"):
            ft.add_column(col)
        for f in failed[-failures:]:
            ft.add_row(str(f.delivery_id), f.kind, f.key, f.code, f.failed_at.strftime("%Y-%m-%d %H:%M"))
        console.print(ft)


def register(app: typer.Typer) -> None:
    app.add_typer(mail_app, name="mail")
