"""The ``synergia`` console script: Prefect's settings first, then the Typer app.

Prefect reads its settings once, at import; ``synergia.bootstrap`` sets them
(and may start the temporary API server early) before this module imports
``cli.app``, whose commands import flows and so prefect.
"""
from __future__ import annotations

import sys


def main() -> None:
    from synergia.bootstrap import prefect_environment, start_early_server

    prefect_environment()
    start_early_server(sys.argv[1:])
    from cli.app import app

    app()
