"""Birth dates are checked against today and the project period, never against the row's own timestamp."""

from __future__ import annotations

from datetime import date

import pytest

from synergia.validation.row import Accepted, Rejected, validate_row
from tests.field._build import good_values, project, raw

PERIOD = (date(2026, 3, 1), date(2027, 6, 30))
PROJECT = project(period=PERIOD)
FORM = PROJECT.sources[0]
TODAY = date(2026, 11, 20)


def check(today: date = TODAY, proj=PROJECT, **values: str):
    return validate_row(raw(good_values(**values)), proj.sources[0], proj, today=today)


@pytest.mark.parametrize("stamp", ["01.01.2099 12:00:00", "31.12.2099 23:59:59", "01.01.1900 00:00:00", "", "14.04.2026 10:21:07"])
@pytest.mark.parametrize("born", ["12.05.2090", "01.01.1850", "1899-12-31", "21.11.2026", "01.01.2031"])
def test_impossible_birth_dates_fail_whatever_the_timestamp(stamp: str, born: str) -> None:
    result = check(**{"Sygnatura czasowa": stamp, "Data urodzenia": born})
    assert isinstance(result, Rejected)
    assert "birth_date_implausible" in result.reasons


@pytest.mark.parametrize("born", ["01.06.2020", "20.11.2018"])
def test_too_young_to_take_part(born: str) -> None:
    result = check(**{"Data urodzenia": born})
    assert isinstance(result, Rejected) and "birth_date_implausible" in result.reasons


@pytest.mark.parametrize("stamp", ["01.01.2099 12:00:00", "01.01.1900 00:00:00"])
@pytest.mark.parametrize("born", ["03.09.1971", "1900-01-01", "2010-05-05"])
def test_plausible_birth_dates_pass_even_with_an_odd_timestamp(stamp: str, born: str) -> None:
    result = check(**{"Sygnatura czasowa": stamp, "Data urodzenia": born})
    assert isinstance(result, Accepted), getattr(result, "reasons", None)


def test_pesel_birth_dates_get_the_same_check() -> None:
    # PESEL of a person "born" 12.05.2090 (century 2000s) and 01.01.1850 (1800s): both valid checksums
    import random

    from devtools.people import make_pesel

    for born in (date(2090, 5, 12), date(1850, 1, 1), date(2021, 1, 1)):
        pesel = make_pesel(born, True, random.Random(3))
        result = check(**{"Sygnatura czasowa": "01.01.2099 12:00:00", "Data urodzenia": "", "PESEL": pesel})
        assert isinstance(result, Rejected)
        assert "pesel_birth_date_implausible" in result.reasons


def test_the_reference_is_the_earlier_of_today_and_the_project_end() -> None:
    ended = project(period=(date(2020, 1, 1), date(2021, 12, 31)))
    # born after the project ended: cannot have taken part, even if "today" is much later
    result = check(today=date(2026, 11, 20), proj=ended, **{"Data urodzenia": "05.05.2022"})
    assert isinstance(result, Rejected) and "birth_date_implausible" in result.reasons
