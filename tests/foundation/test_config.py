"""Project-file errors name the file, the line and the field."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from config.project import ConfigError, load_project
from config.settings import PROJECTS_DIR

GOOD = (PROJECTS_DIR / "demo.yaml").read_text(encoding="utf-8")


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "p.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), start=1) if needle in line)


def test_every_shipped_project_is_valid() -> None:
    for path in sorted(PROJECTS_DIR.glob("*.yaml")):
        assert load_project(path).slug


def test_unknown_column_target_points_to_its_line(tmp_path: Path) -> None:
    text = GOOD.replace('"Telefon kontaktowy": phone', '"Telefon kontaktowy": telefon')
    with pytest.raises(ConfigError) as exc:
        load_project(_write(tmp_path, text))
    ((line, field, msg),) = exc.value.problems
    assert field == "sources[0].columns"
    assert "telefon" in msg and "nieznane pole" in msg
    assert line == _line_of(text, "columns:")
    assert f"p.yaml:{line}:" in str(exc.value)


def test_bad_date_and_typo_field_each_reported_with_line(tmp_path: Path) -> None:
    text = GOOD.replace("start: 2026-03-01", "start: 2026-02-30").replace("timezone: Europe/Warsaw\n", "timezon: Europe/Warsaw\n", 1)
    with pytest.raises(ConfigError) as exc:
        load_project(_write(tmp_path, text))
    problems = {field: (line, msg) for line, field, msg in exc.value.problems}
    assert problems["period.start"][0] == _line_of(text, "start: 2026-02-30")
    assert "RRRR-MM-DD" in problems["period.start"][1]
    assert problems["timezon"][0] == _line_of(text, "timezon:")
    assert "nieznane pole" in problems["timezon"][1]


def test_required_consent_without_column(tmp_path: Path) -> None:
    text = GOOD.replace('      "Zgoda RODO": consent.rodo\n', "")
    with pytest.raises(ConfigError) as exc:
        load_project(_write(tmp_path, text))
    ((line, field, msg),) = exc.value.problems
    assert field == "sources[1]" and "rodo" in msg
    assert line == _line_of(text, "- id: rekrutacja-jst")


def test_attendance_list_pointing_at_unknown_event(tmp_path: Path) -> None:
    text = GOOD.replace("event: akademia-2\n", "event: akademia-3\n")
    with pytest.raises(ConfigError) as exc:
        load_project(_write(tmp_path, text))
    assert "akademia-3" in str(exc.value)


def test_yaml_syntax_error_has_line(tmp_path: Path) -> None:
    text = GOOD.replace("  start: 2026-03-01", "  start: [2026-03-01")
    with pytest.raises(ConfigError) as exc:
        load_project(_write(tmp_path, text))
    assert exc.value.problems[0][0] is not None
    assert "YAML" in exc.value.problems[0][2]


def test_check_config_cli(tmp_path: Path) -> None:
    from cli.app import app

    runner = CliRunner()
    ok = runner.invoke(app, ["check-config", str(PROJECTS_DIR / "demo.yaml")])
    assert ok.exit_code == 0, ok.output
    assert "config OK" in ok.output
    bad = runner.invoke(app, ["check-config", str(_write(tmp_path, GOOD.replace("kind: advisory", "kind: doradztwo")))])
    assert bad.exit_code == 2
    assert "sources[5].kind" in bad.output and "p.yaml:" in bad.output


def _line_of_second(text: str, needle: str) -> int:
    return text.count("\n", 0, text.index(needle, text.index(needle) + 1)) + 1


@pytest.mark.parametrize(
    ("old", "new", "field", "words"),
    [
        ("  - id: lista-akademia-2\n", "  - id: lista-akademia-1\n", "sources[3].id", "powtórzone id źródła: ['lista-akademia-1']"),
        ("  - id: world-cafe-bierun\n", "  - id: world-cafe-tychy\n", "events[3].id", "powtórzone id wydarzenia"),
        ("  - id: nowe-rady\n", "  - id: rady-osoby\n", "indicators[10].id", "powtórzone id wskaźnika: ['rady-osoby']"),
    ],
)
def test_a_repeated_id_points_to_the_line_of_the_repeat(tmp_path: Path, old: str, new: str, field: str, words: str) -> None:
    assert GOOD.count(old) == 1 and GOOD.count(new) == 1
    text = GOOD.replace(old, new)
    with pytest.raises(ConfigError) as exc:
        load_project(_write(tmp_path, text))
    ((line, got_field, msg),) = exc.value.problems
    assert got_field == field and words in msg and "(duplicate" in msg
    assert line == _line_of_second(text, new)


def test_a_repeated_cycle_id_points_to_its_line(tmp_path: Path) -> None:
    start = GOOD.index("    - id: akademia\n")
    block = GOOD[start : GOOD.index("min_attendance_ratio: 0.8\n", start) + len("min_attendance_ratio: 0.8\n")]
    text = GOOD.replace(block, block + block.replace("title: ", "title: Drugi "))
    with pytest.raises(ConfigError) as exc:
        load_project(_write(tmp_path, text))
    ((line, field, msg),) = exc.value.problems
    assert field == "certificates.cycles[1].id" and "powtórzone id cyklu szkoleń: ['akademia']" in msg
    assert line == _line_of_second(text, "    - id: akademia\n")


def test_the_parts_of_a_project_file_do_not_import_the_whole() -> None:
    """config.project is made of its parts; the parts take shared words from config.vocabulary (no circle)."""
    import subprocess
    import sys

    code = (
        "import sys, config.indicators as i, config.certificates, config.yaml_lines, config.vocabulary; "
        "i.IndicatorConfig.model_validate({'id': 'a', 'name': 'A', 'kind': 'persons', 'target': 1, "
        "'filters': {'event_type': 'warsztat', 'organisation_type': 'NGO'}}); "
        "print('config.project' in sys.modules)"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=Path(__file__).resolve().parents[2])
    assert out.stdout.strip() == "False"
