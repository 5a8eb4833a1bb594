"""What identifies a source row across nights: never its row number.

Staff delete, sort, insert blank rows and move rows between tabs; the row
number of a response changes every time, so it is only a display reference
("wiersz 17"). A row is identified by what it *is*:

- a **form response** by what Google Forms gives it: the submission timestamp
  (``submitted_at``, the ``Sygnatura czasowa`` column) plus the respondent's
  e-mail. Without a timestamp column (a manual tab): by a *fingerprint* of the
  submission (the normalised content of the mapped input fields);
- an **attendance / advisory list row** by the name on the list: event +
  normalised first and last name + e-mail when the list has one (+ the date for
  advisory registers, where one person has several rows).

``RowIdentity.key`` is that primary key; ``fallbacks`` are weaker keys tried,
in order, when the primary key no longer matches (staff corrected the e-mail
or the name in place): the timestamp alone for forms; the e-mail, then the name
for lists and forms without a timestamp. ``fingerprint`` separates rows with
equal keys (a double submission) and is the last fallback. The matching itself
is in ``synergia.registry.identity``.

Keys hold hashes of e-mails and names, never the text (the timestamp and the
event id are not personal data); still, never log them.
"""

from __future__ import annotations

import functools
import hashlib
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from json.encoder import encode_basestring
from operator import itemgetter

from config.project import CONSENT_PREFIX, Source
from synergia.dedupe.normalize import fold
from synergia.sheets.rows import JSON, RawRow, SourceRef, find_headers
from synergia.validation.dates import parse_date, parse_timestamp
from synergia.validation.errors import Invalid

#: Bumped when the way keys are computed changes (a migration must then recompute stored keys).
SCHEME = 1


@dataclass(frozen=True)
class RowIdentity:
    key: str  # primary key, e.g. "f:2026-03-21T10:15:02:<email hash>"
    fingerprint: str  # sha256 of the normalised mapped content
    fallbacks: tuple[str, ...] = ()  # weaker keys, in matching order (fingerprint key not included)

    def __repr__(self) -> str:  # keys carry hashes of personal data: keep them out of reprs
        return "RowIdentity(…)"


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


def identity_from_data(kind: str, data: Mapping) -> RowIdentity | None:
    """Identity of a stored application from its validated ``data`` (used to migrate registries
    written before row identities existed). ``None`` when the key needs the raw row (a form
    without a timestamp is keyed by its fingerprint, which the registry never stored). For a list
    whose event comes from a column the key may differ from tonight's; the first night after the
    migration then matches the record by its last known place (``synergia.registry.identity``)."""
    submitted = str(data.get("submitted_at") or "")
    if not submitted and (kind not in ("attendance", "advisory") or not (data.get("first_name") or data.get("last_name"))):
        return None
    return identity_from_values(
        kind,
        event=str(data.get("event") or "") or None,
        submitted_at=submitted,
        email=norm_email(data.get("email")),
        first=str(data.get("first_name") or ""),
        last=str(data.get("last_name") or ""),
        day=str(data.get("date") or "") if kind == "advisory" else "",
        fingerprint="",
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


def with_identities(rows: Iterable[RawRow], source: Source, locale: str | None) -> list[RawRow]:
    """The rows with ``ref.identity`` set (the reference still carries the row number for messages)."""
    identify = identifier(source, locale)
    out: list[RawRow] = []
    for r in rows:
        ref = r.ref
        ident = identify(r.values)
        out.append(RawRow(SourceRef(ref.source_id, ref.spreadsheet, ref.worksheet, ref.row_number, ident), r.values, r.uncached))
    return out
