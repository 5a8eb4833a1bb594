"""Replay the recorded Google Sheets interactions (``../shared/fixtures/google-recorded``) against
the emulator and compare: values endpoints exactly, metadata and batchUpdate replies on the fields
the project reads. Run as a script for the coverage table: ``python -m tests.sheets.replay``.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit

from devtools.emulator import MODELLED_REQUESTS, PRESENTATION_REQUESTS, SheetsEmulator

FIXTURES = Path(__file__).resolve().parents[2] / ".." / "shared" / "fixtures" / "google-recorded"
SPREADSHEET_MIME = "application/vnd.google-apps.spreadsheet"

# What the project reads from metadata and batchUpdate replies.
SHEET_PROPERTY_FIELDS = ("sheetId", "title", "index", "sheetType", "hidden")
GRID_FIELDS = ("rowCount", "columnCount", "frozenRowCount", "frozenColumnCount")
SPREADSHEET_PROPERTY_FIELDS = ("title", "locale", "timeZone")


@dataclass
class Outcome:
    file: str
    index: int
    endpoint: str
    verdict: str  # 'match', 'mismatch', 'skip'
    reason: str = ""
    detail: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)
    drive: Counter = field(default_factory=Counter)

    def count(self, verdict: str) -> int:
        return sum(1 for o in self.outcomes if o.verdict == verdict)

    def by(self, verdict: str, key: str = "endpoint") -> Counter:
        return Counter(getattr(o, key) for o in self.outcomes if o.verdict == verdict)

    def summary(self) -> str:
        lines = [
            f"Sheets interactions: {len(self.outcomes)}; compared: {self.count('match') + self.count('mismatch')} "
            f"(match {self.count('match')}, mismatch {self.count('mismatch')}); skipped: {self.count('skip')}",
            f"Drive interactions (not Sheets): {sum(self.drive.values())} {dict(self.drive)}",
            "compared by endpoint: " + ", ".join(f"{k}={v}" for k, v in sorted((self.by("match") + self.by("mismatch")).items())),
            "skipped by reason: " + ", ".join(f"{k}={v}" for k, v in self.by("skip", "reason").most_common()),
        ]
        return "\n".join(lines)


def endpoint_of(method: str, path: str) -> str:
    if path.endswith(":batchUpdate") and "/values" not in path:
        return "spreadsheets.batchUpdate"
    tail = re.sub(r"^/v4/spreadsheets/[^/]+", "", path)
    if tail == "":
        return "spreadsheets.get" if method == "GET" else "spreadsheets.create"
    if tail.startswith("/values:"):
        return "values." + tail.split(":", 1)[1]
    if tail.endswith(":append"):
        return "values.append"
    if tail.endswith(":clear"):
        return "values.clear"
    return {"GET": "values.get", "PUT": "values.update"}.get(method, f"values.{method}")


def _proj_sheet_props(p: dict) -> dict:
    out = {k: p[k] for k in SHEET_PROPERTY_FIELDS if k in p}
    if "gridProperties" in p:
        out["gridProperties"] = {k: p["gridProperties"][k] for k in GRID_FIELDS if k in p["gridProperties"]}
    return out


def project_metadata(m: dict) -> dict:
    out: dict[str, Any] = {}
    if "spreadsheetId" in m:
        out["spreadsheetId"] = m["spreadsheetId"]
    if "properties" in m:
        out["properties"] = {k: m["properties"][k] for k in SPREADSHEET_PROPERTY_FIELDS if k in m["properties"]}
    if "sheets" in m:
        out["sheets"] = [_proj_sheet_props(s.get("properties", {})) for s in m["sheets"]]
    if "namedRanges" in m:
        out["namedRanges"] = sorted((n.get("name"), json.dumps(n.get("range"), sort_keys=True)) for n in m["namedRanges"])
    return out


def project_batch_update(b: dict) -> dict:
    replies = []
    for r in b.get("replies", []):
        if "addSheet" in r:
            replies.append({"addSheet": _proj_sheet_props(r["addSheet"].get("properties", {}))})
        elif "addNamedRange" in r:
            nr = r["addNamedRange"]["namedRange"]
            replies.append({"addNamedRange": {k: nr.get(k) for k in ("namedRangeId", "name", "range")}})
        elif not r or next(iter(r)) in PRESENTATION_REQUESTS:
            replies.append("presentation-only reply: status compared")
        else:
            replies.append(sorted(r))
    return {"spreadsheetId": b.get("spreadsheetId"), "replies": replies}


def project_error(b: dict) -> dict:
    e = b.get("error", {})
    return {k: e.get(k) for k in ("code", "status", "message")}


def replay_file(path: Path, report: Report) -> None:
    emu = SheetsEmulator(require_auth=False, quota_per_minute=None, locale="en_US", time_zone="Etc/GMT")
    tainted: dict[str, str] = {}
    interactions = json.loads(path.read_text(encoding="utf-8"))["interactions"]
    for i, it in enumerate(interactions):
        req, resp = it["request"], it["response"]
        parts = urlsplit(req["uri"])
        method = req["method"].upper()
        status = resp["status"]["code"]
        text = resp["body"]["string"] if isinstance(resp.get("body"), dict) else ""
        recorded = json.loads(text) if text and text.strip().startswith("{") else None
        query = parse_qs(parts.query, keep_blank_values=True)
        if parts.hostname != "sheets.googleapis.com":
            _drive_setup(emu, method, parts.path, req, recorded, status, report, tainted)
            continue
        ep = endpoint_of(method, parts.path)
        sid = unquote(parts.path.split("/")[3].split(":", 1)[0])
        outcome = Outcome(path.name, i, ep, "skip")
        report.outcomes.append(outcome)
        body = json.loads(req["body"]) if req.get("body") else None
        if sid in tainted:
            outcome.reason = f"state diverged after {tainted[sid]}"
            continue
        if sid not in emu.spreadsheets and status != 404:
            outcome.reason = "spreadsheet not created in this recording"
            continue
        if ep == "spreadsheets.batchUpdate" and isinstance(body, dict):
            kinds = [next(iter(r)) for r in body.get("requests", [])]
            unknown = [k for k in kinds if k not in MODELLED_REQUESTS | PRESENTATION_REQUESTS]
            if unknown:
                outcome.reason = f"batchUpdate {unknown[0]} not modelled"
                tainted[sid] = outcome.reason
                continue
            if status == 200 and recorded:
                for kind, reply in zip(kinds, recorded.get("replies", [])):
                    if kind == "addSheet" and "sheetId" not in body["requests"][kinds.index(kind)]["addSheet"].get("properties", {}):
                        emu.ids.hints.append(reply["addSheet"]["properties"]["sheetId"])
                    if kind == "addNamedRange":
                        emu.ids.named_hints.append(reply["addNamedRange"]["namedRange"]["namedRangeId"])
        if ep == "spreadsheets.get" and (
            query.get("includeGridData", ["false"])[-1].lower() == "true" or "data" in "".join(query.get("fields", []))
        ):
            outcome.reason = "grid data (cell formats/notes) not modelled"
            _send(emu, method, req)  # reads change nothing; keep the request count honest
            continue
        reply_status, got = _send(emu, method, req)
        # Formulas are stored, not evaluated: a read of a range holding one cannot match Google.
        if ep in ("values.get", "values.batchGet") and reply_status == 200 and _reads_formula(emu, sid, ep, parts.path, query):
            outcome.reason = "formula evaluation not modelled"
            continue
        outcome.verdict, outcome.detail = _compare(ep, status, recorded, reply_status, got)
        if outcome.verdict == "mismatch":
            # Later answers would only repeat the divergence; report it once.
            tainted[sid] = f"mismatch at #{i}"


def _reads_formula(emu: SheetsEmulator, sid: str, ep: str, path: str, query: dict) -> bool:
    ss = emu.spreadsheets.get(sid)
    if ss is None:
        return False
    ranges = query.get("ranges", []) if ep == "values.batchGet" else [unquote(path.split("/values/", 1)[1])]
    try:
        return any(ss.has_formula(r) for r in ranges)
    except Exception:
        return False


def _send(emu: SheetsEmulator, method: str, req: dict) -> tuple[int, Any]:
    reply = emu.handle(method, req["uri"], {"Content-Type": "application/json"}, req.get("body"))
    try:
        return reply.status, json.loads(reply.body) if reply.body else None
    except ValueError:
        return reply.status, None


def _compare(ep: str, status: int, recorded: Any, got_status: int, got: Any) -> tuple[str, str]:
    if status != got_status:
        return "mismatch", f"status {got_status} != recorded {status}: {json.dumps(got)[:300]}"
    if status >= 400:
        a, b = project_error(recorded or {}), project_error(got or {})
    elif ep.startswith("values."):
        a, b = recorded, got
    elif ep == "spreadsheets.get":
        a, b = project_metadata(recorded), project_metadata(got)
    elif ep == "spreadsheets.batchUpdate":
        a, b = project_batch_update(recorded), project_batch_update(got)
    else:
        a, b = recorded, got
    if a == b:
        return "match", ""
    return "mismatch", f"recorded {json.dumps(a, ensure_ascii=False)[:600]}\n   emulator {json.dumps(b, ensure_ascii=False)[:600]}"


def _drive_setup(
    emu: SheetsEmulator, method: str, path: str, req: dict, recorded: Any, status: int, report: Report, tainted: dict[str, str]
) -> None:
    """Drive calls are not Sheets interactions; the ones that create spreadsheets set up state."""
    body = json.loads(req["body"]) if req.get("body") and req["body"].startswith("{") else {}
    if method == "POST" and path == "/drive/v3/files" and status == 200 and body.get("mimeType") == SPREADSHEET_MIME:
        emu.create_spreadsheet(body.get("name", ""), spreadsheet_id=recorded["id"])
        report.drive["spreadsheet created (setup)"] += 1
    elif method == "POST" and path.endswith("/copy") and status == 200 and recorded:
        emu.file_id_hints.append(recorded["id"])
        emu.handle(method, req["uri"], {"Content-Type": "application/json"}, req.get("body"))
        report.drive["spreadsheet copied (setup)"] += 1
    elif path.startswith("/upload/drive/v2/files/") and method == "PUT":
        tainted[path.rsplit("/", 1)[1]] = "Drive CSV import not modelled"
        report.drive["CSV import (taints)"] += 1
    else:
        report.drive["not replayed"] += 1


def replay_all(fixtures: Path = FIXTURES) -> Report:
    report = Report()
    for path in sorted(fixtures.glob("*.json")):
        replay_file(path, report)
    return report


if __name__ == "__main__":
    rep = replay_all()
    for o in rep.outcomes:
        if o.verdict == "mismatch":
            print(f"MISMATCH {o.file}#{o.index} {o.endpoint}\n   {o.detail}")
    print(rep.summary())


def debug_first_mismatches(limit: int = 60) -> None:
    """Developer aid: the first mismatch of each file with its request."""
    rep = replay_all()
    seen = set()
    for o in rep.outcomes:
        if o.verdict != "mismatch" or o.file in seen:
            continue
        seen.add(o.file)
        it = json.loads((FIXTURES / o.file).read_text())["interactions"][o.index]
        print(
            f"{o.file}#{o.index} {it['request']['method']} {unquote(it['request']['uri'])[70:200]} "
            f"{(it['request']['body'] or '')[:200]}\n   {o.detail}"
        )
        if len(seen) >= limit:
            break
