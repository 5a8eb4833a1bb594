"""The domain package ``synergia/`` never imports prefect, nor the layers above it (tasks, flows, cli, deploy).

Two checks over every file under ``synergia/`` (no skips):
- the source: every ``import`` / ``from … import`` anywhere in a module — at import time or
  inside a function — and every ``importlib.import_module`` / ``__import__`` of a literal name;
- a fresh interpreter that imports every module of the package and then runs the Alembic
  migrations (``env.py`` and every revision) holds no ``prefect`` module.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "synergia"
FORBIDDEN = ("prefect", "tasks", "flows", "cli", "deploy")


def _forbidden(name: str | None) -> bool:
    return bool(name) and name.split(".")[0] in FORBIDDEN


def upward_imports(source: str, filename: str = "<string>") -> list[str]:
    """``file:line: name`` of every import of a forbidden top-level package in ``source``."""
    found = []
    for node in ast.walk(ast.parse(source, filename)):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            names = [node.module or ""]
        elif isinstance(node, ast.Call):
            func = node.func
            called = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
            if called in ("import_module", "__import__") and node.args and isinstance(node.args[0], ast.Constant):
                names = [str(node.args[0].value)]
        found += [f"{filename}:{node.lineno}: {name}" for name in names if _forbidden(name)]
    return found


def test_the_checker_sees_imports_inside_functions_and_dynamic_ones() -> None:
    source = (
        "import os\nfrom synergia.errors import SafeMessage\nfrom . import sibling\n"
        "def f():\n    from prefect.blocks.system import Secret\n"
        "class C:\n    def g(self):\n        import tasks.mail\n"
        "def h():\n    import importlib\n    return importlib.import_module('flows.nightly')\n"
        "import prefectlike\n"
    )
    assert upward_imports(source, "x.py") == ["x.py:5: prefect.blocks.system", "x.py:8: tasks.mail", "x.py:11: flows.nightly"]


def test_no_module_of_synergia_imports_prefect_or_a_layer_above_it() -> None:
    files = sorted(PACKAGE.rglob("*.py"))
    assert len(files) > 90 and PACKAGE / "registry" / "migrations" / "env.py" in files
    found = [hit for path in files for hit in upward_imports(path.read_text(encoding="utf-8"), str(path.relative_to(REPO)))]
    assert not found, "\n".join(found)


def test_importing_every_module_and_migrating_loads_no_prefect(tmp_path: Path) -> None:
    code = (
        "import importlib, pkgutil, sys, synergia\n"
        "names = [m.name for m in pkgutil.walk_packages(synergia.__path__, 'synergia.')]\n"
        "for name in names: importlib.import_module(name)\n"
        "from synergia.registry.db import migrate\n"
        f"migrate('sqlite:///{tmp_path / 'r.db'}')\n"
        "bad = sorted(k for k in sys.modules if k.split('.')[0] in ('prefect', 'tasks', 'flows', 'cli'))\n"
        "print(len(names), bad); sys.exit(1 if bad else 0)\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert result.returncode == 0, result.stdout + result.stderr
    assert int(result.stdout.split()[0]) > 80
