"""Prefect Secret blocks: how ``block:<name>`` settings (the Google key) are read.

``synergia/`` never imports prefect, so ``synergia.runtime`` asks a reader installed
by the layers above it: the tasks (``tasks/_prefect.py``) and the CLI (``cli/app.py``).
Importing this module does not import prefect.
"""

from __future__ import annotations

from typing import Any


def read_secret_block(name: str) -> Any:
    """The value of the Prefect Secret block ``name`` (a JSON string or a mapping)."""
    from prefect.blocks.system import Secret

    return Secret.load(name).get()
