"""Embedded default of the spreadsheet seam: a local XLSX workbook or CSV files.

The spreadsheet id is a path (relative to ``SYNERGIA_DATA_DIR`` unless
absolute): an ``.xlsx`` file (tabs = sheets), a directory of ``<tab>.csv``
files, or one ``.csv`` file (a single tab named after the file). Cells come
back as text formatted the way a sheet shows them, so digits never change.
Owned tabs are written back into the same workbook (or as CSV files beside
it), always as literal text — never as formulas (``synergia.sheets.cells``).

Write-back into an XLSX never loads and re-saves the workbook: openpyxl would
drop the cached values of the staff's formulas, their styles' details and
validation. Instead the owned tab's own part (``xl/worksheets/sheetN.xml``) is
replaced inside the zip with inline-string cells, and every other zip member
is copied byte for byte; a tab that does not exist yet is added as a new part
(with its entries in ``workbook.xml``, its rels and ``[Content_Types].xml``,
edited as text so nothing else in them changes). See ``xlsx_parts``.
"""

from __future__ import annotations

import contextlib
import csv
import io
import os
import re
import stat
import tempfile
import zipfile
from collections.abc import Callable, Collection, Sequence
from datetime import date, datetime, time
from pathlib import Path
from typing import IO, Any
from xml.etree import ElementTree

from synergia.parallel import fork_pair, fork_until_done
from synergia.sheets.base import DEFAULT_OWNED, SheetData, SpreadsheetError, UnreadableWorkbook, WorksheetNotFound, ensure_owned
from synergia.sheets.cells import as_text_rows
from synergia.sheets.forking import may_fork
from synergia.sheets.xlsx_parts import (  # here: no import in a worker
    REL_OFFICE_DOCUMENT,
    _relationships,
    _rels_path,
    _resolve,
    stored_bytes,
)


def format_cell(value: object) -> str:
    """The text a spreadsheet would display for a cell value."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S") if value.time() != time(0) else value.strftime("%Y-%m-%d")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class WorkbookBackend:
    name = "workbook"

    def __init__(self, base_dir: Path):
        self.base_dir = Path(base_dir)
        self.reads = 0
        self.writes = 0

    def path_of(self, spreadsheet: str) -> Path:
        p = Path(spreadsheet)
        return p if p.is_absolute() else self.base_dir / p

    # -- reading ---------------------------------------------------------
    def read_tabs(self, spreadsheet: str, tabs: Sequence[str], *, owned: Collection[str] = DEFAULT_OWNED) -> SheetData:
        path = self.path_of(spreadsheet)
        if not path.exists():
            raise WorksheetNotFound(f"Nie znaleziono skoroszytu '{path}' (workbook not found).")
        self.reads += 1
        found: dict[str, list[list[str]]] = {}
        uncached: dict[str, set[tuple[int, int]]] = {}
        if path.is_dir():
            available = {f.stem: f for f in path.glob("*.csv")}
            for tab in tabs:
                if tab in available:
                    found[tab] = _read_csv(available[tab])
        elif path.suffix.lower() == ".csv":
            for tab in tabs:
                if tab == path.stem:
                    found[tab] = _read_csv(path)
        else:
            found, uncached = _read_xlsx(path, tabs)
        _trim_tabs(found, uncached)
        return _sheet_data(spreadsheet, tabs, found, uncached)

    def read_tabs_split(
        self,
        spreadsheet: str,
        tabs: Sequence[str],
        *,
        owned: Collection[str] = DEFAULT_OWNED,
        movable: Collection[str],
        there: Callable[..., Any],
        here: Callable[[SheetData], Any],
        first: Callable[[Any], Any],
        processes: int | None = None,
    ) -> tuple[Any, Any, Any] | None:
        """``read_tabs`` shared with one forked worker, tab by tab: the worker reads some of
        ``movable`` (the biggest that fit in ``WORKER_SHARE`` of the tabs' XML) and gives them to
        ``there({tab: (rows, uncached)}, locale, done_here, send)`` (rows and uncached cells as
        ``read_tabs`` gives them; ``send``, ``done_here``: see ``fork_until_done``); this process
        reads the other tabs at the same time and gives their ``SheetData`` to ``here``, then what
        the worker sent to ``first``. Returns (``here``'s, ``first``'s and ``there``'s results);
        None where no split pays off or the workbook is read with openpyxl (``_read_xlsx``): then
        call ``read_tabs``. ``there``'s results are pickled back; a worker that fails, dies or
        hangs is redone here (``fork_pair``), so every tab is read the same way, by the same code."""
        path = self.path_of(spreadsheet)
        if not path.is_file() or path.suffix.lower() == ".csv":
            return None
        try:
            data = path.read_bytes()
        except OSError:
            return None  # ``read_tabs`` reports it
        moved = _worker_tabs(data, tabs, movable)
        if not moved or not may_fork(len(data), processes, FORK_BYTES):
            return None
        import python_calamine  # noqa: F401  # here: no import in the worker

        stay = [t for t in tabs if t not in moved]

        def mine() -> tuple[bool, Any]:
            lossy, found, uncached = _read_some(path, data, stay, strings=True)
            if lossy:
                return True, None
            return False, here(_sheet_data(spreadsheet, stay, found, uncached))

        def theirs(done_here: Callable[[], bool], send: Callable[[Any], None]) -> tuple[bool, Any]:
            lossy, found, uncached = _read_some(path, data, moved, strings=False)
            if lossy:
                send(None)
                return True, None
            return False, there({tab: (rows, uncached.get(tab) or None) for tab, rows in found.items()}, None, done_here, send)

        def then(sent: Any) -> Any:
            return None if sent is None else first(sent)

        (lossy_here, result), early, (lossy_there, done) = fork_until_done(mine, theirs, then, redo_here=True)
        if lossy_here or lossy_there:
            return None
        self.reads += 1
        return result, early, done

    def fingerprint(
        self, spreadsheet: str, tabs: Sequence[str], *, owned: Collection[str] = DEFAULT_OWNED
    ) -> tuple[str, str | None] | None:
        """(digest of what ``read_tabs(tabs)`` would return, the locale it would give) without reading
        the cells (``workbook_fingerprint``); None: no cheap answer, read."""
        digest = workbook_fingerprint(self.path_of(spreadsheet), tabs, owned)
        return None if digest is None else (digest, None)  # read_tabs gives no locale

    # -- writing ---------------------------------------------------------
    def write_tab(self, spreadsheet: str, tab: str, rows: Sequence[Sequence[str]], *, owned: Collection[str] = DEFAULT_OWNED) -> None:
        """Replace owned tab ``tab``. CSV: the tab's own file, beside the staff's (their files are
        never opened for writing). XLSX: only the tab's sheet part inside the staff's workbook (see
        ``synergia.sheets.xlsx_parts``); every other member of the file keeps its bytes. Both are
        atomic (temp file + ``os.replace``) and keep the file's mode and owner."""
        ensure_owned(tab, owned)
        path = self.path_of(spreadsheet)
        self.writes += 1
        if path.is_dir() or path.suffix.lower() == ".csv":
            target = path / f"{tab}.csv" if path.is_dir() else path.with_name(f"{path.stem} - {tab}.csv")
            data = as_text_rows(rows, "csv")
            # UTF-8 with BOM: Excel then opens the Polish letters right; the reader accepts both.
            _atomic_write(target, lambda fh: csv.writer(fh).writerows(data), text=True, encoding="utf-8-sig")
            return
        from synergia.sheets.xlsx_parts import new_workbook_bytes, replace_sheet

        data = as_text_rows(rows, "typed")
        if not path.exists():
            _atomic_write(path, lambda fh: fh.write(new_workbook_bytes(tab, data)), text=False)
            return
        try:
            source = path.read_bytes()
            result = replace_sheet(source, tab, data)
        except (OSError, ValueError, KeyError, zipfile.BadZipFile, ElementTree.ParseError) as exc:
            raise SpreadsheetError(
                f"Nie można zapisać zakładki '{tab}' w skoroszycie '{path.name}': "
                f"{type(exc).__name__} (cannot write the tab into the workbook)."
            ) from None
        _atomic_write(path, lambda fh: fh.write(result), text=False)


def _unreadable(path: Path, exc: BaseException) -> UnreadableWorkbook:
    return UnreadableWorkbook(
        f"Nie można otworzyć skoroszytu '{path.name}': plik uszkodzony albo nie jest w formacie XLSX "
        f"({type(exc).__name__}) — zapisz go ponownie jako .xlsx (cannot open workbook: corrupt or not XLSX)."
    )


def _read_xlsx(path: Path, tabs: Sequence[str]) -> tuple[dict[str, list[list[str]]], dict[str, set[tuple[int, int]]]]:
    """Cached values of ``tabs``, and where a formula has no cached value.

    Read with python-calamine (Rust; ~10x faster than openpyxl's read-only mode on a form tab of
    100k rows). Cells come out exactly as openpyxl's ``data_only`` read gave them (``format_cell``;
    ``tests/foundation/test_workbook_reader.py``), with two gaps of calamine filled in: an error
    cell (``#N/A``) reads as "" there, so error cells and formulas without a cached value are taken
    from the sheet's XML (one pass, only for a sheet that has any); and calamine trims the spaces
    around a text run stored without ``xml:space="preserve"`` (Excel and LibreOffice always set it,
    other writers may not): such a workbook is read with openpyxl, as before.

    The XML scan of a big workbook runs in a forked worker while calamine reads the cells here
    (the worker gets the file's bytes, read here, and sends back the scan's few findings); a
    worker that fails or dies is redone here (``synergia.parallel.fork_pair``)."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise _unreadable(path, exc) from None

    def scan() -> _Scan:
        return _scan_workbook(path, data, tabs)

    def calamine() -> tuple[dict[str, list[list[str]]] | None, SpreadsheetError | None]:
        try:
            return _read_cells_calamine(path, tabs), None
        except SpreadsheetError as exc:  # the scan's own error (a corrupt zip) is raised first
            return None, exc

    if may_fork(len(data), None, FORK_BYTES):
        read, (lossy, uncached, errors) = fork_pair(calamine, scan, redo_here=True)
    else:
        lossy, uncached, errors = scan()
        read = calamine() if not lossy else (None, None)
    if lossy:
        found = _read_cells_openpyxl(path, tabs)
    elif read[1] is not None:
        raise read[1]
    else:
        found = read[0] or {}
    _fill(found, uncached, errors)
    return found, uncached


def _fill(
    found: dict[str, list[list[str]]], uncached: dict[str, set[tuple[int, int]]], errors: dict[str, dict[tuple[int, int], str]]
) -> None:
    """The scan's findings into the cells read: error cells' text, and formulas without a cached
    value as empty cells (so their rows are not trimmed away); ``uncached`` of tabs not read dropped."""
    for tab in list(uncached):
        if tab not in found:
            del uncached[tab]
    for tab, errs in errors.items():
        rows = found.get(tab)
        for (r, c), text in sorted(errs.items()) if rows is not None else ():
            _grow(rows, r, c)
            rows[r][c] = text
    for tab, cells in uncached.items():
        rows = found[tab]
        for r, c in cells:  # make the cell exist, as an empty string, so the row is not trimmed away
            _grow(rows, r, c)


#: compressed workbook size from which the XML scan runs beside the calamine read (~5k form rows)
FORK_BYTES = 1 << 20
#: ``read_tabs_split``: the most of the tabs' sheet XML the worker reads (it also does more per row:
#: its rows' validation, ``synergia.sheets.read``), and the least that pays for the fork (~9k form rows)
WORKER_SHARE = 0.45
WORKER_MIN_BYTES = 8 << 20


def _worker_tabs(data: bytes, tabs: Sequence[str], movable: Collection[str]) -> list[str]:
    """The tabs of ``movable`` a worker reads (``read_tabs_split``): largest sheet part first, each
    that keeps the worker within ``WORKER_SHARE`` of all ``tabs``; none below ``WORKER_MIN_BYTES``."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = _sheet_parts(archive)
            sizes = {t: archive.getinfo(parts[t]).file_size for t in tabs if parts.get(t) in archive.NameToInfo}
    except (OSError, zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError):
        return []  # ``read_tabs`` reports it
    total, taken, out = sum(sizes.values()), 0, []
    for tab in sorted((t for t in sizes if t in movable), key=lambda t: (-sizes[t], t)):
        if taken + sizes[tab] <= WORKER_SHARE * total:
            taken += sizes[tab]
            out.append(tab)
    return out if taken >= WORKER_MIN_BYTES else []


def _read_some(path: Path, data: bytes, tabs: Sequence[str], *, strings: bool) -> tuple[bool, dict[str, list[list[str]]], dict]:
    """(lossy, cells, uncached) of ``tabs`` as ``read_tabs`` gives them, read with calamine; lossy
    (calamine would trim a text run: ``_read_xlsx``) without reading. ``strings``: check the shared strings."""
    lossy, uncached, errors = _scan_workbook(path, data, tabs, strings=strings)
    if lossy:
        return True, {}, {}
    found = _read_cells_calamine(path, tabs)
    _fill(found, uncached, errors)
    _trim_tabs(found, uncached)
    return False, found, uncached


def _trim_tabs(found: dict[str, list[list[str]]], uncached: dict[str, set[tuple[int, int]]]) -> None:
    """Each tab's trailing empty rows and cells dropped (``_trim``), rows holding a formula without a cached value kept."""
    for tab, rows in found.items():
        _trim(rows, keep={r for r, _ in uncached.get(tab, ())})


def _sheet_data(
    spreadsheet: str, tabs: Sequence[str], found: dict[str, list[list[str]]], uncached: dict[str, set[tuple[int, int]]]
) -> SheetData:
    """``read_tabs``' answer: the tabs found, the ones missing, the uncached formula cells of tabs that have any."""
    missing = tuple(t for t in tabs if t not in found)
    return SheetData(spreadsheet=spreadsheet, tabs=found, locale=None, missing=missing, uncached={t: c for t, c in uncached.items() if c})


_Scan = tuple[bool, dict[str, set[tuple[int, int]]], dict[str, dict[tuple[int, int], str]]]


def _scan_workbook(path: Path, data: bytes, tabs: Sequence[str], *, strings: bool = True) -> _Scan:
    """(lossy, uncached, errors) of ``tabs`` from the workbook's bytes: whether calamine would trim
    a text run, the formulas without a cached value and the error cells (see ``_read_xlsx``).
    ``strings``: the shared strings too (they hold the text of every tab)."""
    uncached: dict[str, set[tuple[int, int]]] = {}
    errors: dict[str, dict[tuple[int, int], str]] = {}
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = _sheet_parts(archive)
            lossy = strings and any(
                _trimmed_text(archive.read(name)) for name in archive.namelist() if name.lower().endswith("sharedstrings.xml")
            )
            for tab in tabs:
                part = parts.get(tab)
                if not part or part not in archive.NameToInfo:
                    continue
                xml = archive.read(part)
                lossy = lossy or _trimmed_text(xml)
                cells, errs = _scan_cells(xml)
                del xml
                if cells:
                    uncached[tab] = cells
                if errs:
                    errors[tab] = errs
    except (OSError, zipfile.BadZipFile, KeyError, ElementTree.ParseError, ValueError) as exc:
        raise _unreadable(path, exc) from None
    return lossy, uncached, errors


def _read_cells_calamine(path: Path, tabs: Sequence[str]) -> dict[str, list[list[str]]]:
    from python_calamine import CalamineWorkbook

    found: dict[str, list[list[str]]] = {}
    try:
        book = CalamineWorkbook.from_path(str(path))
    except Exception as exc:  # corrupt file, not an xlsx, ...: asking again will not help
        raise _unreadable(path, exc) from None
    try:
        kinds = {m.name: str(m.typ) for m in book.sheets_metadata}
        for tab in tabs:
            if tab in kinds and kinds[tab].endswith("WorkSheet"):
                rows = book.get_sheet_by_name(tab).to_python(skip_empty_area=False)  # from A1, as a sheet shows it
                _as_text(rows)
                found[tab] = rows
    except Exception as exc:
        raise _unreadable(path, exc) from None
    finally:
        book.close()
    return found


def _as_text(rows: list[list]) -> None:
    """Every cell of ``rows`` that is not text as ``format_cell`` shows it, in place (text cells,
    nearly all, are kept as they are). A block of rows that ``str.join`` takes holds only text
    (calamine gives exact ``str``): one C call per row and one per block, no Python step per cell."""
    join = "".join
    for start in range(0, len(rows), _BLOCK):
        block = rows[start : start + _BLOCK]
        try:
            join(map(join, block))
            continue
        except TypeError:  # a number, a date, a bool, None somewhere in the block
            pass
        for row in block:
            if not _ONLY_TEXT.issuperset(map(type, row)):
                for i, v in enumerate(row):
                    if type(v) is not str:
                        row[i] = format_cell(v)


_BLOCK = 256
_ONLY_TEXT = frozenset({str})


def _read_cells_openpyxl(path: Path, tabs: Sequence[str]) -> dict[str, list[list[str]]]:
    from openpyxl import load_workbook

    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:
        raise _unreadable(path, exc) from None
    try:
        return {
            tab: [[format_cell(v) for v in row] for row in wb[tab].iter_rows(values_only=True)]
            for tab in tabs
            if tab in wb.sheetnames and hasattr(wb[tab], "iter_rows")
        }
    finally:
        wb.close()


def _grow(rows: list[list[str]], r: int, c: int) -> None:
    while len(rows) <= r:
        rows.append([])
    while len(rows[r]) <= c:
        rows[r].append("")


_NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _sheet_parts(archive: zipfile.ZipFile) -> dict[str, str]:
    """Tab name -> its worksheet part (``xl/worksheets/sheet3.xml``), from ``workbook.xml`` and its rels."""
    root_rels = _relationships(archive.read("_rels/.rels"))
    wb_part = next((_resolve("", r["Target"]) for r in root_rels if r.get("Type") == REL_OFFICE_DOCUMENT), "xl/workbook.xml")
    rels = {r["Id"]: r for r in _relationships(archive.read(_rels_path(wb_part)))}
    parts: dict[str, str] = {}
    for sheet in ElementTree.fromstring(archive.read(wb_part)).iter(f"{{{_NS_MAIN}}}sheet"):
        rel = rels.get(sheet.get(f"{{{_NS_R}}}id") or "")
        if rel and rel.get("Target"):
            parts[sheet.get("name") or ""] = _resolve(wb_part, rel["Target"])
    return parts


def _scan_cells(xml: bytes) -> tuple[set[tuple[int, int]], dict[tuple[int, int], str]]:
    """(row index, column index) of ``<c>`` cells with an ``<f>`` formula and no ``<v>`` cached value,
    and the text of error cells (``t="e"``, e.g. ``#N/A``), in a sheet part's XML. One streaming
    pass, skipped when the sheet holds neither a formula nor an error cell."""
    if not _has_formula_or_error(xml):
        return set(), {}
    cells: set[tuple[int, int]] = set()
    errors: dict[tuple[int, int], str] = {}
    row_no, col_no = 0, 0
    for event, elem in ElementTree.iterparse(io.BytesIO(xml), events=("start", "end")):
        tag = elem.tag.rsplit("}", 1)[-1]
        if event == "start":
            if tag == "row":
                row_no = int(elem.get("r") or row_no + 1)
                col_no = 0
            continue
        if tag == "c":
            ref = elem.get("r")
            col_no = _column_index(ref.rstrip("0123456789")) if ref else col_no + 1
            children = {child.tag.rsplit("}", 1)[-1]: child for child in elem}
            value = children.get("v")
            if elem.get("t") == "e" and value is not None and value.text:
                errors[(row_no - 1, col_no - 1)] = value.text
            elif "f" in children and (value is None or value.text is None) and children.get("is") is None:
                cells.add((row_no - 1, col_no - 1))  # a formula without a cached value (an inline string is a value)
            elem.clear()
        elif tag == "row":
            elem.clear()
    return cells, errors


def _column_index(letters: str) -> int:
    """``AB`` -> 28, as ``openpyxl.utils.column_index_from_string`` (A..ZZZ; else ValueError). Here,
    not imported: no import in a forked worker (another thread may hold the import lock)."""
    if not (1 <= len(letters) <= 3 and letters.isascii() and letters.isalpha()):
        raise ValueError("not a column name")
    index = 0
    for ch in letters.upper():
        index = index * 26 + ord(ch) - 64
    return index


_HAS_FORMULA = re.compile(rb"<(?:\w+:)?f[\s>/]")
_HAS_ERROR = re.compile(rb"\st\s*=\s*[\"']e[\"']")
#: white space at the end / start of a text element (``<t>``): calamine trims it unless ``xml:space="preserve"``
_TEXT_ENDS_IN_SPACE = re.compile(rb"\s</(?:\w+:)?t>")
_TEXT_STARTS_WITH_SPACE = re.compile(rb"<(?:\w+:)?t(?:\s[^>]*)?>\s")


def _has_formula_or_error(xml: bytes) -> bool:
    """Literal searches first (memchr-fast on a 50 MB part): ``<f>``, ``<f ``, ``<f/>``, ``t="e"``,
    ``t='e'``; the regexes only for unusual spellings (``:f>``, ``:f ``, ``:f/>``, ``t =``, ``t= ``)."""
    if _followed(xml, b"<f", _F_TAILS) or b't="e"' in xml or b"t='e'" in xml:
        return True
    if _followed(xml, b":f", _F_TAILS) or b"t =" in xml or b"t= " in xml:
        return bool(_HAS_FORMULA.search(xml) or _HAS_ERROR.search(xml))
    return False


_F_TAILS = (b">", b" ", b"/>")


def _followed(xml: bytes, prefix: bytes, tails: tuple[bytes, ...]) -> bool:
    """Is ``prefix`` anywhere followed by one of ``tails``? One search for the prefix (rare in a
    sheet's XML) instead of one per spelling."""
    i = xml.find(prefix)
    while i >= 0:
        if xml.startswith(tails, i + len(prefix)):
            return True
        i = xml.find(prefix, i + 1)
    return False


def _trimmed_text(xml: bytes) -> bool:
    """Does ``xml`` hold a text element with leading or trailing white space and no ``xml:space="preserve"``?
    Literal searches (fast); the regexes only for prefixed elements (``<x:t>``) or unusual attributes."""
    attributed = xml.count(b"<t ")
    if _followed(xml, b":t", (b">", b" ")) or (attributed and attributed != xml.count(b'<t xml:space="preserve">')):
        return _trimmed_text_slow(xml)
    # every white space as a space (same length, same positions): one search per pattern, not four
    spaced = xml.translate(_WHITE_AS_SPACE)
    if b"<t> " in spaced:
        return True
    start = 0
    while (i := spaced.find(b" </t>", start)) >= 0:
        if not xml[xml.rfind(b"<", 0, i) : i].startswith(b'<t xml:space="preserve">'):
            return True
        start = i + 1
    return False


_WHITE_AS_SPACE = bytes.maketrans(b"\t\r\n", b"   ")


def _trimmed_text_slow(xml: bytes) -> bool:
    for m in _TEXT_ENDS_IN_SPACE.finditer(xml):
        opening = xml.rfind(b"<", 0, m.start())  # text holds no "<": this is the element's start tag
        if b"preserve" not in xml[opening : m.start()].split(b">", 1)[0]:
            return True
    return any(b"preserve" not in m.group() for m in _TEXT_STARTS_WITH_SPACE.finditer(xml))


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(newline="", encoding="utf-8-sig") as fh:
        return [list(row) for row in csv.reader(fh)]


def _trim(rows: list[list[str]], keep: set[int] = frozenset()) -> None:
    """Drop trailing empty cells and trailing empty rows, as Google's API does — but never a row
    in ``keep`` (it holds a formula without a value: it is a row staff see, it must be counted)."""
    for r, row in enumerate(rows):
        if r in keep:
            continue
        while row and row[-1] == "":
            row.pop()
    while rows and not rows[-1] and len(rows) - 1 not in keep:
        rows.pop()


def _atomic_write(target: Path, write: Callable[[IO], None], *, text: bool, encoding: str = "utf-8") -> None:
    """Write ``target`` through a temp file in its directory and ``os.replace``. An existing file
    keeps its permission bits and (when we may set it) its owner and group; a new file gets the
    mode the umask gives (not mkstemp's 0600)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        st: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        st = None
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        if st is not None:
            os.fchmod(fd, stat.S_IMODE(st.st_mode))
            with contextlib.suppress(OSError):  # not ours to give away (not root): owner stays the writer
                os.fchown(fd, st.st_uid, st.st_gid)
        else:
            umask = os.umask(0)
            os.umask(umask)
            os.fchmod(fd, 0o666 & ~umask)
        with os.fdopen(fd, "w", newline="", encoding=encoding) if text else os.fdopen(fd, "wb") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


# -- fingerprint (the nightly "sources unchanged" check) ---------------------------------------

#: bump when what the fingerprint covers changes: an old stored fingerprint then never matches
FINGERPRINT_SCHEME = "xlsx-1"


def workbook_fingerprint(path: Path, tabs: Sequence[str], owned: Collection[str] = DEFAULT_OWNED) -> str | None:
    """sha256 of everything in the file that decides what ``read_tabs(tabs)`` returns, and of nothing
    the pipeline's own writes change (``WorkbookBackend.write_tab``: the owned tabs' parts and their
    entries in ``workbook.xml``, its rels and ``[Content_Types].xml``; ``calcChain.xml``, which that
    write may drop and no reader uses for values). Equal fingerprints = equal cells, as read.

    Covered: every other zip member as it is stored (name, method, CRC, size and compressed bytes:
    the source tabs' sheet parts, shared strings, styles — date formats —, the sheets' rels, theme,
    properties), ``workbook.xml`` (tab names → parts, ``date1904``, ...) and the two package parts
    without the owned tabs' elements. A file saved again by a spreadsheet program usually changes
    its bytes: the night then just reads it. None (= read it) for a CSV, a missing source tab or
    anything unusual (duplicate or encrypted members, no transitional ``<sheets>``)."""
    if path.is_dir() or path.suffix.lower() == ".csv":
        return _csv_fingerprint(path, tabs)
    try:
        data = path.read_bytes()
        return xlsx_fingerprint(data, tabs, owned)
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        return None


def xlsx_fingerprint(data: bytes, tabs: Sequence[str], owned: Collection[str] = DEFAULT_OWNED) -> str | None:
    """``workbook_fingerprint`` of an XLSX file's bytes ``data``."""
    import hashlib

    from synergia.sheets.xlsx_parts import NS_PKG_REL, REL_CALC_CHAIN

    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        names = [i.filename for i in infos]
        if len(set(names)) != len(names) or any(i.flag_bits & 0x1 for i in infos):
            return None
        root_rels = _relationships(archive.read("_rels/.rels"))
        wb_part = next((_resolve("", r["Target"]) for r in root_rels if r.get("Type") == REL_OFFICE_DOCUMENT), "xl/workbook.xml")
        wb_rels_part = _rels_path(wb_part)
        wb_root = ElementTree.fromstring(archive.read(wb_part))
        rels_root = ElementTree.fromstring(archive.read(wb_rels_part))
        rels = {el.get("Id"): el for el in rels_root if el.tag == f"{{{NS_PKG_REL}}}Relationship"}
        sheets_el = wb_root.find(f"{{{_NS_MAIN}}}sheets")
        if sheets_el is None:
            return None
        folded = {name.casefold() for name in owned}
        present = {s.get("name") or "" for s in sheets_el}
        if any(tab not in present for tab in tabs):
            return None  # a missing source tab: the night reads (and reports it)
        skip = {"[Content_Types].xml", wb_part, wb_rels_part}
        dropped_parts: set[str] = set()
        for sheet in list(sheets_el):
            if (sheet.get("name") or "").casefold() not in folded:
                continue
            rid = sheet.get(f"{{{_NS_R}}}id") or ""
            rel = rels.pop(rid, None)
            sheets_el.remove(sheet)
            if rel is not None:
                rels_root.remove(rel)
                if rel.get("Target"):
                    part = _resolve(wb_part, rel.get("Target") or "")
                    dropped_parts.update((part, _rels_path(part)))
        for rel in list(rels.values()):
            if rel.get("Type") == REL_CALC_CHAIN:
                rels_root.remove(rel)
                if rel.get("Target"):
                    dropped_parts.add(_resolve(wb_part, rel.get("Target") or ""))
        skip |= dropped_parts
        types_root = ElementTree.fromstring(archive.read("[Content_Types].xml"))
        for el in list(types_root):
            part_name = (el.get("PartName") or "").lstrip("/")
            if part_name in dropped_parts:
                types_root.remove(el)
        h = hashlib.sha256(FINGERPRINT_SCHEME.encode())
        for label, root in (("workbook", wb_root), ("rels", rels_root), ("types", types_root)):
            h.update(f"\0{label}\0".encode())
            h.update(ElementTree.tostring(root))
        for info in sorted(infos, key=lambda i: i.filename):
            if info.filename in skip:
                continue
            h.update(f"\0{info.filename}\0{info.compress_type}\0{info.CRC}\0{info.file_size}\0".encode())
            stored = stored_bytes(data, info)
            h.update(stored if stored is not None else archive.read(info.filename))
    return h.hexdigest()


def _csv_fingerprint(path: Path, tabs: Sequence[str]) -> str | None:
    """A CSV workbook: the source tabs' files (the owned tabs are files of their own, never these)."""
    import hashlib

    files = [path / f"{tab}.csv" for tab in tabs] if path.is_dir() else [path if tab == path.stem else None for tab in tabs]
    h = hashlib.sha256(b"csv-1")
    for tab, f in zip(tabs, files, strict=True):
        if f is None or not f.is_file():
            return None
        h.update(f"\0{tab}\0".encode())
        h.update(f.read_bytes())
    return h.hexdigest()
