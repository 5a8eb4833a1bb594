"""`synergia dedupe` on CSV files: one output row per input row, reasons, errors in Polish."""

from __future__ import annotations

import csv
from pathlib import Path

from typer.testing import CliRunner

from cli.app import app
from devtools.metrics import pairwise_scores
from devtools.synthetic import FIELDS, generate_records

app_cli = app

runner = CliRunner()


def read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


def test_clusters_a_csv_with_some_columns_missing_and_extra_ones_ignored(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text(
        "record_id;first_name;last_name;email;notatka\n"
        "a1;Katarzyna;Kowalska;kasia@wp.pl;x\n"
        "a2;Kasia;KOWALSKA;KASIA@wp.pl;y\n"
        "a3;Jan;Kowalski;kasia@wp.pl;z\n",
        encoding="utf-8",
    )
    out = tmp_path / "out.csv"
    res = runner.invoke(app, ["dedupe", str(src), "--output", str(out), "--explain"])
    assert res.exit_code == 0, res.output
    rows = read(out)
    assert [r["record_id"] for r in rows] == ["a1", "a2", "a3"]
    assert list(rows[0]) == ["record_id", "cluster_id", "match_reason"]
    assert rows[0]["cluster_id"] == rows[1]["cluster_id"] == "a1" and rows[2]["cluster_id"] == "a3"
    assert rows[0]["match_reason"] == "zgodne: imię+nazwisko+e-mail" and rows[2]["match_reason"] == ""


def test_synthetic_file_round_trip_quality(tmp_path: Path) -> None:
    records, truth = generate_records(2000, seed=21)
    src, out = tmp_path / "in.csv", tmp_path / "out.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=FIELDS)
        w.writeheader()
        w.writerows(records)
    res = runner.invoke(app, ["dedupe", str(src), "-o", str(out), "--review", str(tmp_path / "rev.csv")])
    assert res.exit_code == 0, res.output
    rows = read(out)
    assert len(rows) == len(records) and list(rows[0]) == ["record_id", "cluster_id"]
    scores = pairwise_scores({r["record_id"]: r["cluster_id"] for r in rows}, truth)
    assert scores["precision"] >= 0.98 and scores["recall"] >= 0.9, scores
    assert read(tmp_path / "rev.csv")[0].keys() == {"record_id_a", "record_id_b", "score", "reason"}


def test_duplicate_or_missing_record_id_is_refused(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    src.write_text("record_id,first_name\n1,Jan\n1,Anna\n", encoding="utf-8")
    res = runner.invoke(app, ["dedupe", str(src), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "Powtórzony record_id" in res.output
    src.write_text("id,first_name\n1,Jan\n", encoding="utf-8")
    res = runner.invoke(app, ["dedupe", str(src), "-o", str(tmp_path / "o.csv")])
    assert res.exit_code == 2 and "Brak kolumny record_id" in res.output
    assert not (tmp_path / "o.csv").exists()


def test_help_teaches_with_an_example() -> None:
    res = runner.invoke(app, ["dedupe", "--help"])
    assert res.exit_code == 0
    assert "synergia dedupe zgloszenia.csv --output osoby.csv --explain" in res.output


def test_unmerge_command_splits_a_person_in_the_registry(synergia_env: Path) -> None:
    import random
    from datetime import date

    from sqlalchemy import select

    from config.settings import PROJECTS_DIR
    from devtools.synthetic import make_pesel
    from synergia import runtime
    from synergia.dedupe.store import run_dedupe
    from synergia.registry.tables import Application, Person

    slug = "demo"
    p = make_pesel(date(1975, 5, 5), True, random.Random(3))
    with runtime.registry(migrate=True).session() as s:
        ids = []
        for row, data in enumerate(
            [{"first_name": "Ewa", "last_name": "Lis", "pesel": p}, {"first_name": "Ewka", "last_name": "Lis", "pesel": p}], start=2
        ):
            app = Application(
                project=slug,
                source_id="r",
                spreadsheet="wb.xlsx",
                worksheet="F",
                row_number=row,
                kind="recruitment",
                content_hash=str(row),
                data=data,
                person=Person(project=slug),
            )
            s.add(app)
            s.flush()
            ids.append(app.id)
        run_dedupe(s, slug)
    with runtime.registry().session() as s:
        survivor = s.scalar(select(Application.person_id).where(Application.id == ids[0]))
        assert s.scalar(select(Application.person_id).where(Application.id == ids[1])) == survivor
    res = runner.invoke(
        app_cli, ["unmerge", "--project", str(PROJECTS_DIR / "demo.yaml"), "--person", str(survivor), "--applications", str(ids[1])]
    )
    assert res.exit_code == 0, res.output
    with runtime.registry().session() as s:
        moved = s.scalar(select(Application.person_id).where(Application.id == ids[1]))
    assert moved != survivor and f"osoby [bold]{moved}" not in res.output and str(moved) in res.output
    bad = runner.invoke(
        app_cli, ["unmerge", "--project", str(PROJECTS_DIR / "demo.yaml"), "--person", str(survivor), "--applications", "999999"]
    )
    assert bad.exit_code == 1 and "nie należą do osoby" in bad.output


def test_lean_start_writes_what_the_typer_command_writes_and_loads_no_cli(tmp_path: Path) -> None:
    """`synergia dedupe IN -o OUT` starts without Typer/Rich/pydantic (synergia/dedupe/csvfile.py);
    its files equal the Typer command's."""
    import subprocess
    import sys

    src = tmp_path / "in.csv"
    src.write_text(
        "record_id,first_name,last_name,email,phone\n"
        "x1,Bożena,Wróblewska,bozena.w@o2.pl,501 222 333\n"
        "x2,Bozena,WROBLEWSKA,,+48501222333\n"
        "x3,Bogdan,Wróblewski,,501222333\n",
        encoding="utf-8",
    )
    typer_out, lean_out = tmp_path / "typer.csv", tmp_path / "lean.csv"
    res = runner.invoke(app, ["dedupe", str(src), "--output", str(typer_out), "--explain", "--review", str(tmp_path / "r1.csv")])
    assert res.exit_code == 0, res.output
    code = (
        "import sys; from synergia.dedupe.csvfile import fast_main; "
        f"rc = fast_main([{str(src)!r}, '--explain', '-o', {str(lean_out)!r}, '--review={tmp_path / 'r2.csv'}']); "
        "print(rc, sorted(m for m in ('typer', 'rich', 'pydantic', 'click') if m in sys.modules))"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.stdout.split() == ["0", "[]"], done.stdout + done.stderr
    assert "3 wierszy → 2 osób" in done.stderr
    assert lean_out.read_text(encoding="utf-8") == typer_out.read_text(encoding="utf-8")
    assert (tmp_path / "r2.csv").read_text(encoding="utf-8") == (tmp_path / "r1.csv").read_text(encoding="utf-8")


def test_lean_start_leaves_help_typos_and_bad_values_to_typer(tmp_path: Path) -> None:
    from synergia.dedupe.csvfile import fast_main

    src = tmp_path / "in.csv"
    src.write_text("record_id,first_name\n1,Jan\n", encoding="utf-8")
    out = str(tmp_path / "o.csv")
    for argv in (
        ["--help"],
        [str(src), "-o", out, "-h"],
        [str(src)],
        [str(src), "--outptu", out],
        [str(src), "-o", out, "--match-threshold", "1.5"],
        [str(src), "-o", out, "--review-threshold", "x"],
        [str(tmp_path / "missing.csv"), "-o", out],
        [str(tmp_path), "-o", out],
        [str(src), str(src), "-o", out],
        [str(src), "-o"],
    ):
        assert fast_main(argv) is None, argv
    assert not Path(out).exists()
    assert fast_main([str(src), f"--output={out}", "--match-threshold=0.95"]) == 0 and Path(out).exists()
