"""Digests of code: a result stored by one run may be reused only while the code that made it is unchanged."""

from __future__ import annotations

import hashlib
import importlib
from collections.abc import Iterable
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

#: the libraries the people-data rules (``synergia.validation``) lean on: a new version may read a value otherwise
PEOPLE_DATA_LIBRARIES = ("phonenumbers", "email-validator", "python-stdnum")


def code_digest(modules: Iterable[str], distributions: Iterable[str] = (), salt: str = "") -> str:
    """blake2b-128 hex of ``salt``, the source of ``modules`` (a package: every ``.py`` file of its
    folder, in name order) and the installed versions of ``distributions``."""
    h = hashlib.blake2b(salt.encode(), digest_size=16)
    for name in modules:
        path = Path(importlib.import_module(name).__file__)
        for f in sorted(path.parent.glob("*.py")) if path.name == "__init__.py" else [path]:
            h.update(f.name.encode())
            h.update(f.read_bytes())
    for distribution in distributions:
        try:
            installed = version(distribution)
        except PackageNotFoundError:
            installed = "-"
        h.update(f"{distribution}={installed}".encode())
    return h.hexdigest()
