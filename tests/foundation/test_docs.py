"""The command line documents itself: every command's ``--help`` shows an example, and the README lists it.

As sqlite-utils does for its CLI reference: the list of commands is read from the Typer app itself, so a
new command without an example or without a README line fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest
import typer
import typer.main
from typer.testing import CliRunner

README = Path(__file__).resolve().parents[2] / "README.md"


def cli_app() -> typer.Typer:
    """The root Typer app of the ``synergia`` command."""
    from cli.app import app

    return app


def leaf_commands(command: object, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    subcommands = getattr(command, "commands", None)
    if subcommands is None:
        if not getattr(command, "hidden", False):
            yield path
        return
    for name, sub in sorted(subcommands.items()):
        yield from leaf_commands(sub, (*path, name))


COMMANDS = [" ".join(p) for p in leaf_commands(typer.main.get_command(cli_app()))]


def help_text(command: str) -> str:
    result = CliRunner().invoke(cli_app(), [*command.split(), "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert result.exit_code == 0, result.output
    return result.output


def readme_command_list() -> str:
    text = README.read_text(encoding="utf-8")
    section = text.split("## The command line", 1)[1].split("\n## ", 1)[0]
    return section


def test_the_app_has_the_commands_we_know() -> None:
    # guards the walk itself: a broken walk would make every other test here vacuous
    assert {"demo", "run nightly", "run monthly", "dedupe", "certificates site", "rodo register"} <= set(COMMANDS)
    assert len(COMMANDS) >= 20


@pytest.mark.parametrize("command", COMMANDS)
def test_help_shows_an_example(command: str) -> None:
    text = help_text(command)
    words = r"\s+".join(map(re.escape, command.split()))
    example = re.search(r"(?i)\bexamples?\b\s*:", text)
    assert example, f"`synergia {command} --help` has no 'Example:' line"
    assert re.search(rf"synergia\s+{words}\b", text[example.start() :]), f"the example does not run `synergia {command}`"


def listed(command: str, section: str) -> bool:
    """Is ``synergia <command>`` at the start of a line (``retention status|run`` lists both subcommands)?"""
    *group, name = command.split()
    alternatives = rf"(?:[\w-]+\|)*{re.escape(name)}(?:\|[\w-]+)*"
    pattern = r"^synergia\s+" + "".join(rf"{re.escape(g)}\s+" for g in group) + alternatives + r"(?![\w-])"
    return re.search(pattern, section, re.M) is not None


@pytest.mark.parametrize("command", COMMANDS)
def test_readme_lists_the_command(command: str) -> None:
    assert listed(command, readme_command_list()), f"README's 'The command line' does not list `synergia {command}`"


def test_the_readme_matcher_is_strict() -> None:
    section = "synergia retention status|run -p SLUG\nsynergia certificates site -p PATH\n  synergia mail send\n"
    assert listed("retention run", section) and listed("retention status", section) and listed("certificates site", section)
    assert not listed("retention purge", section)  # another subcommand of a listed group
    assert not listed("certificates", section.replace("certificates site", "certificates-site"))
    assert not listed("mail send", section)  # only at the start of a line
