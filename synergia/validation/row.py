"""Validate one raw form/attendance row against its source's column mapping.

The result is one of three things, so every source row is accounted for:
``Accepted`` (normalised canonical fields), ``Rejected`` (reason codes and a
Polish message naming the source row, never the person's data) or ``Empty``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import itemgetter

from config.project import CONSENT_PREFIX, ORGANISATION_TYPES, ProjectConfig, Source
from synergia.sheets.rows import RawRow, SourceRef, find_headers
from synergia.validation.consent import read_consent
from synergia.validation.contact import clean_email, clean_phone, clean_postal_code
from synergia.validation.dates import parse_date, parse_timestamp
from synergia.validation.errors import Invalid
from synergia.validation.identity import clean_gender, clean_name, clean_pesel, pesel_birth_date, pesel_gender
from synergia.validation.limits import EARLIEST_BIRTH_YEAR, MIN_AGE_YEARS, max_length
from synergia.validation.text import visible

DEFAULT_REQUIRED = {
    "recruitment": ("first_name", "last_name"),
    "attendance": ("first_name", "last_name"),
    "advisory": ("first_name", "last_name", "hours"),
}
_CONSENT_MESSAGES = {
    "missing": "brak wymaganej zgody '{key}'",
    "refused": "odmowa wymaganej zgody '{key}' (consent refused)",
    "unclear": "niejasna odpowiedź na pytanie o zgodę '{key}' — zgoda musi być jednoznaczna (consent unclear)",
}
PRESENT_MARKS = {"x", "✓", "✔", "v", "tak", "t", "1", "obecny", "obecna", "ob.", "+", "true", "yes"}

_ORG_TYPE_HINTS: tuple[tuple[str, str], ...] = (
    (r"grup\w* nieformaln|grupa inicjatywn", "grupa nieformalna"),
    (r"\brad[aęy]\b|seniorów|młodzieżow|pożytku", "rada"),
    (r"samorz|jst\b|urząd|urzad|gmin|starostw|powiat|ośrodek pomocy|ops\b|szkoł|jednostk", "JST"),
    (r"pozarz|ngo|stowarzysz|fundacj|klub|koło gospodyń|kgw|ochotnicz|osp\b", "NGO"),
)


class StoredData(str):
    """The JSON text of an accepted row's data as the registry stores it: ``Accepted(..., StoredData(text))``
    is the outcome of a row reused from an earlier run (``validation.batch``), its ``data`` decoded
    only when something reads it (an unchanged night compares the text, ``stored_json``)."""

    __slots__ = ()


class _Data:
    """``Accepted.data``: a dict, or decoded on first use from the ``StoredData`` it was built with."""

    def __get__(self, obj: Accepted | None, owner: type | None = None) -> dict:
        if obj is None:
            raise AttributeError("data")  # no default value (dataclasses asks the class)
        state = obj.__dict__
        try:
            return state["_data"]
        except KeyError:  # not decoded yet
            data = state["_data"] = json.loads(state["_stored"])
            return data

    def __set__(self, obj: Accepted, value: dict | StoredData) -> None:
        state = obj.__dict__
        if isinstance(value, StoredData):
            state["_stored"] = str(value)
            state.pop("_data", None)
        else:
            state["_stored"], state["_data"] = None, value


@dataclass(frozen=True)
class Accepted:
    ref: SourceRef
    kind: str
    content_hash: str
    data: dict = field(repr=False)  # personal data: never in a repr (read through ``_Data``)

    @property
    def stored_json(self) -> str | None:
        """The registry's JSON text of ``data`` when the outcome was reused from it (else ``None``):
        equal text, equal data, without decoding. ``data`` is never changed in place (``replace``
        gives a new outcome, without this text)."""
        return self.__dict__["_stored"]


Accepted.data = _Data()  # type: ignore[assignment]  # after @dataclass, which removes the field's class attribute


def reused_accepted(ref: SourceRef, kind: str, content_hash: str, stored_json: str) -> Accepted:
    """``Accepted(ref, kind, content_hash, StoredData(stored_json))`` the same way as ``accepted``."""
    outcome = object.__new__(Accepted)
    outcome.__dict__.update(ref=ref, kind=kind, content_hash=content_hash, _stored=stored_json)
    return outcome


def accepted(ref: SourceRef, kind: str, content_hash: str, data: dict) -> Accepted:
    """``Accepted(ref, kind, content_hash, data)`` without the frozen ``__init__``'s four
    ``object.__setattr__`` calls (a tab's worth of outcomes at once: ``validate_rows``)."""
    outcome = object.__new__(Accepted)
    outcome.__dict__.update(ref=ref, kind=kind, content_hash=content_hash, _stored=None, _data=data)
    return outcome


@dataclass(frozen=True)
class Rejected:
    ref: SourceRef
    content_hash: str
    reasons: tuple[str, ...]
    message: str


@dataclass(frozen=True)
class Empty:
    ref: SourceRef


Outcome = Accepted | Rejected | Empty


@dataclass
class _Collector:
    errors: list[tuple[str, str]] = field(default_factory=list)
    failed: set[str] = field(default_factory=set)

    def run(self, name: str, fn: Callable[[], object]) -> object | None:
        """Run one validator; on failure record its reason and remember the field failed."""
        try:
            return fn()
        except Invalid as exc:
            self.errors.append((exc.code, exc.message_pl))
            self.failed.add(name)
            return None


def normalise_organisation_type(raw: str) -> str:
    return _organisation_type(raw or "")


@lru_cache(maxsize=20_000)  # a few answers repeat on every row
def _organisation_type(raw: str) -> str:
    value = " ".join(raw.lower().split())
    if not value:
        return ""
    for canonical in ORGANISATION_TYPES:
        if value == canonical.lower():
            return canonical
    for pattern, canonical in _ORG_TYPE_HINTS:
        if re.search(pattern, value):
            return canonical
    return "inna"


class RowPlan:
    """Where each mapped column of ``source`` is among a tab's headers (``find_headers``), the
    consent yes-texts and the length limits: worked out once per tab, not once per row."""

    def __init__(self, source: Source, project: ProjectConfig, headers: Iterable[str]):
        headers = list(headers)
        found = find_headers(source.columns, headers)
        self.columns: list[tuple[str | None, str, bool, str | None]] = [
            # names keep their raw text: clean_name tells "only invisible characters" (name_invalid) from empty
            (h, target, target in ("first_name", "last_name"), target[len(CONSENT_PREFIX) :] if target.startswith(CONSENT_PREFIX) else None)
            for h, target in zip(found, source.columns.values(), strict=True)
        ]
        self.sessions = list(zip(find_headers(source.sessions, headers), source.sessions.values(), strict=True))
        self.accept = {key: project.consent_accept(source, key) for _, _, _, key in self.columns if key is not None}
        # the order of a set, as before (the messages of a row missing two fields come in that order)
        self.required = [n for n in set(DEFAULT_REQUIRED[source.kind]) | set(source.require) if n != "hours" or source.kind == "advisory"]
        # The same mapping by field, for whole columns at once (``validate_rows``): each field's
        # columns in the order of ``columns``, fields and consent keys in the order first mapped.
        self.fields: dict[str, list[tuple[str | None, bool]]] = {}
        self.consents: dict[str, list[str | None]] = {}
        for header, target, raw_text, consent in self.columns:
            if consent is not None:
                self.consents.setdefault(consent, []).append(header)
            else:
                self.fields.setdefault(target, []).append((header, raw_text))


def _sessions(raw: RawRow, plan: RowPlan) -> list[int]:
    return sorted({number for header, number in plan.sessions if _present(raw.values, header)})


def _uncached_formulas(c: _Collector, raw: RawRow, source: Source, fields: dict[str, str], consent_text: dict[str, str]) -> None:
    """A mapped cell that is a formula nobody calculated has an unknown value: quarantine, never guess."""
    if not raw.uncached:
        return
    formulas = {" ".join(h.lower().split()) for h in raw.uncached}
    for header, target in list(source.columns.items()) + [(h, f"session:{n}") for h, n in source.sessions.items()]:
        if " ".join(header.lower().split()) not in formulas or target in c.failed:
            continue
        c.errors.append(
            (
                f"formula_without_value:{target}",
                f"w polu '{target}' jest formuła bez obliczonej wartości — otwórz i zapisz skoroszyt w "
                f"Excelu/LibreOffice (formula without a cached value)",
            )
        )
        c.failed.add(target)


def validate_row(raw: RawRow, source: Source, project: ProjectConfig, *, locale: str | None = None, today: date | None = None) -> Outcome:
    """Normalise and check one row. Never raises for bad data: returns ``Rejected``.
    ``today`` (default: the real date) bounds plausible birth dates together with the project period."""
    plan = RowPlan(source, project, raw.values)
    return validate_planned(raw, source, project, plan, locale=locale, latest=min(today or date.today(), project.period.end))


def validate_planned(
    raw: RawRow,
    source: Source,
    project: ProjectConfig,
    plan: RowPlan,
    *,
    locale: str | None,
    latest: date,
    content_hash: str | None = None,
) -> Outcome:
    """``validate_row`` with the tab's ``RowPlan`` (``plan`` of rows with these headers), the date bound
    ``latest`` = min(today, project end) and the row's ``content_hash`` when the caller has it."""
    if content_hash is None:
        content_hash = raw.content_hash()
    return validate_rows([raw], source, project, plan, locale=locale, latest=latest, content_hashes=[content_hash])[0]


_NO_READING = (False, "", None, None, None)  # an empty field
_NO_ANSWER = (False, "missing")  # an empty consent answer


def _strip(text: str | None) -> str:
    return (text or "").strip()


def _column_texts(cells: tuple[str, ...] | None, raw_text: bool, n: int) -> list[str]:
    """One column's cells as the rules read them (names stripped, everything else ``visible``;
    no column: empty), each distinct cell read once."""
    if cells is None:
        return [""] * n
    read = _strip if raw_text else visible
    memo = {cell: read(cell) for cell in set(cells)}
    return list(map(memo.__getitem__, cells))


def _merged(columns: list[list[str]]) -> list[str]:
    """A field mapped from several columns: the last non-empty one (as ``_mapped_values``)."""
    out = list(columns[0])
    for texts in columns[1:]:
        out = [t or o for o, t in zip(out, texts, strict=True)]
    return out


def _field_reading(name: str, text: str, locale: str | None, latest: date) -> tuple:
    """What the rules make of one field's text (a pure function of the text; see ``validate_rows``):
    (too long, text left after the length limit, value, (code, message) of its ``Invalid``, extra)."""
    if len(text) > max_length(name):
        return (True, "", None, None, None)
    if not text:
        return _NO_READING
    value, error, extra = None, None, None
    try:
        if name in ("first_name", "last_name"):
            value = clean_name(text, field=name)
        elif name in _VISIBLE_FIELDS:
            value = visible(text)
        elif name == "email":
            value = clean_email(text)
        elif name == "phone":
            value = clean_phone(text)
        elif name == "postal_code":
            value = clean_postal_code(text)
        elif name == "gender":
            value = clean_gender(text)
        elif name == "submitted_at":
            value = parse_timestamp(text, locale=locale).isoformat()
        elif name == "birth_date":
            value = parse_date(text, locale=locale, field="birth_date")
            c = _Collector()
            _check_plausible_birth(c, value, latest)
            extra = c.errors[0] if c.errors else None
        elif name == "pesel":
            value = clean_pesel(text)
            if value:
                born = pesel_birth_date(value)
                c = _Collector()
                _check_plausible_birth(c, born, latest, code="pesel_birth_date_implausible")
                extra = (born, pesel_gender(value), c.errors[0] if c.errors else None)
    except Invalid as exc:
        value, error = None, (exc.code, exc.message_pl)
    return (False, text, value, error, extra)


_VISIBLE_FIELDS = ("street", "city", "gmina", "organisation", "notes")
#: the fields whose value is set in this order, and whether a failed one still leaves its key (as None)
_SIMPLE_FIELDS = (
    ("first_name", True),
    ("last_name", True),
    *((name, False) for name in _VISIBLE_FIELDS),
    ("email", True),
    ("phone", True),
    ("postal_code", True),
    ("gender", True),
    ("submitted_at", False),
)


def _too_long_error(name: str) -> tuple[str, str]:
    if name.startswith(CONSENT_PREFIX):
        return (f"too_long:{name}", f"odpowiedź w polu '{name}' jest za długa (ponad {max_length(name)} znaków)")
    return (f"too_long:{name}", f"wartość w polu '{name}' jest za długa (ponad {max_length(name)} znaków)")


def validate_rows(
    raws: list[RawRow],
    source: Source,
    project: ProjectConfig,
    plan: RowPlan,
    *,
    locale: str | None,
    latest: date,
    content_hashes: list[str],
) -> list[Outcome]:
    """``validate_planned`` of each of ``raws`` (rows of one tab, keyed by the plan's headers), in order.

    Column by column: every distinct cell of a column is read once (``visible``, the field's rule,
    the length limit: ``_field_reading``), then each row puts its fields' readings together in the
    order the rules run, so codes, messages and the data's key order are those of one row at a time."""
    n = len(raws)
    if not n:
        return []
    rows = [raw.values for raw in raws]
    names, keys = list(plan.fields), list(plan.consents)
    wanted = [h for cols in plan.fields.values() for h, _ in cols] + [headers[-1] for headers in plan.consents.values()]
    wanted = list(dict.fromkeys(h for h in wanted if h is not None))
    cells_of: dict[str, tuple[str, ...]] = {}
    if len(wanted) > 1:
        cells_of = dict(zip(wanted, zip(*map(itemgetter(*wanted), rows), strict=True), strict=True))
    elif wanted:
        cells_of = {wanted[0]: tuple(values[wanted[0]] for values in rows)}

    readings: list[list[tuple]] = []  # per field, per row
    long_fields: list[int] = []  # fields with a value over the length limit somewhere in the tab
    for i, (name, cols) in enumerate(plan.fields.items()):
        if len(cols) == 1 and cols[0][0] is not None:  # one column: its cells are read straight
            cells, read = cells_of[cols[0][0]], _strip if cols[0][1] else visible
            memo = {cell: _field_reading(name, read(cell), locale, latest) for cell in set(cells)}
        else:  # several columns (or none): the last non-empty text, as ``_mapped_values``
            cells = _merged([_column_texts(cells_of.get(h), raw_text, n) for h, raw_text in cols])
            memo = {text: _field_reading(name, text, locale, latest) for text in set(cells)}
        readings.append(list(map(memo.__getitem__, cells)))
        if any(reading[0] for reading in memo.values()):
            long_fields.append(i)
    answers: list[list[tuple[bool, str]]] = []
    long_keys: list[int] = []
    for j, (key, headers) in enumerate(plan.consents.items()):
        limit, accept = max_length(f"{CONSENT_PREFIX}{key}"), plan.accept[key]
        cells = _column_texts(cells_of.get(headers[-1]), False, n)
        memo = {text: (True, "missing") if len(text) > limit else (False, read_consent(text, accept)) for text in set(cells)}
        answers.append(list(map(memo.__getitem__, cells)))
        if any(answer[0] for answer in memo.values()):
            long_keys.append(j)
    if plan.sessions:
        present = [[_present(values, header) for values in rows] for header, _ in plan.sessions]
        numbers = [number for _, number in plan.sessions]
        sessions_of = [sorted({num for num, p in zip(numbers, marks, strict=True) if p}) for marks in zip(*present, strict=True)]
    else:
        sessions_of = None
    at = {name: i for i, name in enumerate(names)}
    simple = [(at[name], name, keep) for name, keep in _SIMPLE_FIELDS if name in at]
    i_birth, i_pesel = at.get("birth_date"), at.get("pesel")
    i_org, i_cat = at.get("organisation_type"), at.get("category")
    org_types: dict[str, str] = {}
    categories: dict[str, str | None] = {}
    org_map = source.value_maps.get("organisation_type", {})
    cat_map = source.value_maps.get("category", {})
    other_maps = [(at[f], f, m) for f, m in source.value_maps.items() if f not in ("organisation_type", "category") and f in at]
    listing = source.kind in ("attendance", "advisory")
    version = source.consent_version
    required_consents = source.required_consents
    accept_keys = range(len(keys))
    too_long_errors = [_too_long_error(name) for name in names]
    too_long_consents = [_too_long_error(f"{CONSENT_PREFIX}{key}") for key in keys]

    n_fields, n_keys = len(names), len(keys)
    out: list[Outcome] = []
    field_rows = zip(*readings, strict=True) if readings else repeat((), n)
    answer_rows = zip(*answers, strict=True) if answers else repeat((), n)
    for r, (raw, row, row_answers) in enumerate(zip(raws, field_rows, answer_rows)):
        sessions = sessions_of[r] if sessions_of is not None else []
        # nothing mapped (which includes a row of blank cells): ``Empty``
        if not sessions and row.count(_NO_READING) == n_fields and row_answers.count(_NO_ANSWER) == n_keys:
            out.append(Empty(raw.ref))
            continue
        errors: list[tuple[str, str]] = []
        failed: set[str] = set()
        for i in long_fields:
            if row[i][0]:
                errors.append(too_long_errors[i])
                failed.add(names[i])
        for j in long_keys:
            if row_answers[j][0]:
                errors.append(too_long_consents[j])
                failed.add(f"{CONSENT_PREFIX}{keys[j]}")
        if raw.uncached:
            c = _Collector(errors, failed)
            _uncached_formulas(c, raw, source, {}, {})
        data: dict = {}
        for i, name, keep in simple:
            reading = row[i]
            if reading[1]:
                if reading[3] is None:
                    data[name] = reading[2]
                else:
                    errors.append(reading[3])
                    failed.add(name)
                    if keep:
                        data[name] = None

        birth = None
        if i_birth is not None and (reading := row[i_birth])[1]:
            if reading[3] is None:
                birth = reading[2]
                if reading[4] is not None:
                    errors.append(reading[4])
                data["birth_date"] = birth.isoformat()
            else:
                errors.append(reading[3])
                failed.add("birth_date")

        if i_pesel is not None and (reading := row[i_pesel])[1]:
            pesel = reading[2]
            if reading[3] is not None:
                errors.append(reading[3])
                failed.add("pesel")
            if pesel:
                data["pesel"] = pesel
                from_pesel, sex, implausible = reading[4]
                if birth and birth != from_pesel:
                    errors.append(("pesel_birth_date_mismatch", "data urodzenia nie zgadza się z numerem PESEL"))
                elif not birth:
                    if implausible is not None:
                        errors.append(implausible)
                    data["birth_date"] = from_pesel.isoformat()
                if data.get("gender") and data["gender"] != sex:
                    errors.append(("pesel_gender_mismatch", "płeć nie zgadza się z numerem PESEL"))
                elif not data.get("gender"):
                    data["gender"] = sex
            else:
                data["no_pesel"] = True

        org_text = (row[i_org][1] if i_org is not None else None) or source.organisation_type or ""
        org_type = org_types.get(org_text)
        if org_type is None:
            org_type = org_types[org_text] = org_map.get(org_text.strip()) or normalise_organisation_type(org_text)
        if org_type:
            data["organisation_type"] = org_type
        category = (row[i_cat][1] if i_cat is not None else None) or source.category
        if category:
            mapped = categories.get(category)
            if mapped is None:
                mapped = categories[category] = cat_map.get(category.strip(), category.strip())
            data["category"] = mapped
        for i, fname, mapping in other_maps:
            text = row[i][1]
            if text and text in mapping:
                data[fname] = mapping[text]

        if listing:
            c = _Collector(errors, failed)
            fields = {name: reading[1] for name, reading in zip(names, row, strict=True)}
            _attendance_fields(c, data, fields, sessions, source, project, locale)

        if keys:
            consents = {}
            given: dict[str, str] = {}
            for j in accept_keys:
                answer = row_answers[j][1]
                given[keys[j]] = answer
                consents[keys[j]] = {"given": answer == "given", "version": version}
        else:
            consents, given = {}, {}
        for key in required_consents:
            answer = given.get(key, "missing")
            if answer != "given":
                errors.append((f"consent_{answer}:{key}", _CONSENT_MESSAGES[answer].format(key=key)))
        if consents:
            data["consents"] = consents

        for name in plan.required:
            if data.get(name) in (None, "") and name not in failed:
                errors.append((f"missing:{name}", f"brak wymaganego pola '{name}'"))

        if errors:
            codes = tuple(dict.fromkeys(code for code, _ in errors))
            text = "; ".join(dict.fromkeys(msg for _, msg in errors))
            out.append(
                Rejected(
                    raw.ref,
                    content_hashes[r],
                    codes,
                    f"Źródło '{raw.ref.source_id}', arkusz '{raw.ref.worksheet}', wiersz {raw.ref.row_number}: {text}.",
                )
            )
            continue
        kept = data.values()
        if None in kept or "" in kept:
            data = {k: v for k, v in data.items() if v not in (None, "")}
        out.append(accepted(raw.ref, source.kind, content_hashes[r], data))
    return out


def _present(values: dict[str, str], header: str | None) -> bool:
    """Is a session column of an attendance list marked present (``PRESENT_MARKS``)?"""
    return bool(header is not None and values[header] and " ".join(values[header].lower().split()) in PRESENT_MARKS)


def _check_plausible_birth(c: _Collector, birth: date, latest: date, code: str = "birth_date_implausible") -> None:
    """A participant was born in or after ``EARLIEST_BIRTH_YEAR`` and is at least ``MIN_AGE_YEARS`` old on
    ``latest`` = the earlier of today and the project's end. Never measured against the row's own timestamp:
    a form submitted at a wrong system time (1900, 2099) must not make 1850 or 2090 plausible."""
    if birth.year < EARLIEST_BIRTH_YEAR or birth > _youngest(latest):
        c.errors.append(
            (
                code,
                f"data urodzenia jest nieprawdopodobna (przed {EARLIEST_BIRTH_YEAR} r., w przyszłości "
                f"lub uczestnik młodszy niż {MIN_AGE_YEARS} lat)",
            )
        )


@lru_cache(maxsize=16)  # one date bound per run
def _youngest(latest: date) -> date:
    """The latest birth date of a participant ``MIN_AGE_YEARS`` old on ``latest``."""
    try:
        return latest.replace(year=latest.year - MIN_AGE_YEARS)
    except ValueError:  # 29 February
        return latest.replace(year=latest.year - MIN_AGE_YEARS, day=28)


def _attendance_fields(
    c: _Collector, data: dict, fields: dict[str, str], sessions: list[int], source: Source, project: ProjectConfig, locale: str | None
) -> None:
    event_id = source.event
    if not event_id and fields.get("event"):
        wanted = " ".join(fields["event"].lower().split())
        match = [e.id for e in project.events if wanted in (e.id.lower(), " ".join(e.title.lower().split()))]
        if match:
            event_id = match[0]
        else:
            c.errors.append(("event_unknown", "nieznane wydarzenie w kolumnie wydarzenia"))
    if event_id:
        data["event"] = event_id
    if fields.get("session"):
        try:
            sessions = sorted(set(sessions) | {int(float(fields["session"].replace(",", ".")))})
        except (ValueError, OverflowError):
            c.errors.append(("session_invalid", "numer sesji musi być liczbą"))
    if fields.get("date"):
        day = c.run("date", lambda: parse_date(fields["date"], locale=locale, field="date"))
        if day:
            data["date"] = day.isoformat()
    if fields.get("hours"):
        try:
            hours = float(fields["hours"].replace(",", "."))
            if not 0 < hours <= 24:
                raise ValueError
            data["hours"] = hours
        except ValueError:
            c.errors.append(("hours_invalid", "liczba godzin musi być liczbą od 0 do 24"))
            c.failed.add("hours")
    if source.kind == "attendance":
        if not sessions and not source.sessions:
            sessions = [1]  # a single-session list: being on it is being present
        if not sessions:
            c.errors.append(("attendance_empty", "wiersz listy obecności bez zaznaczonej obecności"))
        event = next((e for e in project.events if e.id == event_id), None)
        if event and any(s > event.sessions or s < 1 for s in sessions):
            c.errors.append(("session_unknown", "numer sesji spoza zakresu wydarzenia"))
        data["sessions"] = sessions
