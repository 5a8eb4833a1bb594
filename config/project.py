"""The project file ``config/projects/<slug>.yaml`` as validated pydantic models.

A project's forms, column mappings, events, targets, templates and schedules
are data. ``load_project`` turns every validation problem into a message that
names the file, the line and the field, in Polish and English, so a
coordinator can fix the YAML without reading Python.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from config.certificates import CertificatesConfig
from config.dedupe import DedupeConfig
from config.indicators import MANUAL_TAB, IndicatorConfig, check_indicator_references
from config.mail import MailConfig
from config.retention import RetentionConfig
from config.tabs import TabsConfig
from config.vocabulary import (  # noqa: F401 - ORGANISATION_TYPES: validation reads it from here
    CANONICAL_FIELDS,
    CONSENT_PREFIX,
    EVENT_TYPES,
    FIGURE_SOURCES,
    ID_PATTERN,
    ORGANISATION_TYPES,
    SLUG_PATTERN,
)
from config.yaml_lines import At, check_unique_ids, line_for, load_with_lines
from synergia.errors import SafeMessage
from synergia.validation.consent import answer_key, read_consent


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ConsentAnswers(Strict):
    """The form's own option texts that mean "yes" for one consent (compared ignoring case,
    diacritics, spaces and punctuation). A plain yes (``Tak``, ``Wyrażam zgodę``, a checked
    checkbox) is consent anyway; refusals and unclear answers never are."""

    accept: list[str] = Field(min_length=1, description="Answer texts that mean consent given.")

    @field_validator("accept")
    @classmethod
    def _yes_only(cls, v: list[str]) -> list[str]:
        for i, text in enumerate(v):
            if not answer_key(text):
                raise ValueError(f"odpowiedź nr {i + 1} jest pusta (empty answer)")
            if read_consent(text) == "refused":
                raise ValueError(
                    f"odpowiedź nr {i + 1} wygląda na odmowę zgody, nie może oznaczać zgody (answer reads as a refusal: '{text}')"
                )
        return v


class Organiser(Strict):
    name: str
    address: str | None = None
    logo: str | None = Field(default=None, description="Image path relative to config/templates/.")


class Funder(Strict):
    name: str
    programme: str | None = None
    funding_line: str | None = None
    logo: str | None = None


class Period(Strict):
    start: date
    end: date
    source: Literal[FIGURE_SOURCES] = Field(  # type: ignore[valid-type]
        default="opis", description="Where the dates come from (roboczy = a working value)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Period:
        if self.end < self.start:
            raise ValueError("koniec okresu jest przed początkiem (end before start)")
        return self


class SpreadsheetRef(Strict):
    """The staff spreadsheet: a workbook path (relative to SYNERGIA_DATA_DIR) or a Google key."""

    id: str
    backend: Literal["workbook", "gsheets"] | None = Field(default=None, description="Default: SYNERGIA_SHEETS_BACKEND.")
    tabs: TabsConfig = Field(default_factory=TabsConfig, description="Names of the tabs the pipeline writes in it.")


class Source(Strict):
    id: str = Field(pattern=ID_PATTERN)
    kind: Literal["recruitment", "attendance", "advisory"]
    worksheet: str
    spreadsheet: str | None = Field(default=None, description="Override of the project spreadsheet id.")
    columns: dict[str, str] = Field(description="Form question header -> canonical field (or consent.<key>).")
    required_consents: list[str] = Field(default_factory=list)
    consent_version: str | None = None
    event: str | None = Field(default=None, description="Event id every row of this list belongs to.")
    sessions: dict[str, int] = Field(default_factory=dict, description="Attendance column header -> session number.")
    category: str | None = Field(default=None, description="Category given to every row (when the form has no column for it).")
    organisation_type: str | None = None
    require: list[str] = Field(default_factory=list, description="Canonical fields that must be present.")
    value_maps: dict[str, dict[str, str]] = Field(default_factory=dict, description="Per-field mapping of answer text -> canonical value.")
    consents: dict[str, ConsentAnswers] = Field(
        default_factory=dict, description="Per consent: the form's option texts meaning yes (overrides the project's)."
    )

    def consent_keys(self) -> set[str]:
        return {t[len(CONSENT_PREFIX) :] for t in self.columns.values() if t.startswith(CONSENT_PREFIX)}

    @field_validator("columns")
    @classmethod
    def _known_fields(cls, v: dict[str, str]) -> dict[str, str]:
        for header, target in v.items():
            if target.startswith(CONSENT_PREFIX):
                if not re.fullmatch(r"consent\.[a-z0-9_]+", target):
                    raise ValueError(f"kolumna '{header}': nazwa zgody musi wyglądać jak consent.rodo (got '{target}')")
                continue
            if target not in CANONICAL_FIELDS:
                raise ValueError(
                    f"kolumna '{header}' wskazuje nieznane pole '{target}'; dozwolone: {', '.join(CANONICAL_FIELDS)} lub consent.<nazwa> "
                    f"(column maps to an unknown field)"
                )
        return v

    @model_validator(mode="after")
    def _coherent(self) -> Source:
        consents = self.consent_keys()
        missing = [c for c in self.required_consents if c not in consents]
        if missing:
            raise ValueError(f"wymagana zgoda {missing} nie ma kolumny w 'columns' (required consent has no column)")
        for key in self.consents:
            if key not in consents:
                raise At(("consents", key), f"zgoda '{key}' nie ma kolumny consent.{key} w 'columns' (consent has no column)")
        if self.kind in ("attendance", "advisory") and not self.event and "event" not in self.columns.values():
            raise ValueError("lista obecności musi wskazać 'event' albo kolumnę z wydarzeniem (attendance list needs an event)")
        return self


class Event(Strict):
    id: str = Field(pattern=ID_PATTERN)
    type: Literal[EVENT_TYPES]  # type: ignore[valid-type]
    title: str
    dates: list[date] = Field(min_length=1)
    gmina: str | None = None
    place: str | None = None
    sessions: int = Field(default=1, ge=1)
    hours: float = Field(default=0, ge=0)
    programme: list[str] = Field(default_factory=list)
    cycle: str | None = Field(default=None, description="Training cycle this event belongs to (completion rule).")


class Person(Strict):
    name: str
    email: str


class Recipients(Strict):
    coordinators: list[Person] = Field(default_factory=list)


class Schedules(Strict):
    nightly: str = "0 2 * * *"
    monthly: str = "0 6 1 * *"
    timezone: str = "Europe/Warsaw"


class DemoSettings(Strict):
    """How much fictional data ``synergia demo`` generates for this project."""

    people: int = Field(default=300, ge=10, le=200_000)
    seed: int = 2026
    attendance: dict[str, int] = Field(
        default_factory=dict, description="Event id -> persons on its demo list (facts from the project text)."
    )


class ProjectConfig(Strict):
    slug: str = Field(pattern=SLUG_PATTERN)
    name: str
    organiser: Organiser
    funder: Funder
    period: Period
    timezone: str = "Europe/Warsaw"
    spreadsheet: SpreadsheetRef
    sources: list[Source] = Field(min_length=1)
    consents: dict[str, ConsentAnswers] = Field(default_factory=dict, description="Per consent key: the form's option texts meaning yes.")
    events: list[Event] = Field(default_factory=list)
    recipients: Recipients = Field(default_factory=Recipients)
    schedules: Schedules = Field(default_factory=Schedules)
    dedupe: DedupeConfig = Field(default_factory=DedupeConfig)
    certificates: CertificatesConfig | None = None
    mail: MailConfig = Field(default_factory=MailConfig)
    indicators: list[IndicatorConfig] = Field(default_factory=list)
    demo: DemoSettings | None = None
    gminas: list[str] = Field(
        default_factory=list,
        description="The project's area (gmina names, TERYT spelling); the demo draws participants' gminas from it.",
    )
    jst_units: dict[str, str] = Field(
        default_factory=dict,
        description="Organisation name -> its local government unit (e.g. 'OPS w Tychach': 'gmina Tychy'); "
        "without an entry a JST participant's unit is the gmina from the form.",
    )
    retention: RetentionConfig = Field(default_factory=RetentionConfig)
    pesel: Literal["store", "discard"] = Field(default="store", description="discard: checked and used in memory, never stored.")

    @field_validator("timezone")
    @classmethod
    def _tz(cls, v: str) -> str:
        try:
            ZoneInfo(v)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"nieznana strefa czasowa '{v}' (unknown timezone), np. Europe/Warsaw") from None
        return v

    @model_validator(mode="after")
    def _references(self) -> ProjectConfig:
        check_unique_ids(self.sources, "sources", "źródła", "source")
        check_unique_ids(self.events, "events", "wydarzenia", "event")
        event_ids = [e.id for e in self.events]
        for s in self.sources:
            if s.event and s.event not in event_ids:
                raise ValueError(f"źródło '{s.id}' wskazuje nieistniejące wydarzenie '{s.event}' (unknown event)")
        known_consents = set().union(*(s.consent_keys() for s in self.sources))
        for key in self.consents:
            if key not in known_consents:
                raise At(("consents", key), f"żadne źródło nie ma kolumny consent.{key} (no source has this consent)")
        staff_tabs = {s.worksheet.casefold() for s in self.sources if self.spreadsheet_of(s) == self.spreadsheet.id}
        for field, name in self.spreadsheet.tabs:
            if name.casefold() in staff_tabs | {MANUAL_TAB.casefold()}:
                raise At(
                    ("spreadsheet", "tabs", field),
                    f"zakładka potoku '{name}' to zakładka personelu; nadaj "
                    f"jej inną nazwę w spreadsheet.tabs.{field} (an owned tab must not be a tab staff fill in)",
                )
        cycles = {e.cycle for e in self.events if e.cycle} | {c.id for c in (self.certificates.cycles if self.certificates else [])}
        check_indicator_references(self.indicators, set(event_ids), cycles)
        return self

    def source(self, source_id: str) -> Source:
        return next(s for s in self.sources if s.id == source_id)

    def event(self, event_id: str) -> Event:
        return next(e for e in self.events if e.id == event_id)

    def spreadsheet_of(self, source: Source) -> str:
        return source.spreadsheet or self.spreadsheet.id

    def consent_accept(self, source: Source, key: str) -> tuple[str, ...]:
        """The configured yes-texts of consent ``key`` for ``source`` (the source's own win)."""
        answers = source.consents.get(key) or self.consents.get(key)
        return tuple(answers.accept) if answers else ()


class ConfigError(SafeMessage, Exception):
    """A project file is invalid. ``problems`` are (line, field, message) tuples."""

    def __init__(self, path: Path, problems: list[tuple[int | None, str, str]]):
        self.path = path
        self.problems = problems
        lines = [f"{path}:{line or '?'}: {field}: {msg}" for line, field, msg in problems]
        super().__init__(f"Błędy w pliku projektu {path} (project file errors) — popraw wskazane linie:\n  " + "\n  ".join(lines))


_PL_MESSAGES = {
    "missing": "brak wymaganego pola (field required)",
    "extra_forbidden": "nieznane pole — literówka? (unknown field)",
    "date_from_datetime_parsing": "zła data, użyj RRRR-MM-DD (bad date, use YYYY-MM-DD)",
    "date_parsing": "zła data, użyj RRRR-MM-DD (bad date, use YYYY-MM-DD)",
    "date_type": "zła data, użyj RRRR-MM-DD (bad date, use YYYY-MM-DD)",
    "string_pattern_mismatch": "tylko małe litery, cyfry, '-' i '_' (lowercase letters, digits, '-', '_')",
    "literal_error": "niedozwolona wartość (value not allowed)",
    "too_short": "lista nie może być pusta (list must not be empty)",
}


def _message(err: dict[str, Any]) -> str:
    kind = err.get("type", "")
    if kind == "literal_error":
        expected = err.get("ctx", {}).get("expected", "")
        return f"niedozwolona wartość {err.get('input')!r}; dozwolone: {expected} (value not allowed)"
    if kind in _PL_MESSAGES:
        return _PL_MESSAGES[kind]
    msg = str(err.get("msg", ""))
    return msg.removeprefix("Value error, ")


def _field_name(loc: tuple[Any, ...]) -> str:
    parts: list[str] = []
    for p in loc:
        if isinstance(p, int):
            parts.append(f"[{p}]")
        else:
            parts.append(("." if parts else "") + str(p))
    return "".join(parts) or "(plik)"


def load_project(path: str | Path) -> ProjectConfig:
    """Read and validate a project YAML, raising ``ConfigError`` with line numbers."""
    path = Path(path)
    if not path.exists():
        raise ConfigError(path, [(None, "(plik)", "plik nie istnieje (file not found)")])
    try:
        data, lines = load_with_lines(path)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark else None
        raise ConfigError(path, [(line, "(składnia)", f"błąd składni YAML: {getattr(exc, 'problem', exc)} (YAML syntax error)")]) from None
    if not isinstance(data, dict):
        raise ConfigError(path, [(1, "(plik)", "plik musi być słownikiem klucz: wartość (expected a mapping)")])
    try:
        return ProjectConfig.model_validate(data)
    except ValidationError as exc:
        problems = []
        for err in exc.errors():
            loc = tuple(p for p in err["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            cause = err.get("ctx", {}).get("error")
            if isinstance(cause, At):
                loc += cause.loc
            problems.append((line_for(loc, lines), _field_name(loc), _message(err)))
        raise ConfigError(path, problems) from None
