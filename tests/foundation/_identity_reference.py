"""The row identities, fingerprints, row values and content hashes as the read computed them
before they were computed column by column (session 6): a frozen copy of that per-row code,
which the fast paths are held to (``test_identity_columns``). Do not "fix" anything here: stored
registries hold keys written by this code (``synergia.sheets.identity.SCHEME`` = 1)."""

# ruff: noqa

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from datetime import datetime
from json.encoder import encode_basestring
from operator import itemgetter
from typing import Any

from config.project import CONSENT_PREFIX, Source
from synergia.dedupe.normalize import fold
from synergia.sheets.identity import RowIdentity
from synergia.sheets.rows import JSON, RawRow, SourceRef, find_headers
from synergia.validation.dates import parse_date, parse_timestamp
from synergia.validation.errors import Invalid


def content_hash(values: Mapping[str, Any]) -> str:
    payload = JSON.encode(sorted((k.strip(), v) for k, v in values.items()))
    return hashlib.sha256(payload.encode("utf-8", "surrogatepass")).hexdigest()


def _h(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def norm_email(text: str | None) -> str:
    value = unicodedata.normalize("NFKC", text or "").strip().strip("<>")
    return "".join(value.split()).lower()


def norm_name(first: str | None, last: str | None) -> str:
    return f"{fold(first or '')}|{fold(last or '')}"


def norm_text(text: str | None) -> str:
    return _norm_text(text or "")


@functools.lru_cache(maxsize=1 << 16)  # gminas, consents, categories repeat on every row
def _norm_text(text: str) -> str:
    value = unicodedata.normalize("NFKC", text)
    if not value.isprintable():  # printable = no character of category C* or Z* but the space: nothing to drop
        value = "".join(c for c in value if unicodedata.category(c) not in ("Cf", "Cc"))
    return " ".join(value.split()).casefold()


_ISO_STAMP = re.compile(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}")


def _timestamp(text: str, locale: str | None) -> str:
    if not text.strip():
        return ""
    if len(text) == 19 and _ISO_STAMP.fullmatch(text):  # how an XLSX date-time cell reads: no locale to apply
        try:
            return datetime.fromisoformat(text).isoformat()
        except ValueError:
            pass  # not a real date: as parse_timestamp says
    try:
        return parse_timestamp(text, locale=locale).isoformat()
    except Invalid:
        return "raw:" + norm_text(text)  # an unparseable stamp still identifies its row


def _day(text: str, locale: str | None) -> str:
    if not text.strip():
        return ""
    try:
        return parse_date(text, locale=locale).isoformat()
    except Invalid:
        return "raw:" + norm_text(text)


def identity_from_values(
    kind: str, *, event: str | None, submitted_at: str, email: str, first: str, last: str, day: str, fingerprint: str
) -> RowIdentity:
    """The one rule for keys, from already normalised values (``email`` via ``norm_email``;
    ``submitted_at`` / ``day`` ISO text or "")."""
    mail = _h(email) if email else ""
    name = _h(norm_name(first, last)) if (fold(first or "") or fold(last or "")) else ""
    ev = (event or "") if len(event or "") <= 64 else _h(event)
    fallbacks: list[str] = []
    if submitted_at:
        key = f"f:{submitted_at}:{mail}"
        fallbacks.append(f"t:{submitted_at}")
    elif kind in ("attendance", "advisory") and name:
        key = f"l:{ev}:{day}:{name}:{mail}" if kind == "advisory" else f"l:{ev}:{name}:{mail}"
        if mail:
            fallbacks.append(f"le:{ev}:{day}:{mail}" if kind == "advisory" else f"le:{ev}:{mail}")
        fallbacks.append(f"ln:{ev}:{day}:{name}" if kind == "advisory" else f"ln:{ev}:{name}")
    else:
        key = f"p:{fingerprint}"
        if mail:
            fallbacks.append(f"e:{ev}:{mail}")
        if name:
            fallbacks.append(f"n:{ev}:{name}")
    return RowIdentity(key=key, fingerprint=fingerprint, fallbacks=tuple(fallbacks))


class _Lookup:
    """Where each header of ``source`` is in rows keyed by ``headers`` (``find_headers``: compared
    case- and space-insensitively; of equal headers the last one): worked out once per tab, not
    once per row."""

    def __init__(self, source: Source, headers: Iterable[str]):
        headers = list(headers)
        self.columns = list(zip(find_headers(source.columns, headers), source.columns.values(), strict=True))
        self.sessions = [(h, str(n)) for h, n in zip(find_headers(source.sessions, headers), source.sessions.values(), strict=True)]
        self.inputs = [(h, t) for h, t in self.columns if not t.startswith(CONSENT_PREFIX)]  # for the keys
        self.content = [(h, t, t == "email") for h, t in self.columns if t != "submitted_at"]  # for the fingerprint
        # The fingerprint's JSON (``json.dumps({"event", "fields": sorted pairs, "marks": sorted pairs},
        # ensure_ascii=False)``) with its fixed parts written once: the fields and marks are distinct keys,
        # so their sorted order is the order of the keys.
        self.head = '{"event": ' + encode_basestring(source.event or "") + ', "fields": '
        self.fields, self.pick_fields = _picker(sorted({t for _, t, _ in self.content}))
        self.marks, self.pick_marks = _picker(sorted({n for _, n in self.sessions}))


def _picker(keys: list[str]) -> tuple[list[str], Callable[[Mapping[str, str]], tuple[str, ...]]]:
    """``keys`` and a function giving their values from a dict holding them all, in that order."""
    if len(keys) > 1:
        return keys, itemgetter(*keys)
    return keys, lambda d: tuple(d[k] for k in keys)


def _fingerprint(values: Mapping[str, str], source: Source, look: _Lookup) -> str:
    content: dict[str, str] = {}
    for header, target, is_email in look.content:
        text = _norm_text(values[header]) if header is not None else ""
        if is_email:
            text = norm_email(text)
        if text or target not in content:
            content[target] = text
    marks = {n: _norm_text(values[h]) if h is not None else "" for h, n in look.sessions}
    fields = JSON.encode(list(zip(look.fields, look.pick_fields(content), strict=True)))
    payload = look.head + fields + ', "marks": ' + JSON.encode(list(zip(look.marks, look.pick_marks(marks), strict=True))) + "}"
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()


def fingerprint(raw: RawRow, source: Source) -> str:
    """sha256 of the row's mapped input fields (canonical name -> normalised text) and attendance
    marks, without the timestamp: the same submission gives the same fingerprint in any tab whose
    columns map to the same fields, whatever the column order, case or spacing."""
    return _fingerprint(raw.values, source, _Lookup(source, raw.values))


def row_identity(raw: RawRow, source: Source, locale: str | None = None) -> RowIdentity:
    """Identity of one raw row of ``source`` (empty rows get one too; the sync ignores them)."""
    return _identity(raw.values, source, locale, _Lookup(source, raw.values))


def _identity(values: Mapping[str, str], source: Source, locale: str | None, look: _Lookup) -> RowIdentity:
    mapped: dict[str, str] = {}
    for header, target in look.inputs:
        text = (values[header] if header is not None else "").strip()
        if text or target not in mapped:
            mapped[target] = text
    event = source.event or (norm_text(mapped.get("event")) if mapped.get("event") else None)
    return identity_from_values(
        source.kind,
        event=event,
        submitted_at=_timestamp(mapped.get("submitted_at", ""), locale),
        email=norm_email(mapped.get("email")),
        first=mapped.get("first_name", ""),
        last=mapped.get("last_name", ""),
        day=_day(mapped.get("date", ""), locale) if source.kind == "advisory" else "",
        fingerprint=_fingerprint(values, source, look),
    )


def identifier(source: Source, locale: str | None) -> Callable[[Mapping[str, str]], RowIdentity]:
    """The identity of a row's values (``row_identity``) for many rows of ``source``: rows of one tab
    share their headers, so where each mapped column is, is worked out once per set of headers."""
    looks: dict[tuple[str, ...], _Lookup] = {}

    def identify(values: Mapping[str, str]) -> RowIdentity:
        look = looks.get(headers := tuple(values))
        if look is None:
            look = looks[headers] = _Lookup(source, headers)
        return _identity(values, source, locale, look)

    return identify


def rows_from_table(
    source_id: str,
    spreadsheet: str,
    worksheet: str,
    table: list[list[str]],
    uncached: set[tuple[int, int]] | None = None,
    identify: Callable[[dict[str, str]], Any] | None = None,
) -> list[RawRow]:
    """Turn a tab's values (row 1 = header) into RawRows keyed by header text.

    Short rows (Google omits trailing empty cells) are padded; cells under an
    empty header are ignored; columns with the same header keep the first
    non-empty value. ``uncached`` = (row index, column index) of formula cells
    without a computed value; their headers are kept in ``RawRow.uncached``.
    ``identify``: gives ``ref.identity`` from the row's values
    (``synergia.sheets.identity.identifier``).
    """
    if not table:
        return []
    header = [str(h).strip() for h in table[0]]
    named = [(i, name) for i, name in enumerate(header) if name]
    width = len(header)
    simple = len({name for _, name in named}) == len(named)  # no two columns with the same header
    names = [name for _, name in named]
    pick = itemgetter(*(i for i, _ in named)) if len(named) > 1 else (lambda row: tuple(row[i] for i, _ in named))
    formulas_at: dict[int, set[str]] = {}
    for r, c in uncached or ():
        if c < width and header[c]:
            formulas_at.setdefault(r, set()).add(header[c])
    out: list[RawRow] = []
    for offset, row in enumerate(table[1:], start=2):
        if len(row) < width:
            row = list(row) + [""] * (width - len(row))
        if simple:
            cells = pick(row)
            values = dict(zip(names, cells, strict=True))
            if not _ONLY_TEXT.issuperset(map(type, cells)):  # None, numbers: as text
                values = {name: (v if type(v) is str else ("" if v is None else str(v))) for name, v in values.items()}
        else:
            values = {}
            for i, name in named:
                cell = str(row[i]) if row[i] is not None else ""
                if name not in values or (not values[name].strip() and cell.strip()):
                    values[name] = cell
        found = formulas_at.get(offset - 1)
        ref = SourceRef(source_id, spreadsheet, worksheet, offset, identify(values) if identify else None)
        out.append(RawRow(ref, values, frozenset(found) if found else frozenset()))
    return out


_ONLY_TEXT = frozenset({str})
