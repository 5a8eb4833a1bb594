"""The one Jinja2 environment for every text staff may edit: certificate layouts, e-mails, the
verification site and the coordinators' summary.

- sandboxed: a template is data a coordinator edits, not code;
- ``StrictUndefined``: a misspelt variable fails loudly instead of printing blanks;
- autoescape for ``*.html`` / ``*.html.j2`` files only (names like "O'Brien & Syn" stay intact in
  HTML); plain texts, subjects and certificate blocks are not escaped;
- block tags take their line with them (``trim_blocks``, ``lstrip_blocks``), a file keeps its last newline;
- the Polish filters of ``synergia.formatting``.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import FileSystemLoader, StrictUndefined, select_autoescape
from jinja2.sandbox import SandboxedEnvironment

from synergia.formatting import pl_date, pl_dates, pl_datetime, pl_formal_date, pl_number, pl_percent

#: Filter name -> function, the same in every template.
FILTERS = {
    "pl_date": pl_formal_date,  # 5 marca 2026 r.
    "pl_dates": pl_dates,  # 12, 19 i 26 marca 2026 r.
    "pl_number": pl_number,  # 1 234,5
    "pl_percent": pl_percent,  # 12,5 %
    "data": pl_date,  # 5 marca 2026; data("dd.MM.y") -> 05.03.2026
    "data_czas": pl_datetime,  # 5 marca 2026, 14:30
}


@lru_cache(maxsize=16)
def _environment(directory: str | None) -> SandboxedEnvironment:
    env = SandboxedEnvironment(
        loader=FileSystemLoader(directory) if directory else None,
        autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default_for_string=False, default=False),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env


def environment(directory: str | Path | None = None) -> SandboxedEnvironment:
    """The environment loading templates from ``directory`` (None: ``from_string`` texts only); cached."""
    return _environment(str(directory) if directory is not None else None)
