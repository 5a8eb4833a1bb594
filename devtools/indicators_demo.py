"""Demo rows for the staff's ``Wartości ręczne`` tab (called by the demo workbook generator).

Values are spread over the project period up to the generator's last day, so
monthly reports show progress; one row has a typo in the date, as staff
typing makes, so the report's "bad row" notice can be seen.
"""

from __future__ import annotations

import random
from datetime import date, timedelta

from config.project import ProjectConfig
from synergia.indicators.manual import HEADERS

DESCRIPTIONS = {
    "default": ["Wpis z protokołu", "Sprawozdanie partnera", "Lista z wydarzenia", "Notatka koordynatora"],
}


def manual_rows(project: ProjectConfig, last_day: date, seed: int) -> list[list[str]]:
    """Header + rows for every ``manual`` indicator: ~60–110 % of target, a few entries each."""
    rng = random.Random(f"{project.slug}:manual:{seed}")
    rows = [[HEADERS["indicator"], HEADERS["date"], HEADERS["value"], HEADERS["description"]]]
    start = project.period.start
    span = max((min(last_day, project.period.end) - start).days, 1)
    for ind in (i for i in project.indicators if i.kind == "manual"):
        total = max(1, round(ind.target * rng.uniform(0.6, 1.1)))
        parts = min(total, rng.randint(1, 4))
        cuts = sorted(rng.sample(range(1, total), parts - 1)) if parts > 1 else []
        amounts = [b - a for a, b in zip([0, *cuts], [*cuts, total])]
        for amount in amounts:
            day = start + timedelta(days=rng.randrange(span))
            rows.append([ind.id, day.strftime("%d.%m.%Y"), str(amount), rng.choice(DESCRIPTIONS["default"])])
    if len(rows) > 1:
        bad = list(rows[rng.randrange(1, len(rows))])
        bad[1] = "31.09." + bad[1][-4:]  # no such day: reported, not counted
        rows.append(bad)
    return rows
