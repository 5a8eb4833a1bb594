"""``synergia dedupe FILE``: read a CSV, cluster, write the result (no Typer, no Rich).

One home for what the command does, called by the Typer command
(``commands_dedupe.dedupe_file``) and by the lean start (``fast_main``): a
plain ``synergia dedupe IN -o OUT`` spends ~0.7 s importing the whole CLI
(Typer, Rich, pydantic, every project module) before it reads a row, a tenth
of the run at 100k records. ``fast_main`` understands exactly the command's
options; anything else (``--help``, a typo, a value out of range, a missing
file) is left to Typer, so help and error messages stay Typer's own.
"""

from __future__ import annotations

import csv
import os
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from synergia.heap import no_gc

if TYPE_CHECKING:
    from rich.console import Console

#: prints one message (Rich markup: ``[red]…[/red]``) to stderr
Say = Callable[[str], None]


def read_csv(path: Path) -> tuple[list[dict[str, str]], list[str]]:
    """Rows (empty cells as '') and the stripped header; separator , ; or tab (sniffed)."""
    # a very long cell (a pasted text in a name field) is read, not refused: matching cuts it
    csv.field_size_limit(max(csv.field_size_limit(), 64 * 1024 * 1024))
    with path.open(newline="", encoding="utf-8-sig") as f:
        sample = f.read(64 * 1024)
        f.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        reader = csv.reader(f, dialect=dialect)
        header = [h.strip() for h in next(reader, [])]
        # what csv.DictReader gives, built faster: a short row's missing cells are '', a long
        # row's extra cells are dropped, a repeated column name keeps its last cell
        n = len(header)
        rows = []
        for row in reader:
            if not row:
                continue  # DictReader skips empty lines too
            if len(row) != n:
                row = (row + [""] * n)[:n]
            rows.append(dict(zip(header, row)))
        return rows, header


# the cyclic collector stays off for the whole command (no cycles are made) and comes back only
# once the rows and results are gone: switched on earlier, its first passes walk every row and
# result still alive (~0.3 s at 100k records)
@no_gc()
def dedupe_csv(
    input: Path,
    output: Path,
    explain: bool,
    review: Path | None,
    match_threshold: float,
    review_threshold: float,
    say: Say,
    progress: Callable | None = None,
) -> int:
    """The whole command; returns the exit code (0, or 2 for an unreadable file).
    ``say``: prints one message (Rich markup) to stderr; ``progress(total)``: a context
    manager giving ``advance(n)`` (a progress bar), or None."""
    from synergia.dedupe.compare import Thresholds
    from synergia.dedupe.engine import cluster_ids, deduplicate

    try:
        rows, header = read_csv(input)
    except (UnicodeDecodeError, csv.Error) as exc:
        say(f"[red]Nie mogę odczytać pliku CSV {input}[/red] (cannot read CSV: {type(exc).__name__}). Zapisz go jako UTF-8.")
        return 2
    if "record_id" not in header:
        say(f"[red]Brak kolumny record_id w {input}[/red] (missing record_id column). Nagłówek / header: {', '.join(header)}")
        return 2
    ids = [r["record_id"].strip() for r in rows]
    if any(not i for i in ids):
        line = ids.index("") + 2
        say(f"[red]Pusty record_id w wierszu {line}[/red] (empty record_id on line {line}).")
        return 2
    if len(set(ids)) != len(ids):
        seen, dup = set(), None
        for i in ids:
            if i in seen:
                dup = i
                break
            seen.add(i)
        say(f"[red]Powtórzony record_id '{dup}'[/red] (duplicate record_id) — każdy wiersz musi mieć własny.")
        return 2
    for r, i in zip(rows, ids):
        r["record_id"] = i

    thresholds = Thresholds(match_threshold, review_threshold)
    if progress is not None and len(rows) >= 5000:
        with progress(len(rows)) as advance:
            result = deduplicate(rows, thresholds=thresholds, on_progress=advance)
    else:
        result = deduplicate(rows, thresholds=thresholds)
    clusters = cluster_ids(result)
    reasons = result.reason_of() if explain else {}
    output.parent.mkdir(parents=True, exist_ok=True)
    with output.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "cluster_id"] + (["match_reason"] if explain else []))
        if explain:
            w.writerows([rid, clusters[rid], reasons.get(rid, "")] for rid in ids)
        else:
            w.writerows([rid, clusters[rid]] for rid in ids)
    if review is not None:
        with review.open("w", newline="", encoding="utf-8") as f:
            w = csv.writer(f)
            w.writerow(["record_id_a", "record_id_b", "score", "reason"])
            for link in result.reviews:
                w.writerow([link.a, link.b, f"{link.score:.2f}", link.reason])
    persons = len(result.clusters)
    say(
        f"[green]{len(rows)} wierszy → {persons} osób[/green] ({len(rows) - persons} duplikatów, "
        f"{len(result.reviews)} par do sprawdzenia). Wynik: {output}"
    )
    return 0


_FLAGS = {"--explain": "explain"}
_VALUES = {
    "--output": "output",
    "-o": "output",
    "--review": "review",
    "--match-threshold": "match_threshold",
    "--review-threshold": "review_threshold",
}


def _parse(argv: list[str]) -> dict | None:
    """The options of ``synergia dedupe`` as Typer reads them, or None for anything else
    (help, an unknown option, a bad number, a missing or unreadable input file)."""
    opts: dict = {"explain": False, "review": None, "match_threshold": 0.92, "review_threshold": 0.70}
    args: list[str] = []
    k = 0
    while k < len(argv):
        a = argv[k]
        if a == "--":
            args += argv[k + 1 :]
            break
        if a.startswith("-") and a != "-":
            name, eq, value = a.partition("=")
            if name in _FLAGS and not eq:
                opts[_FLAGS[name]] = True
            elif name in _VALUES and not (eq and name == "-o"):
                if not eq:
                    if k + 1 >= len(argv):
                        return None
                    k += 1
                    value = argv[k]
                opts[_VALUES[name]] = value
            else:
                return None
        else:
            args.append(a)
        k += 1
    if len(args) != 1 or "output" not in opts:
        return None
    try:
        for key in ("match_threshold", "review_threshold"):
            opts[key] = float(opts[key])
            if not 0 <= opts[key] <= 1:
                return None
    except ValueError:
        return None
    src = Path(args[0])
    if not src.is_file() or not os.access(src, os.R_OK):
        return None
    opts["input"] = src
    opts["output"] = Path(opts["output"])
    if opts["review"] is not None:
        opts["review"] = Path(opts["review"])
    return opts


def fast_main(argv: list[str]) -> int | None:
    """``synergia dedupe ARGS`` without loading the CLI: the exit code, or None when
    ``argv`` is not a plain run (the caller then starts the Typer app as usual).
    Messages go to stderr as plain text (Rich is loaded only for a terminal)."""
    opts = _parse(argv)
    if opts is None:
        return None
    if sys.stderr.isatty():  # colours and the progress bar, as the Typer command shows them
        from rich.console import Console

        err = Console(stderr=True)
        say: Say = err.print
        progress = rich_progress(err)
    else:
        import re

        markup = re.compile(r"\[/?(?:red|green|bold)\]")

        def say(text: str) -> None:
            print(markup.sub("", text), file=sys.stderr)

        progress = None
    return dedupe_csv(
        opts["input"], opts["output"], opts["explain"], opts["review"], opts["match_threshold"], opts["review_threshold"], say, progress
    )


def rich_progress(console: Console) -> Callable:
    """``progress(total)`` for ``dedupe_csv``: a Rich bar on ``console`` while normalising."""
    from contextlib import contextmanager

    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeElapsedColumn,
    )

    @contextmanager
    def progress(total: int) -> Iterator[Callable[[int], None]]:
        with Progress(
            TextColumn("[bold]{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            transient=True,
            disable=not console.is_terminal,
        ) as bar:
            task = bar.add_task("Normalizacja", total=total)
            yield lambda n: bar.advance(task, n)

    return progress
