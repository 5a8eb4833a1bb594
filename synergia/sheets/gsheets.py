"""Google Sheets behind the spreadsheet seam.

Reading a spreadsheet costs two requests whatever the number of tabs and rows:
one metadata GET (titles, grid sizes, locale) and one ``values:batchGet`` with
FORMATTED_VALUE, so PESELs, phones and postcodes arrive as the digits staff see.
Writing an owned tab costs one atomic ``spreadsheets:batchUpdate``: an
``updateSheetProperties`` growing the grid when the rows or columns do not fit
(a new tab has Google's 1,000 x 26 grid, staff may have shrunk one; the grid is
never shrunk), then ``updateCells`` over the whole tab with string cells (text,
never a formula; formula-like values also get the ``'`` of
``synergia.sheets.cells``) that clears every other value of the tab. A missing
owned tab is created and filled in one ``batchUpdate`` (addSheet with a grid
that holds the rows + updateCells); a server that refuses that (400 or 501)
gets addSheet and a ``values:batchUpdate`` RAW as two requests. A refusal by
Google (400 such as "exceeds grid limits", 401, 403, 501) raises
``GoogleRequestRejected``, a ``RequestRejected``: permanent, never retried.
"""

from __future__ import annotations

import random
import threading
import time
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, TypeVar

from synergia.sheets.a1 import index_to_col
from synergia.sheets.base import DEFAULT_OWNED, RequestRejected, SheetData, SpreadsheetError, WorksheetNotFound, ensure_owned
from synergia.sheets.cells import as_text_rows

_T = TypeVar("_T")

#: How long metadata fetched by this process is reused by later reads (one nightly run).
META_MAX_AGE = 900.0

META_FIELDS = "spreadsheetId,properties(title,locale,timeZone),sheets.properties(sheetId,title,index,gridProperties(rowCount,columnCount))"


class GoogleApiError(SpreadsheetError):
    """Google answered with an error status (after retries, for the retryable ones)."""

    def __init__(self, code: int, message: str):
        super().__init__(message)
        self.code = code


class GoogleRequestRejected(GoogleApiError, RequestRejected):
    """Google refused the request itself (400, 401, 403, 501, ...): permanent, never retried."""


def is_permanent_status(code: int) -> bool:
    """4xx except 408/429 (and 404, reported as ``WorksheetNotFound``), and 501 Not Implemented."""
    return (400 <= code < 500 and code not in (408, 429)) or code == 501


def _hint(code: int, error: object) -> str:
    """A short English hint for the refusals we can name; never the message itself (it may quote a range)."""
    message = error.get("message", "") if isinstance(error, dict) else ""
    if code == 400 and "exceeds grid limits" in message:
        return "; range exceeds grid limits"
    return ""


def _cell_rows(data: list[list[str]]) -> list[dict]:
    """Rows of string cells for updateCells; an empty value clears its cell."""
    return [{"values": [{"userEnteredValue": {"stringValue": c}} if c != "" else {} for c in row]} for row in data]


def a1_tab(title: str) -> str:
    """A whole-tab range; always quoted so titles like 'A1' or 'Wskaźniki' are never misread."""
    return "'" + title.replace("'", "''") + "'"


@dataclass
class _TabInfo:
    sheet_id: int
    rows: int
    cols: int
    extent: tuple[int, int] | None = None  # (rows, cols) of content last seen; None = unknown


@dataclass
class _SheetMeta:
    locale: str | None
    time_zone: str | None
    tabs: dict[str, _TabInfo] = field(default_factory=dict)
    fetched_at: float = field(default_factory=time.monotonic)


#: Metadata shared by backend instances of one process, keyed by (API base, spreadsheet id):
#: Prefect tasks build their own backend, and the write after a read must not cost another read.
#: Holds titles, ids and sizes only, never cell values.
_META_CACHE: dict[tuple[str, str], _SheetMeta] = {}
_META_LOCK = threading.Lock()
#: API endpoints (cache keys) seen refusing create-and-fill or updateCells (a partial Sheets server):
#: their owned-tab writes use ``values:batchUpdate`` within the grid. Google is never among them.
_PARTIAL_SERVERS: set[str] = set()


def clear_metadata_cache() -> None:
    with _META_LOCK:
        _META_CACHE.clear()
        _PARTIAL_SERVERS.clear()


class GoogleSheetsBackend:
    name = "gsheets"

    def __init__(self, client: Any, *, cache_key: str = "google"):
        """``client`` is a gspread ``Client`` (built by ``synergia.google``)."""
        self.client = client
        self.http = client.http_client
        self.cache_key = cache_key

    @property
    def request_count(self) -> int:
        """HTTP attempts made through this backend's session (retries included)."""
        return getattr(self.http.session, "request_count", 0)

    # ------------------------------------------------------------------ reads
    def _fetch_meta(self, spreadsheet: str) -> _SheetMeta:
        raw = self._call(
            "odczyt metadanych",
            spreadsheet,
            self.http.fetch_sheet_metadata,
            spreadsheet,
            params={"includeGridData": "false", "fields": META_FIELDS},
        )
        props = raw.get("properties", {})
        meta = _SheetMeta(props.get("locale"), props.get("timeZone"))
        for sh in raw.get("sheets", []):
            p = sh.get("properties", {})
            grid = p.get("gridProperties", {})
            meta.tabs[p.get("title", "")] = _TabInfo(p.get("sheetId", 0), grid.get("rowCount", 0), grid.get("columnCount", 0))
        with _META_LOCK:
            _META_CACHE[(self.cache_key, spreadsheet)] = meta
        return meta

    def read_tabs(self, spreadsheet: str, tabs: Sequence[str], *, owned: Collection[str] = DEFAULT_OWNED) -> SheetData:
        """One metadata GET + one batchGet. When only the pipeline's own tabs (``owned``) are asked for
        (a later step of the run), metadata this process fetched less than ``META_MAX_AGE`` ago is
        reused: those tabs change only through us, and the bound is two reads per spreadsheet per night."""
        if tabs and all(t in owned for t in tabs):
            meta, fresh = self._recent_meta(spreadsheet)
        else:
            meta, fresh = self._fetch_meta(spreadsheet), True
        try:
            return self._read(spreadsheet, tabs, meta)
        except GoogleApiError as exc:
            if fresh or exc.code != 400:
                raise
            # A tab in the reused metadata is gone (renamed or deleted meanwhile): look again, once.
            return self._read(spreadsheet, tabs, self._fetch_meta(spreadsheet))

    def _recent_meta(self, spreadsheet: str) -> tuple[_SheetMeta, bool]:
        with _META_LOCK:
            meta = _META_CACHE.get((self.cache_key, spreadsheet))
        if meta is not None and time.monotonic() - meta.fetched_at < META_MAX_AGE:
            return meta, False
        return self._fetch_meta(spreadsheet), True

    def _read(self, spreadsheet: str, tabs: Sequence[str], meta: _SheetMeta) -> SheetData:
        wanted = list(dict.fromkeys(tabs))
        present = [t for t in wanted if t in meta.tabs]
        missing = tuple(t for t in wanted if t not in meta.tabs)
        values: dict[str, list[list[str]]] = {}
        if present:
            raw = self._call(
                "odczyt wartości",
                spreadsheet,
                self.http.values_batch_get,
                spreadsheet,
                [a1_tab(t) for t in present],
                params={
                    "valueRenderOption": "FORMATTED_VALUE",
                    "majorDimension": "ROWS",
                    "dateTimeRenderOption": "FORMATTED_STRING",
                    "prettyPrint": "false",  # no indentation: about a third fewer bytes for a form's cells
                },
            )
            ranges = raw.get("valueRanges", [])
            if len(ranges) != len(present):
                raise SpreadsheetError(
                    f"Arkusz {spreadsheet}: odpowiedź batchGet ma {len(ranges)} zakresów "
                    f"zamiast {len(present)} (unexpected batchGet reply)."
                )
            for title, vr in zip(present, ranges):
                rows = [["" if c is None else str(c) for c in row] for row in vr.get("values", [])]
                values[title] = rows
                meta.tabs[title].extent = (len(rows), max((len(r) for r in rows), default=0))
        return SheetData(spreadsheet=spreadsheet, tabs=values, locale=meta.locale, missing=missing)

    # ------------------------------------------------------------------ writes
    def write_tab(self, spreadsheet: str, tab: str, rows: Sequence[Sequence[str]], *, owned: Collection[str] = DEFAULT_OWNED) -> None:
        ensure_owned(tab, owned)
        data = as_text_rows(rows, "typed")
        try:
            self._write(spreadsheet, tab, data, self._recent_meta(spreadsheet)[0])
        except GoogleApiError as exc:
            if exc.code not in (400, 404):
                raise
            # The cached metadata may be stale (staff renamed, deleted or resized the tab): look again, once.
            self._write(spreadsheet, tab, data, self._fetch_meta(spreadsheet))

    def _write(self, spreadsheet: str, tab: str, data: list[list[str]], meta: _SheetMeta) -> None:
        """Existing tab: ONE atomic batchUpdate — the grid grown first if the rows or columns do not
        fit (never shrunk: a tab staff made smaller is grown back, one staff made larger stays so),
        then updateCells over the whole tab (our rows as string cells, every other value cleared)."""
        width = max((len(r) for r in data), default=0)
        info = meta.tabs.get(tab)
        if info is None:
            if self._create_filled_tab(spreadsheet, meta, tab, data, width):
                return
            info = self._add_tab(spreadsheet, meta, tab, len(data), width)
            self._write_values(spreadsheet, tab, data, width, info)
            # addSheet and values were taken where addSheet + updateCells was not: a partial server,
            # whose later writes of this process go the values way too.
            _PARTIAL_SERVERS.add(self.cache_key)
            return
        fits = len(data) <= info.rows and width <= info.cols
        grid = {"rowCount": max(info.rows, len(data)), "columnCount": max(info.cols, width)}
        requests: list[dict] = []
        if not fits:
            requests.append(
                {
                    "updateSheetProperties": {
                        "properties": {"sheetId": info.sheet_id, "gridProperties": grid},
                        "fields": "gridProperties.rowCount,gridProperties.columnCount",
                    }
                }
            )
        requests.append({"updateCells": {"range": {"sheetId": info.sheet_id}, "rows": _cell_rows(data), "fields": "userEnteredValue"}})
        if fits and self.cache_key in _PARTIAL_SERVERS:
            self._write_values(spreadsheet, tab, data, width, info)
            return
        try:
            self._call("zapis zakładki", spreadsheet, self.http.batch_update, spreadsheet, {"requests": requests})
        except GoogleApiError as exc:
            if exc.code != 501 or not fits:
                raise
            # A server without updateCells: the values write, which fits the grid we know.
            _PARTIAL_SERVERS.add(self.cache_key)
            self._write_values(spreadsheet, tab, data, width, info)
            return
        info.rows, info.cols = grid["rowCount"], grid["columnCount"]
        info.extent = (len(data), width)

    def _write_values(self, spreadsheet: str, tab: str, data: list[list[str]], width: int, info: _TabInfo) -> None:
        """One ``values:batchUpdate`` (RAW) anchored at A1, padded with empty strings over the
        previous content so no stale row survives; only within the grid."""
        old_rows, old_cols = info.extent if info.extent is not None else (info.rows, info.cols)
        n_rows, n_cols = max(len(data), old_rows), max(width, old_cols)
        n_rows, n_cols = min(n_rows, max(info.rows, len(data))), min(n_cols, max(info.cols, width))
        if n_rows == 0 or n_cols == 0:
            return
        padded = [r + [""] * (n_cols - len(r)) for r in data] + [[""] * n_cols for _ in range(n_rows - len(data))]
        body = {
            "valueInputOption": "RAW",
            "includeValuesInResponse": False,
            "data": [{"range": f"{a1_tab(tab)}!A1:{index_to_col(n_cols - 1)}{n_rows}", "majorDimension": "ROWS", "values": padded}],
        }
        self._call("zapis zakładki", spreadsheet, self.http.values_batch_update, spreadsheet, body)
        info.extent = (len(data), width)

    def _create_filled_tab(self, spreadsheet: str, meta: _SheetMeta, tab: str, data: list[list[str]], width: int) -> bool:
        """A missing tab is created and filled in ONE atomic batchUpdate (addSheet with a grid that
        holds the rows + updateCells with ``stringValue`` cells: literal text, never formulas), so a
        first night also costs one write. Returns False if the server refuses (400, or 501 from a
        partial Sheets implementation): the caller then adds the tab and writes values separately."""
        taken = {t.sheet_id for t in meta.tabs.values()}
        sheet_id = next(i for i in iter(lambda: random.randrange(1, 2**31 - 1), None) if i not in taken)
        grid = {"rowCount": max(1000, len(data)), "columnCount": max(26, width)}
        body = {
            "requests": [
                {"addSheet": {"properties": {"sheetId": sheet_id, "title": tab, "gridProperties": grid}}},
                {
                    "updateCells": {
                        "start": {"sheetId": sheet_id, "rowIndex": 0, "columnIndex": 0},
                        "rows": _cell_rows(data),
                        "fields": "userEnteredValue",
                    }
                },
            ]
        }
        try:
            self._call("utworzenie zakładki", spreadsheet, self.http.batch_update, spreadsheet, body)
        except GoogleApiError as exc:
            if exc.code not in (400, 501):
                raise
            if exc.code == 501:
                _PARTIAL_SERVERS.add(self.cache_key)
            return False
        meta.tabs[tab] = _TabInfo(sheet_id, grid["rowCount"], grid["columnCount"], extent=(len(data), width))
        return True

    def _add_tab(self, spreadsheet: str, meta: _SheetMeta, tab: str, n_rows: int, n_cols: int) -> _TabInfo:
        grid = {"rowCount": max(1000, n_rows), "columnCount": max(26, n_cols)}
        body = {"requests": [{"addSheet": {"properties": {"title": tab, "gridProperties": grid}}}]}
        try:
            reply = self._call("dodanie zakładki", spreadsheet, self.http.batch_update, spreadsheet, body)
        except GoogleApiError as exc:
            if exc.code != 400:
                raise
            # Someone may have created the tab since our metadata read: look again once.
            meta = self._fetch_meta(spreadsheet)
            if tab in meta.tabs:
                return meta.tabs[tab]
            raise
        replies = reply.get("replies") or [{}]
        props = (replies[0] or {}).get("addSheet", {}).get("properties", {})
        g = props.get("gridProperties", grid)
        info = _TabInfo(
            props.get("sheetId", -1), g.get("rowCount", grid["rowCount"]), g.get("columnCount", grid["columnCount"]), extent=(0, 0)
        )
        meta.tabs[tab] = info
        return info

    # ------------------------------------------------------------------ errors
    def _call(self, what: str, spreadsheet: str, fn: Callable[..., _T], *args: Any, **kwargs: Any) -> _T:
        """Run a gspread call; turn failures into ``SpreadsheetError`` without cell values in the text."""
        import google.auth.exceptions
        import gspread
        import requests

        try:
            result = fn(*args, **kwargs)
        except gspread.exceptions.APIError as exc:
            status = exc.error.get("status", "") if isinstance(exc.error, dict) else ""
            if exc.code == 404:
                raise WorksheetNotFound(
                    f"Arkusz {spreadsheet}: {what} — nie znaleziono (404 {status}; "
                    f"spreadsheet not found or not shared with the service account)."
                ) from None
            cls = GoogleRequestRejected if is_permanent_status(exc.code) else GoogleApiError
            raise cls(
                exc.code, f"Arkusz {spreadsheet}: {what} nie powiódł się (Google API {exc.code} {status}{_hint(exc.code, exc.error)})."
            ) from None
        except google.auth.exceptions.GoogleAuthError as exc:
            raise SpreadsheetError(
                f"Arkusz {spreadsheet}: {what} — uwierzytelnienie konta usługi nie powiodło się "
                f"({type(exc).__name__}; check the key and its token_uri)."
            ) from None
        except requests.RequestException as exc:
            raise SpreadsheetError(f"Arkusz {spreadsheet}: {what} — błąd połączenia ({type(exc).__name__}).") from None
        return result
