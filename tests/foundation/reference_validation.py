"""The row validation as it was before ``validate_rows`` (issue 17, session 6): one row at a time.

A verbatim copy of ``synergia/validation/row.py``'s ``validate_planned`` and its helpers at commit
69cd510, kept only as the reference the column-at-a-time code is held to (``test_validate_rows.py``).
The rules it calls (``clean_*``, ``parse_*``, ``read_consent``) are the real ones; ``RowPlan`` gives
it the same header mapping.
"""

# ruff: noqa
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache

from config.project import CONSENT_PREFIX, ProjectConfig, Source
from synergia.sheets.rows import RawRow
from synergia.validation.consent import read_consent
from synergia.validation.contact import clean_email, clean_phone, clean_postal_code
from synergia.validation.dates import parse_date, parse_timestamp
from synergia.validation.errors import Invalid
from synergia.validation.identity import clean_gender, clean_name, clean_pesel, pesel_birth_date, pesel_gender
from synergia.validation.limits import EARLIEST_BIRTH_YEAR, MIN_AGE_YEARS, max_length
from synergia.validation.row import (
    _CONSENT_MESSAGES,
    PRESENT_MARKS,
    Accepted,
    Empty,
    Outcome,
    Rejected,
    RowPlan,
    normalise_organisation_type,
)
from synergia.validation.text import visible


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


def _mapped_values(raw: RawRow, plan: RowPlan) -> tuple[dict[str, str], dict[str, str]]:
    """Canonical field -> text, consent key -> text (headers matched ignoring case and spaces)."""
    values = raw.values
    fields: dict[str, str] = {}
    consents: dict[str, str] = {}
    for header, target, raw_text, consent in plan.columns:
        text = values[header] if header is not None else ""
        text = (text or "").strip() if raw_text else visible(text)
        if consent is not None:
            consents[consent] = text
        elif text or target not in fields:
            fields[target] = text
    return fields, consents


def _sessions(raw: RawRow, plan: RowPlan) -> list[int]:
    values = raw.values
    present = set()
    for header, number in plan.sessions:
        if header is not None and values[header] and " ".join(values[header].lower().split()) in PRESENT_MARKS:
            present.add(number)
    return sorted(present)


def _too_long(c: _Collector, fields: dict[str, str], consent_text: dict[str, str]) -> None:
    """Over-long values are dropped before any rule sees them; the row is quarantined naming the field."""
    for name, text in list(fields.items()):
        if len(text) > max_length(name):
            c.errors.append((f"too_long:{name}", f"wartość w polu '{name}' jest za długa (ponad {max_length(name)} znaków)"))
            c.failed.add(name)
            fields[name] = ""
    for key, text in list(consent_text.items()):
        name = f"{CONSENT_PREFIX}{key}"
        if len(text) > max_length(name):
            c.errors.append((f"too_long:{name}", f"odpowiedź w polu '{name}' jest za długa (ponad {max_length(name)} znaków)"))
            c.failed.add(name)
            consent_text[key] = ""


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
    if raw.is_empty():
        return Empty(raw.ref)
    fields, consent_text = _mapped_values(raw, plan)
    sessions = _sessions(raw, plan)
    if not any(fields.values()) and not any(consent_text.values()) and not sessions:
        return Empty(raw.ref)

    c = _Collector()
    _too_long(c, fields, consent_text)
    _uncached_formulas(c, raw, source, fields, consent_text)
    data: dict = {}
    for name in ("first_name", "last_name"):
        if fields.get(name):
            data[name] = c.run(name, lambda name=name: clean_name(fields[name], field=name))
    for name in ("street", "city", "gmina", "organisation", "notes"):
        if fields.get(name):
            data[name] = visible(fields[name])
    if fields.get("email"):
        data["email"] = c.run("email", lambda: clean_email(fields["email"]))
    if fields.get("phone"):
        data["phone"] = c.run("phone", lambda: clean_phone(fields["phone"]))
    if fields.get("postal_code"):
        data["postal_code"] = c.run("postal_code", lambda: clean_postal_code(fields["postal_code"]))
    if fields.get("gender"):
        data["gender"] = c.run("gender", lambda: clean_gender(fields["gender"]))

    submitted = None
    if fields.get("submitted_at"):
        submitted = c.run("submitted_at", lambda: parse_timestamp(fields["submitted_at"], locale=locale))
        if submitted:
            data["submitted_at"] = submitted.isoformat()

    birth = None
    if fields.get("birth_date"):
        birth = c.run("birth_date", lambda: parse_date(fields["birth_date"], locale=locale, field="birth_date"))
        if birth:
            _check_plausible_birth(c, birth, latest)
            data["birth_date"] = birth.isoformat()

    if fields.get("pesel"):
        pesel = c.run("pesel", lambda: clean_pesel(fields["pesel"]))
        if pesel:
            data["pesel"] = pesel
            from_pesel = pesel_birth_date(pesel)
            if birth and birth != from_pesel:
                c.errors.append(("pesel_birth_date_mismatch", "data urodzenia nie zgadza się z numerem PESEL"))
            elif not birth:
                _check_plausible_birth(c, from_pesel, latest, code="pesel_birth_date_implausible")
                data["birth_date"] = from_pesel.isoformat()
            sex = pesel_gender(pesel)
            if data.get("gender") and data["gender"] != sex:
                c.errors.append(("pesel_gender_mismatch", "płeć nie zgadza się z numerem PESEL"))
            elif not data.get("gender"):
                data["gender"] = sex
        else:
            data["no_pesel"] = True

    org_type_text = fields.get("organisation_type") or source.organisation_type or ""
    mapped = source.value_maps.get("organisation_type", {}).get(org_type_text.strip())
    org_type = mapped or normalise_organisation_type(org_type_text)
    if org_type:
        data["organisation_type"] = org_type
    category = fields.get("category") or source.category
    if category:
        data["category"] = source.value_maps.get("category", {}).get(category.strip(), category.strip())
    for fname, mapping in source.value_maps.items():
        if fname not in ("organisation_type", "category") and fields.get(fname) and fields[fname] in mapping:
            data[fname] = mapping[fields[fname]]

    if source.kind in ("attendance", "advisory"):
        _attendance_fields(c, data, fields, sessions, source, project, locale)

    consents = {}
    answers: dict[str, str] = {}
    for key, text in consent_text.items():
        answers[key] = read_consent(text, plan.accept[key])
        consents[key] = {"given": answers[key] == "given", "version": source.consent_version}
    for key in source.required_consents:
        answer = answers.get(key, "missing")
        if answer != "given":
            c.errors.append((f"consent_{answer}:{key}", _CONSENT_MESSAGES[answer].format(key=key)))
    if consents:
        data["consents"] = consents

    for name in plan.required:
        if data.get(name) in (None, "") and name not in c.failed:
            c.errors.append((f"missing:{name}", f"brak wymaganego pola '{name}'"))

    data = {k: v for k, v in data.items() if v not in (None, "")}
    if c.errors:
        codes = tuple(dict.fromkeys(code for code, _ in c.errors))
        text = "; ".join(dict.fromkeys(msg for _, msg in c.errors))
        return Rejected(
            raw.ref,
            content_hash,
            codes,
            f"Źródło '{raw.ref.source_id}', arkusz '{raw.ref.worksheet}', wiersz {raw.ref.row_number}: {text}.",
        )
    return Accepted(raw.ref, source.kind, content_hash, data)


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


def validate_snapshot_outcomes(project: ProjectConfig, snapshot, *, today: date, known: dict | None = None) -> tuple[list[Outcome], int]:
    """The outcomes (and the number reused) of ``validation.batch.validate_snapshot`` as it was: row by
    row, a reused row's data copied from ``known`` (the registry's data, decoded)."""
    import json

    from synergia.sheets.rows import ContentHasher
    from synergia.validation.batch import checked_until
    from synergia.validation.columns import check_columns

    outcomes: list[Outcome] = []
    reused = 0
    known = known or {}
    latest = checked_until(project, today)
    for source in project.sources:
        rows = snapshot.rows.get(source.id, [])
        headers = snapshot.headers.get(source.id)
        problems = check_columns(source, headers) if headers else []
        if any(p.required for p in problems):
            continue
        locale = snapshot.locales.get(source.id)
        plans: dict = {}
        hasher = ContentHasher(rows[0].values if rows else ())
        for raw in rows:
            digest = hasher(raw)
            hit = known.get((source.id, digest)) if known and not raw.uncached else None
            if hit is not None and hit[0] == source.kind and not raw.is_empty():
                data = json.loads(hit[1]) if isinstance(hit[1], str) else dict(hit[1])
                outcomes.append(Accepted(raw.ref, source.kind, digest, data))
                reused += 1
                continue
            plan = plans.get(headers_of := tuple(raw.values))
            if plan is None:
                plan = plans[headers_of] = RowPlan(source, project, headers_of)
            outcomes.append(validate_planned(raw, source, project, plan, locale=locale, latest=latest, content_hash=digest))
    return outcomes, reused
