"""The emulator's HTTP surface: Sheets v4 values/metadata/batchUpdate, Drive v3 files, OAuth token.

Transport-neutral: ``SheetsEmulator.handle(method, url, headers, body)`` returns
``(status, headers, body)``. ``transport.EmulatorAdapter`` serves it in-process to
``requests``; ``server.serve`` serves it over a real socket.
"""

from __future__ import annotations

import base64
import contextvars
import email.parser
import email.policy
import json
import re
import secrets
import threading
import time
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from . import fieldmask
from .store import NOT_FOUND, ApiError, IdSource, Sheet, Spreadsheet, batch_update

SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"
FOLDER_MIME = "application/vnd.google-apps.folder"
JWT_GRANT = "urn:ietf:params:oauth:grant-type:jwt-bearer"


@dataclass
class Fault:
    """Answer the next ``count`` matching API requests with ``kind`` (429, 500, 503 or 'timeout')."""

    kind: int | str
    count: int
    method: str | None = None  # only requests with this HTTP method
    path_contains: str | None = None


@dataclass
class RecordedRequest:
    method: str
    path: str
    query: dict[str, list[str]]
    kind: str  # 'read', 'write', 'token', 'drive', 'iam', 'control'
    status: int = 0
    spreadsheet: str | None = None


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes
    timeout: bool = False  # the transport should behave as if no answer arrived in time


@dataclass
class DriveFile:
    id: str
    name: str
    mime_type: str
    parents: list[str] = field(default_factory=list)
    content: bytes = b""
    created: str = ""

    def resource(self) -> dict:
        return {
            "kind": "drive#file",
            "id": self.id,
            "name": self.name,
            "mimeType": self.mime_type,
            "parents": list(self.parents),
            "size": str(len(self.content)),
            "createdTime": self.created,
        }


def _new_id() -> str:
    return "1" + secrets.token_urlsafe(32)[:43].replace("-", "x").replace("_", "y")


class SheetsEmulator:
    """State and request handling of the emulated Google APIs.

    ``require_auth``: API calls need a bearer token issued by the token endpoint
    (or listed in ``static_tokens``). ``quota_per_minute``: read and write request
    limits per rolling minute (None disables); exceeding answers 429
    RESOURCE_EXHAUSTED like Google. Faults queued with ``inject`` come first.
    """

    def __init__(
        self,
        *,
        require_auth: bool = True,
        quota_per_minute: tuple[int, int] | None = (300, 300),
        locale: str = "pl_PL",
        time_zone: str = "Europe/Warsaw",
        seed: int | None = None,
        clock: Callable[[], float] = time.monotonic,
        timeout_delay: float = 3.0,
    ):
        self.require_auth = require_auth
        self.quota_per_minute = quota_per_minute
        self.locale = locale
        self.time_zone = time_zone
        self.clock = clock
        self.timeout_delay = timeout_delay
        self.ids = IdSource(seed)
        self.spreadsheets: dict[str, Spreadsheet] = {}
        self.files: dict[str, DriveFile] = {}
        self.tokens: set[str] = set()
        self.static_tokens: set[str] = set()
        self.trusted_keys: dict[str, Any] = {}  # client_email -> public key; verified when present
        self.faults: deque[Fault] = deque()
        self.disabled_requests: set[str] = set()  # batchUpdate kinds to refuse (a less complete server)
        self.disabled_status = 400  # ... with this status (400, or 501 Not Implemented)
        self.file_id_hints: deque[str] = deque()  # ids for new Drive files (the conformance replay's recorded ids)
        self.log: list[RecordedRequest] = []
        self._window: dict[str, deque[float]] = {"read": deque(), "write": deque()}
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ test/seed API
    def create_spreadsheet(
        self,
        title: str = "Untitled spreadsheet",
        *,
        spreadsheet_id: str | None = None,
        tabs: dict[str, list[list[Any]]] | None = None,
        locale: str | None = None,
        time_zone: str | None = None,
        parents: list[str] | None = None,
    ) -> str:
        """Create a spreadsheet (first sheet id 0, 1000x26 grid like Google) and fill ``tabs`` as RAW."""
        with self._lock:
            sid = spreadsheet_id or _new_id()
            ss = Spreadsheet(
                sid, {"title": title, "locale": locale or self.locale, "autoRecalc": "ON_CHANGE", "timeZone": time_zone or self.time_zone}
            )
            names = list(tabs) if tabs else ["Sheet1"]
            for i, name in enumerate(names):
                rows = (tabs or {}).get(name) or []
                grid = {"rowCount": max(1000, len(rows)), "columnCount": max(26, max((len(r) for r in rows), default=0))}
                props = {
                    "sheetId": 0 if i == 0 else self.ids.next(),
                    "title": name,
                    "index": i,
                    "sheetType": "GRID",
                    "gridProperties": grid,
                }
                ss.sheets.append(Sheet(props))
                if rows:
                    ss.values_update(
                        f"'{name.replace(chr(39), chr(39) * 2)}'!A1", [list(r) for r in rows], major="ROWS", input_option="RAW"
                    )
            self.spreadsheets[sid] = ss
            self.files[sid] = DriveFile(sid, title, SPREADSHEET_MIME, list(parents or []), created=_now())
            return sid

    def create_folder(self, name: str, *, folder_id: str | None = None) -> str:
        with self._lock:
            fid = folder_id or _new_id()
            self.files[fid] = DriveFile(fid, name, FOLDER_MIME, created=_now())
            return fid

    def tab_values(self, spreadsheet_id: str, tab: str) -> list[list[str]]:
        """Formatted values of a tab (trailing empties trimmed), for assertions."""
        with self._lock:
            ss = self.spreadsheets[spreadsheet_id]
            return ss.values_get(f"'{tab.replace(chr(39), chr(39) * 2)}'").get("values", [])

    def issue_token(self) -> str:
        token = "ya29.emu-" + secrets.token_urlsafe(24)
        self.tokens.add(token)
        return token

    def inject(self, kind: int | str, count: int = 1, *, method: str | None = None, path_contains: str | None = None) -> None:
        with self._lock:
            self.faults.append(Fault(kind, count, method, path_contains))

    def clear_log(self) -> None:
        with self._lock:
            self.log.clear()

    def counts(self, spreadsheet: str | None = None) -> Counter:
        """Answered API requests by kind ('read', 'write', 'drive', 'token'), optionally per spreadsheet."""
        with self._lock:
            return Counter(r.kind for r in self.log if (spreadsheet is None or r.spreadsheet == spreadsheet))

    # ------------------------------------------------------------------ HTTP entry
    def handle(self, method: str, url: str, headers: dict[str, str] | None, body: bytes | str | None) -> Reply:
        method = method.upper()
        parts = urlsplit(url)
        path = parts.path
        query = parse_qs(parts.query, keep_blank_values=True)
        headers = {k.lower(): v for k, v in (headers or {}).items()}
        raw = body.encode("utf-8") if isinstance(body, str) else (body or b"")
        kind = _classify(method, path)
        rec = RecordedRequest(method, path, query, kind, spreadsheet=_spreadsheet_of(path))
        pretty = _PRETTY.set((query.get("prettyPrint") or ["true"])[-1].lower() != "false")
        try:
            return self._handle(method, path, query, headers, raw, kind, rec)
        finally:
            _PRETTY.reset(pretty)

    def _handle(self, method: str, path: str, query: dict, headers: dict[str, str], raw: bytes, kind: str, rec: RecordedRequest) -> Reply:
        with self._lock:
            if kind != "control":
                self.log.append(rec)
            try:
                if kind == "control":
                    reply = self._control(method, path, raw)
                elif kind == "token":
                    reply = self._token(path, headers, raw)
                elif kind == "iam":
                    # No regional access boundary for emulated accounts; never faulted or counted as API use.
                    raise ApiError(404, NOT_FOUND)
                else:
                    fault = self._take_fault(method, path)
                    if fault is not None:
                        reply = fault
                    else:
                        self._check_auth(headers)
                        self._check_quota(kind)
                        reply = self._api(method, path, query, headers, raw)
            except ApiError as exc:
                reply = _json(exc.code, exc.body())
            except Exception as exc:  # an emulator bug must look like a server error, not hang the client
                reply = _json(500, ApiError(500, f"Internal error: {type(exc).__name__}").body())
            rec.status = reply.status
            return reply

    # ------------------------------------------------------------------ cross-cutting
    def _take_fault(self, method: str, path: str) -> Reply | None:
        for fault in list(self.faults):
            if fault.method and fault.method.upper() != method:
                continue
            if fault.path_contains and fault.path_contains not in unquote(path):
                continue
            fault.count -= 1
            if fault.count <= 0:
                self.faults.remove(fault)
            if fault.kind == "timeout":
                return Reply(
                    503,
                    {"Content-Type": "application/json; charset=UTF-8"},
                    json.dumps(ApiError(503, "The service is currently unavailable.").body()).encode(),
                    timeout=True,
                )
            code = int(fault.kind)
            msg = {
                429: "Quota exceeded for quota metric 'Requests' and limit 'Requests per minute' of service 'sheets.googleapis.com'.",
                500: "Internal error encountered.",
                503: "The service is currently unavailable.",
            }.get(code, "Error")
            return _json(code, ApiError(code, msg).body())
        return None

    def _check_auth(self, headers: dict[str, str]) -> None:
        if not self.require_auth:
            return
        auth = headers.get("authorization", "")
        token = auth[7:] if auth.lower().startswith("bearer ") else ""
        if token not in self.tokens and token not in self.static_tokens:
            raise ApiError(
                401,
                "Request had invalid authentication credentials. Expected OAuth 2 access token, "
                "login cookie or other valid authentication credential.",
            )

    def _check_quota(self, kind: str) -> None:
        if self.quota_per_minute is None or kind not in ("read", "write"):
            return
        limit = self.quota_per_minute[0 if kind == "read" else 1]
        now = self.clock()
        window = self._window[kind]
        while window and window[0] <= now - 60.0:
            window.popleft()
        if len(window) >= limit:
            metric = "Read requests" if kind == "read" else "Write requests"
            raise ApiError(
                429,
                f"Quota exceeded for quota metric '{metric}' and limit '{metric} per minute per user' of service 'sheets.googleapis.com'.",
            )
        window.append(now)

    # ------------------------------------------------------------------ token endpoint
    def _token(self, path: str, headers: dict[str, str], raw: bytes) -> Reply:
        form = {k: v[0] for k, v in parse_qs(raw.decode("utf-8")).items()}
        if form.get("grant_type") != JWT_GRANT or "assertion" not in form:
            return _json(400, {"error": "unsupported_grant_type", "error_description": "Invalid grant_type."})
        try:
            head_b64, payload_b64, sig_b64 = form["assertion"].split(".")
            header = json.loads(_b64d(head_b64))
            payload = json.loads(_b64d(payload_b64))
        except Exception:
            return _json(400, {"error": "invalid_grant", "error_description": "Invalid JWT."})
        now = time.time()
        if header.get("alg") != "RS256" or not payload.get("iss") or payload.get("exp", 0) < now - 300:
            return _json(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        key = self.trusted_keys.get(payload["iss"])
        if key is not None:
            from cryptography.hazmat.primitives import hashes
            from cryptography.hazmat.primitives.asymmetric import padding

            try:
                key.verify(_b64d(sig_b64), f"{head_b64}.{payload_b64}".encode(), padding.PKCS1v15(), hashes.SHA256())
            except Exception:
                return _json(400, {"error": "invalid_grant", "error_description": "Invalid JWT Signature."})
        elif self.trusted_keys:
            return _json(400, {"error": "invalid_grant", "error_description": "Invalid grant: account not found"})
        return _json(200, {"access_token": self.issue_token(), "expires_in": 3599, "token_type": "Bearer"})

    # ------------------------------------------------------------------ control API (socket mode)
    def _control(self, method: str, path: str, raw: bytes) -> Reply:
        if path == "/_emulator/faults" and method == "POST":
            spec = json.loads(raw or b"{}")
            self.faults.append(Fault(spec["kind"], int(spec.get("count", 1)), spec.get("method"), spec.get("path_contains")))
            return _json(200, {"queued": len(self.faults)})
        if path == "/_emulator/requests" and method == "GET":
            return _json(
                200,
                {
                    "requests": [
                        {"method": r.method, "path": r.path, "kind": r.kind, "status": r.status, "spreadsheet": r.spreadsheet}
                        for r in self.log
                    ]
                },
            )
        if path == "/_emulator/requests" and method == "DELETE":
            self.log.clear()
            return _json(200, {})
        if path == "/_emulator/spreadsheets" and method == "POST":
            spec = json.loads(raw or b"{}")
            sid = self.create_spreadsheet(
                spec.get("title", "Untitled spreadsheet"), spreadsheet_id=spec.get("spreadsheetId"), tabs=spec.get("tabs")
            )
            return _json(200, {"spreadsheetId": sid})
        raise ApiError(404, NOT_FOUND)

    # ------------------------------------------------------------------ Sheets + Drive
    def _api(self, method: str, path: str, query: dict[str, list[str]], headers: dict[str, str], raw: bytes) -> Reply:
        q1 = {k: v[-1] for k, v in query.items()}
        if path.startswith("/v4/spreadsheets"):
            return self._sheets(method, path[len("/v4/spreadsheets") :], query, q1, raw)
        if path.startswith("/upload/drive/v3/files"):
            return self._drive_upload(method, path[len("/upload/drive/v3/files") :].strip("/"), q1, headers, raw)
        if path.startswith("/drive/v3/files"):
            return self._drive(method, path[len("/drive/v3/files") :], q1, raw)
        raise ApiError(404, NOT_FOUND)

    def _sheet(self, sid: str) -> Spreadsheet:
        ss = self.spreadsheets.get(unquote(sid))
        if ss is None:
            raise ApiError(404, NOT_FOUND)
        return ss

    def _sheets(self, method: str, rest: str, query: dict[str, list[str]], q1: dict[str, str], raw: bytes) -> Reply:
        body = _json_body(raw)
        if rest in ("", "/") and method == "POST":
            props = body.get("properties", {})
            sid = self.create_spreadsheet(
                props.get("title", "Untitled spreadsheet"), locale=props.get("locale"), time_zone=props.get("timeZone")
            )
            return _json(200, self.spreadsheets[sid].metadata())
        rest = rest.lstrip("/")
        sid, _, tail = rest.partition("/")
        if not tail:
            if sid.endswith(":batchUpdate") and method == "POST":
                ss = self._sheet(sid[: -len(":batchUpdate")])
                return self._batch_update(ss, body)
            if method == "GET":
                ss = self._sheet(sid)
                grid = q1.get("includeGridData", "false").lower() == "true"
                meta = ss.metadata(include_grid=grid)
                if "fields" in q1:
                    meta = fieldmask.apply(meta, fieldmask.parse(q1["fields"]))
                return _json(200, meta)
            raise ApiError(404, NOT_FOUND)
        ss = self._sheet(sid)
        render = q1.get("valueRenderOption", "FORMATTED_VALUE")
        major = q1.get("majorDimension", "ROWS")
        if tail == "values:batchGet" and method == "GET":
            vrs = [ss.values_get(r, major=major, render_option=render) for r in query.get("ranges", [])]
            return _json(200, {"spreadsheetId": ss.spreadsheet_id, "valueRanges": vrs})
        if tail == "values:batchUpdate" and method == "POST":
            return self._atomic(ss, lambda work: _values_batch_update(work, body))
        if tail == "values:batchClear" and method == "POST":
            return self._atomic(
                ss,
                lambda work: {
                    "spreadsheetId": work.spreadsheet_id,
                    "clearedRanges": [work.values_clear(r)["clearedRange"] for r in body.get("ranges", [])],
                },
            )
        if not tail.startswith("values/"):
            raise ApiError(404, NOT_FOUND)
        rng = tail[len("values/") :]
        include = q1.get("includeValuesInResponse", "false").lower() == "true"
        opt = q1.get("valueInputOption", "")
        if rng.endswith(":append") and method == "POST":
            text = unquote(rng[: -len(":append")])
            return self._atomic(
                ss,
                lambda work: work.values_append(
                    text,
                    body.get("values"),
                    major=body.get("majorDimension"),
                    input_option=opt,
                    insert_option=q1.get("insertDataOption", "OVERWRITE"),
                    include_values=include,
                    render_option=q1.get("responseValueRenderOption", "FORMATTED_VALUE"),
                ),
            )
        if rng.endswith(":clear") and method == "POST":
            text = unquote(rng[: -len(":clear")])
            return self._atomic(ss, lambda work: work.values_clear(text))
        text = unquote(rng)
        if method == "GET":
            return _json(200, ss.values_get(text, major=major, render_option=render))
        if method == "PUT":
            return self._atomic(
                ss,
                lambda work: work.values_update(
                    text,
                    body.get("values"),
                    major=body.get("majorDimension"),
                    input_option=opt,
                    include_values=include,
                    render_option=q1.get("responseValueRenderOption", "FORMATTED_VALUE"),
                ),
            )
        raise ApiError(404, NOT_FOUND)

    def _atomic(self, ss: Spreadsheet, op: Callable[[Spreadsheet], dict]) -> Reply:
        """Apply a write to a copy and commit only on success (Google's writes are all-or-nothing)."""
        work = ss.working_copy()
        result = op(work)
        self.spreadsheets[ss.spreadsheet_id] = work
        return _json(200, result)

    def _batch_update(self, ss: Spreadsheet, body: dict) -> Reply:
        def run(work: Spreadsheet) -> dict:
            replies = batch_update(work, body.get("requests") or [], self.ids, self.disabled_requests, self.disabled_status)
            out: dict[str, Any] = {"spreadsheetId": work.spreadsheet_id, "replies": replies}
            if body.get("includeSpreadsheetInResponse"):
                out["updatedSpreadsheet"] = work.metadata()
            return out

        reply = self._atomic(ss, run)
        new = self.spreadsheets[ss.spreadsheet_id]
        if ss.spreadsheet_id in self.files:
            self.files[ss.spreadsheet_id].name = new.properties.get("title", "")
        return reply

    # Drive ---------------------------------------------------------------
    def _drive(self, method: str, rest: str, q1: dict[str, str], raw: bytes) -> Reply:
        rest = rest.strip("/")
        fields = q1.get("fields")
        if rest == "" and method == "POST":
            meta = _json_body(raw)
            return _json(200, self._mask_file(self._create_file(meta, b""), fields))
        if rest == "" and method == "GET":
            files = [f for f in self.files.values() if _matches(f, q1.get("q", ""))]
            page = int(q1.get("pageSize", "100"))
            out = {"kind": "drive#fileList", "incompleteSearch": False, "files": [f.resource() for f in files[:page]]}
            if fields:
                out = fieldmask.apply(out, fieldmask.parse(fields))
            return _json(200, out)
        fid, _, sub = rest.partition("/")
        f = self.files.get(unquote(fid))
        if f is None:
            raise ApiError(404, f"File not found: {unquote(fid)}.")
        if sub == "" and method == "GET":
            if q1.get("alt") == "media":
                return Reply(200, {"Content-Type": f.mime_type}, f.content)
            return _json(200, self._mask_file(f, fields))
        if sub == "copy" and method == "POST":
            meta = _json_body(raw)
            new_id = self.file_id_hints.popleft() if self.file_id_hints else _new_id()
            name = meta.get("name") or f"Copy of {f.name}"
            parents = list(meta.get("parents") or f.parents)
            if f.id in self.spreadsheets:
                clone = self.spreadsheets[f.id].working_copy()
                clone.spreadsheet_id = new_id
                clone.properties["title"] = name
                self.spreadsheets[new_id] = clone
            self.files[new_id] = DriveFile(new_id, name, f.mime_type, parents, f.content, created=_now())
            return _json(200, self._mask_file(self.files[new_id], fields))
        if sub == "" and method == "DELETE":
            del self.files[f.id]
            self.spreadsheets.pop(f.id, None)
            return Reply(204, {}, b"")
        raise ApiError(404, NOT_FOUND)

    def _mask_file(self, f: DriveFile, fields: str | None) -> dict:
        res = f.resource()
        if fields:
            return fieldmask.apply(res, fieldmask.parse(fields))
        return {k: res[k] for k in ("kind", "id", "name", "mimeType")}

    def _create_file(self, meta: dict, content: bytes) -> DriveFile:
        mime = meta.get("mimeType") or "application/octet-stream"
        parents = list(meta.get("parents") or [])
        for p in parents:
            if p not in self.files or self.files[p].mime_type != FOLDER_MIME:
                raise ApiError(404, f"File not found: {p}.")
        if mime == SPREADSHEET_MIME:
            sid = self.create_spreadsheet(meta.get("name", "Untitled spreadsheet"), parents=parents)
            return self.files[sid]
        f = DriveFile(_new_id(), meta.get("name", "Untitled"), mime, parents, content, created=_now())
        self.files[f.id] = f
        return f

    def _drive_upload(self, method: str, file_id: str, q1: dict[str, str], headers: dict[str, str], raw: bytes) -> Reply:
        meta, media = _upload_parts(q1, headers.get("content-type", ""), raw)
        if method == "POST" and not file_id:
            return _json(200, self._mask_file(self._create_file(meta, media), q1.get("fields")))
        if method == "PATCH" and file_id:
            f = self.files.get(unquote(file_id))
            if f is None:
                raise ApiError(404, f"File not found: {unquote(file_id)}.")
            f.content = media
            f.name = meta.get("name", f.name)
            f.mime_type = meta.get("mimeType", f.mime_type)
            return _json(200, self._mask_file(f, q1.get("fields")))
        raise ApiError(404, NOT_FOUND)


# ---------------------------------------------------------------------- helpers


def _values_batch_update(ss: Spreadsheet, body: dict) -> dict:
    opt = body.get("valueInputOption", "")
    responses = []
    touched: set[tuple[str, int, int]] = set()
    for i, vr in enumerate(body.get("data") or []):
        responses.append(
            ss.values_update(
                vr.get("range", ""),
                vr.get("values"),
                major=vr.get("majorDimension"),
                input_option=opt,
                include_values=bool(body.get("includeValuesInResponse")),
                field_name=f"data[{i}].values",
                touched=touched,
            )
        )
    out: dict[str, Any] = {"spreadsheetId": ss.spreadsheet_id}
    if responses:
        # Totals count distinct rows/columns/cells written, as Google documents them.
        out["totalUpdatedRows"] = len({(t, r) for t, r, _ in touched})
        out["totalUpdatedColumns"] = len({(t, c) for t, _, c in touched})
        out["totalUpdatedCells"] = sum(r.get("updatedCells", 0) for r in responses)
        out["totalUpdatedSheets"] = len({t for t, _, _ in touched})
        out["responses"] = responses
    return out


def _classify(method: str, path: str) -> str:
    if path.startswith("/_emulator/"):
        return "control"
    if path.endswith("/token") or path.endswith("/oauth2/v4/token"):
        return "token"
    if path.endswith("/allowedLocations"):
        return "iam"
    if path.startswith("/v4/spreadsheets"):
        return "read" if method == "GET" else "write"
    return "drive"


def _spreadsheet_of(path: str) -> str | None:
    if not path.startswith("/v4/spreadsheets/"):
        return None
    seg = path[len("/v4/spreadsheets/") :].split("/", 1)[0]
    return unquote(seg.split(":", 1)[0]) or None


#: False while a request with ``prettyPrint=false`` (a standard query parameter of Google's APIs) is
#: answered: its JSON comes without indentation or line breaks, as Google sends it then
_PRETTY: contextvars.ContextVar[bool] = contextvars.ContextVar("pretty_print", default=True)


def _json(status: int, obj: Any) -> Reply:
    if _PRETTY.get():
        text = json.dumps(obj, ensure_ascii=False, indent=2)
    else:
        text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    return Reply(status, {"Content-Type": "application/json; charset=UTF-8"}, text.encode("utf-8"))


def _json_body(raw: bytes) -> dict:
    if not raw:
        return {}
    try:
        obj = json.loads(raw)
    except ValueError:
        raise ApiError(400, "Invalid JSON payload received.") from None
    if not isinstance(obj, dict):
        raise ApiError(400, "Invalid JSON payload received. Expected an object.")
    return obj


def _b64d(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def _upload_parts(q1: dict[str, str], ctype: str, raw: bytes) -> tuple[dict, bytes]:
    """(metadata, media) of a multipart/related upload, or of a plain media upload."""
    if q1.get("uploadType") == "multipart" or ctype.startswith("multipart/"):
        msg = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(b"Content-Type: " + ctype.encode() + b"\r\n\r\n" + raw)
        parts = list(msg.iter_parts()) if msg.is_multipart() else []
        if len(parts) != 2:
            raise ApiError(400, "Multipart upload needs a metadata part and a media part.")
        meta = json.loads(parts[0].get_payload(decode=True) or b"{}")
        meta.setdefault("mimeType", parts[1].get_content_type())
        return meta, parts[1].get_payload(decode=True) or b""
    return {"mimeType": ctype or "application/octet-stream"}, raw


_Q_STRING = r"'((?:[^'\\]|\\.)*)'"
_Q_CLAUSES = re.compile(rf"(?P<field>name|mimeType)\s*=\s*{_Q_STRING}|{_Q_STRING}\s+in\s+parents|trashed\s*=\s*(?P<trashed>true|false)")


def _unescape(text: str) -> str:
    return re.sub(r"\\(.)", r"\1", text)


def _matches(f: DriveFile, q: str) -> bool:
    """Subset of Drive's query language: name=, mimeType=, 'id' in parents, trashed=, joined by 'and'."""
    for m in _Q_CLAUSES.finditer(q):
        if m.group("field") == "name" and f.name != _unescape(m.group(2)):
            return False
        if m.group("field") == "mimeType" and f.mime_type != _unescape(m.group(2)):
            return False
        if m.group(3) is not None and _unescape(m.group(3)) not in f.parents:
            return False
    return True
