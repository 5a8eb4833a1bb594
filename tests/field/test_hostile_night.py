"""The nightly CLI on a workbook of the behaviours validation owns: every row ends in one place, exit 0,
the reasons are the new codes, and nothing typed in the sheet reaches the output."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from tests.field._build import FORM_COLUMNS, form_table, people, write_project, write_workbook


@pytest.mark.prefect
def test_hostile_night(prefect_harness, synergia_env: Path, tmp_path: Path) -> None:
    rows = people(16, seed=5)
    hostile = {
        0: {"Zgoda na przetwarzanie danych": "Nie wyrażam zgody."},
        1: {"Zgoda na przetwarzanie danych": "nie, dziękuję"},
        2: {"Zgoda na przetwarzanie danych": "?"},
        3: {"Zgoda na przetwarzanie danych": "Tak, ale nie wyrażam zgody"},
        4: {"Imię": "Aleksandra" + "a" * 1_200},
        5: {"Nazwisko": "\u200b\u200d\ufeff"},
        6: {"Data urodzenia": "12.05.2090", "Sygnatura czasowa": "01.01.2099 10:00:00"},
        7: {"Data urodzenia": "01.01.1850", "Sygnatura czasowa": "01.01.1900 00:00:00"},
        8: {"Kod pocztowy": "2100", "Zgoda na przetwarzanie danych": "TAK – wyrażam zgodę"},
        9: {"Imię": "\u202bMał\u0301gorzata\u200e", "Zgoda na przetwarzanie danych": "✓"},
    }
    for i, change in hostile.items():
        rows[i].update(change)
    headers = list(FORM_COLUMNS) + ["Uwagi biura"]
    table = form_table(rows, headers)
    for r in range(1, len(table)):
        table[r][-1] = f"=LEN(B{r + 1})"
    table.append([""] * (len(headers) - 1) + [f"=LEN(B{len(table) + 1})"])  # dragged below the data
    write_workbook(synergia_env / "pole.xlsx", {"Odpowiedzi": table})
    project_file = write_project(tmp_path / "pole.yaml")

    result = CliRunner().invoke(app, ["run", "nightly", "--project", str(project_file)])
    out = result.output
    assert result.exit_code == 0, out
    assert "✓ przyjęte + kwarantanna + puste = wiersze (8 + 8 + 1 = 17)" in out
    for code in (
        "consent_refused:rodo: 2",
        "consent_unclear:rodo: 2",
        "too_long:first_name: 1",
        "name_invalid:last_name: 1",
        "birth_date_implausible: 2",
    ):
        assert code in out, code
    assert "17 wierszy z formułą bez obliczonej wartości" in out
    typed = {v for row in rows for v in row.values() if len(v) > 3}
    assert not [v for v in typed if v in out and v not in ("Tak", "Kobieta", "NGO")]
