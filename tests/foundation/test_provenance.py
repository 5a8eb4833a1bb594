"""``code_digest``: a stored result is reused only while the code (and libraries) that made it are unchanged."""

from __future__ import annotations

import importlib
import sys

from synergia.provenance import code_digest


def _package(root, name: str, files: dict[str, str]) -> None:
    folder = root / name
    folder.mkdir(exist_ok=True)
    for file, text in files.items():
        (folder / file).write_text(text, encoding="utf-8")


def test_a_changed_file_of_a_package_or_module_changes_the_digest(tmp_path, monkeypatch) -> None:
    monkeypatch.syspath_prepend(str(tmp_path))
    _package(tmp_path, "prov_pkg", {"__init__.py": "", "rules.py": "LIMIT = 100\n", "reading.py": "X = 1\n"})
    importlib.invalidate_caches()
    try:
        whole = code_digest(["prov_pkg"])
        one = code_digest(["prov_pkg.rules"])
        assert whole != one  # a package covers every module of its folder, not only __init__
        (tmp_path / "prov_pkg" / "reading.py").write_text("X = 2\n", encoding="utf-8")
        assert code_digest(["prov_pkg"]) != whole  # a module the package never imports still counts
        assert code_digest(["prov_pkg.rules"]) == one
        (tmp_path / "prov_pkg" / "rules.py").write_text("LIMIT = 101\n", encoding="utf-8")
        assert code_digest(["prov_pkg.rules"]) != one
    finally:
        for name in [m for m in sys.modules if m.startswith("prov_pkg")]:
            del sys.modules[name]


def test_library_versions_and_salt_count(monkeypatch) -> None:
    import synergia.provenance as provenance

    base = code_digest(["synergia.heap"], ["phonenumbers"])
    assert code_digest(["synergia.heap"], ["phonenumbers"], salt="fields v2") != base
    monkeypatch.setattr(provenance, "version", lambda name: "0.0.1-other")
    assert code_digest(["synergia.heap"], ["phonenumbers"]) != base
    assert len(base) == 32  # fits the registry's String(32) scheme column (dedupe_norms.scheme)
