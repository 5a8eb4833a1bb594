"""Every dedupe rule is safe and fast on any cell: very long text, NUL, zero-width
characters, emoji (issue 10 item 7: a 1,000-letter first name used to raise RecursionError)."""

from __future__ import annotations

import csv
import time
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from synergia.dedupe.compare import compare
from synergia.dedupe.engine import cluster_ids, deduplicate
from synergia.dedupe.names import corrected_first_name, name_gender
from synergia.dedupe.normalize import fold, normalize_record

runner = CliRunner()


@pytest.mark.parametrize("n", [1_000, 100_000])
def test_name_gender_of_a_very_long_name_ending_in_a_does_not_recurse(n: int) -> None:
    start = time.perf_counter()
    assert name_gender("a" * n) is None
    assert name_gender("b" + "a" * n) is None
    assert corrected_first_name("x" * n) is None
    assert time.perf_counter() - start < 1.0


def test_name_gender_keeps_its_answers() -> None:
    assert name_gender("daniela") == "K"  # female form of a known male name
    assert name_gender("danielaa") is None  # not a name, no guess
    assert name_gender("kuba") == "M"
    assert name_gender("marta") == "K"
    assert name_gender("zbyszko") == "M"


HOSTILE = {
    "long_a": "A" * 100_000,
    "long_mixed": ("Żółć" * 25_000),
    "nul": "Ja\x00n",
    "zero_width": "Ja\u200bn",
    "emoji": "😀🎉",
    "rtl": "\u202eJan\u202c",
    "only_invisible": "\u200b\ufeff\u200d",
}


def test_invisible_characters_vanish_instead_of_splitting_a_name() -> None:
    assert fold("Ja\u200bn") == "jan"
    assert fold("Ja\x00n") == "jan"
    assert fold("Ko\u00adwal\ufeffska") == "kowalska"
    assert fold("😀 Ewa 🎉") == "ewa"


@pytest.mark.parametrize("n", [1_000, 100_000])
def test_deduplicate_records_with_huge_fields_is_fast_and_keeps_the_rest_working(n: int) -> None:
    long = "Anna" + "a" * n
    rows = [
        {
            "record_id": "r1",
            "first_name": long,
            "last_name": "Nowak" * (n // 5),
            "email": "x" * n + "@wp.pl",
            "phone": "6" * n,
            "pesel": "1" * n,
            "birth_date": "1" * n,
            "gender": "k" * n,
            "street": "Lipowa " * (n // 7),
            "postal_code": "4" * n,
            "city": "Łódź" * (n // 4),
            "organisation": "o" * n,
        },
        {"record_id": "r2", "first_name": long, "last_name": "Nowak" * (n // 5), "email": "x" * n + "@wp.pl"},
        {"record_id": "r3", "first_name": "Katarzyna", "last_name": "Kowalska", "email": "kk@wp.pl"},
        {"record_id": "r4", "first_name": "Kasia", "last_name": "KOWALSKA", "email": "KK@wp.pl"},
    ]
    start = time.perf_counter()
    res = deduplicate(rows, processes=1)
    assert time.perf_counter() - start < 2.0
    ids = cluster_ids(res)
    assert ids["r3"] == ids["r4"] == "r3"
    assert len(ids) == 4


@pytest.mark.parametrize("value", list(HOSTILE.values()), ids=list(HOSTILE))
def test_every_field_accepts_hostile_text(value: str) -> None:
    fields = ("first_name", "last_name", "email", "phone", "pesel", "birth_date", "gender", "street", "postal_code", "city", "organisation")
    a = normalize_record(dict.fromkeys(fields, value), 0, "a")
    b = normalize_record(dict.fromkeys(fields, value), 1, "b")
    compare(a, b)  # no exception
    res = deduplicate(
        [
            {"record_id": "a", **dict.fromkeys(fields, value)},
            {"record_id": "b", **dict.fromkeys(fields, value)},
            {"record_id": "c", "first_name": value, "last_name": "Nowak"},
        ],
        processes=1,
    )
    assert sorted(cluster_ids(res)) == ["a", "b", "c"]


def test_cli_reads_and_dedupes_a_file_with_a_100000_letter_name_nul_and_zero_width(tmp_path: Path) -> None:
    src = tmp_path / "in.csv"
    with src.open("w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "first_name", "last_name", "email"])
        w.writerow(["1", "a" * 100_000, "Nowak", "n@wp.pl"])
        w.writerow(["2", "Ja\u200bn", "Kowal\x00ski", "jk@wp.pl"])
        w.writerow(["3", "Jan", "Kowalski", "JK@wp.pl"])
        w.writerow(["4", "😀", "🎉" * 1000, ""])
        w.writerow(["5", "b" * 200_000, "c" * 200_000, ""])  # longer than csv's default field limit
    out = tmp_path / "out.csv"
    start = time.perf_counter()
    res = runner.invoke(app, ["dedupe", str(src), "--output", str(out), "--explain"])
    assert res.exit_code == 0, res.output
    assert time.perf_counter() - start < 5.0
    with out.open(newline="", encoding="utf-8") as f:
        got = {r["record_id"]: r["cluster_id"] for r in csv.DictReader(f)}
    assert got == {"1": "1", "2": "2", "3": "2", "4": "4", "5": "5"}
