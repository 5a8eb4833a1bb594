"""What people see of the monthly indicators: the Wskaźniki tab, the e-mail, XLSX, chart, artifact.

Everything is built from a ``MonthSummary`` (numbers and indicator names
only), so no personal data can reach a report. Outputs are deterministic for
the same summary (no "generated at" stamps, fixed PNG/XLSX metadata): a rerun
for the same month produces the same tab and files.
"""
from __future__ import annotations

import io
from datetime import date, datetime

from babel.numbers import format_decimal
from jinja2 import Environment, FileSystemLoader, select_autoescape

from config.settings import TEMPLATES_DIR
from synergia.indicators.compute import STATUS_AT_RISK, STATUS_DONE, STATUS_MISSED, STATUS_NO_DATA, STATUS_ON_TRACK
from synergia.indicators.model import IndicatorResult, MonthSummary
from synergia.indicators.months import Month

TAB = "Wskaźniki"
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
TAB_HEADER = [
    "Wskaźnik", "Nazwa", "Jednostka", "Cel", "Termin", "Miesiąc", "Wartość w miesiącu", "Narastająco",
    "% celu", "Oczekiwane wg harmonogramu", "Prognoza na termin", "Status",
    "Kobiety (narastająco)", "Mężczyźni (narastająco)", "Płeć nie podana (narastająco)",
    "Kobiety (w miesiącu)", "Mężczyźni (w miesiącu)", "Płeć nie podana (w miesiącu)",
]


def num(value: float | None, digits: int = 2) -> str:
    """Polish number: '1 234,5'; '—' for missing."""
    if value is None:
        return "—"
    return format_decimal(round(value, digits), format="#,##0." + "#" * digits, locale="pl_PL")


def pct(value: float | None) -> str:
    return "—" if value is None else f"{num(value, 1)} %"


def pl_date(d: date) -> str:
    return d.strftime("%d.%m.%Y")


def _gender(r: IndicatorResult, which: str) -> list[str]:
    g = r.gender_cumulative if which == "cum" else r.gender_month
    if g is None:
        return ["", "", ""]
    return [str(g["K"]), str(g["M"]), str(g["nie podano"])]


def tab_rows(summary: MonthSummary) -> list[list[str]]:
    """Rows of the ``Wskaźniki`` tab (header first), all literal text."""
    rows = [list(TAB_HEADER)]
    for r in summary.results:
        rows.append([
            r.id, r.name, r.unit, num(r.target), pl_date(r.deadline), r.month, num(r.month_value), num(r.cumulative),
            pct(r.percent), num(r.expected, 1), num(r.projected, 1), r.status, *_gender(r, "cum"), *_gender(r, "month"),
        ])
    return rows


def chart_png(summary: MonthSummary) -> bytes:
    """Progress vs time: cumulative % of target per indicator, and the linear schedule."""
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    from matplotlib.dates import DateFormatter

    fig = Figure(figsize=(8, 4.2), dpi=100)
    ax = fig.add_subplot(1, 1, 1)
    p_start, p_end = summary.period_start, summary.period_end
    last = Month.parse(summary.month).last_day
    drawn = [r for r in summary.results if r.series and r.target]
    palette = matplotlib.colormaps["tab10" if len(drawn) <= 10 else "tab20"]
    for i, r in enumerate(drawn):
        xs = [Month.parse(p.month).last_day for p in r.series]
        ys = [min(CHART_CAP, p.cumulative / r.target * 100) for p in r.series]
        ax.plot(xs, ys, marker="osD^v"[i // 10 % 5], markersize=3.5, linewidth=1.6, color=palette(i % palette.N),
                linestyle="-" if i < 10 else "-.", label=_short(r.name))
    ax.plot([p_start, p_end], [0, 100], linestyle="--", color="#888888", linewidth=1.2, label="harmonogram liniowy (oczekiwany postęp)")
    ax.axhline(100, color="#1b7f3b", linewidth=0.8, alpha=0.6)
    ax.axvline(last, color="#b42318", linewidth=0.8, alpha=0.5)
    ax.set_ylim(0, CHART_CAP + 5)
    ax.set_xlim(p_start, max(p_end, last))
    ax.xaxis.set_major_formatter(DateFormatter("%m.%Y"))
    ax.set_ylabel(f"% celu narastająco (ucięte na {CHART_CAP:.0f} %)")
    ax.set_title(f"Postęp wskaźników — stan na koniec: {Month.parse(summary.month).label_pl()}")
    ax.grid(True, alpha=0.3)
    ax.legend(fontsize=7, loc="upper center", bbox_to_anchor=(0.5, -0.2), ncol=2, frameon=False)
    fig.autofmt_xdate()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", bbox_inches="tight", metadata={"Software": None})
    return buf.getvalue()


def _short(name: str, width: int = 52) -> str:
    return name if len(name) <= width else name[: width - 1].rstrip() + "…"


def _env() -> Environment:
    env = Environment(loader=FileSystemLoader(str(TEMPLATES_DIR)), autoescape=select_autoescape(["html", "j2"]))
    env.filters.update(num=num, pct=pct, pl_date=pl_date)
    return env


def summary_html(summary: MonthSummary, chart_src: str = f"cid:{CHART_CID}") -> str:
    """The e-mail body. ``chart_src`` is ``cid:...`` in mail, a data: URI or file path for previews."""
    return _env().get_template(SUMMARY_TEMPLATE).render(
        s=summary, month_label=Month.parse(summary.month).label_pl(), chart_src=chart_src, colours=STATUS_COLOURS,
        at_risk=summary.at_risk, failures=failure_lines(summary),
    )


def summary_subject(summary: MonthSummary) -> str:
    return f"[{summary.project_name}] Wskaźniki — {Month.parse(summary.month).label_pl()}"


def summary_text(summary: MonthSummary) -> str:
    """Plain-text part for mail clients without HTML."""
    lines = [f"{summary.project_name} — wskaźniki za {Month.parse(summary.month).label_pl()}", ""]
    for r in summary.results:
        lines.append(
            f"- {r.name}: w miesiącu {num(r.month_value)}, narastająco {num(r.cumulative)} z {num(r.target)} {r.unit} "
            f"({pct(r.percent)}), {r.status}"
        )
    lines += ["", f"Zagrożone: {', '.join(r.name for r in summary.at_risk) or 'brak'}"]
    lines += _ops_lines(summary)
    lines += ["", "Szczegóły w załączonym pliku XLSX i w zakładce „Wskaźniki” arkusza projektu."]
    return "\n".join(lines)


MAIL_KINDS_PL = {"certificate": "zaświadczenia", "summary": "podsumowania"}


def failure_lines(summary: MonthSummary) -> list[str]:
    """'zaświadczenia: 2 × smtp-550' — kinds and server codes only, never addresses."""
    return [f"{MAIL_KINDS_PL.get(kind, kind)}: {n} × {code}" for kind, code, n in summary.delivery_failure_kinds]


def _ops_lines(summary: MonthSummary) -> list[str]:
    return [
        f"Nowe wiersze w kwarantannie w miesiącu: {num(summary.quarantine_new) if summary.quarantine_new is not None else 'brak danych'}",
        f"Wiersze w kwarantannie na koniec miesiąca: {num(summary.quarantine_open) if summary.quarantine_open is not None else 'brak danych'}",
        f"Nieudane doręczenia e-maili w miesiącu: {num(summary.delivery_failures) if summary.delivery_failures is not None else 'brak danych'}"
        + (f" ({'; '.join(failure_lines(summary))})" if summary.delivery_failure_kinds else ""),
    ]


def summary_xlsx(summary: MonthSummary) -> bytes:
    """Workbook with the tab's rows and the month-by-month cumulative series."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = TAB
    ws.append(TAB_HEADER)
    for r in summary.results:
        ws.append([
            r.id, r.name, r.unit, r.target, r.deadline, r.month, r.month_value, r.cumulative,
            None if r.percent is None else round(r.percent / 100, 4), round(r.expected, 2),
            None if r.projected is None else round(r.projected, 2), r.status,
            *[(r.gender_cumulative or {}).get(k) for k in ("K", "M", "nie podano")],
            *[(r.gender_month or {}).get(k) for k in ("K", "M", "nie podano")],
        ])
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
    info.append(["Okres projektu", f"{pl_date(summary.period_start)} – {pl_date(summary.period_end)}"])
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
            f"| {name} | {num(r.target)} {r.unit} | {num(r.month_value)} | {num(r.cumulative)} | {pct(r.percent)} | {r.status} | {gender} |"
        )
    out += ["", f"**Zagrożone:** {', '.join(r.name for r in summary.at_risk) or 'brak'}", ""]
    out += [f"- {line}" for line in _ops_lines(summary)]
    if summary.problems:
        out += ["", "## Uwagi", *[f"- {p}" for p in summary.problems]]
    return "\n".join(out) + "\n"
