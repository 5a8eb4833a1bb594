"""Dedupe quality per seed of the independent generator (issue 13): missed and false pairs.

    .venv/bin/python -m benchmarks.dedupe_seeds --size 2500 --seeds 100-119          # tuning seeds
    .venv/bin/python -m benchmarks.dedupe_seeds --size 5000 --seeds held-out         # score once
    .venv/bin/python -m benchmarks.dedupe_seeds --size 2500 --seeds 100-139 --links  # which links were wrong
    .venv/bin/python -m benchmarks.dedupe_seeds --size 100000 --seeds 100 --common-names 0.1  # a variant

One line per seed (pairwise precision and recall of the final clusters, pairs put together
wrongly / kept apart wrongly), then the totals, precision and recall over all the seeds' pairs,
and how many seeds miss P 0.995 or R 0.97. ``--common-names F``: the generator's variant where a
share F of the households take one of 25 very common full names per sex (scoring only).
``--links`` counts the accepted links by reason, right and wrong: only for tuning seeds
(100-139); the held-out seeds (7001-7005, 8001-8010, 9001-9010) are scored, never looked into.
Seeds run in two processes (one process each, ``deduplicate(processes=1)``).
"""

from __future__ import annotations

import argparse
from collections import Counter
from multiprocessing import Pool

HELD_OUT = (*range(7001, 7006), *range(8001, 8011), *range(9001, 9011))
TUNING = range(100, 140)


def _seeds(spec: list[str]) -> list[int]:
    out: list[int] = []
    for s in spec:
        if s == "held-out":
            out += HELD_OUT
        elif "-" in s:
            lo, hi = map(int, s.split("-"))
            out += range(lo, hi + 1)
        else:
            out.append(int(s))
    return out


def _run(job: tuple[int, int, bool, float]) -> tuple[int, dict, Counter]:
    from devtools.metrics import pairwise_scores
    from synergia.dedupe.engine import cluster_ids, deduplicate
    from tests.dedupe.independent_generator import generate

    n, seed, links, common = job
    rows, truth = generate(n, seed, common_names=common)
    result = deduplicate(rows, processes=1)
    s = pairwise_scores(cluster_ids(result), truth)
    s["false"], s["missed"] = s["predicted_pairs"] - s["found_pairs"], s["true_pairs"] - s["found_pairs"]
    reasons: Counter = Counter()
    if links:
        reasons.update((link.reason, truth[link.a] == truth[link.b]) for link in result.merges)
    return seed, s, reasons


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.dedupe_seeds", description=__doc__.split("\n\n")[0])
    ap.add_argument("--size", type=int, default=2500, help="records per set (default 2500)")
    ap.add_argument("--seeds", nargs="+", default=["100-119"], help="seeds: 100 101, 100-119 or held-out (default 100-119)")
    ap.add_argument("--links", action="store_true", help="accepted links by reason, right / wrong (tuning seeds only)")
    ap.add_argument(
        "--common-names", type=float, default=0.0, metavar="F", help="share of households with a very common full name (default 0)"
    )
    args = ap.parse_args(argv)
    seeds = _seeds(args.seeds)
    if args.links and not set(seeds) <= set(TUNING):
        ap.error("--links looks into the errors: tuning seeds 100-139 only")
    missed = false = short = true = 0
    reasons: Counter = Counter()
    with Pool(2) as pool:
        for seed, s, r in pool.imap(_run, [(args.size, seed, args.links, args.common_names) for seed in seeds]):
            bad = s["precision"] < 0.995 or s["recall"] < 0.97
            short += bad
            missed += s["missed"]
            false += s["false"]
            true += s["true_pairs"]
            reasons += r
            print(
                f"{seed:>5}  P {s['precision']:.4f}  R {s['recall']:.4f}  false {s['false']:>4}  missed {s['missed']:>5}"
                + ("  short" if bad else ""),
                flush=True,
            )
    found = true - missed
    pooled = f"P {found / max(1, found + false):.4f} R {found / max(1, true):.4f}"
    print(f"total: missed {missed}, false {false} (all pairs: {pooled}); {short} of {len(seeds)} seeds short of P 0.995 / R 0.97")
    if args.links:
        print("\n right wrong  reason")
        for reason in sorted({k for k, _ in reasons}, key=lambda k: (-reasons[(k, False)], -reasons[(k, True)])):
            if reasons[(reason, False)]:
                print(f"{reasons[(reason, True)]:>6} {reasons[(reason, False)]:>5}  {reason}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
