"""The ``synergia`` command line (Typer + Rich). Imports flows lazily so ``--help`` stays fast."""
from synergia.cli.app import app

__all__ = ["app"]
