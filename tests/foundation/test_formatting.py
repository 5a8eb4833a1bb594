"""One home for Polish dates and numbers, and one Jinja environment for every staff-edited template."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from jinja2 import UndefinedError
from jinja2.exceptions import SecurityError

from synergia.formatting import DATE_NUMERIC, pl_date, pl_datetime, pl_formal_date, pl_number, pl_percent
from synergia.templating import environment


def test_dates_in_each_style() -> None:
    d = date(2027, 2, 7)
    assert pl_date(d) == "7 lutego 2027"
    assert pl_formal_date(d) == "7 lutego 2027 r."
    assert pl_date(d, DATE_NUMERIC) == "07.02.2027"
    assert pl_datetime(datetime(2027, 11, 30, 9, 5)) == "30 listopada 2027, 09:05"
    assert pl_date(None) == "" and pl_formal_date(None) == ""


@pytest.mark.parametrize(
    ("value", "digits", "text"),
    [
        (3, 2, "3"),
        (12.5, 2, "12,5"),
        (0.333, 2, "0,33"),
        (4.96, 1, "5"),
        (98765.4321, 2, "98\xa0765,43"),
        (2048, 1, "2\xa0048"),
        (None, 2, "—"),
    ],
)
def test_numbers_have_a_decimal_comma_and_grouped_thousands(value: float | None, digits: int, text: str) -> None:
    assert pl_number(value, digits) == text


def test_percent() -> None:
    assert (pl_percent(41.25), pl_percent(None)) == ("41,2 %", "—")


def test_one_environment_escapes_html_files_only_and_fails_on_a_typo(tmp_path: Path) -> None:
    (tmp_path / "a.html.j2").write_text("<b>{{ who }}</b> {{ on|pl_date }}\n", encoding="utf-8")
    (tmp_path / "a.txt.j2").write_text('{{ who }} {{ on|data("dd.MM.y") }} {{ n|pl_number }}\n', encoding="utf-8")
    env = environment(tmp_path)
    ctx = {"who": "Zoë & <Syn>", "on": date(2027, 2, 7), "n": 1500.25}
    assert env.get_template("a.html.j2").render(ctx) == "<b>Zoë &amp; &lt;Syn&gt;</b> 7 lutego 2027 r.\n"
    assert env.get_template("a.txt.j2").render(ctx) == "Zoë & <Syn> 07.02.2027 1\xa0500,25\n"
    assert environment().from_string("{{ who }}").render(ctx) == "Zoë & <Syn>"
    with pytest.raises(UndefinedError):
        environment().from_string("{{ whom }}").render(ctx)
    with pytest.raises(SecurityError):  # staff edit templates: no way out of the sandbox
        environment().from_string("{{ who.__class__.__mro__ }}").render(ctx)
    assert environment(tmp_path) is env
