"""``synergia dedupe`` on any CSV file, and ``synergia unmerge`` on the registry."""
from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Annotated, Optional

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

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


def _read_csv(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    # a very long cell (a pasted text in a name field) is read, not refused: matching cuts it
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    with path.open(newline="", encoding="utf-8-sig") as f:
        sample = f.read(64 * 1024)
        f.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.DictReader(f, dialect=dialect)
        header = [h.strip() for h in (reader.fieldnames or [])]
        reader.fieldnames = header
        return [{k: (v or "") for k, v in row.items() if k is not None} for row in reader], header


def dedupe_file(
    input: Annotated[Path, typer.Argument(help="Plik CSV z nagłówkiem i kolumną record_id (input CSV).", exists=True, dir_okay=False, readable=True)],
    output: Annotated[Path, typer.Option("--output", "-o", help="Plik wynikowy CSV: record_id,cluster_id (output CSV).")],
    explain: Annotated[bool, typer.Option("--explain", help="Dodaj kolumnę match_reason (add the reason of each match).")] = False,
    review: Annotated[Optional[Path], typer.Option("--review", help="Zapisz pary do sprawdzenia przez człowieka (write uncertain pairs).")] = None,
    match_threshold: Annotated[float, typer.Option(help="Próg 'ta sama osoba' (same-person score).", min=0, max=1)] = 0.92,
    review_threshold: Annotated[float, typer.Option(help="Próg 'do sprawdzenia' (review score).", min=0, max=1)] = 0.70,
) -> None:
    from synergia.dedupe.compare import Thresholds
    from synergia.dedupe.engine import cluster_ids, deduplicate

    try:
        rows, header = _read_csv(input)
    except (UnicodeDecodeError, csv.Error) as exc:
        err.print(f"[red]Nie mogę odczytać pliku CSV {input}[/red] (cannot read CSV: {type(exc).__name__}). Zapisz go jako UTF-8.")
        raise typer.Exit(2) from None
    if "record_id" not in header:
        err.print(f"[red]Brak kolumny record_id w {input}[/red] (missing record_id column). Nagłówek / header: {', '.join(header)}")
        raise typer.Exit(2)
    ids = [r["record_id"].strip() for r in rows]
    if any(not i for i in ids):
        line = ids.index("") + 2
        err.print(f"[red]Pusty record_id w wierszu {line}[/red] (empty record_id on line {line}).")
        raise typer.Exit(2)
    if len(set(ids)) != len(ids):
        seen, dup = set(), None
        for i in ids:
            if i in seen:
                dup = i
                break
            seen.add(i)
        err.print(f"[red]Powtórzony record_id '{dup}'[/red] (duplicate record_id) — każdy wiersz musi mieć własny.")
        raise typer.Exit(2)
    for r, i in zip(rows, ids):
        r["record_id"] = i

    with Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  console=err, transient=True, disable=len(rows) < 5000 or not err.is_terminal) as progress:
        task = progress.add_task("Normalizacja", total=len(rows))
        result = deduplicate(rows, thresholds=Thresholds(match_threshold, review_threshold),
                             on_progress=lambda n: progress.advance(task, n))
    clusters = cluster_ids(result)
    reasons = result.reason_of() if explain else {}
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "cluster_id"] + (["match_reason"] if explain else []))
        for rid in ids:
            w.writerow([rid, clusters[rid]] + ([reasons.get(rid, "")] if explain else []))
    if review is not None:
        with review.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["record_id_a", "record_id_b", "score", "reason"])
            for link in result.reviews:
                w.writerow([link.a, link.b, f"{link.score:.2f}", link.reason])
    persons = len(result.clusters)
    err.print(f"[green]{len(rows)} wierszy → {persons} osób[/green] ({len(rows) - persons} duplikatów, "
              f"{len(result.reviews)} par do sprawdzenia). Wynik: {output}")


def unmerge_cmd(
    project: Annotated[str, typer.Option("--project", "-p", help="Plik projektu YAML albo slug (project file or slug).")],
    person: Annotated[int, typer.Option("--person", help="Id osoby, od której odłączyć zgłoszenia (person id).")],
    applications: Annotated[str, typer.Option("--applications", "-a", help="Id zgłoszeń do odłączenia, po przecinku (application ids, comma-separated).")],
) -> None:
    """Rozdziel błędnie połączoną osobę (split a wrong merge). Zgłoszenia i historia zostają.

    Odłączone zgłoszenia wracają do swojej dawnej osoby (albo dostają nową) i już
    nigdy nie zostaną z nią automatycznie połączone.

    Example:  synergia unmerge --project demo --person 12 --applications 40,41
    """
    from synergia import runtime
    from cli.commands_core import load_or_exit, resolve_project_path
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
    Console().print(f"Zgłoszenia {', '.join(map(str, app_ids))} należą teraz do osoby [bold]{target}[/bold]; "
                    f"osoba {person} zachowuje pozostałe.")


def register(app: typer.Typer) -> None:
    app.command("dedupe", help=DEDUPE_HELP)(dedupe_file)
    app.command("unmerge")(unmerge_cmd)
