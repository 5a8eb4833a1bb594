"""build_summary / enqueue_summary without Prefect: manual tab, delivery failures, e-mail keys."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import select

from synergia.indicators import report
from synergia.indicators.monthly import address_key, build_summary, default_month, enqueue_summary
from synergia.indicators.months import Month
from synergia.registry.tables_mail import MailDelivery
from synergia.sheets.workbook import WorkbookBackend
from tests.indicators.helpers import mini_project

PROJECT = """\
indicators:
  - {id: inicjatywy, name: Inicjatywy, kind: manual, target: 5, unit: inicjatywy}
  - {id: rady, name: Nowe rady, kind: manual, target: 1, unit: rady}
recipients:
  coordinators:
    - {name: A, email: koordynatorka@example.org}
    - {name: B, email: Zastepca@Example.org}
"""


@pytest.fixture
def env(registry, tmp_path: Path):
    cfg = mini_project(tmp_path, PROJECT)
    wb = Workbook()
    wb.active.title = "Formularz"
    ws = wb.create_sheet("Wartości ręczne")
    for row in (
        ["Wskaźnik", "Data", "Wartość", "Opis"],
        ["inicjatywy", "31.03.2026", "2", ""],
        ["inicjatywy", "01.04.2026", "1,5", ""],
        ["rady", "32.04.2026", "1", "literówka"],
        ["inicjatywy", "15.01.2026", "1", ""],
    ):
        ws.append(row)
    wb.save(tmp_path / "mini.xlsx")
    return cfg, registry, WorkbookBackend(tmp_path), tmp_path


def _failed(session, key: str, kind: str, code: str, at: datetime) -> None:
    session.add(
        MailDelivery(
            project="mini",
            kind=kind,
            key=key,
            message_id=f"<{key}@x>",
            recipient="x@example.org",
            status="failed",
            last_error=code,
            failed_at=at,
        )
    )


def test_summary_counts_manual_values_and_failures_in_warsaw_month(env):
    cfg, reg, backend, _ = env
    with reg.session() as s:
        _failed(s, "a", "certificate", "smtp-550", datetime(2026, 3, 31, 21, 30))  # 23:30 on 31 March in Warsaw
        _failed(s, "b", "certificate", "smtp-550", datetime(2026, 3, 1, 9, 0))
        _failed(s, "c", "summary", "smtp-553", datetime(2026, 3, 10, 9, 0))
        _failed(s, "d", "certificate", "smtp-550", datetime(2026, 3, 31, 22, 30))  # already 1 April in Warsaw
    march = build_summary(cfg, reg, backend, Month(2026, 3))
    assert march.delivery_failures == 3
    assert march.delivery_failure_kinds == (("certificate", "smtp-550", 2), ("summary", "smtp-553", 1))
    assert "zaświadczenia: 2 × smtp-550" in report.summary_html(march)
    ini = {r.id: r for r in march.results}["inicjatywy"]
    assert (ini.month_value, ini.cumulative) == (2, 3)
    # bad rows: quarantined with the reason and the indicator they would change (a count cannot be 1,5)
    assert march.problems == (
        "Wartości ręczne, wiersz 3: wartość niecałkowita — wskaźnik liczy sztuki lub osoby, wpisz liczbę całkowitą "
        "(not a whole number) — nie doliczono do wskaźnika „Inicjatywy” (+1.5 inicjatywy); wiersz jest w zakładce „Odrzucone”.",
        "Wartości ręczne, wiersz 4: nie ma takiego dnia w kalendarzu — popraw dzień lub miesiąc (impossible date) "
        "— nie doliczono do wskaźnika „Nowe rady” (+1 rady); wiersz jest w zakładce „Odrzucone”.",
    )
    from synergia.registry.tables import Quarantine
    from synergia.sheets.quarantine_tab import quarantine_rows

    with reg.session() as s:
        rows = quarantine_rows(s, "mini")
    assert [(r[0], r[1], r[2], r[3]) for r in rows[1:]] == [
        ("wartosci-reczne", "Wartości ręczne", "3", "not_integer"),
        ("wartosci-reczne", "Wartości ręczne", "4", "impossible_date"),
    ]
    assert march.quarantine_now == 2 == len(rows) - 1  # the summary's figure is the tab's row count
    april = build_summary(cfg, reg, backend, Month(2026, 4))
    assert (april.delivery_failures, {r.id: r.cumulative for r in april.results}) == (1, {"inicjatywy": 3, "rady": 0})
    rady = {r.id: r for r in april.results}["rady"]
    assert "odrzucono 1 wiersz(e) (4;" in rady.reason and "po poprawieniu doda 1" in rady.reason
    # staff fix row 4: it leaves the quarantine on the next run
    from openpyxl import load_workbook

    path = env[3] / "mini.xlsx"
    wb = load_workbook(path)
    wb["Wartości ręczne"]["B4"] = "30.04.2026"
    wb.save(path)
    fixed = build_summary(cfg, reg, backend, Month(2026, 4))
    assert {r.id: r.cumulative for r in fixed.results} == {"inicjatywy": 3, "rady": 1} and fixed.quarantine_now == 1
    with reg.session() as s:
        assert s.query(Quarantine).filter(Quarantine.resolved_at.is_(None)).count() == 1
    assert "@" not in report.summary_html(april) + report.summary_markdown(april) + report.summary_text(april)


def test_missing_manual_tab_means_no_data_not_zero(env, tmp_path):
    cfg, reg, _, base = env
    wb = Workbook()
    wb.active.title = "Formularz"
    wb.save(base / "other.xlsx")
    cfg = cfg.model_copy(update={"spreadsheet": cfg.spreadsheet.model_copy(update={"id": "other.xlsx"})})
    s = build_summary(cfg, reg, WorkbookBackend(base), Month(2026, 3))
    assert {r.status for r in s.results} == {"brak danych"} and {r.cumulative for r in s.results} == {None}
    assert "Brak zakładki „Wartości ręczne”" in s.problems[0]


@pytest.mark.slow
def test_one_mail_per_coordinator_per_month_and_numbered_resends(env):
    cfg, reg, backend, _ = env
    summary = build_summary(cfg, reg, backend, Month(2026, 3))
    assert enqueue_summary(cfg, reg, summary) == {"queued": 2, "already": 0, "recipients": 2}
    assert enqueue_summary(cfg, reg, summary) == {"queued": 0, "already": 2, "recipients": 2}
    assert enqueue_summary(cfg, reg, summary, resend=True)["queued"] == 2
    assert enqueue_summary(cfg, reg, summary, resend=True)["queued"] == 2
    with reg.session() as s:
        keys = sorted(s.scalars(select(MailDelivery.key).where(MailDelivery.kind == "summary")))
    a, b = address_key("koordynatorka@example.org"), address_key("zastepca@example.org")
    assert keys == sorted(f"2026-03:{h}{suffix}" for h in (a, b) for suffix in ("", ":r1", ":r2"))
    assert address_key(" Zastepca@Example.org") == b and not any("@" in k or "example" in k for k in keys)
    # another month is another e-mail
    assert enqueue_summary(cfg, reg, build_summary(cfg, reg, backend, Month(2026, 4)))["queued"] == 2


@pytest.mark.parametrize(
    "now,expected",
    [
        (datetime(2026, 4, 1, 4, 0, tzinfo=UTC), "2026-03"),  # the 1st of the month: report the previous one
        (datetime(2026, 3, 31, 22, 30, tzinfo=UTC), "2026-03"),  # 00:30 on 1 April in Warsaw
        (datetime(2026, 3, 31, 21, 30, tzinfo=UTC), "2026-02"),  # still 31 March in Warsaw
        (datetime(2027, 5, 1, 4, 0, tzinfo=UTC), "2026-06"),  # finished project: its last month
        (datetime(2025, 11, 1, 4, 0, tzinfo=UTC), "2026-01"),  # not started yet: its first month
    ],
)
def test_default_month(env, now, expected):
    cfg = env[0]
    assert str(default_month(cfg, now)) == expected
