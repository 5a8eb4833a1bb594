"""Consent is given only by an unambiguous yes (RODO art. 7); refusals and unclear answers quarantine the row."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.project import ConfigError, load_project
from config.settings import PROJECTS_DIR
from synergia.validation.row import Accepted, Rejected, validate_row
from tests.field._build import good_values, project, raw

RODO = "Zgoda na przetwarzanie danych"
PROJECT = project()
FORM = PROJECT.sources[0]


def outcome(answer: str, proj=PROJECT, header: str = RODO):
    return validate_row(raw(good_values(**{header: answer})), proj.sources[0], proj)


@pytest.mark.parametrize(
    "answer",
    [
        "Tak",
        "tak.",
        " TAK ",
        "tak!",
        "Tak\u00a0",
        "\u00a0tak\u00a0.",
        "Wyrażam zgodę",
        "wyrażam zgodę.",
        "WYRAZAM ZGODE",
        "tak, wyrażam zgodę",
        "Tak – wyrażam zgodę",
        "TAK - wyrażam zgodę!",
        "Zgadzam się",
        "TRUE",
        "true",
        "1",
        "✓",
        "✔",
        "x",
        "X",
        "Yes",
        "tak\u200b",
        "Wyrażam zgodę na przetwarzanie moich danych osobowych w celu realizacji projektu",
    ],
)
def test_unambiguous_yes_is_consent(answer: str) -> None:
    result = outcome(answer)
    assert isinstance(result, Accepted), getattr(result, "reasons", None)
    assert result.data["consents"]["rodo"] == {"given": True, "version": "v1"}


@pytest.mark.parametrize(
    "answer",
    [
        "Nie",
        "NIE.",
        "nie!",
        "Nie wyrażam zgody.",
        "nie wyrazam zgody",
        "Nie zgadzam się",
        "nie zgadzam się.",
        "odmawiam",
        "Odmawiam.",
        "brak zgody",
        "nie, dziękuję",
        "Nie dziękuję",
        "No.",
        "no",
        "0",
        "false",
        "FALSE",
        "NIE WYRAŻAM ZGODY",
        "nie\u00a0wyrażam\u00a0zgody",
        "Sprzeciwiam się",
    ],
)
def test_refusal_quarantines_as_refused(answer: str) -> None:
    result = outcome(answer)
    assert isinstance(result, Rejected)
    assert "consent_refused:rodo" in result.reasons
    assert answer.strip() not in result.message or answer.strip().lower() in ("nie", "no")  # message names the row, not the answer


@pytest.mark.parametrize(
    "answer",
    [
        "-",
        "?",
        "…",
        "może",
        "Może później",
        "tak/nie",
        "Tak, ale nie wyrażam zgody",
        "nie wiem",
        "tak nie",
        "ok?",
        "zapytam męża",
        "2",
        "Tak? Nie?",
        "wyrażam zgodę, ale nie na publikację",
    ],
)
def test_anything_else_is_unclear(answer: str) -> None:
    result = outcome(answer)
    assert isinstance(result, Rejected)
    assert "consent_unclear:rodo" in result.reasons, result.reasons


@pytest.mark.parametrize("answer", ["", "   ", "\u00a0", "\u200b"])
def test_empty_answer_is_missing_consent(answer: str) -> None:
    result = outcome(answer)
    assert isinstance(result, Rejected)
    assert result.reasons == ("consent_missing:rodo",)


def test_optional_consent_refused_or_unclear_is_recorded_as_not_given_without_quarantine() -> None:
    for answer, given in [("Nie wyrażam zgody.", False), ("-", False), ("tak", True), ("?", False)]:
        result = validate_row(raw(good_values(**{"Zgoda na wizerunek": answer})), FORM, PROJECT)
        assert isinstance(result, Accepted)
        assert result.data["consents"]["wizerunek"]["given"] is given


def test_form_option_text_from_the_project_yaml_is_consent() -> None:
    option = "Oświadczam, że nie mam nic przeciwko przetwarzaniu moich danych (klauzula nr 4/2026)"
    assert isinstance(outcome(option), Rejected)  # contains a negation: not an obvious yes without configuration
    configured = project(consents={"rodo": {"accept": [option]}})
    assert isinstance(outcome(option, configured), Accepted)
    assert isinstance(outcome(option.upper() + " ", configured), Accepted)
    assert "consent_refused:rodo" in outcome("Nie", configured).reasons  # refusals still refuse


def test_source_level_accept_overrides_project() -> None:
    configured = project(consents={"rodo": {"accept": ["Zgoda A"]}}, source_extra={"consents": {"rodo": {"accept": ["Zgoda B"]}}})
    assert isinstance(outcome("Zgoda B", configured), Accepted)
    assert isinstance(outcome("Zgoda A", configured), Rejected)
    assert isinstance(outcome("Tak", configured), Accepted)  # a plain yes stays a yes


def _yaml(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "p.yaml"
    p.write_text(text, encoding="utf-8")
    return p


def test_yaml_consent_section_errors_name_the_line(tmp_path: Path) -> None:
    good = (PROJECTS_DIR / "demo.yaml").read_text(encoding="utf-8")
    text = good.replace("sources:\n", 'consents:\n  rodo:\n    accept: ["Nie wyrażam zgody"]\nsources:\n', 1)
    with pytest.raises(ConfigError) as exc:
        load_project(_yaml(tmp_path, text))
    ((line, field, msg),) = exc.value.problems
    assert field == "consents.rodo.accept" and "odmow" in msg
    assert line == next(i for i, ln in enumerate(text.splitlines(), 1) if 'Nie wyrażam zgody"]' in ln)

    text = good.replace("sources:\n", 'consents:\n  rodo:\n    accept: ["Tak"]\n  zdjecia:\n    accept: ["Tak"]\nsources:\n', 1)
    with pytest.raises(ConfigError) as exc:
        load_project(_yaml(tmp_path, text))
    ((line, field, msg),) = exc.value.problems
    assert field == "consents.zdjecia" and "consent.zdjecia" in msg
    assert line == next(i for i, ln in enumerate(text.splitlines(), 1) if ln.strip() == "zdjecia:")
    assert f"p.yaml:{line}:" in str(exc.value)


def test_yaml_consent_accept_must_be_a_nonempty_list(tmp_path: Path) -> None:
    good = (PROJECTS_DIR / "demo.yaml").read_text(encoding="utf-8")
    text = good.replace("sources:\n", 'consents:\n  rodo:\n    accept: []\n    akcept: ["Tak"]\nsources:\n', 1)
    with pytest.raises(ConfigError) as exc:
        load_project(_yaml(tmp_path, text))
    fields = {field for _, field, _ in exc.value.problems}
    assert "consents.rodo.accept" in fields and "consents.rodo.akcept" in fields


def test_shipped_projects_still_load() -> None:
    for path in sorted(PROJECTS_DIR.glob("*.yaml")):
        load_project(path)
