"""In-memory spreadsheets with the value semantics of Sheets v4 that the project relies on.

Cells keep what was entered (string, number, bool or formula text) and render it
as FORMATTED_VALUE / UNFORMATTED_VALUE / FORMULA. Formulas are stored, not
evaluated (their formatted value is the formula text); the conformance replay
therefore skips comparisons that depend on evaluation.
"""

from __future__ import annotations

import copy
import math
import random
import re
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from . import fieldmask
from .a1 import Bounds, RangeError, format_range, parse_cells, split_sheet


class ApiError(Exception):
    """An error Google would answer with ``{"error": {"code", "message", "status"}}``."""

    STATUS = {
        400: "INVALID_ARGUMENT",
        401: "UNAUTHENTICATED",
        403: "PERMISSION_DENIED",
        404: "NOT_FOUND",
        408: "DEADLINE_EXCEEDED",
        429: "RESOURCE_EXHAUSTED",
        500: "INTERNAL",
        501: "UNIMPLEMENTED",
        503: "UNAVAILABLE",
    }

    def __init__(self, code: int, message: str, details: list[dict] | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.details = details

    def body(self) -> dict:
        err: dict[str, Any] = {"code": self.code, "message": self.message, "status": self.STATUS.get(self.code, "UNKNOWN")}
        if self.details:
            err["details"] = self.details
        return {"error": err}


def bad_request(message: str) -> ApiError:
    return ApiError(400, message)


NOT_FOUND = "Requested entity was not found."

# --------------------------------------------------------------------------- cells

_NUMBER = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")
_THOUSANDS = re.compile(r"^[+-]?\d{1,3}(,\d{3})+(\.\d+)?$")
_PERCENT = re.compile(r"^[+-]?(\d+\.?\d*|\.\d+)%$")


@dataclass(frozen=True)
class Cell:
    """One cell: the entered value and, for formatted input such as '1,000' or '5%', its display.
    Frozen: a write puts a new cell in place, so a spreadsheet's working copy may share them."""

    value: str | float | bool
    formula: str | None = None
    display: str | None = None


def format_number(x: float) -> str:
    """Sheets' automatic number format for what the project reads: integers without '.0'."""
    if isinstance(x, bool):
        return "TRUE" if x else "FALSE"
    if math.isfinite(x) and x == int(x) and abs(x) < 1e15:
        return str(int(x))
    text = f"{x:.10g}"
    if "e" in text:
        mant, exp = text.split("e")
        return f"{mant.upper()}E{'+' if int(exp) >= 0 else '-'}{abs(int(exp)):02d}"
    return text


def json_number(x: float) -> int | float:
    return int(x) if math.isfinite(x) and x == int(x) and abs(x) < 2**53 else x


def parse_user_entered(raw: Any) -> Cell | None:
    """USER_ENTERED: what typing ``raw`` into the UI would store."""
    if not isinstance(raw, str) or raw == "":
        return parse_raw(raw)
    text = raw
    if text.startswith("="):
        return Cell("", formula=text)
    if text.startswith("'"):
        return Cell(text[1:])
    if text.upper() in ("TRUE", "FALSE"):
        return Cell(text.upper() == "TRUE")
    stripped = text.strip()
    if _NUMBER.match(stripped):
        return Cell(float(stripped))
    if _THOUSANDS.match(stripped):
        return Cell(float(stripped.replace(",", "")), display=stripped)
    if _PERCENT.match(stripped):
        return Cell(float(stripped[:-1]) / 100, display=stripped)
    return Cell(text)


def parse_raw(raw: Any) -> Cell | None:
    """RAW: strings stay strings (a leading '=' is text, never a formula)."""
    if raw is None:
        return None
    if isinstance(raw, bool):
        return Cell(raw)
    if isinstance(raw, (int, float)):
        return Cell(float(raw))
    text = str(raw)
    return None if text == "" else Cell(text)


def render(cell: Cell | None, option: str) -> Any:
    if cell is None:
        return ""
    if option == "FORMULA" and cell.formula is not None:
        return cell.formula
    if cell.formula is not None:
        return cell.formula if option == "FORMATTED_VALUE" else ""
    v = cell.value
    if option == "FORMATTED_VALUE":
        if isinstance(v, bool):
            return "TRUE" if v else "FALSE"
        if isinstance(v, float):
            return cell.display if cell.display is not None else format_number(v)
        return v
    if isinstance(v, float):
        return json_number(v)
    return v


def _trim(rows: list[list[Any]]) -> list[list[Any]]:
    out = []
    for row in rows:
        end = len(row)
        while end and row[end - 1] == "":
            end -= 1
        out.append(row[:end])
    while out and not out[-1]:
        out.pop()
    return out


# --------------------------------------------------------------------------- sheets


@dataclass
class Sheet:
    properties: dict[str, Any]
    cells: dict[tuple[int, int], Cell] = field(default_factory=dict)
    merges: list[dict] = field(default_factory=list)

    @property
    def title(self) -> str:
        return self.properties["title"]

    @property
    def sheet_id(self) -> int:
        return self.properties["sheetId"]

    @property
    def rows(self) -> int:
        return self.properties["gridProperties"]["rowCount"]

    @property
    def cols(self) -> int:
        return self.properties["gridProperties"]["columnCount"]

    def grow(self, rows: int, cols: int) -> None:
        grid = self.properties["gridProperties"]
        grid["rowCount"] = max(grid["rowCount"], rows)
        grid["columnCount"] = max(grid["columnCount"], cols)

    def resize(self, rows: int | None = None, cols: int | None = None) -> None:
        grid = self.properties["gridProperties"]
        if rows is not None:
            grid["rowCount"] = rows
        if cols is not None:
            grid["columnCount"] = cols
        self.cells = {k: v for k, v in self.cells.items() if k[0] < self.rows and k[1] < self.cols}

    def insert_rows(self, at: int, n: int) -> None:
        _shift(self, 0, at, n)
        self.properties["gridProperties"]["rowCount"] += n

    def matrix(self, r1: int, c1: int, r2: int, c2: int, option: str) -> list[list[Any]]:
        return [[render(self.cells.get((r, c)), option) for c in range(c1, c2)] for r in range(r1, r2)]


@dataclass
class Spreadsheet:
    spreadsheet_id: str
    properties: dict[str, Any]
    sheets: list[Sheet] = field(default_factory=list)
    named_ranges: list[dict] = field(default_factory=list)

    def working_copy(self) -> Spreadsheet:
        """A copy a write may change and that is committed only if the whole write succeeds: every
        container copied, the (frozen) cells shared. ``copy.deepcopy`` of a 100k-row tab took
        longer than a client's 30 s timeout."""
        return Spreadsheet(
            self.spreadsheet_id,
            copy.deepcopy(self.properties),
            [Sheet(copy.deepcopy(sh.properties), dict(sh.cells), copy.deepcopy(sh.merges)) for sh in self.sheets],
            copy.deepcopy(self.named_ranges),
        )

    def reindex(self) -> None:
        for i, sh in enumerate(self.sheets):
            sh.properties["index"] = i

    def by_title(self, title: str) -> Sheet | None:
        for sh in self.sheets:
            if sh.title == title:
                return sh
        low = title.lower()
        for sh in self.sheets:
            if sh.title.lower() == low:
                return sh
        return None

    def by_id(self, sheet_id: int) -> Sheet:
        for sh in self.sheets:
            if sh.sheet_id == sheet_id:
                return sh
        raise bad_request(f"No grid with id: {sheet_id}")

    # ----------------------------------------------------------- range resolution
    def resolve(self, text: str) -> tuple[Sheet, Bounds]:
        """Sheet and bounds of a request range (sheet title, A1 range or named range)."""
        try:
            title, cells = split_sheet(text)
        except RangeError:
            raise bad_request(f"Unable to parse range: {text}") from None
        for nr in self.named_ranges:
            if nr["name"] == cells:
                g = nr["range"]
                return self.by_id(g.get("sheetId", 0)), Bounds(
                    g.get("startRowIndex"), g.get("startColumnIndex"), g.get("endRowIndex"), g.get("endColumnIndex")
                )
        if title is None:
            sheet = self.by_title(cells)
            if sheet is not None:
                return sheet, Bounds(None, None, None, None)
            sheet = self.sheets[0]
        else:
            sheet = self.by_title(title)
            if sheet is None:
                raise bad_request(f"Unable to parse range: {text}")
        try:
            return sheet, parse_cells(cells)
        except RangeError:
            raise bad_request(f"Unable to parse range: {text}") from None

    def has_formula(self, text: str) -> bool:
        """Whether a range holds formulas (their values would need evaluation)."""
        sheet, b = self.resolve(text)
        r1, c1, r2, c2 = b.resolve(sheet.rows, sheet.cols)
        return any(cell.formula is not None for (r, c), cell in sheet.cells.items() if r1 <= r < r2 and c1 <= c < c2)

    def grid_bounds(self, sheet: Sheet, b: Bounds, *, text: str) -> tuple[int, int, int, int]:
        r1, c1, r2, c2 = b.resolve(sheet.rows, sheet.cols)
        if r2 > sheet.rows or c2 > sheet.cols:
            raise bad_request(
                f"Range ({format_range(sheet.title, r1, c1, r2, c2)}) exceeds grid limits. "
                f"Max rows: {sheet.rows}, max columns: {sheet.cols}"
            )
        return r1, c1, r2, c2

    @staticmethod
    def check_grid(sheet: Sheet, b: Bounds, r1: int, c1: int, n_rows: int, n_cols: int) -> None:
        """Google's refusal of a write outside the grid: the requested range itself (an explicit
        range ending past the grid, or an anchor outside it), else the cells the data reaches."""
        limits = f"exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
        if b.r2 is not None and b.c2 is not None and (b.r2 > sheet.rows or b.c2 > sheet.cols) or r1 >= sheet.rows or c1 >= sheet.cols:
            r2 = b.r2 if b.r2 is not None else max(r1 + 1, r1 + n_rows)
            c2 = b.c2 if b.c2 is not None else max(c1 + 1, c1 + n_cols)
            raise bad_request(f"Range ({format_range(sheet.title, r1, c1, r2, c2)}) {limits}")
        if r1 + n_rows > sheet.rows or c1 + n_cols > sheet.cols:
            raise bad_request(f"Range ({format_range(sheet.title, r1, c1, r1 + n_rows, c1 + n_cols)}) {limits}")

    # ----------------------------------------------------------- values endpoints
    def values_get(self, text: str, *, major: str = "ROWS", render_option: str = "FORMATTED_VALUE") -> dict:
        sheet, b = self.resolve(text)
        r1, c1, r2, c2 = self.grid_bounds(sheet, b, text=text)
        data = sheet.matrix(r1, c1, r2, c2, render_option)
        if major == "COLUMNS":
            data = [list(col) for col in zip(*data)] if data else []
        out: dict[str, Any] = {"range": format_range(sheet.title, r1, c1, r2, c2), "majorDimension": major}
        trimmed = _trim(data)
        if trimmed:
            out["values"] = trimmed
        return out

    def values_update(
        self,
        text: str,
        values: Any,
        *,
        major: str | None,
        input_option: str,
        include_values: bool = False,
        render_option: str = "FORMATTED_VALUE",
        field_name: str = "data.values",
        touched: set | None = None,
        grow: bool = False,
    ) -> dict:
        """Write values like Google: a range that reaches past the tab's grid is refused (400
        "exceeds grid limits"), nothing grows the grid but ``values:append`` (``grow``) and
        batchUpdate's dimension/properties requests."""
        if input_option not in ("RAW", "USER_ENTERED"):
            raise bad_request(
                "Invalid valueInputOption: INPUT_VALUE_OPTION_UNSPECIFIED"
                if not input_option
                else f"Invalid value at 'value_input_option' ({input_option})"
            )
        if not isinstance(values, list) or any(not isinstance(r, list) for r in values):
            shown = values if isinstance(values, str) else str(values)
            message = f"Invalid value at '{field_name}' (type.googleapis.com/google.protobuf.ListValue), \"{shown}\""
            raise ApiError(
                400,
                message,
                details=[
                    {
                        "@type": "type.googleapis.com/google.rpc.BadRequest",
                        "fieldViolations": [{"field": field_name, "description": message}],
                    }
                ],
            )
        sheet, b = self.resolve(text)
        rows = values if (major or "ROWS") == "ROWS" else [list(r) for r in _transpose(values)]
        n_rows = len(rows)
        n_cols = max((len(r) for r in rows), default=0)
        r1 = b.r1 or 0
        c1 = b.c1 or 0
        explicit = b.r2 is not None and b.c2 is not None and not (b.r2 - r1 == 1 and b.c2 - c1 == 1)
        if explicit and (n_rows > b.r2 - r1 or n_cols > b.c2 - c1):
            req = format_range(sheet.title, r1, c1, b.r2, b.c2)
            if n_rows > b.r2 - r1:
                raise bad_request(f"Requested writing within range [{req}], but tried writing to row [{r1 + n_rows}]")
            raise bad_request(
                f"Requested writing within range [{req}], but tried writing to column "
                f"[{format_range(sheet.title, 0, c1 + n_cols - 1, 1, c1 + n_cols).split('!')[1][:-1]}]"
            )
        if not grow:
            self.check_grid(sheet, b, r1, c1, n_rows, n_cols)
        parse = parse_raw if input_option == "RAW" else parse_user_entered
        sheet.grow(r1 + n_rows, c1 + n_cols)
        cells = 0
        rows_hit: set[int] = set()
        cols_hit: set[int] = set()
        for i, row in enumerate(rows):
            for j, raw in enumerate(row):
                if raw is None:
                    continue
                cells += 1
                rows_hit.add(i)
                cols_hit.add(j)
                cell = parse(raw)
                if cell is None:
                    sheet.cells.pop((r1 + i, c1 + j), None)
                else:
                    sheet.cells[(r1 + i, c1 + j)] = cell
                if touched is not None:
                    touched.add((sheet.title, r1 + i, c1 + j))
        out: dict[str, Any] = {"spreadsheetId": self.spreadsheet_id}
        if n_rows and n_cols:
            rng = format_range(sheet.title, r1, c1, r1 + n_rows, c1 + n_cols)
            out.update(updatedRange=rng, updatedRows=len(rows_hit), updatedColumns=len(cols_hit), updatedCells=cells)
            if include_values:
                out["updatedData"] = self.values_get(rng, major=major or "ROWS", render_option=render_option)
        else:
            out["updatedRange"] = format_range(sheet.title, r1, c1, r1 + 1, c1 + 1)
        return out

    def values_clear(self, text: str) -> dict:
        """Clear a range; one that starts past the grid is refused as Google does (a range that
        starts inside and ends past it is clipped)."""
        sheet, b = self.resolve(text)
        r1, c1, r2, c2 = b.resolve(sheet.rows, sheet.cols)
        if r1 >= sheet.rows or c1 >= sheet.cols:
            raise bad_request(
                f"Range ({format_range(sheet.title, r1, c1, max(r2, r1 + 1), max(c2, c1 + 1))}) "
                f"exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
            )
        r2, c2 = min(r2, sheet.rows), min(c2, sheet.cols)
        for key in [k for k in sheet.cells if r1 <= k[0] < r2 and c1 <= k[1] < c2]:
            del sheet.cells[key]
        return {"spreadsheetId": self.spreadsheet_id, "clearedRange": format_range(sheet.title, r1, c1, r2, c2)}

    def values_append(
        self,
        text: str,
        values: Any,
        *,
        major: str | None,
        input_option: str,
        insert_option: str = "OVERWRITE",
        include_values: bool = False,
        render_option: str = "FORMATTED_VALUE",
    ) -> dict:
        """Append after the table found in ``text`` (the block of filled rows the range touches)."""
        sheet, b = self.resolve(text)
        r1, c1, r2, c2 = b.resolve(sheet.rows, sheet.cols)
        single = b.r2 is not None and b.c2 is not None and b.r2 - r1 == 1 and b.c2 - c1 == 1
        if single:
            r2, c2 = sheet.rows, sheet.cols
        filled = {k for k, cell in sheet.cells.items() if r1 <= k[0] < r2 and c1 <= k[1] < c2 and render(cell, "FORMATTED_VALUE") != ""}
        table = _table(filled, (r1, c1) if single else None)
        out: dict[str, Any] = {"spreadsheetId": self.spreadsheet_id}
        if table:
            top, left, bottom, right = table
            out["tableRange"] = format_range(sheet.title, top, left, bottom + 1, right + 1)
            start_row, start_col = bottom + 1, left
        else:
            start_row, start_col = r1, c1
        if insert_option == "INSERT_ROWS" and isinstance(values, list):
            n = len(values) if (major or "ROWS") == "ROWS" else max((len(r) for r in values), default=0)
            sheet.insert_rows(start_row, n)
        target = format_range(sheet.title, start_row, start_col, start_row + 1, start_col + 1)
        upd = self.values_update(
            target, values, major=major, input_option=input_option, include_values=include_values, render_option=render_option, grow=True
        )
        out["updates"] = upd
        return out

    # ----------------------------------------------------------- metadata
    def metadata(self, include_grid: bool = False) -> dict:
        sheets = []
        for sh in self.sheets:
            entry: dict[str, Any] = {"properties": copy.deepcopy(sh.properties)}
            if sh.merges:
                entry["merges"] = copy.deepcopy(sh.merges)
            if include_grid:
                rows = []
                for r in range(sh.rows):
                    vals = []
                    for c in range(sh.cols):
                        cell = sh.cells.get((r, c))
                        vals.append({} if cell is None else {"formattedValue": render(cell, "FORMATTED_VALUE")})
                    while vals and not vals[-1]:
                        vals.pop()
                    rows.append({"values": vals} if vals else {})
                while rows and not rows[-1]:
                    rows.pop()
                entry["data"] = [{"rowData": rows}] if rows else [{}]
            sheets.append(entry)
        out: dict[str, Any] = {"spreadsheetId": self.spreadsheet_id, "properties": copy.deepcopy(self.properties), "sheets": sheets}
        if self.named_ranges:
            out["namedRanges"] = [_named_range_reply(n) for n in self.named_ranges]
        out["spreadsheetUrl"] = f"https://docs.google.com/spreadsheets/d/{self.spreadsheet_id}/edit"
        return out


def _named_range_reply(nr: dict) -> dict:
    """Google omits ``sheetId`` 0 (a proto default) from GridRanges in replies."""
    out = copy.deepcopy(nr)
    if out.get("range", {}).get("sheetId") == 0:
        del out["range"]["sheetId"]
    return out


def _table(filled: set[tuple[int, int]], anchor: tuple[int, int] | None) -> tuple[int, int, int, int] | None:
    """Google's append target: the block of touching filled cells at ``anchor`` (a single-cell
    range), else the last block of the range. Returns (top, left, bottom, right) inclusive."""
    seen: set[tuple[int, int]] = set()
    blocks = []
    for start in sorted(filled):
        if start in seen:
            continue
        stack, block = [start], []
        seen.add(start)
        while stack:
            r, c = stack.pop()
            block.append((r, c))
            for n in ((r + 1, c), (r - 1, c), (r, c + 1), (r, c - 1)):
                if n in filled and n not in seen:
                    seen.add(n)
                    stack.append(n)
        blocks.append(block)
    if not blocks:
        return None
    if anchor is not None:
        chosen = next((b for b in blocks if anchor in b), None)
        if chosen is None:
            return None
    else:
        chosen = max(blocks, key=lambda b: (max(r for r, _ in b), max(c for _, c in b)))
    return (min(r for r, _ in chosen), min(c for _, c in chosen), max(r for r, _ in chosen), max(c for _, c in chosen))


def _transpose(values: list[list[Any]]) -> list[list[Any]]:
    width = max((len(r) for r in values), default=0)
    return [[r[i] if i < len(r) else None for r in values] for i in range(width)]


def _shift(sheet: Sheet, axis: int, start: int, delta: int) -> None:
    """Insert (delta > 0) or delete (delta < 0) ``abs(delta)`` rows/columns at ``start``."""
    moved: dict[tuple[int, int], Cell] = {}
    for (r, c), cell in sheet.cells.items():
        pos = [r, c]
        if delta < 0 and start <= pos[axis] < start - delta:
            continue
        if pos[axis] >= start:
            pos[axis] += delta
        moved[(pos[0], pos[1])] = cell
    sheet.cells = moved


# --------------------------------------------------------------------------- batchUpdate

#: batchUpdate request kinds the emulator models (values and sheet structure).
MODELLED_REQUESTS = frozenset(
    {
        "addSheet",
        "deleteSheet",
        "updateSheetProperties",
        "updateSpreadsheetProperties",
        "insertDimension",
        "deleteDimension",
        "appendDimension",
        "updateCells",
        "mergeCells",
        "unmergeCells",
        "addNamedRange",
        "deleteNamedRange",
        "updateNamedRange",
        "sortRange",
        "copyPaste",
        "cutPaste",
    }
)
#: Kinds accepted and answered with an empty reply because they change only presentation.
PRESENTATION_REQUESTS = frozenset(
    {
        "updateDimensionProperties",
        "autoResizeDimensions",
        "setBasicFilter",
        "clearBasicFilter",
        "addDimensionGroup",
        "deleteDimensionGroup",
        "addProtectedRange",
        "deleteProtectedRange",
        "setDataValidation",
        "repeatCell",
        "updateBorders",
        "addConditionalFormatRule",
    }
)


def _set_path(target: dict, path: list[str], source: dict) -> None:
    src: Any = source
    for p in path:
        src = src.get(p) if isinstance(src, dict) else None
    node = target
    for p in path[:-1]:
        node = node.setdefault(p, {})
    if src is None:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = copy.deepcopy(src)


def _apply_mask(target: dict, source: dict, fields: str) -> None:
    if fields.strip() == "*":
        for k, v in source.items():
            target[k] = copy.deepcopy(v)
        return
    for path in fieldmask.paths(fields):
        _set_path(target, path, source)


class IdSource:
    """Sheet ids: random like Google's, or taken from hints (the conformance replay uses recorded ids)."""

    def __init__(self, seed: int | None = None):
        self.rng = random.Random(seed)
        self.hints: deque[int] = deque()
        self.named_hints: deque[str] = deque()

    def next(self) -> int:
        return self.hints.popleft() if self.hints else self.rng.randrange(1, 2**31 - 1)


def batch_update(
    ss: Spreadsheet, requests: list[dict], ids: IdSource, disabled: frozenset[str] | set[str] = frozenset(), disabled_status: int = 400
) -> list[dict]:
    """Apply requests in order (the caller commits only if all succeed). ``disabled`` kinds are
    refused with ``disabled_status`` (400, or 501 Not Implemented), to play a server that
    implements less of the API."""
    replies: list[dict] = []
    for i, req in enumerate(requests):
        if not isinstance(req, dict) or len(req) != 1:
            raise bad_request(f"Invalid requests[{i}]: exactly one kind of request expected")
        kind, body = next(iter(req.items()))
        if kind in disabled:
            raise ApiError(disabled_status, f"Invalid requests[{i}]: request kind '{kind}' is not supported by this server")
        try:
            replies.append(_apply_one(ss, kind, body or {}, ids))
        except ApiError as exc:
            if exc.message.startswith("Invalid requests["):
                raise
            raise bad_request(f"Invalid requests[{i}].{kind}: {exc.message}") from None
    return replies


def _grid(ss: Spreadsheet, g: dict) -> tuple[Sheet, int, int, int, int]:
    sheet = ss.by_id(g.get("sheetId", 0))
    return (
        sheet,
        g.get("startRowIndex", 0),
        g.get("startColumnIndex", 0),
        g.get("endRowIndex", sheet.rows),
        g.get("endColumnIndex", sheet.cols),
    )


def _cell_from_data(data: dict) -> Cell | None:
    uev = data.get("userEnteredValue")
    if not uev:
        return None
    if "formulaValue" in uev:
        return Cell("", formula=uev["formulaValue"])
    if "stringValue" in uev:
        return Cell(uev["stringValue"]) if uev["stringValue"] != "" else None
    if "numberValue" in uev:
        return Cell(float(uev["numberValue"]))
    if "boolValue" in uev:
        return Cell(bool(uev["boolValue"]))
    return None


def _sort_key(cell: Cell | None, descending: bool) -> tuple:
    if cell is None:
        return (1, 0, "")  # blanks always last
    v = cell.value
    if isinstance(v, bool):
        rank, key = 2, int(v)
    elif isinstance(v, float):
        rank, key = 0, v
    else:
        rank, key = 1, str(v).lower()
    return (0, rank if not descending else -rank, key)


def _apply_one(ss: Spreadsheet, kind: str, body: dict, ids: IdSource) -> dict:
    if kind == "addSheet":
        props = copy.deepcopy(body.get("properties", {}))
        title = props.get("title")
        if title is None:
            n = len(ss.sheets) + 1
            while ss.by_title(f"Sheet{n}") is not None:
                n += 1
            title = f"Sheet{n}"
        if ss.by_title(title) is not None:
            raise bad_request(f'A sheet with the name "{title}" already exists. Please enter another name.')
        sheet_id = props.get("sheetId")
        if sheet_id is None:
            sheet_id = ids.next()
        elif any(sh.sheet_id == sheet_id for sh in ss.sheets):
            raise bad_request(f"Sheet with id {sheet_id} already exists.")
        grid = {"rowCount": 1000, "columnCount": 26}
        grid.update(props.get("gridProperties", {}))
        index = props.get("index", len(ss.sheets))
        new = {"sheetId": sheet_id, "title": title, "index": index, "sheetType": props.get("sheetType", "GRID"), "gridProperties": grid}
        for k in ("hidden", "tabColor", "tabColorStyle", "rightToLeft"):
            if k in props:
                new[k] = props[k]
        sheet = Sheet(new)
        ss.sheets.insert(min(index, len(ss.sheets)), sheet)
        ss.reindex()
        return {"addSheet": {"properties": copy.deepcopy(sheet.properties)}}
    if kind == "deleteSheet":
        sheet = ss.by_id(body.get("sheetId"))
        if len(ss.sheets) == 1:
            raise bad_request("You can't remove all the sheets in a document.")
        ss.sheets.remove(sheet)
        ss.named_ranges = [n for n in ss.named_ranges if n["range"].get("sheetId", 0) != sheet.sheet_id]
        ss.reindex()
        return {}
    if kind == "updateSheetProperties":
        props = body.get("properties", {})
        sheet = ss.by_id(props.get("sheetId", 0))
        fields = body.get("fields", "")
        if not fields:
            raise bad_request("At least one field must be updated with 'fields'.")
        before = copy.deepcopy(sheet.properties)
        _apply_mask(sheet.properties, props, fields)
        sheet.properties["sheetId"] = before["sheetId"]
        if sheet.title != before["title"] and any(s is not sheet and s.title.lower() == sheet.title.lower() for s in ss.sheets):
            sheet.properties = before
            raise bad_request(f'A sheet with the name "{props.get("title")}" already exists. Please enter another name.')
        if sheet.properties.get("hidden") and all(s.properties.get("hidden") for s in ss.sheets):
            sheet.properties = before
            raise bad_request("You can't hide all the sheets in a document.")
        if not sheet.properties.get("hidden"):
            sheet.properties.pop("hidden", None)
        grid = sheet.properties.setdefault("gridProperties", {})
        grid.setdefault("rowCount", before["gridProperties"]["rowCount"])
        grid.setdefault("columnCount", before["gridProperties"]["columnCount"])
        for k in ("frozenRowCount", "frozenColumnCount"):
            if grid.get(k) == 0:
                grid.pop(k)
        if grid.get("hideGridlines") is False:
            grid.pop("hideGridlines")
        sheet.resize(grid["rowCount"], grid["columnCount"])
        if sheet.properties.get("index", before["index"]) != before["index"]:
            target = sheet.properties["index"]
            ss.sheets.remove(sheet)
            # Google's index is the position before the move (moving right counts the sheet itself).
            if target > before["index"]:
                target -= 1
            ss.sheets.insert(max(0, min(target, len(ss.sheets))), sheet)
        ss.reindex()
        return {}
    if kind == "updateSpreadsheetProperties":
        fields = body.get("fields", "")
        _apply_mask(ss.properties, body.get("properties", {}), fields)
        return {}
    if kind in ("insertDimension", "deleteDimension"):
        rng = body.get("range", {})
        sheet = ss.by_id(rng.get("sheetId", 0))
        axis = 0 if rng.get("dimension") == "ROWS" else 1
        start, end = rng.get("startIndex", 0), rng.get("endIndex", 0)
        n = end - start
        key = "rowCount" if axis == 0 else "columnCount"
        if kind == "insertDimension":
            _shift(sheet, axis, start, n)
            sheet.properties["gridProperties"][key] += n
        else:
            _shift(sheet, axis, start, -n)
            sheet.properties["gridProperties"][key] -= n
        return {}
    if kind == "appendDimension":
        sheet = ss.by_id(body.get("sheetId", 0))
        key = "rowCount" if body.get("dimension") == "ROWS" else "columnCount"
        sheet.properties["gridProperties"][key] += body.get("length", 0)
        return {}
    if kind == "updateCells":
        fields = body.get("fields", "")
        touches_values = fields.strip() == "*" or "userEnteredValue" in fields
        if "start" in body:
            st = body["start"]
            sheet = ss.by_id(st.get("sheetId", 0))
            r0, c0 = st.get("rowIndex", 0), st.get("columnIndex", 0)
            area = None
        else:
            sheet, r0, c0, r2, c2 = _grid(ss, body.get("range", {}))
            area = (r0, c0, r2, c2)
        n_rows = len(body.get("rows", []))
        n_cols = max((len(row.get("values", [])) for row in body.get("rows", [])), default=0)
        if r0 >= sheet.rows or c0 >= sheet.cols or r0 + n_rows > sheet.rows or c0 + n_cols > sheet.cols:
            raise bad_request(
                f"Range ({format_range(sheet.title, r0, c0, r0 + max(n_rows, 1), c0 + max(n_cols, 1))}) "
                f"exceeds grid limits. Max rows: {sheet.rows}, max columns: {sheet.cols}"
            )
        if not touches_values:
            return {}
        written = set()
        for i, row in enumerate(body.get("rows", [])):
            for j, data in enumerate(row.get("values", [])):
                key = (r0 + i, c0 + j)
                written.add(key)
                cell = _cell_from_data(data)
                if cell is None:
                    sheet.cells.pop(key, None)
                else:
                    sheet.cells[key] = cell
        if area is not None:
            for key in [k for k in sheet.cells if area[0] <= k[0] < area[2] and area[1] <= k[1] < area[3]]:
                if key not in written:
                    del sheet.cells[key]
        return {}
    if kind == "mergeCells":
        sheet, r1, c1, r2, c2 = _grid(ss, body.get("range", {}))
        mtype = body.get("mergeType", "MERGE_ALL")
        blocks = []
        if mtype == "MERGE_ROWS":
            blocks = [(r, c1, r + 1, c2) for r in range(r1, r2)]
        elif mtype == "MERGE_COLUMNS":
            blocks = [(r1, c, r2, c + 1) for c in range(c1, c2)]
        else:
            blocks = [(r1, c1, r2, c2)]
        for a, b, c, d in blocks:
            for key in [k for k in sheet.cells if a <= k[0] < c and b <= k[1] < d and k != (a, b)]:
                del sheet.cells[key]
            sheet.merges.append(
                {"sheetId": sheet.sheet_id, "startRowIndex": a, "endRowIndex": c, "startColumnIndex": b, "endColumnIndex": d}
            )
        return {}
    if kind == "unmergeCells":
        sheet, r1, c1, r2, c2 = _grid(ss, body.get("range", {}))
        sheet.merges = [
            m
            for m in sheet.merges
            if not (m["startRowIndex"] < r2 and r1 < m["endRowIndex"] and m["startColumnIndex"] < c2 and c1 < m["endColumnIndex"])
        ]
        return {}
    if kind == "addNamedRange":
        nr = copy.deepcopy(body.get("namedRange", {}))
        if "namedRangeId" not in nr:
            nr["namedRangeId"] = ids.named_hints.popleft() if ids.named_hints else f"{ids.rng.randrange(2**40):x}"
        ordered = {"namedRangeId": nr["namedRangeId"], "name": nr.get("name"), "range": nr.get("range", {})}
        ss.named_ranges.append(ordered)
        return {"addNamedRange": {"namedRange": _named_range_reply(ordered)}}
    if kind == "deleteNamedRange":
        before = len(ss.named_ranges)
        ss.named_ranges = [n for n in ss.named_ranges if n["namedRangeId"] != body.get("namedRangeId")]
        if len(ss.named_ranges) == before:
            raise bad_request(f"No named range with id: {body.get('namedRangeId')}")
        return {}
    if kind == "updateNamedRange":
        src = body.get("namedRange", {})
        for n in ss.named_ranges:
            if n["namedRangeId"] == src.get("namedRangeId"):
                _apply_mask(n, src, body.get("fields", "*"))
                return {}
        raise bad_request(f"No named range with id: {src.get('namedRangeId')}")
    if kind == "sortRange":
        sheet, r1, c1, r2, c2 = _grid(ss, body.get("range", {}))
        rows = [{c: sheet.cells.get((r, c)) for c in range(c1, c2)} for r in range(r1, r2)]
        for spec in reversed(body.get("sortSpecs", [])):
            col = spec.get("dimensionIndex", 0)
            desc = spec.get("sortOrder", "ASCENDING") == "DESCENDING"
            filled = [r for r in rows if r.get(col) is not None]
            blank = [r for r in rows if r.get(col) is None]
            filled.sort(key=lambda r: _sort_key(r.get(col), desc), reverse=desc)
            rows = filled + blank
        for key in [k for k in sheet.cells if r1 <= k[0] < r2 and c1 <= k[1] < c2]:
            del sheet.cells[key]
        for i, row in enumerate(rows):
            for c, cell in row.items():
                if cell is not None:
                    sheet.cells[(r1 + i, c)] = cell
        return {}
    if kind in ("copyPaste", "cutPaste"):
        src, a1, b1, a2, b2 = _grid(ss, body.get("source", {}))
        block = {(r - a1, c - b1): cell for (r, c), cell in src.cells.items() if a1 <= r < a2 and b1 <= c < b2}
        paste = body.get("pasteType", "PASTE_NORMAL")
        if kind == "cutPaste":
            d = body.get("destination", {})
            dst, r0, c0 = ss.by_id(d.get("sheetId", 0)), d.get("rowIndex", 0), d.get("columnIndex", 0)
            targets = [(r0, c0)]
            for key in [k for k in src.cells if a1 <= k[0] < a2 and b1 <= k[1] < b2]:
                del src.cells[key]
        else:
            dst, r0, c0, r3, c3 = _grid(ss, body.get("destination", {}))
            h, w = a2 - a1, b2 - b1
            # A destination larger than the source is tiled with whole copies, as in the UI.
            targets = [
                (r, c)
                for r in range(r0, max(r3, r0 + 1), h)
                for c in range(c0, max(c3, c0 + 1), w)
                if r + h <= max(r3, r0 + h) and c + w <= max(c3, c0 + w)
            ]
        if paste in ("PASTE_NORMAL", "PASTE_VALUES", "PASTE_NO_BORDERS"):
            for r0, c0 in targets:
                for i in range(a2 - a1):
                    for j in range(b2 - b1):
                        cell = block.get((i, j))
                        if cell is None:
                            dst.cells.pop((r0 + i, c0 + j), None)
                        else:
                            dst.cells[(r0 + i, c0 + j)] = copy.copy(cell)
        return {}
    if kind in PRESENTATION_REQUESTS:
        return {}
    raise bad_request(f"Request kind '{kind}' is not implemented by the Synergia emulator")
