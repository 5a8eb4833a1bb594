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
from synergia.indicators.model import EventFact, Facts, HoursEntry, ManualValue, MonthSummary, Participation, PersonFact
from synergia.indicators.months import Month

CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
    "--disable-component-update", "--disable-sync", "--hide-scrollbars",
]


def chromium() -> str:
    for name in ("chromium", "chromium-browser"):
        found = shutil.which(name) or (f"/usr/bin/{name}" if Path(f"/usr/bin/{name}").exists() else None)
        if found:
            return found
    pytest.fail("headless Chromium not found: run `apt-get install -y chromium` (make test does it on CI)")


def summary() -> MonthSummary:
    start, end = date(2021, 7, 1), date(2021, 12, 31)
    events = (EventFact("wc", "warsztat_world_cafe", date(2021, 9, 20), date(2021, 9, 20), "Tychy"),)
    persons = tuple(
        PersonFact(i, date(2021, 8, 1), "K" if i % 3 else "M", None, f"Organizacja {i % 4}", "NGO", None,
                   (Participation("wc", date(2021, 9 + i % 2, 20)),))
        for i in range(1, 13)
    )
    facts = Facts(persons, events, (HoursEntry("wc", date(2021, 9, 1), 3.0),), (ManualValue("inicjatywy", date(2021, 10, 3), 2),), None)
    inds = [
        IndicatorConfig(id="ngo", name="Przedstawiciele organizacji pozarządowych", kind="persons", target=15, filters={"organisation_type": "NGO"}),
        IndicatorConfig(id="org", name="Organizacje pozarządowe", kind="distinct", distinct_of="organisation", target=10, unit="organizacje"),
        IndicatorConfig(id="wc", name="Warsztaty World Cafe", kind="events", target=3, unit="warsztaty"),
        IndicatorConfig(id="h", name="Godziny doradztwa", kind="hours", target=30, unit="godziny"),
        IndicatorConfig(id="inicjatywy", name="Inicjatywy partycypacyjne", kind="manual", target=1, unit="inicjatywy"),
        IndicatorConfig(id="cert", name="Zaświadczenia", kind="certificates", target=12, unit="zaświadczenia"),
    ]
    results = compute_all(inds, facts, Month(2021, 10), start, end)
    return MonthSummary("demo", "Współpraca się opłaca", "2021-10", start, end, results, quarantine_new=3, quarantine_open=5,
                        delivery_failures=2, delivery_failure_kinds=(("certificate", "smtp-550", 2),),
                        problems=("Wartości ręczne, wiersz 7: zła data, użyj DD.MM.RRRR",))


def _has_colour(pixels: np.ndarray, hex_colour: str, tolerance: int = 12) -> bool:
    rgb = np.array([int(hex_colour[i:i + 2], 16) for i in (1, 3, 5)])
    return bool((np.abs(pixels[..., :3].astype(int) - rgb).max(axis=-1) <= tolerance).any())


def test_summary_renders_in_chromium(tmp_path: Path) -> None:
    s = summary()
    assert {r.status for r in s.results} >= {"osiągnięty", "zagrożony", "brak danych"}
    (tmp_path / "wykres.png").write_bytes(report.chart_png(s))
    page = tmp_path / "podsumowanie.html"
    page.write_text(report.summary_html(s, chart_src="wykres.png"), encoding="utf-8")
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        [chromium(), *CHROMIUM_FLAGS, f"--user-data-dir={tmp_path / 'profile'}", f"--screenshot={shot}",
         "--window-size=1000,1500", page.as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert shot.exists(), proc.stderr[-2000:]
    assert shot.stat().st_size > 50_000
    pixels = (mpimg.imread(shot)[..., :3] * 255).round().astype(np.uint8)
    assert pixels.shape[:2] == (1500, 1000)
    colours = np.unique(pixels.reshape(-1, 3), axis=0)
    assert len(colours) > 500, "a blank or text-only page"
    for c in (report.STATUS_COLOURS["osiągnięty"], report.STATUS_COLOURS["zagrożony"], report.STATUS_COLOURS["brak danych"]):
        assert _has_colour(pixels, c), f"status badge colour {c} not rendered"
    assert _has_colour(pixels, "#1f77b4", 6), "the chart (matplotlib's first line colour) is not on the page"
    # the page is not mostly empty: the white card with content covers the upper half
    top = pixels[: 750]
    assert (top.min(axis=-1) < 200).mean() > 0.02
