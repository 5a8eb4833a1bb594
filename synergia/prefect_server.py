"""The temporary Prefect API server of one ``synergia demo`` / ``synergia run`` process.

The same application Prefect's own temporary server runs
(``prefect.server.api.server:create_app``, ephemeral: no UI, no scheduler), but
started by :mod:`synergia.bootstrap` first thing, so its start (10-30 s on a
busy machine: importing the server, opening its SQLite database) overlaps with
the CLI loading the flows instead of following it. It exits when its parent
does, even a killed one. Prefect is imported only inside :func:`main`.

Usage (internal): ``python -m synergia.prefect_server PORT PARENT_PID``
"""

from __future__ import annotations

import os
import sys
import threading
import time


def _exit_with_parent(parent: int) -> None:
    while True:
        if os.getppid() != parent:
            os._exit(0)
        time.sleep(1)


def main(argv: list[str] | None = None) -> None:
    port, parent = (int(x) for x in (argv or sys.argv[1:])[:2])
    threading.Thread(target=_exit_with_parent, args=(parent,), daemon=True, name="parent-watch").start()
    # what prefect.server.api.server.SubprocessASGIServer sets for its own temporary server
    os.environ.update(PREFECT_UI_ENABLED="0", PREFECT__SERVER_EPHEMERAL="1", PREFECT__SERVER_FINAL="1")
    import uvicorn

    uvicorn.run("prefect.server.api.server:create_app", factory=True, host="127.0.0.1", port=port, log_level="error", lifespan="on")


if __name__ == "__main__":
    main()
