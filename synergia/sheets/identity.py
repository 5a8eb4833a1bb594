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
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from itertools import repeat
from json.encoder import encode_basestring

from config.project import CONSENT_PREFIX, Source
from synergia.dedupe.normalize import fold
from synergia.sheets.rows import RawRow, SourceRef, find_headers
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


def _timestamp(text: str, locale: str | None) -> str:
    if not text.strip():
        return ""
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
    key, fallbacks = _keys(kind, _event_key(event), submitted_at, mail, _name_key(fold(first or ""), fold(last or "")), day, fingerprint)
    return RowIdentity(key=key, fingerprint=fingerprint, fallbacks=fallbacks)


def _event_key(event: str | None) -> str:
    return (event or "") if len(event or "") <= 64 else _h(event)


def _name_key(first_folded: str, last_folded: str) -> str:
    """Hash of ``norm_name`` from the folded first and last name; "" when both are empty."""
    return _h(f"{first_folded}|{last_folded}") if (first_folded or last_folded) else ""


def _keys(kind: str, ev: str, submitted_at: str, mail: str, name: str, day: str, fingerprint: str) -> tuple[str, tuple[str, ...]]:
    """(key, fallbacks) from the event key, ISO stamp / day, e-mail hash and name hash."""
    if submitted_at:
        return f"f:{submitted_at}:{mail}", (f"t:{submitted_at}",)
    if kind in ("attendance", "advisory") and name:
        at = f"{ev}:{day}" if kind == "advisory" else ev  # an advisory register has a row per person and day
        return f"l:{at}:{name}:{mail}", ((f"le:{at}:{mail}", f"ln:{at}:{name}") if mail else (f"ln:{at}:{name}",))
    fallbacks: tuple[str, ...] = ()
    if mail:
        fallbacks += (f"e:{ev}:{mail}",)
    if name:
        fallbacks += (f"n:{ev}:{name}",)
    return f"p:{fingerprint}", fallbacks


class _Lookup:
    """Where each header of ``source`` is in rows keyed by ``headers`` (``find_headers``: compared
    case- and space-insensitively; of equal headers the last one): worked out once per tab, not
    once per row."""

    def __init__(self, source: Source, headers: Iterable[str]):
        headers = list(headers)
        columns = list(zip(find_headers(source.columns, headers), source.columns.values(), strict=True))
        sessions = [(h, str(n)) for h, n in zip(find_headers(source.sessions, headers), source.sessions.values(), strict=True)]
        # For the keys: the headers of each input field (consents are no input), in column order;
        # a field several columns map to takes the last non-empty one (a missing column is empty).
        self.inputs: dict[str, list[str]] = {}
        for h, t in columns:
            if not t.startswith(CONSENT_PREFIX):
                self.inputs.setdefault(t, []).extend([h] if h is not None else [])
        # The fingerprint's JSON (``json.dumps({"event", "fields": sorted pairs, "marks": sorted pairs},
        # ensure_ascii=False)``): the fields and marks are distinct keys, so their sorted order is the
        # order of the keys. Each field: its headers (the last non-empty normalised text wins) and
        # whether it is the e-mail; each mark: the header of its last column (None: missing, "").
        content: dict[str, list[str]] = {}
        for h, t in columns:
            if t != "submitted_at":
                content.setdefault(t, []).extend([h] if h is not None else [])
        self.fields = [(t, content[t], t == "email") for t in sorted(content)]
        last = {n: h for h, n in sessions}
        self.marks = [(n, last[n]) for n in sorted(last)]
        self.head = '{"event": ' + encode_basestring(source.event or "") + ', "fields": '


Columns = Mapping[str, Sequence[str]]


def _each(fn: Callable[[str], str], column: Sequence[str], then: Callable[[str], str] | None = None) -> list[str]:
    """``fn`` (then ``then``) of every cell of a column, computed once per distinct cell (a column
    of mostly distinct cells, such as stamps or PESELs, is mapped straight through)."""
    if len(column) > 2 * _SAMPLE and len(set(column[:_SAMPLE])) > _SAMPLE // 2:
        done = map(fn, column)
        return list(map(then, done) if then else done)
    memo = {v: then(fn(v)) for v in dict.fromkeys(column)} if then else {v: fn(v) for v in dict.fromkeys(column)}
    return list(map(memo.__getitem__, column))


_SAMPLE = 512
#: ``_norm_text`` without its cache: the columns are read once per distinct cell already
_norm = _norm_text.__wrapped__


def _norm_mail(text: str) -> str:
    return norm_email(_norm(text))


def _last_filled(columns: list[Sequence[str]]) -> list[str]:
    """Per row, the last non-empty text of ``columns`` (already normalised / stripped), else ""."""
    return [next((v for v in reversed(texts) if v), "") for texts in zip(*columns, strict=True)]


def _input(columns: Columns, headers: list[str], fn: Callable[[str], str], n: int) -> Iterable[str]:
    """``fn`` of a key field's stripped text per row (``fn("")`` when no column holds it)."""
    if not headers:
        return repeat(fn(""), n)
    if len(headers) == 1:
        return _each(lambda v: fn(v.strip()), columns[headers[0]])
    return _each(fn, _last_filled([_each(str.strip, columns[h]) for h in headers]))


def _fingerprints(columns: Columns, n: int, look: _Lookup) -> list[str]:
    """sha256 of each row's fingerprint JSON (see ``fingerprint``), column by column: each distinct
    cell of a column is normalised and JSON-encoded once; the JSON text around the values (event,
    field names, marks) is one format template, so a row is one format and one sha256."""
    pieces: list[str] = []
    slots: list[list[str]] = []

    def pair(key: str, encoded: list[str] | None) -> None:  # ``["key", value]``; None: the empty text
        start = "[" + encode_basestring(key).replace("%", "%%") + ", "
        pieces.append(start + ('""]' if encoded is None else "%s]"))
        if encoded is not None:
            slots.append(encoded)

    for target, headers, is_email in look.fields:
        norm = _norm_mail if is_email else _norm
        if not headers:
            pair(target, None)
        elif len(headers) == 1:
            pair(target, _each(norm, columns[headers[0]], encode_basestring))
        else:
            pair(target, list(map(encode_basestring, _last_filled([_each(norm, columns[h]) for h in headers]))))
    fields = ", ".join(pieces)
    pieces.clear()
    for number, header in look.marks:
        pair(number, None if header is None else _each(_norm, columns[header], encode_basestring))
    template = look.head.replace("%", "%%") + "[" + fields + '], "marks": [' + ", ".join(pieces) + "]}"
    sha = hashlib.sha256
    if not slots:
        return [sha((template % ()).encode("utf-8")).hexdigest()] * n
    return [sha((template % row).encode("utf-8")).hexdigest() for row in zip(*slots, strict=True)]


def identity_tuples(columns: Columns, n: int, source: Source, locale: str | None, look: _Lookup) -> list[tuple[str, str, tuple[str, ...]]]:
    """``(key, fingerprint, fallbacks)`` of each of ``n`` rows given column by column (header ->
    cell text per row): the rule of ``row_identity``, each distinct cell of a column read once.
    Plain tuples: what a worker process sends back (``RowIdentity(*t)`` makes the identity)."""
    inputs = look.inputs.get
    fingerprints = _fingerprints(columns, n, look)
    if source.event:
        events: Iterable[str] = repeat(_event_key(source.event), n)
    else:
        events = _input(columns, inputs("event", []), lambda v: _event_key(norm_text(v) if v else None), n)
    stamps = _input(columns, inputs("submitted_at", []), lambda v: _timestamp(v, locale), n)
    mails = _input(columns, inputs("email", []), lambda v: _h(e) if (e := norm_email(v)) else "", n)
    firsts = _input(columns, inputs("first_name", []), fold, n)
    lasts = _input(columns, inputs("last_name", []), fold, n)
    name_of: dict[tuple[str, str], str] = {}
    names = [name_of[p] if p in name_of else name_of.setdefault(p, _name_key(*p)) for p in zip(firsts, lasts)]
    if source.kind == "advisory":
        days: Iterable[str] = _input(columns, inputs("date", []), lambda v: _day(v, locale), n)
    else:
        days = repeat("", n)
    kind = source.kind
    out = []
    for fp, ev, stamp, mail, name, day in zip(fingerprints, events, stamps, mails, names, days):
        key, fallbacks = _keys(kind, ev, stamp, mail, name, day, fp)
        out.append((key, fp, fallbacks))
    return out


def identify_columns(
    columns: Columns, n: int, source: Source, locale: str | None, headers: Sequence[str]
) -> list[tuple[str, str, tuple[str, ...]]]:
    """``identity_tuples`` of the rows of a tab keyed by ``headers``."""
    return identity_tuples(columns, n, source, locale, _Lookup(source, headers))


def _columns_of(values: Mapping[str, str]) -> dict[str, list[str]]:
    return {h: [v] for h, v in values.items()}


def _fingerprint(values: Mapping[str, str], source: Source, look: _Lookup) -> str:
    return _fingerprints(_columns_of(values), 1, look)[0]


def fingerprint(raw: RawRow, source: Source) -> str:
    """sha256 of the row's mapped input fields (canonical name -> normalised text) and attendance
    marks, without the timestamp: the same submission gives the same fingerprint in any tab whose
    columns map to the same fields, whatever the column order, case or spacing."""
    return _fingerprint(raw.values, source, _Lookup(source, raw.values))


def row_identity(raw: RawRow, source: Source, locale: str | None = None) -> RowIdentity:
    """Identity of one raw row of ``source`` (empty rows get one too; the sync ignores them)."""
    return _identity(raw.values, source, locale, _Lookup(source, raw.values))


def _identity(values: Mapping[str, str], source: Source, locale: str | None, look: _Lookup) -> RowIdentity:
    return RowIdentity(*identity_tuples(_columns_of(values), 1, source, locale, look)[0])


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


def identities(rows: Sequence[Mapping[str, str]], source: Source, locale: str | None) -> list[RowIdentity]:
    """``row_identity`` of many rows' values: each run of rows with the same headers (a tab's rows)
    is identified column by column (``identity_tuples``)."""
    out: list[RowIdentity] = []
    i = 0
    while i < len(rows):
        headers, j = tuple(rows[i]), i + 1
        while j < len(rows) and tuple(rows[j]) == headers:
            j += 1
        columns = {h: [v[h] for v in rows[i:j]] for h in headers}
        out.extend(RowIdentity(*t) for t in identity_tuples(columns, j - i, source, locale, _Lookup(source, headers)))
        i = j
    return out


def with_identities(rows: Iterable[RawRow], source: Source, locale: str | None) -> list[RawRow]:
    """The rows with ``ref.identity`` set (the reference still carries the row number for messages)."""
    rows = list(rows)
    out: list[RawRow] = []
    for r, ident in zip(rows, identities([r.values for r in rows], source, locale), strict=True):
        ref = r.ref
        out.append(RawRow(SourceRef(ref.source_id, ref.spreadsheet, ref.worksheet, ref.row_number, ident), r.values, r.uncached))
    return out
