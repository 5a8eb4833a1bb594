"""The staff's manual-values tab: good rows summed, bad rows reported with row numbers."""
from __future__ import annotations

from datetime import date

from synergia.indicators.manual import parse_manual_tab
from synergia.indicators.model import ManualValue

IDS = {"inicjatywy", "odbiorcy"}


def test_good_and_bad_rows():
    rows = [
        ["Wskaźnik", "Data", "Wartość", "Opis"],
        ["inicjatywy", "15.09.2021", "2", "Dwie inicjatywy w Tychach"],
        ["odbiorcy", "2021-10-02", "1 234,5", ""],
        [],
        ["", "", "", ""],
        ["rady", "01.10.2021", "1", ""],          # not a manual indicator
        ["inicjatywy", "31.09.2021", "1", ""],    # no such day
        ["inicjatywy", "01.10.2021", "dużo", ""],  # not a number
        ["inicjatywy", "01.10.2021", "-1", ""],
        ["", "01.10.2021", "3"],
        ["odbiorcy", "03.10.2021"],               # short row (Google omits trailing cells)
    ]
    values, problems = parse_manual_tab(rows, IDS, "Wartości ręczne")
    assert values == (ManualValue("inicjatywy", date(2021, 9, 15), 2.0), ManualValue("odbiorcy", date(2021, 10, 2), 1234.5))
    assert [p.split(":")[0] for p in problems] == [f"Wartości ręczne, wiersz {n}" for n in (6, 7, 8, 9, 10, 11)]
    assert "nieznany wskaźnik" in problems[0] and "zła data" in problems[1] and "nie jest liczbą" in problems[2]
    # the staff's cell text is never repeated (it could be anything, and the report is e-mailed)
    assert not any(text in p for p in problems for text in ("rady", "31.09", "dużo", "-1"))


def test_missing_column_is_reported_not_raised():
    values, problems = parse_manual_tab([["Wskaźnik", "Kiedy", "Wartość"], ["inicjatywy", "01.10.2021", "1"]], IDS, "T")
    assert values == () and problems == ("T: brak kolumny 'Data' w pierwszym wierszu",)
    assert parse_manual_tab([], IDS, "T") == ((), ())
