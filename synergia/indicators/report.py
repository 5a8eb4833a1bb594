"""What people see of the monthly indicators: the e-mail, XLSX, chart, artifact, and the formatting
the indicators tab shares with them (the tab itself is ``synergia.sheets.indicators_tab``).

Everything is built from a ``MonthSummary`` (numbers and indicator names
only), so no personal data can reach a report. Outputs are deterministic for
the same summary (no "generated at" stamps, fixed PNG/XLSX metadata): a rerun
for the same month produces the same tab and files.
"""

from __future__ import annotations

import io
from datetime import datetime

from config.settings import TEMPLATES_DIR
from config.tabs import DEFAULT_TABS
from synergia.formatting import DATE_NUMERIC, pl_date, pl_number, pl_percent
from synergia.indicators.compute import STATUS_AT_RISK, STATUS_DONE, STATUS_MISSED, STATUS_NO_DATA, STATUS_ON_TRACK
from synergia.indicators.model import IndicatorResult, MonthSummary
from synergia.indicators.months import Month
from synergia.templating import environment

CHART_CID = "wykres-wskazniki"
SUMMARY_TEMPLATE = "summary.html.j2"
CHART_CAP = 150.0  # % of target; beyond that the line is cut so the rest stays readable
STATUS_COLOURS = {
    STATUS_DONE: "#1b7f3b",
    STATUS_ON_TRACK: "#2563a8",
    STATUS_AT_RISK: "#b42318",
    STATUS_MISSED: "#7a1010",
    STATUS_NO_DATA: "#6b7280",
}
#: Columns of the indicator table: the indicators tab's header and the attachment's first sheet.
COLUMNS = [
    "Wskaźnik",
    "Nazwa",
    "Jednostka",
    "Cel",
    "Termin",
    "Miesiąc",
    "Wartość w miesiącu",
    "Narastająco",
    "% celu",
    "Oczekiwane wg harmonogramu",
    "Prognoza na termin",
    "Status",
    "Kobiety (narastająco)",
    "Mężczyźni (narastająco)",
    "Płeć nie podana (narastająco)",
    "Kobiety (w miesiącu)",
    "Mężczyźni (w miesiącu)",
    "Płeć nie podana (w miesiącu)",
    "Źródło celu",
    "Tempo oceniane",
    "Przyczyna i następny krok",
]
PACE_RULE_PL = {"wydarzenia": "wg harmonogramu wydarzeń", "liniowy": "liniowo (wskaźnik ciągły)"}


TARGET_SOURCE_PL = {"umowa": "wg umowy", "opis": "wg opisu projektu", "roboczy": "wartość robocza"}
MONTH_ABBR_PL = ("sty", "lut", "mar", "kwi", "maj", "cze", "lip", "sie", "wrz", "paź", "lis", "gru")
CUMULATIVE_COLOUR = "#1f77b4"
PLAN_COLOUR = "#7b8794"
TARGET_COLOUR = "#1b7f3b"
DEADLINE_COLOUR = "#b42318"


def month_tick(month: str) -> str:
    """'2021-10' -> 'paź 21': a point at a month's end is labelled with *that* month."""
    m = Month.parse(month)
    return f"{MONTH_ABBR_PL[m.month - 1]} {m.year % 100:02d}"


def chart_png(summary: MonthSummary) -> bytes:
    """Small multiples: one panel per indicator with the cumulative value (solid, up to the reported
    month), the planned path to the deadline (dashed), the target (green) and the deadline (red).

    The x axis is months (a point is the value at that month's end, labelled with that month), the
    y axis the indicator's own unit, so each panel reads on its own; the panel title carries the
    status. One legend for all panels sits at the top."""
    import textwrap

    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D
    from matplotlib.ticker import MaxNLocator

    drawn = [r for r in summary.results if r.plan or r.series]
    cols = 3 if len(drawn) > 4 else max(1, len(drawn))
    rows = max(1, -(-len(drawn) // cols))
    fig = Figure(figsize=(3.3 * cols, 0.7 + 2.35 * rows), dpi=100)
    report_month = summary.month
    for k, r in enumerate(drawn):
        ax = fig.add_subplot(rows, cols, k + 1)
        months = [m for m, _ in r.plan] or [p.month for p in r.series]
        for p in r.series:
            if p.month not in months:
                months.append(p.month)
        months.sort()
        x_of = {m: i for i, m in enumerate(months)}
        if r.plan:
            ax.plot([x_of[m] for m, _ in r.plan], [v for _, v in r.plan], linestyle="--", color=PLAN_COLOUR, linewidth=1.5)
        if r.series:
            ax.plot(
                [x_of[p.month] for p in r.series],
                [p.cumulative for p in r.series],
                color=CUMULATIVE_COLOUR,
                linewidth=2.2,
                marker="o",
                markersize=3.2,
            )
        ax.axhline(r.target, color=TARGET_COLOUR, linewidth=1.6)
        deadline = str(Month.of(r.deadline))
        if deadline in x_of:
            ax.axvline(x_of[deadline], color=DEADLINE_COLOUR, linewidth=1.1, linestyle=":")
        if report_month in x_of:
            ax.axvspan(x_of[report_month] - 0.5, x_of[report_month] + 0.5, color="#fff3c4", zorder=0)
        top = max([r.target] + [p.cumulative for p in r.series] + [v for _, v in r.plan]) or 1
        ax.set_ylim(0, top * 1.15)
        ax.yaxis.set_major_locator(MaxNLocator(nbins=4, integer=r.kind != "hours" or top >= 4))
        if not r.series:
            ax.text(
                0.5,
                0.75,
                "brak danych",
                transform=ax.transAxes,
                ha="center",
                va="center",
                fontsize=10,
                color=STATUS_COLOURS.get(STATUS_NO_DATA),
            )
        step = max(1, -(-len(months) // 5))
        ticks = list(range(0, len(months), step))
        ax.set_xticks(ticks, [month_tick(months[t]) for t in ticks], fontsize=7.5)
        ax.set_xlim(-0.5, len(months) - 0.5)
        ax.tick_params(axis="y", labelsize=7.5)
        ax.grid(True, alpha=0.25)
        title = "\n".join(textwrap.wrap(r.name, 40)[:2])
        if len(textwrap.wrap(r.name, 40)) > 2:
            title = title.rstrip() + "…"
        colour = STATUS_COLOURS.get(r.status, "#1f2933")
        ax.set_title(title, fontsize=8.5, loc="left", pad=14 if "\n" not in title else 16)
        ax.text(
            0,
            1.01,
            f"{pl_number(r.cumulative)} z {pl_number(r.target)} · {r.status}",
            transform=ax.transAxes,
            fontsize=7.5,
            color=colour,
            fontweight="bold",
            va="bottom",
        )
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
    handles = [
        Line2D([], [], color=CUMULATIVE_COLOUR, linewidth=2.2, marker="o", markersize=3.2, label="narastająco (koniec miesiąca)"),
        Line2D([], [], color=PLAN_COLOUR, linestyle="--", linewidth=2.2, label="plan (wg harmonogramu wydarzeń / liniowo)"),
        Line2D([], [], color=TARGET_COLOUR, linewidth=2.2, label="cel"),
        Line2D([], [], color=DEADLINE_COLOUR, linestyle=":", linewidth=2.2, label="termin"),
    ]
    fig.legend(handles=handles, loc="upper center", ncol=4, fontsize=8.5, frameon=False, bbox_to_anchor=(0.5, 1.0))
    fig.suptitle(
        f"Wskaźniki — stan na koniec: {Month.parse(summary.month).label_pl()} (żółte tło: ten miesiąc)",
        fontsize=10.5,
        y=1.0 + 0.45 / fig.get_figheight(),
    )
    fig.tight_layout(rect=(0, 0, 1, 1 - 0.35 / fig.get_figheight()), h_pad=1.6, w_pad=1.2)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def month_table(summary: MonthSummary, last: int = 6) -> tuple[list[str], list[tuple[IndicatorResult, list[str]]]]:
    """Month-by-month values for the e-mail: 'wcześniej' (before the shown months), the last ``last``
    months (value in each month), and the cumulative total."""
    months = sorted({p.month for r in summary.results for p in r.series})[-last:]
    header = ["wcześniej", *[month_tick(m) for m in months], "narastająco"]
    rows = []
    for r in summary.results:
        by_month = {p.month: p.cumulative for p in r.series}
        if not r.series:
            rows.append((r, ["—"] * len(header)))
            continue
        cells, prev = [], None
        earlier = [p for p in r.series if p.month < months[0]] if months else []
        before = earlier[-1].cumulative if earlier else 0.0
        cells.append(pl_number(before) if earlier else "—")
        prev = before
        for m in months:
            if m in by_month:
                cells.append(pl_number(by_month[m] - prev))
                prev = by_month[m]
            else:
                cells.append("—")
        cells.append(pl_number(r.cumulative))
        rows.append((r, cells))
    return header, rows


def _short(name: str, width: int = 52) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def summary_html(summary: MonthSummary, chart_src: str = f"cid:{CHART_CID}") -> str:
    """The e-mail body. ``chart_src`` is ``cid:...`` in mail, a data: URI or file path for previews."""
    header, rows = month_table(summary)
    return (
        environment(TEMPLATES_DIR)
        .get_template(SUMMARY_TEMPLATE)
        .render(
            s=summary,
            month_label=Month.parse(summary.month).label_pl(),
            chart_src=chart_src,
            colours=STATUS_COLOURS,
            at_risk=summary.at_risk,
            failures=failure_lines(summary),
            month_header=header,
            month_rows=rows,
            target_source=TARGET_SOURCE_PL,
            no_data=[r for r in summary.results if r.status == STATUS_NO_DATA],
        )
    )


def summary_subject(summary: MonthSummary) -> str:
    return f"[{summary.project_name}] Wskaźniki — {Month.parse(summary.month).label_pl()}"


def summary_text(summary: MonthSummary) -> str:
    """Plain-text part for mail clients without HTML."""
    lines = [f"{summary.project_name} — wskaźniki za {Month.parse(summary.month).label_pl()}", ""]
    lines.append(f"Wymagają działania: {len(summary.at_risk) or 'brak'}")
    for r in summary.at_risk:
        lines.append(f"! {r.name} ({r.status}): {r.reason or ''}")
    lines.append("")
    for r in summary.results:
        lines.append(
            f"- {r.name}: w miesiącu {pl_number(r.month_value)}, narastająco {pl_number(r.cumulative)} z {pl_number(r.target)} {r.unit} "
            f"[cel {TARGET_SOURCE_PL.get(r.target_source, r.target_source)}] ({pl_percent(r.percent)}), {r.status}"
        )
    if summary.problems:
        lines += ["", "Uwagi:", *[f"- {p}" for p in summary.problems]]
    lines += _ops_lines(summary)
    lines += ["", "Szczegóły w załączonym pliku XLSX i w zakładce „Wskaźniki” arkusza projektu."]
    return "\n".join(lines)


MAIL_KINDS_PL = {"certificate": "zaświadczenia", "summary": "podsumowania"}


def failure_lines(summary: MonthSummary) -> list[str]:
    """'zaświadczenia: 2 × smtp-550' — kinds and server codes only, never addresses."""
    return [f"{MAIL_KINDS_PL.get(kind, kind)}: {n} × {code}" for kind, code, n in summary.delivery_failure_kinds]


def _ops_lines(summary: MonthSummary) -> list[str]:
    return [
        f"Wiersze w zakładce „Odrzucone” teraz: "
        f"{pl_number(summary.quarantine_now) if summary.quarantine_now is not None else 'brak danych'}",
        f"Nowe wiersze w kwarantannie w miesiącu: "
        f"{pl_number(summary.quarantine_new) if summary.quarantine_new is not None else 'brak danych'}",
        f"Wiersze w kwarantannie na koniec miesiąca (wg dat rejestru): "
        f"{pl_number(summary.quarantine_open) if summary.quarantine_open is not None else 'brak danych'}",
        f"Nieudane doręczenia e-maili w miesiącu: "
        f"{pl_number(summary.delivery_failures) if summary.delivery_failures is not None else 'brak danych'}"
        + (f" ({'; '.join(failure_lines(summary))})" if summary.delivery_failure_kinds else ""),
    ]


def summary_xlsx(summary: MonthSummary) -> bytes:
    """Workbook with the tab's rows and the month-by-month cumulative series."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = DEFAULT_TABS.indicators
    ws.append(COLUMNS)
    for r in summary.results:
        ws.append(
            [
                r.id,
                r.name,
                r.unit,
                r.target,
                r.deadline,
                r.month,
                r.month_value,
                r.cumulative,
                None if r.percent is None else round(r.percent / 100, 4),
                round(r.expected, 2),
                None if r.projected is None else round(r.projected, 2),
                r.status,
                *[(r.gender_cumulative or {}).get(k) for k in ("K", "M", "nie podano")],
                *[(r.gender_month or {}).get(k) for k in ("K", "M", "nie podano")],
                r.target_source,
                PACE_RULE_PL.get(r.pace_rule, r.pace_rule),
                r.reason,
            ]
        )
    for cell in ws[1]:
        cell.font = Font(bold=True)
    for row in ws.iter_rows(min_row=2):
        row[4].number_format = "DD.MM.YYYY"
        row[8].number_format = "0.0%"
    for i, width in enumerate([18, 48, 12, 8, 12, 10, 12, 12, 8, 14, 14, 18], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "C2"
    series = wb.create_sheet("Przebieg")
    months = sorted({p.month for r in summary.results for p in r.series})
    series.append(["Wskaźnik", "Cel", *months])
    for r in summary.results:
        by_month = {p.month: p.cumulative for p in r.series}
        series.append([r.id, r.target, *[by_month.get(m) for m in months]])
    info = wb.create_sheet("Informacje")
    info.append(["Projekt", summary.project_name])
    info.append(["Miesiąc", summary.month])
    info.append(["Okres projektu", f"{pl_date(summary.period_start, DATE_NUMERIC)} – {pl_date(summary.period_end, DATE_NUMERIC)}"])
    for line in _ops_lines(summary):
        label, _, value = line.partition(": ")
        info.append([label, value])
    for p in summary.problems:
        info.append(["Uwaga", p])
    stamp = datetime.combine(Month.parse(summary.month).last_day, datetime.min.time())
    wb.properties.created = stamp
    wb.properties.modified = stamp
    wb.properties.creator = "Synergia"
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def summary_markdown(summary: MonthSummary) -> str:
    """Prefect artifact text: the same table, numbers only."""
    out = [
        f"# {summary.project_name} — wskaźniki za {Month.parse(summary.month).label_pl()}",
        "",
        "| Wskaźnik | Cel | W miesiącu | Narastająco | % celu | Status | K / M / nie podano (narast.) |",
        "|---|---:|---:|---:|---:|---|---|",
    ]
    for r in summary.results:
        g = r.gender_cumulative
        gender = f"{g['K']} / {g['M']} / {g['nie podano']}" if g else ""
        name = r.name.replace("|", "/")
        out.append(
            f"| {name} | {pl_number(r.target)} {r.unit} | {pl_number(r.month_value)} | {pl_number(r.cumulative)} "
            f"| {pl_percent(r.percent)} | {r.status} | {gender} |"
        )
    out += ["", f"**Wymagają działania:** {len(summary.at_risk) or 'brak'}", ""]
    out += [f"- **{r.name.replace('|', '/')}** ({r.status}): {r.reason or ''}" for r in summary.at_risk]
    out += [""]
    out += [f"- {line}" for line in _ops_lines(summary)]
    if summary.problems:
        out += ["", "## Uwagi", *[f"- {p}" for p in summary.problems]]
    return "\n".join(out) + "\n"
