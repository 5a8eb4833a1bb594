"""The spreadsheet seam: one small interface over "a workbook with tabs".

Everything the pipeline reads from or writes to the staff's spreadsheet goes
through a ``SpreadsheetBackend``. The embedded default is a local XLSX/CSV
workbook (``synergia.sheets.workbook``); production uses Google Sheets
(``synergia.sheets.gsheets``). Both return cells as *formatted strings* so that
PESELs, phones and postcodes keep their digits.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol, Sequence, runtime_checkable

#: Tabs the pipeline owns in the staff spreadsheet. Nothing else is ever written.
OWNED_TABS: tuple[str, ...] = ("Odrzucone", "Do sprawdzenia", "Wskaźniki")


class SpreadsheetError(Exception):
    """A spreadsheet could not be read or written. Messages never carry cell values."""


class WorksheetNotFound(SpreadsheetError):
    """The spreadsheet (or a tab of it) does not exist or is not shared with us:
    retrying will not help, the configuration or the sharing must change."""


class UnreadableWorkbook(SpreadsheetError):
    """The file is corrupt or not a workbook at all: permanent, retrying reads the same bytes."""


class NotAnOwnedTab(SpreadsheetError):
    """Refusal to write a tab the pipeline does not own."""


@dataclass(frozen=True)
class SheetData:
    """Values of the requested tabs of one spreadsheet.

    ``tabs`` maps tab title -> rows (row 1 = header), every cell a string,
    trailing empty cells may be omitted (as Google does). ``locale`` is the
    spreadsheet's locale (e.g. ``pl_PL``) when the backend knows it, used to
    parse Forms timestamps.
    """

    spreadsheet: str
    tabs: dict[str, list[list[str]]]
    locale: str | None = None
    missing: tuple[str, ...] = field(default=())
    #: tab -> (row index, column index) of cells holding a formula without a computed value (XLSX
    #: saved by a program that does not calculate); those cells read as "" and are never trimmed away.
    uncached: dict[str, set[tuple[int, int]]] = field(default_factory=dict)


@runtime_checkable
class SpreadsheetBackend(Protocol):
    """Read several tabs at once; replace an owned tab in one write."""

    name: str

    def read_tabs(self, spreadsheet: str, tabs: Sequence[str]) -> SheetData:
        """Read all values of ``tabs``. Tabs that do not exist are listed in
        ``SheetData.missing`` instead of raising, so one missing tab does not
        hide the others."""
        ...

    def write_tab(self, spreadsheet: str, tab: str, rows: Sequence[Sequence[str]]) -> None:
        """Replace the whole content of owned tab ``tab`` (created if absent)
        with ``rows`` in one write. Values are literal text, never formulas.
        Raises ``NotAnOwnedTab`` for a tab outside ``OWNED_TABS``."""
        ...


def ensure_owned(tab: str) -> None:
    if tab not in OWNED_TABS:
        raise NotAnOwnedTab(
            f"Synergia zapisuje tylko własne zakładki {OWNED_TABS}; odmowa zapisu do '{tab}'. "
            f"(Synergia only writes its own tabs; refusing to write '{tab}'.)"
        )


def same_table(current: Sequence[Sequence[str]] | None, desired: Sequence[Sequence[str]]) -> bool:
    """Compare two tab contents as a sheet shows them (trailing empty cells/rows ignored),
    so write-back can skip a write when nothing changed."""

    def norm(rows: Sequence[Sequence[str]] | None) -> list[list[str]]:
        out = [["" if c is None else str(c) for c in r] for r in (rows or [])]
        for r in out:
            while r and r[-1] == "":
                r.pop()
        while out and not out[-1]:
            out.pop()
        return out

    return norm(current) == norm(desired)
