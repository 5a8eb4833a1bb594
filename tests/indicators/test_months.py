"""Month windows in Europe/Warsaw, including the DST changes."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from synergia.indicators.months import Month, local_date, previous_month

TZ = "Europe/Warsaw"


@pytest.mark.parametrize(
    "utc,month",
    [
        (datetime(2026, 3, 31, 21, 30), "2026-03"),  # 23:30 CEST on 31 March (DST since 29 March)
        (datetime(2026, 3, 31, 22, 30), "2026-04"),  # 00:30 CEST on 1 April
        (datetime(2026, 2, 28, 22, 59), "2026-02"),  # 23:59 CET
        (datetime(2026, 2, 28, 23, 0), "2026-03"),  # 00:00 CET on 1 March
        (datetime(2026, 10, 31, 22, 59), "2026-10"),  # 23:59 CET (DST ended 25 October)
        (datetime(2026, 10, 31, 23, 30), "2026-11"),  # 00:30 CET on 1 November, UTC still says 31 October
        (datetime(2025, 12, 31, 23, 0), "2026-01"),  # New Year in Warsaw
    ],
)
def test_registry_timestamps_fall_into_warsaw_months(utc, month):
    assert str(Month.of(local_date(utc, TZ))) == month
    start, end = Month.parse(month).window_utc(TZ)
    assert start <= utc < end


def test_window_utc_follows_offsets():
    assert Month.parse("2026-03").window_utc(TZ) == (datetime(2026, 2, 28, 23, 0), datetime(2026, 3, 31, 22, 0))
    assert Month.parse("2026-10").window_utc(TZ) == (datetime(2026, 9, 30, 22, 0), datetime(2026, 10, 31, 23, 0))


def test_aware_datetimes_and_plain_dates():
    assert local_date(datetime(2026, 3, 31, 23, 30, tzinfo=UTC), TZ) == date(2026, 4, 1)
    assert local_date(date(2026, 3, 31), TZ) == date(2026, 3, 31)


def test_month_arithmetic_and_parsing():
    assert str(Month(2026, 1).previous()) == "2025-12"
    assert str(Month(2025, 12).next()) == "2026-01"
    assert Month(2024, 2).last_day == date(2024, 2, 29)
    assert Month.parse("2026-11").label_pl() == "listopad 2026"
    for bad in ("2026-13", "2026-1", "26-01", "2026/01", ""):
        with pytest.raises(ValueError, match="RRRR-MM"):
            Month.parse(bad)


def test_previous_month_is_local():
    # 1 December 00:30 in Warsaw is still 30 November in UTC: the previous month is November
    assert str(previous_month(TZ, datetime(2026, 11, 30, 23, 30, tzinfo=UTC))) == "2026-11"
    assert str(previous_month(TZ, datetime(2026, 11, 30, 22, 30, tzinfo=UTC))) == "2026-10"
