"""Import every table module so Base.metadata is complete (for Alembic autogenerate and tests)."""

import importlib
import pkgutil

import synergia.registry as _pkg
from synergia.registry import tables  # noqa: F401

for _mod in pkgutil.iter_modules(_pkg.__path__):
    if _mod.name.startswith("tables_"):
        importlib.import_module(f"synergia.registry.{_mod.name}")
