"""The spreadsheet seam: one small interface over "a workbook with tabs".

Everything the pipeline reads from or writes to the staff's spreadsheet goes
through a ``SpreadsheetBackend``. The embedded default is a local XLSX/CSV
workbook (``synergia.sheets.workbook``); production uses Google Sheets
(``synergia.sheets.gsheets``). Both return cells as *formatted strings* so that
PESELs, phones and postcodes keep their digits.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from config.tabs import DEFAULT_TABS
from synergia.errors import SafeMessage

#: Names of the tabs the pipeline owns when a project does not rename them (``config.tabs``). The
#: owned tabs themselves are the table in ``synergia.sheets.owned``; nothing else is ever written.
DEFAULT_OWNED: tuple[str, ...] = DEFAULT_TABS.names()


class SpreadsheetError(SafeMessage, Exception):
    """A spreadsheet could not be read or written. Messages never carry cell values."""


class WorksheetNotFound(SpreadsheetError):
    """The spreadsheet (or a tab of it) does not exist or is not shared with us:
    retrying will not help, the configuration or the sharing must change."""


class UnreadableWorkbook(SpreadsheetError):
    """The file is corrupt or not a workbook at all: permanent, retrying reads the same bytes."""


class NotAnOwnedTab(SpreadsheetError):
    """Refusal to write a tab the pipeline does not own."""


class RequestRejected(SpreadsheetError):
    """The spreadsheet service refused the request itself (400 bad request or grid limits, 501 not
    implemented, 401/403): the same request will be refused again, so it is never retried."""


#: Spreadsheet errors that no retry can fix (tasks pass these to ``retry_unless``).
PERMANENT_ERRORS: tuple[type[SpreadsheetError], ...] = (WorksheetNotFound, NotAnOwnedTab, RequestRejected)


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
    """Read several tabs at once; replace an owned tab in one write.

    ``owned`` is the names of the pipeline's own tabs in this spreadsheet (the project's
    ``spreadsheet.tabs``, passed by ``synergia.sheets.owned``); without it the default names."""

    name: str

    def read_tabs(self, spreadsheet: str, tabs: Sequence[str], *, owned: Collection[str] = DEFAULT_OWNED) -> SheetData:
        """Read all values of ``tabs``. Tabs that do not exist are listed in
        ``SheetData.missing`` instead of raising, so one missing tab does not
        hide the others."""
        ...

    def write_tab(self, spreadsheet: str, tab: str, rows: Sequence[Sequence[str]], *, owned: Collection[str] = DEFAULT_OWNED) -> None:
        """Replace the whole content of owned tab ``tab`` (created if absent)
        with ``rows`` in one write. Values are literal text, never formulas; each goes through
        ``synergia.sheets.cells.as_text_cell`` (formula-like values get a leading ``'``).
        Raises ``NotAnOwnedTab`` for a tab outside ``owned``."""
        ...

    # Optional (not part of the protocol check): ``fingerprint(spreadsheet, tabs, *, owned) ->
    # (digest, locale) | None`` — see ``fingerprint_of``. The workbook backend has it.


def ensure_owned(tab: str, owned: Collection[str] = DEFAULT_OWNED) -> None:
    if tab not in owned:
        raise NotAnOwnedTab(
            f"Synergia zapisuje tylko własne zakładki {tuple(owned)}; odmowa zapisu do '{tab}'. "
            f"(Synergia only writes its own tabs; refusing to write '{tab}'.)"
        )


def fingerprint_of(
    backend: SpreadsheetBackend, spreadsheet: str, tabs: Sequence[str], *, owned: Collection[str] = DEFAULT_OWNED
) -> tuple[str, str | None] | None:
    """(digest, locale) of what ``backend.read_tabs(spreadsheet, tabs)`` would return, when the backend
    can tell it cheaply: an optional ``fingerprint`` method with ``read_tabs``' arguments. Equal digests
    promise equal tabs (as read) and locale; the pipeline's own ``write_tab`` never changes it. None
    (a backend without the method, as Google Sheets, or no cheap answer): the caller reads."""
    method = getattr(backend, "fingerprint", None)
    if method is None:
        return None
    return method(spreadsheet, tabs, owned=owned)
