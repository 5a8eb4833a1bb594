"""The built wheel holds production code only: no emulator, demo, synthetic data or metrics, no devtools/.

The wheel is built the way a release would be (``uv build --wheel``, hatchling as the backend), offline
from uv's cache when it can; uv is the one ``make install`` bootstraps into ``.tools/``.
"""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path, PurePosixPath

import pytest

REPO = Path(__file__).resolve().parents[2]

SHIPPED = {"synergia", "flows", "tasks", "config", "cli"}  # `cli` once the command line leaves synergia/
REQUIRED = {"synergia", "flows", "tasks", "config"}
NOT_SHIPPED_WORDS = ("emulator", "demo", "synthetic", "metrics")

pytestmark = pytest.mark.slow  # a build takes 5-20 s on a busy 2-core machine


def _uv() -> str:
    for candidate in (str(REPO / ".tools" / "bin" / "uv"), shutil.which("uv")):
        if candidate and Path(candidate).is_file():
            return candidate
    pytest.fail("uv not found: `make install` puts it in .tools/bin/uv (or put uv on PATH)")


@pytest.fixture(scope="module")
def wheel_names(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    out = tmp_path_factory.mktemp("wheel")
    # a copy of the tracked tree: the build neither sees untracked files nor leaves anything in the worktree
    src = out / "src"
    files = subprocess.run(["git", "ls-files", "-z"], cwd=REPO, capture_output=True, check=True).stdout.decode().split("\0")
    for name in filter(None, files):
        if (REPO / name).is_file():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, src / name)
    build = [_uv(), "build", "--wheel", "--out-dir", str(out / "dist"), str(src)]
    result = subprocess.run([*build, "--offline"], capture_output=True, text=True, timeout=600)
    if result.returncode != 0:  # hatchling not in uv's cache yet: let uv fetch it
        result = subprocess.run(build, capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-3000:]
    (wheel,) = (out / "dist").glob("synergia-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        return zf.namelist()


def test_only_production_packages_are_shipped(wheel_names: list[str]) -> None:
    top = {PurePosixPath(n).parts[0] for n in wheel_names if ".dist-info" not in PurePosixPath(n).parts[0]}
    assert REQUIRED <= top, f"missing from the wheel: {REQUIRED - top}"
    assert top <= SHIPPED, f"not production code: {top - SHIPPED}"
    assert not {"devtools", "tests", "benchmarks"} & top


def test_no_emulator_demo_synthetic_or_metrics_module(wheel_names: list[str]) -> None:
    modules = [n for n in wheel_names if n.endswith(".py")]
    assert len(modules) > 50
    offending = [n for n in modules if any(word in part for part in PurePosixPath(n).parts for word in NOT_SHIPPED_WORDS)]
    assert offending == []


def test_config_templates_projects_and_migrations_are_shipped(wheel_names: list[str]) -> None:
    names = set(wheel_names)
    needed = [
        p.relative_to(REPO).as_posix()
        for p in (REPO / "config").rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"
    ]
    assert any(n.startswith("config/projects/") and n.endswith(".yaml") for n in needed)
    assert any(n.startswith("config/templates/") for n in needed)
    assert sorted(set(needed) - names) == []
    migrations = [p.relative_to(REPO).as_posix() for p in (REPO / "synergia" / "registry" / "migrations").rglob("*.py")]
    assert migrations and sorted(set(migrations) - names) == []
    assert "synergia/registry/migrations/script.py.mako" in names
    assert any(n.endswith("/entry_points.txt") for n in names)
