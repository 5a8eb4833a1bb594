"""Indicator definitions in the project YAML: readable shape, errors that point at the line."""

from __future__ import annotations

from pathlib import Path

import pytest

from config.project import ConfigError, load_project
from tests.indicators.helpers import mini_yaml

HEAD = mini_yaml(
    """\
events:
  - id: wc-1
    type: warsztat_world_cafe
    title: World Cafe
    dates: [2021-09-20]
indicators:
""",
    start="2021-07-01",
    end="2021-12-31",
)


def write(tmp_path: Path, body: str) -> Path:
    p = tmp_path / "p.yaml"
    p.write_text(HEAD + body, encoding="utf-8")
    return p


def test_valid_definitions_load(tmp_path):
    cfg = load_project(
        write(
            tmp_path,
            """\
  - id: ngo
    name: Przedstawiciele NGO
    kind: persons
    target: 15
    filters: {organisation_type: NGO, event_type: [szkolenie, warsztat_world_cafe]}
  - id: ngo-org
    name: Organizacje
    kind: distinct
    distinct_of: organisation
    target: 10
    unit: organizacje
  - id: wc
    name: World Cafe
    kind: events
    target: 3
    deadline: 2021-11-30
    filters: {event: wc-1}
""",
        )
    )
    ngo, org, wc = cfg.indicators
    assert ngo.filters.organisation_type == ["NGO"] and ngo.filters.event_type == ["szkolenie", "warsztat_world_cafe"]
    assert org.distinct_of == "organisation" and ngo.per_person and not org.per_person
    assert str(wc.deadline) == "2021-11-30"


@pytest.mark.parametrize(
    "body,line,fragment",
    [
        (
            "  - id: a\n    name: A\n    kind: persons\n    target: 1\n    filters: {organisation_type: NGOs}\n",
            19,
            "nieznany typ organizacji",
        ),
        ("  - id: a\n    name: A\n    kind: persns\n    target: 1\n", 17, "niedozwolona wartość"),
        ("  - id: a\n    name: A\n    kind: distinct\n    target: 1\n", 15, "distinct_of"),
        ("  - id: a\n    name: A\n    kind: hours\n    target: 1\n    filters: {organisation_type: NGO}\n", 15, "nie obsługuje filtrów"),
        ("  - id: a\n    name: A\n    kind: events\n    target: -3\n", 18, "greater than or equal"),
        (
            "  - id: a\n    name: A\n    kind: distinct\n    distinct_of: event_gmina\n    target: 3\n"
            "    filters: {organisation_type: NGO}\n",
            15,
            "nie obsługuje filtrów",
        ),
        ("  - id: a\n    name: A\n    kind: events\n    target: 3\n    filters: {evnt_type: warsztat}\n", 19, "nieznane pole"),
    ],
)
def test_errors_point_at_the_line(tmp_path, body, line, fragment):
    with pytest.raises(ConfigError) as exc:
        load_project(write(tmp_path, body))
    (got_line, _field, message), *_ = exc.value.problems
    assert fragment in message
    assert got_line == line


def test_references_checked(tmp_path):
    with pytest.raises(ConfigError, match="nieistniejące wydarzenie"):
        load_project(write(tmp_path, "  - {id: a, name: A, kind: events, target: 1, filters: {event: wc-2}}\n"))
    with pytest.raises(ConfigError, match="powtórzone id wskaźnika"):
        load_project(write(tmp_path, "  - {id: a, name: A, kind: manual, target: 1}\n  - {id: a, name: B, kind: manual, target: 2}\n"))
