"""CLI behaviour a user meets first: slugs resolve, failures are one clear line."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from cli.commands_core import resolve_project_path
from config.settings import PROJECTS_DIR


def test_slug_wins_over_a_same_named_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "demo").mkdir()  # e.g. the data dir's demo/ folder
    assert resolve_project_path("demo") == PROJECTS_DIR / "demo.yaml"


def test_unknown_project_lists_the_known_ones() -> None:
    result = CliRunner().invoke(app, ["run", "nightly", "--project", "nie-ma-takiego"])
    assert result.exit_code == 2
    assert "Nie znaleziono projektu" in result.output and "demo" in result.output


@pytest.mark.prefect
def test_failed_run_exits_1_with_a_one_line_reason(prefect_harness, synergia_env: Path) -> None:
    result = CliRunner().invoke(app, ["run", "nightly", "--project", "demo"])  # no workbook generated
    assert result.exit_code == 1
    text = " ".join(result.output.split())
    assert "Przebieg nie powiódł się" in text and "Nie znaleziono skoroszytu" in text


def test_help_teaches_with_examples() -> None:
    runner = CliRunner()
    for args in (["--help"], ["run", "nightly", "--help"], ["demo", "--help"], ["check-config", "--help"], ["dedupe", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0, args
    assert "synergia demo" in runner.invoke(app, ["--help"]).output
    assert "Example" in runner.invoke(app, ["run", "nightly", "--help"]).output
