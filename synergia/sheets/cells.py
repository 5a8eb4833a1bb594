"""The one rule for what a value we write into a spreadsheet cell looks like: always text.

A value that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return
is read as a formula by Excel, LibreOffice or Google Sheets when a person opens
a CSV file, re-types the cell, or exports the tab (CSV/formula injection,
OWASP). Every backend writes cells through ``as_text_cell``:

* ``csv`` (a file that carries no cell types): such a value gets a leading
  apostrophe ``'`` (the OWASP rule), without exception.
* ``typed`` (XLSX inline strings, Google Sheets string cells): the cell type
  already keeps the value text in that application; the apostrophe is added as
  well, so the value also stays text in the tab's CSV export and when staff
  re-type the cell. The only exception are plain numbers such as ``-5`` or
  ``+48600100200`` (a sign and digits, optionally a decimal part): no
  application turns them into anything but the number, and a phone number
  keeps its exact text in Sheets/XLSX.

The rule is idempotent (an escaped value is not escaped again), so a tab read
back compares equal to what we would write (``matches_written``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Literal

Medium = Literal["csv", "typed"]

#: First characters a spreadsheet application may take for the start of a formula.
FORMULA_LEADS = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(?:[.,]\d+)?")


def needs_quote(value: str, medium: Medium) -> bool:
    if not value.startswith(FORMULA_LEADS):
        return False
    return not (medium == "typed" and _PLAIN_NUMBER.fullmatch(value))


def as_text_cell(value: object, medium: Medium) -> str:
    """The text to store for ``value`` so it is never evaluated (see the module docstring)."""
    text = "" if value is None else str(value)
    return "'" + text if needs_quote(text, medium) else text


def as_text_rows(rows: Sequence[Sequence[object]], medium: Medium) -> list[list[str]]:
    return [[as_text_cell(c, medium) for c in row] for row in rows]


def matches_written(current: str, desired: str) -> bool:
    """Whether a cell read back shows what writing ``desired`` leaves there, in any medium."""
    return current in (as_text_cell(desired, "csv"), as_text_cell(desired, "typed"))
