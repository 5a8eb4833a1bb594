"""The dedupe benchmark keeps working (it is run by hand, so nothing else would notice it rot)."""

from __future__ import annotations

import pytest

from benchmarks.dedupe import load_dataset, main, miss_report
from devtools.metrics import pairwise_scores
from synergia.dedupe.engine import cluster_ids, deduplicate


def test_driver_runs_the_engine_in_child_processes_and_judges_the_targets(capsys) -> None:
    assert main(["--no-febrl", "--no-splink", "--sizes", "300", "--repeat", "2", "--seeds", "2026", "7"]) == 0
    out = capsys.readouterr().out
    assert "polish-300 " in out and "polish-300-7" in out and "runs: " in out
    assert "polish-300: precision" in out and "Targets:" in out


def test_febrl4_is_read_as_one_batch_of_both_files() -> None:
    rows, truth = load_dataset("febrl4")
    assert len(rows) == 10_000 and len(set(truth.values())) == 5_000


def test_the_miss_report_accounts_for_every_missed_pair() -> None:
    rows, truth = load_dataset("febrl3")
    clusters = cluster_ids(deduplicate(rows))
    scores = pairwise_scores({k: clusters.get(k) for k in truth}, truth)
    found = round(scores["recall"] * scores["true_pairs"])
    report = miss_report(rows, truth)
    assert report and all(n > 0 for n, _kind in report)
    # the report counts pairs between each smaller part of a person and its largest part; with
    # at most two parts per person that is every missed pair, with more it is a lower bound
    assert sum(n for n, _ in report) <= scores["true_pairs"] - found
    assert any("veto" in kind for _n, kind in report)


def test_the_seed_report_adds_up_and_keeps_held_out_errors_unread(capsys) -> None:
    from benchmarks import dedupe_seeds
    from tests.dedupe.independent_generator import generate

    assert dedupe_seeds._seeds(["100-102", "7001", "held-out"])[:4] == [100, 101, 102, 7001]
    assert dedupe_seeds.main(["--size", "400", "--seeds", "100", "101", "--links"]) == 0
    out = capsys.readouterr().out
    lines = [line.split() for line in out.splitlines() if line.split()[:1] in (["100"], ["101"])]
    false, missed = sum(int(p[6]) for p in lines), sum(int(p[8]) for p in lines)
    assert f"total: missed {missed}, false {false} (all pairs: P " in out
    # the wrong links listed are the false merges' own: never more wrong links than false pairs
    wrong = [int(line.split()[1]) for line in out.split(" right wrong  reason")[1].splitlines() if line.strip()]
    assert sum(wrong) <= false
    rows, truth = generate(400, 100)
    assert len(rows) == 400 and len(set(truth.values())) < 400
    # the common-names variant is another draw; share 0 is the default's own draw
    assert generate(400, 100, common_names=0.0) == (rows, truth)
    common, _ = generate(2000, 100, common_names=0.5)
    names = {(r["first_name"], r["last_name"]) for r in common}
    assert len(names) < len({(r["first_name"], r["last_name"]) for r in generate(2000, 100)[0]})
    with pytest.raises(SystemExit):
        dedupe_seeds.main(["--seeds", "7001", "--links"])
