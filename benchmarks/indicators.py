"""Monthly indicator computation speed, against a yardstick run in the same process.

Yardstick: one plain pass over the same facts that counts a single unfiltered
"unique participants by month" number with a dict (the least any indicator
engine must do). Measured: ``compute_all`` for a realistic set of 12
indicators (persons with filters and gender, distinct, events, hours,
manual) over a 30-month project, including every month's series.

Usage: python -m benchmarks.indicators [--persons 50000] [--rounds 3]
Prints the ratio compute_all / yardstick (target: ≤ 24×, two passes per indicator; a 50k-person
project's monthly report computes in seconds, not minutes).
"""

from __future__ import annotations

import argparse
import random
import time
from datetime import date, timedelta

TARGET_RATIO = 24.0  # two yardstick passes per indicator


def make_facts(n: int, seed: int = 1):
    from synergia.indicators.model import EventFact, Facts, HoursEntry, ManualValue, Participation, PersonFact

    rng = random.Random(seed)
    start = date(2024, 1, 1)
    types = ["szkolenie", "warsztat", "warsztat_world_cafe", "konferencja", "doradztwo"]
    events = tuple(
        EventFact(
            f"e{i}",
            types[i % len(types)],
            start + timedelta(days=20 * i),
            start + timedelta(days=20 * i + 1),
            f"Gmina {i % 17}",
            "akademia" if i % 5 == 0 else None,
            12,
        )
        for i in range(45)
    )
    persons = []
    for pid in range(n):
        parts = tuple(Participation(ev.id, ev.first_date) for ev in rng.sample(events, rng.randint(1, 4)))
        persons.append(
            PersonFact(
                pid,
                min(p.on for p in parts),
                rng.choice(["K", "M", None]),
                rng.choice(["ngo", "jst", "rada"]),
                f"Organizacja {rng.randrange(n // 5 + 1)}",
                rng.choice(["NGO", "JST", "rada", "inna"]),
                f"Gmina {rng.randrange(40)}",
                parts,
                (("akademia", parts[0].on),) if rng.random() < 0.3 else (),
            )
        )
    hours = tuple(HoursEntry("e4", start + timedelta(days=rng.randrange(900)), rng.choice([1, 1.5, 2])) for _ in range(n // 10))
    manual = tuple(ManualValue("inicjatywy", start + timedelta(days=rng.randrange(900)), 1) for _ in range(200))
    return Facts(tuple(persons), events, hours, manual, ())


def indicators():
    from config.indicators import IndicatorConfig as I

    return [
        I(id="ngo", name="NGO", kind="persons", target=1000, filters={"organisation_type": "NGO"}),
        I(id="jst", name="JST", kind="persons", target=1000, filters={"organisation_type": "JST", "event_type": ["szkolenie", "warsztat"]}),
        I(id="rada", name="Rady", kind="persons", target=1000, filters={"category": "rada"}),
        I(id="all", name="Wszyscy", kind="persons", target=1000),
        I(id="done", name="Ukończyli", kind="persons", target=1000, filters={"completed": True}),
        I(id="org", name="Organizacje", kind="distinct", distinct_of="organisation", target=100, filters={"organisation_type": "NGO"}),
        I(id="gm", name="Gminy", kind="distinct", distinct_of="gmina", target=10),
        I(id="egm", name="Gminy wydarzeń", kind="distinct", distinct_of="event_gmina", target=10),
        I(id="wc", name="World Cafe", kind="events", target=9, filters={"event_type": "warsztat_world_cafe"}),
        I(id="conf", name="Konferencje", kind="events", target=9, filters={"event_type": "konferencja", "min_participants": 20}),
        I(id="h", name="Godziny", kind="hours", target=100, filters={"event_type": "doradztwo"}),
        I(id="inicjatywy", name="Inicjatywy", kind="manual", target=100),
    ]


def yardstick(facts, month) -> float:
    t = time.perf_counter()
    first: dict[int, date] = {}
    for p in facts.persons:
        for x in p.participations:
            if p.person_id not in first or x.on < first[p.person_id]:
                first[p.person_id] = x.on
    sum(1 for d in first.values() if d <= month.last_day)
    return time.perf_counter() - t


def measured(facts, month, inds) -> float:
    from synergia.indicators.compute import compute_all

    t = time.perf_counter()
    compute_all(inds, facts, month, date(2024, 1, 1), date(2026, 6, 30))
    return time.perf_counter() - t


def main() -> None:
    from synergia.indicators.months import Month

    ap = argparse.ArgumentParser()
    ap.add_argument("--persons", type=int, default=50_000)
    ap.add_argument("--rounds", type=int, default=3)
    args = ap.parse_args()
    facts = make_facts(args.persons)
    month, inds = Month(2025, 11), indicators()
    base = min(yardstick(facts, month) for _ in range(args.rounds))
    ours = min(measured(facts, month, inds) for _ in range(args.rounds))
    ratio = ours / base
    print(f"indicators: {args.persons} persons, {len(inds)} indicators, 23 months of series")
    print(f"  yardstick (one unfiltered count): {base * 1000:.1f} ms")
    print(f"  compute_all:                      {ours * 1000:.1f} ms  ({ours / len(inds) * 1000:.1f} ms per indicator)")
    print(f"  ratio {ratio:.1f}× (target ≤ {TARGET_RATIO:.0f}×) — {'OK' if ratio <= TARGET_RATIO else 'SLOWER THAN TARGET'}")


if __name__ == "__main__":
    main()
