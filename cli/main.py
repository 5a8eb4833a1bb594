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
    if sys.argv[1:2] == ["dedupe"]:  # a plain file run starts lean, without the Typer app (synergia/dedupe/csvfile.py)
        from synergia.dedupe.csvfile import fast_main

        code = fast_main(sys.argv[2:])
        if code is not None:
            raise SystemExit(code)
    start_early_server(sys.argv[1:])
    from cli.app import app

    app()
