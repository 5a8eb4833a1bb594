"""The ``synergia`` console script: Prefect's settings first, then the Typer app.

Prefect reads its settings once, at import; ``synergia.bootstrap`` sets them
(and may start the temporary API server early) before this module imports
``cli.app``, whose commands import flows and so prefect.
"""

from __future__ import annotations

import os
import sys


def main() -> None:
    from synergia.bootstrap import prefect_environment, start_early_server

    prefect_environment()
    if sys.argv[1:2] == ["dedupe"]:  # a plain file run starts lean, without the Typer app (synergia/dedupe/csvfile.py)
        from synergia.dedupe.csvfile import fast_main

        code = fast_main(sys.argv[2:])
        if code is not None:
            # the run is over (files closed): leave without the interpreter's teardown, which
            # frees every cached normalised value one by one (~0.8 s CPU at 100k records)
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(code)
    start_early_server(sys.argv[1:])
    from cli.app import app

    app()
