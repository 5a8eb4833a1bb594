"""Monthly indicator report: ``synergia run monthly`` and ``synergia report preview``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from cli.commands_core import ProjectOpt, console, err_console, load_or_exit, resolve_project_path, run_app, run_flow

MonthOpt = Annotated[
    str | None,
    typer.Option("--month", "-m", help="Miesiąc RRRR-MM (month YYYY-MM); domyślnie poprzedni miesiąc w okresie projektu."),
]


def _check_month(month: str | None) -> None:
    from synergia.indicators.months import Month

    if month is not None:
        try:
            Month.parse(month)
        except ValueError as exc:
            err_console.print(f"[red]{exc}[/red]")
            raise typer.Exit(2) from None


def run_monthly(
    project: ProjectOpt,
    month: MonthOpt = None,
    resend: Annotated[bool, typer.Option("--resend", help="Wyślij e-mail ponownie, choć już poszedł (send the summary again).")] = False,
) -> None:
    """Miesięczne wskaźniki: zakładka „Wskaźniki”, e-mail do koordynatorów (HTML + XLSX), artefakt Prefect.

    Rerunning for the same month gives the same numbers and sends no second
    e-mail unless --resend.

    Example:  synergia run monthly --project wspolpraca-sie-oplaca --month 2021-11
    """
    _check_month(month)
    path = resolve_project_path(project)
    cfg = load_or_exit(path)
    from flows.monthly import monthly

    result = run_flow(monthly, project_path=str(path), month=month, resend=resend)
    table = Table(title=f"Wskaźniki {result['month']} — {cfg.name}", show_header=False)
    table.add_row("Wskaźniki / indicators", str(result["indicators"]))
    table.add_row("Zagrożone / at risk", str(result["at_risk"]))
    table.add_row("Zakładka „Wskaźniki” / tab", "zapisana (written)" if result["tab_written"] else "bez zmian (unchanged)")
    table.add_row("E-maile w kolejce / queued", str(result["queued"]))
    table.add_row("Już wysłane wcześniej / already queued", str(result["already_queued"]))
    console.print(table)


def preview(
    project: ProjectOpt,
    month: MonthOpt = None,
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder na podgląd (output folder).")] = Path("var/preview"),
) -> None:
    """Podgląd podsumowania bez wysyłki: HTML, wykres PNG i XLSX do folderu (preview without sending).

    Example:  synergia report preview -p wspolpraca-sie-oplaca -m 2021-11 && open var/preview/*.html
    """
    _check_month(month)
    path = resolve_project_path(project)
    cfg = load_or_exit(path)
    from synergia import runtime, steps
    from synergia.indicators import report

    summary = steps.run_indicators(runtime.context(cfg, migrate=True), month)
    out.mkdir(parents=True, exist_ok=True)
    stem = f"wskazniki-{cfg.slug}-{summary.month}"
    (out / f"{stem}.png").write_bytes(report.chart_png(summary))
    (out / f"{stem}.html").write_text(report.summary_html(summary, chart_src=f"{stem}.png"), encoding="utf-8")
    (out / f"{stem}.xlsx").write_bytes(report.summary_xlsx(summary))
    console.print(report.summary_text(summary))
    console.print(f"[green]Zapisano podgląd (preview written):[/green] {out / stem}.html / .png / .xlsx")


def register(app: typer.Typer) -> None:
    run_app.command("monthly")(run_monthly)
    sub = typer.Typer(help="Raporty wskaźników (indicator reports).", no_args_is_help=True)
    sub.command("preview")(preview)
    app.add_typer(sub, name="report")
