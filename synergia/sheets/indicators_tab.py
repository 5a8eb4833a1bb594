"""The indicators tab (``Wskaźniki`` by default): one row per indicator of the reported month.

Built from a ``MonthSummary`` (numbers and indicator names only, no personal data), every cell
literal text formatted as the e-mail shows it (Polish numbers, ``dd.mm.yyyy`` dates). The same
summary gives the same rows, so a rerun for the month changes nothing. Staff do not answer here.
"""

from __future__ import annotations

from synergia.formatting import DATE_NUMERIC, pl_date, pl_number, pl_percent
from synergia.indicators.model import IndicatorResult, MonthSummary
from synergia.indicators.report import COLUMNS, PACE_RULE_PL

HEADER = COLUMNS


def _gender(r: IndicatorResult, which: str) -> list[str]:
    g = r.gender_cumulative if which == "cum" else r.gender_month
    if g is None:
        return ["", "", ""]
    return [str(g["K"]), str(g["M"]), str(g["nie podano"])]


def indicator_rows(summary: MonthSummary) -> list[list[str]]:
    """Header + one row per indicator, all literal text."""
    rows = [list(HEADER)]
    for r in summary.results:
        rows.append(
            [
                r.id,
                r.name,
                r.unit,
                pl_number(r.target),
                pl_date(r.deadline, DATE_NUMERIC),
                r.month,
                pl_number(r.month_value),
                pl_number(r.cumulative),
                pl_percent(r.percent),
                pl_number(r.expected, 1),
                pl_number(r.projected, 1),
                r.status,
                *_gender(r, "cum"),
                *_gender(r, "month"),
                r.target_source,
                PACE_RULE_PL.get(r.pace_rule, r.pace_rule),
                r.reason or "",
            ]
        )
    return rows
