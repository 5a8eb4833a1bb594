"""The staff's manual-values tab: good rows summed, bad rows reported with row numbers."""

from __future__ import annotations

from datetime import date

from synergia.indicators.manual import parse_manual_rows, parse_manual_tab
from synergia.indicators.model import ManualValue

IDS = {"inicjatywy", "odbiorcy"}


def test_good_and_bad_rows():
    rows = [
        ["Wskaźnik", "Data", "Wartość", "Opis"],
        ["inicjatywy", "15.09.2021", "2", "Dwie inicjatywy w Tychach"],
        ["odbiorcy", "2021-10-02", "1 234,0", ""],
        [],
        ["", "", "", ""],
        ["rady", "01.10.2021", "1", ""],  # not a manual indicator
        ["inicjatywy", "31.09.2021", "1", ""],  # no such day
        ["inicjatywy", "01.10.2021", "dużo", ""],  # not a number
        ["inicjatywy", "01.10.2021", "-1", ""],
        ["", "01.10.2021", "3"],
        ["odbiorcy", "03.10.2021"],  # short row (Google omits trailing cells)
        ["odbiorcy", "2021-13-01", "4", ""],  # no 13th month
        ["odbiorcy", "wczoraj", "4", ""],  # not a date at all
        ["odbiorcy", "05.10.2021", "2,5", ""],  # a count cannot have a decimal comma
        ["odbiorcy", "06.10.2021", "1 234", ""],  # thousands separator is fine
    ]
    values, problems = parse_manual_tab(rows, IDS, "Wartości ręczne")
    assert values == (
        ManualValue("inicjatywy", date(2021, 9, 15), 2.0),
        ManualValue("odbiorcy", date(2021, 10, 2), 1234.0),
        ManualValue("odbiorcy", date(2021, 10, 6), 1234.0),
    )
    assert [p.split(":")[0] for p in problems] == [f"Wartości ręczne, wiersz {n}" for n in (6, 7, 8, 9, 10, 11, 12, 13, 14)]
    assert "nieznany wskaźnik" in problems[0] and "nie jest liczbą" in problems[2]
    # 31.09 is written DD.MM.RRRR: the hint must not tell staff to use that format
    assert "nie ma takiego dnia" in problems[1] and "DD.MM" not in problems[1]
    assert "nie ma takiego dnia" in problems[6] and "użyj DD.MM.RRRR" in problems[7] and "niecałkowita" in problems[8]
    # the staff's cell text is never repeated (it could be anything, and the report is e-mailed)
    assert not any(text in p for p in problems for text in ("rady", "31.09", "dużo", "-1", "2021-13", "wczoraj"))


def test_bad_rows_carry_indicator_and_value_they_would_add():
    rows = [
        ["Wskaźnik", "Data", "Wartość"],
        ["inicjatywy", "31.09.2021", "3"],
        ["rady", "01.10.2021", "1"],
        ["odbiorcy", "01.10.2021", "-2"],
    ]
    values, bad, header = parse_manual_rows(rows, IDS, "Wartości ręczne")
    assert values == () and header == ()
    assert [(b.row_number, b.reason_code, b.indicator, b.value) for b in bad] == [
        (2, "impossible_date", "inicjatywy", 3.0),
        (3, "unknown_indicator", None, 1.0),
        (4, "negative", "odbiorcy", None),
    ]


def test_missing_column_is_reported_not_raised():
    values, problems = parse_manual_tab([["Wskaźnik", "Kiedy", "Wartość"], ["inicjatywy", "01.10.2021", "1"]], IDS, "T")
    assert values == () and problems == ("T: brak kolumny 'Data' w pierwszym wierszu",)
    assert parse_manual_tab([], IDS, "T") == ((), ())
