"""The summary e-mail as a person sees it: rendered by headless Chromium to a PNG.

Needs Debian's ``chromium`` (``apt-get install -y chromium``; ``make test`` on
CI installs it). The PNG must be a real page: big enough, many colours, the
status badges' colours and the chart's lines present.
"""

from __future__ import annotations

import shutil
import subprocess
from datetime import date
from pathlib import Path

import numpy as np
import pytest
from matplotlib import image as mpimg

from config.indicators import IndicatorConfig
from synergia.indicators import report
from synergia.indicators.compute import compute_all
from synergia.indicators.model import (
    EventFact,
    Facts,
    HoursEntry,
    ManualValue,
    MonthSummary,
    Participation,
    PersonFact,
    PlannedEvent,
)
from synergia.indicators.months import Month

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if found:
            return found
    pytest.fail("headless Chromium not found: run `apt-get install -y chromium` (make test does it on CI)")


PLAN = (
    PlannedEvent("akad", "szkolenie", "Akademia", (date(2021, 9, 10), date(2021, 9, 11)), "Pszczyna", "akademia", 12),
    PlannedEvent("dt", "szkolenie", "Design Thinking", (date(2021, 10, 1),), "Tychy", "akademia", 6),
    PlannedEvent("wc", "warsztat_world_cafe", "World Cafe Tychy", (date(2021, 9, 20),), "Tychy"),
    PlannedEvent("wc2", "warsztat_world_cafe", "World Cafe Bieruń", (date(2021, 11, 12),), "Bieruń"),
    PlannedEvent("wc3", "warsztat_world_cafe", "World Cafe Lędziny", (date(2021, 11, 26),), "Lędziny"),
)


def summary() -> MonthSummary:
    """15 indicators, as many as the largest seed, with every status."""
    start, end = date(2021, 7, 1), date(2021, 12, 31)
    events = (
        EventFact("wc", "warsztat_world_cafe", date(2021, 9, 20), date(2021, 9, 20), "Tychy"),
        EventFact("akad", "szkolenie", date(2021, 9, 10), date(2021, 9, 11), "Pszczyna", "akademia", 12),
    )
    persons = tuple(
        PersonFact(
            i,
            date(2021, 8, 1),
            "K" if i % 3 else "M",
            None,
            f"Organizacja {i % 4}",
            "NGO" if i % 2 else "JST",
            "Tychy",
            (Participation("wc" if i % 2 else "akad", date(2021, 9 + i % 2, 20)),),
            jst=f"gmina {i % 3}",
        )
        for i in range(1, 13)
    )
    facts = Facts(
        persons, events, (HoursEntry("wc", date(2021, 9, 1), 3.0),), (ManualValue("inicjatywy", date(2021, 10, 3), 2),), None, planned=PLAN
    )
    inds = [
        IndicatorConfig(
            id="ngo",
            name="Przedstawiciele organizacji pozarządowych objęci wsparciem",
            kind="persons",
            target=15,
            target_source="opis",
            filters={"organisation_type": "NGO"},
        ),
        IndicatorConfig(
            id="org", name="Organizacje pozarządowe", kind="distinct", distinct_of="organisation", target=10, unit="organizacje"
        ),
        IndicatorConfig(id="jst", name="Pracownicy samorządowi", kind="persons", target=6, filters={"organisation_type": "JST"}),
        IndicatorConfig(
            id="jst-u",
            name="Samorządy (gminy), z których pochodzą pracownicy",
            kind="distinct",
            distinct_of="jst",
            target=5,
            unit="samorządy",
            filters={"organisation_type": "JST"},
        ),
        IndicatorConfig(
            id="wc",
            name="Warsztaty World Cafe",
            kind="events",
            target=3,
            unit="warsztaty",
            target_source="opis",
            filters={"event_type": "warsztat_world_cafe"},
        ),
        IndicatorConfig(
            id="wcg",
            name="Gminy z warsztatami World Cafe",
            kind="distinct",
            distinct_of="event_gmina",
            target=3,
            unit="gminy",
            filters={"event_type": "warsztat_world_cafe"},
        ),
        IndicatorConfig(id="h", name="Godziny doradztwa", kind="hours", target=30, unit="godziny"),
        IndicatorConfig(id="inicjatywy", name="Inicjatywy partycypacyjne", kind="manual", target=1, unit="inicjatywy"),
        IndicatorConfig(id="cert", name="Zaświadczenia", kind="certificates", target=12, unit="zaświadczenia"),
        IndicatorConfig(
            id="akad",
            name="Uczestnicy Akademii Aktywnego Obywatela (wszystkie zjazdy)",
            kind="persons",
            target=8,
            filters={"cycle": "akademia"},
        ),
        IndicatorConfig(
            id="wrz",
            name="Warsztaty do końca września",
            kind="events",
            target=2,
            unit="warsztaty",
            deadline=date(2021, 9, 30),
            filters={"event_type": "warsztat_world_cafe"},
        ),
        IndicatorConfig(id="k", name="Kobiety wśród uczestników", kind="persons", target=4),
        IndicatorConfig(id="tychy", name="Uczestnicy z gminy Tychy", kind="persons", target=20, filters={"gmina": "Tychy"}),
        IndicatorConfig(id="rady", name="Przedstawiciele rad", kind="persons", target=15, filters={"organisation_type": "rada"}),
        IndicatorConfig(id="odb", name="Pośredni odbiorcy wsparcia (uczestnicy World Cafe i inicjatyw)", kind="manual", target=50),
    ]
    results = compute_all(inds, facts, Month(2021, 10), start, end)
    return MonthSummary(
        "demo",
        "Współpraca się opłaca",
        "2021-10",
        start,
        end,
        results,
        quarantine_new=3,
        quarantine_open=5,
        delivery_failures=2,
        delivery_failure_kinds=(("certificate", "smtp-550", 2),),
        problems=(
            "Wartości ręczne, wiersz 7: nie ma takiego dnia w kalendarzu — popraw dzień lub miesiąc "
            "(impossible date) — nie doliczono do wskaźnika „Inicjatywy partycypacyjne” (+1 inicjatywy)",
        ),
        quarantine_now=6,
    )


def _has_colour(pixels: np.ndarray, hex_colour: str, tolerance: int = 12) -> bool:
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(pixels[..., :3].astype(int) - rgb).max(axis=-1) <= tolerance).any())


def screenshot(tmp_path: Path, s: MonthSummary, height: int) -> np.ndarray:
    (tmp_path / "wykres.png").write_bytes(report.chart_png(s))
    page = tmp_path / "podsumowanie.html"
    page.write_text(report.summary_html(s, chart_src="wykres.png"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [
            chromium(),
            *CHROMIUM_FLAGS,
            f"--user-data-dir={tmp_path / 'profile'}",
            f"--screenshot={shot}",
            f"--window-size=1000,{height}",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert shot.exists(), proc.stderr[-2000:]
    assert shot.stat().st_size > 50_000
    return (mpimg.imread(shot)[..., :3] * 255).round().astype(np.uint8)


def _rows_with(pixels: np.ndarray, hex_colour: str, tolerance: int = 6, min_pixels: int = 1) -> np.ndarray:
    """Rows of the image with at least ``min_pixels`` of the colour (a band, not a stray anti-aliased pixel)."""
    rgb = np.array([int(hex_colour[i : i + 2], 16) for i in (1, 3, 5)])
    hits = (np.abs(pixels[..., :3].astype(int) - rgb).max(axis=-1) <= tolerance).sum(axis=1)
    return np.nonzero(hits >= min_pixels)[0]


@pytest.mark.chromium
def test_summary_renders_in_chromium(tmp_path: Path) -> None:
    s = summary()
    assert len(s.results) == 15
    assert {r.status for r in s.results} >= {"osiągnięty", "zagrożony", "brak danych", "nie osiągnięto", "na dobrej drodze"}
    pixels = screenshot(tmp_path, s, 4200)
    assert pixels.shape[:2] == (4200, 1000)
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 500, "a blank or text-only page"
    for c in (
        report.STATUS_COLOURS["osiągnięty"],
        report.STATUS_COLOURS["zagrożony"],
        report.STATUS_COLOURS["brak danych"],
        report.STATUS_COLOURS["nie osiągnięto"],
    ):
        assert _has_colour(pixels, c), f"status badge colour {c} not rendered"
    # the at-risk box comes first: its background is above the indicator table's header
    risk, table = _rows_with(pixels, "#fdecea", 2, 300), _rows_with(pixels, "#eef1f4", 1, 300)
    assert risk.size and table.size and risk.min() < table.min() < 700
    # the chart is on the page, below the tables, whole: the legend line (cumulative colour) at its top
    # and panels down to its bottom
    blue = _rows_with(pixels, report.CUMULATIVE_COLOUR, 8)
    assert blue.size, "the chart is not on the page"
    assert blue.min() > table.min()
    chart_rows = blue.max() - blue.min()
    assert chart_rows > 900, "15 small panels need room: the chart is squeezed"
    top = pixels[:750]
    assert (top.min(axis=-1) < 200).mean() > 0.02


@pytest.mark.slow
def test_chart_legend_is_inside_the_image_and_every_panel_is_drawn(tmp_path: Path) -> None:
    s = summary()
    png = tmp_path / "c.png"
    png.write_bytes(report.chart_png(s))
    img = (mpimg.imread(png)[..., :3] * 255).round().astype(np.uint8)
    h, w = img.shape[:2]
    assert w >= 900 and h >= 1100
    band = img[: int(h * 0.06)]  # the legend sits at the top, not cut off and not under a panel
    for c in (report.CUMULATIVE_COLOUR, report.PLAN_COLOUR, report.TARGET_COLOUR, report.DEADLINE_COLOUR):
        assert _has_colour(band, c, 10), f"legend entry {c} missing from the top band"
    # 15 panels in 5 rows x 3 columns: every column and row band has the target line
    for row in range(5):
        rows = img[int(h * (0.08 + row * 0.18)) : int(h * (0.08 + (row + 1) * 0.18))]
        for col in range(3):
            cell = rows[:, col * w // 3 : (col + 1) * w // 3]
            assert _has_colour(cell, report.TARGET_COLOUR, 16), f"panel {row},{col} has no target line"


def test_month_labels_are_the_months_of_the_points() -> None:
    # the value at 31.10 is October's: the tick says 'paź', never 'lis'
    assert report.month_tick("2021-10") == "paź 21" and report.month_tick("2021-12") == "gru 21"
    header, rows = report.month_table(summary())
    assert header[-3:] == ["wrz 21", "paź 21", "narastająco"]
    wc = {r.id: cells for r, cells in rows}["wc"]
    assert wc[-3:] == ["1", "0", "1"]
