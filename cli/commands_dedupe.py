"""``synergia dedupe`` on any CSV file, and ``synergia unmerge`` on the registry."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

err = Console(stderr=True)

DEDUPE_HELP = """Znajdź te same osoby w pliku CSV (find the same people in a CSV file).

Wejście / input: CSV z nagłówkiem (header), kolumna [bold]record_id[/bold] i dowolne z:
first_name, last_name, email, phone, pesel, birth_date, gender, street, postal_code,
city, organisation. Brakujące kolumny są w porządku, inne są pomijane
(missing columns are fine, others are ignored). Separator , lub ; (auto).

Wyjście / output: [bold]record_id,cluster_id[/bold] — jeden wiersz na wiersz wejścia,
w tej samej kolejności; cluster_id to najmniejszy record_id osoby.
Z --explain dochodzi kolumna match_reason (dlaczego połączono, np. "ten sam PESEL").

Pary niepewne (uncertain pairs) nie są łączone; --review zapisze je do pliku
dla człowieka. Rodzeństwo, bliźnięta, ojciec i syn o tym samym imieniu nie są
łączeni (vetoes: different PESEL, birth date, sex or first name).

Przykład / example:

  synergia dedupe zgloszenia.csv --output osoby.csv --explain

  zgloszenia.csv:            osoby.csv:
  record_id,first_name,...   record_id,cluster_id,match_reason
  1,Katarzyna,Kowalska,...   1,1,zgodne: imię+nazwisko+e-mail
  2,Kasia,KOWALSKA,...       2,1,zgodne: imię+nazwisko+e-mail
"""


def dedupe_file(
    input: Annotated[
        Path, typer.Argument(help="Plik CSV z nagłówkiem i kolumną record_id (input CSV).", exists=True, dir_okay=False, readable=True)
    ],
    output: Annotated[Path, typer.Option("--output", "-o", help="Plik wynikowy CSV: record_id,cluster_id (output CSV).")],
    explain: Annotated[bool, typer.Option("--explain", help="Dodaj kolumnę match_reason (add the reason of each match).")] = False,
    review: Annotated[
        Path | None, typer.Option("--review", help="Zapisz pary do sprawdzenia przez człowieka (write uncertain pairs).")
    ] = None,
    match_threshold: Annotated[float, typer.Option(help="Próg 'ta sama osoba' (same-person score).", min=0, max=1)] = 0.92,
    review_threshold: Annotated[float, typer.Option(help="Próg 'do sprawdzenia' (review score).", min=0, max=1)] = 0.70,
) -> None:
    from synergia.dedupe.csvfile import dedupe_csv, rich_progress  # the command's one home (also the lean start)

    code = dedupe_csv(input, output, explain, review, match_threshold, review_threshold, err.print, rich_progress(err))
    if code:
        raise typer.Exit(code)


def unmerge_cmd(
    project: Annotated[str, typer.Option("--project", "-p", help="Plik projektu YAML albo slug (project file or slug).")],
    person: Annotated[int, typer.Option("--person", help="Id osoby, od której odłączyć zgłoszenia (person id).")],
    applications: Annotated[
        str, typer.Option("--applications", "-a", help="Id zgłoszeń do odłączenia, po przecinku (application ids, comma-separated).")
    ],
) -> None:
    """Rozdziel błędnie połączoną osobę (split a wrong merge). Zgłoszenia i historia zostają.

    Odłączone zgłoszenia wracają do swojej dawnej osoby (albo dostają nową) i już
    nigdy nie zostaną z nią automatycznie połączone.

    Example:  synergia unmerge --project demo --person 12 --applications 40,41
    """
    from cli.commands_core import load_or_exit, resolve_project_path
    from synergia import runtime
    from synergia.dedupe.store import UnmergeError, unmerge

    path = resolve_project_path(project)
    cfg = load_or_exit(path)
    try:
        app_ids = [int(x) for x in applications.replace(" ", "").split(",") if x]
    except ValueError:
        err.print("[red]--applications: podaj liczby po przecinku[/red] (comma-separated integers), np. 40,41")
        raise typer.Exit(2) from None
    try:
        with runtime.registry(migrate=True).session() as session:
            target = unmerge(session, cfg.slug, person, app_ids)
    except UnmergeError as exc:
        err.print(f"[red]{exc}[/red]")
        raise typer.Exit(1) from None
    Console().print(
        f"Zgłoszenia {', '.join(map(str, app_ids))} należą teraz do osoby [bold]{target}[/bold]; osoba {person} zachowuje pozostałe."
    )


def register(app: typer.Typer) -> None:
    app.command("dedupe", help=DEDUPE_HELP)(dedupe_file)
    app.command("unmerge")(unmerge_cmd)
