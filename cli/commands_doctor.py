"""``synergia doctor -p PROJECT``: a pre-flight checklist before the first night."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.console import Console

from config.settings import get_settings

console = Console(highlight=False)

MARKS = {"ok": "[green]✓[/green]", "fail": "[red]✗[/red]", "info": "[yellow]•[/yellow]"}


def doctor(
    project: Annotated[str, typer.Option("--project", "-p", help="Slug albo plik projektu (project slug or file).")],
) -> None:
    """Sprawdź przed pierwszą nocą wszystko, czego potrzebuje przebieg (pre-flight checklist).

    Project file, registry, spreadsheet (key, token, tabs, headers, write
    rights), mail (connect + TLS + login, nothing sent), Drive folder, Prefect
    API and the certificate template. Each line: ✓ or ✗ with the fix. Exit 1
    when anything a night needs is broken. No personal data is printed.

    Example:  synergia doctor -p demo
    """
    from cli.commands_core import resolve_project_path
    from synergia.doctor import run_checks

    path = resolve_project_path(project)
    failed = 0
    for check in run_checks(path, get_settings()):
        console.print(f"{MARKS[check.status]} {check.name}" + (f" — {check.detail}" if check.detail else ""), soft_wrap=True)
        if check.failed:
            failed += 1
            if check.fix:
                console.print(f"    → {check.fix}", soft_wrap=True)
    if failed:
        console.print(f"[red]{failed} problem(ów) do naprawienia przed nocnym przebiegiem[/red] (problems to fix before the night).")
        raise typer.Exit(1)
    console.print("[green]Wszystko gotowe do nocnego przebiegu[/green] (ready for the night).")


def register(app: typer.Typer) -> None:
    app.command("doctor")(doctor)
