"""How many examples a property test draws.

Each test asks for the number it needs at full strength; that is what ``make test`` and CI
run. ``make test-fast`` (the quick tier while working) sets ``EXAMPLES_SCALE=0.25`` and draws
a quarter of them, never fewer than ``FLOOR``. Hypothesis keeps the failing examples it
found in its database and tries them first on the next run, whatever the scale.
"""

from __future__ import annotations

import os

FLOOR = 25
SCALE = float(os.environ.get("EXAMPLES_SCALE", "1") or 1)


def examples(n: int) -> int:
    """``n`` at full strength, scaled for the quick tier."""
    return n if SCALE >= 1 else max(min(n, FLOOR), round(n * SCALE))
