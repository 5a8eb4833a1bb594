"""Indicator definitions of a project: what the grant agreement counts.

A coordinator writes them in the project YAML, e.g.::

    indicators:
      - id: ngo-osoby
        name: Przedstawiciele organizacji pozarządowych
        kind: persons            # unique persons, counted once per project
        target: 15
        filters:
          organisation_type: NGO
          event_type: [szkolenie, warsztat]
      - id: ngo-organizacje
        name: Organizacje pozarządowe, z których przyszli uczestnicy
        kind: distinct
        distinct_of: organisation
        target: 10
        unit: organizacje
        filters: {organisation_type: NGO}
      - id: jst-samorzady
        name: Samorządy (gminy, powiaty), z których przyszli pracownicy
        kind: distinct
        distinct_of: jst         # the local government unit, not its offices/schools
        target: 5
        target_source: opis      # umowa | opis | roboczy, printed next to the target
        filters: {organisation_type: JST}
      - id: world-cafe
        name: Warsztaty World Cafe
        kind: events
        target: 3
        unit: warsztaty
        filters: {event_type: warsztat_world_cafe}
      - id: inicjatywy
        name: Zrealizowane inicjatywy partycypacyjne
        kind: manual             # summed from the staff tab "Wartości ręczne"
        target: 5
        unit: inicjatywy

Every field is checked here so that a typo fails at load time with the YAML
line (``load_project`` maps the error location back to the file).
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationInfo, field_validator, model_validator

from config.vocabulary import EVENT_TYPES, FIGURE_SOURCES, ID_PATTERN, ORGANISATION_TYPES
from config.yaml_lines import check_unique_ids

IndicatorKind = Literal["persons", "distinct", "events", "hours", "manual", "certificates"]

#: What ``distinct`` can count: a participant attribute at entry, or the gmina of events.
DISTINCT_OF = ("organisation", "gmina", "organisation_type", "category", "event_gmina", "jst")
#: Staff-kept tab with manual values (read only); the pipeline never writes it.
MANUAL_TAB = "Wartości ręczne"

_PERSON_FILTERS = ("category", "organisation_type", "gmina", "completed")
_EVENT_FILTERS = ("event_type", "event", "cycle")
#: Filters each kind understands (anything else is a configuration mistake).
_ALLOWED_FILTERS: dict[str, tuple[str, ...]] = {
    "persons": _PERSON_FILTERS + _EVENT_FILTERS,
    "distinct": _PERSON_FILTERS + _EVENT_FILTERS,  # distinct_of: event_gmina -> as "events"
    "events": _EVENT_FILTERS + ("gmina", "min_participants"),
    "hours": _EVENT_FILTERS,
    "manual": (),
    "certificates": ("cycle",),
}


def _as_list(v: object) -> object:
    if v is None:
        return []
    if isinstance(v, (str, int, float)):
        return [str(v)]
    return v


class IndicatorFilters(BaseModel):
    """Which records an indicator counts. Each list means "any of"; filters combine with "and"."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    category: list[str] = Field(default_factory=list, description="Participant category at entry (e.g. rada, ngo).")
    organisation_type: list[str] = Field(default_factory=list, description="NGO, JST, rada, grupa nieformalna, inna.")
    gmina: list[str] = Field(default_factory=list, description="Participant's gmina at entry (events: the event's gmina).")
    event_type: list[str] = Field(default_factory=list, description="Only participation in / events of these types.")
    event: list[str] = Field(default_factory=list, description="Only these event ids.")
    cycle: list[str] = Field(default_factory=list, description="Only events of these training cycles.")
    completed: bool | None = Field(default=None, description="true = only persons who completed a cycle (certificate rule).")
    min_participants: int | None = Field(default=None, ge=1, description="Events: count only those with at least N persons.")

    @field_validator("category", "organisation_type", "gmina", "event_type", "event", "cycle", mode="before")
    @classmethod
    def _listify(cls, v: object) -> object:
        return _as_list(v)

    @field_validator("organisation_type", "event_type")
    @classmethod
    def _known_values(cls, v: list[str], info: ValidationInfo) -> list[str]:
        allowed, what = {
            "organisation_type": (ORGANISATION_TYPES, "typ organizacji (organisation type)"),
            "event_type": (EVENT_TYPES, "typ wydarzenia (event type)"),
        }[info.field_name]
        bad = [x for x in v if x not in allowed]
        if bad:
            raise ValueError(f"nieznany {what}: {bad}; dozwolone: {', '.join(allowed)}")
        return v

    def used(self) -> list[str]:
        """Names of the filters actually set."""
        return [k for k, v in self.model_dump().items() if v not in (None, [], ())]


class IndicatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN, description="Also the key in the 'Wartości ręczne' tab.")
    name: str = Field(min_length=1, description="Polish name as in the grant agreement.")
    kind: IndicatorKind
    target: float = Field(ge=0)
    unit: str = "osoby"
    deadline: date | None = Field(default=None, description="Default: end of the project period.")
    start: date | None = Field(default=None, description="Counting starts here; default: start of the project period.")
    filters: IndicatorFilters = Field(default_factory=IndicatorFilters)
    distinct_of: Literal[DISTINCT_OF] | None = None  # type: ignore[valid-type]
    description: str | None = None
    target_source: Literal[FIGURE_SOURCES] = Field(  # type: ignore[valid-type]
        default="roboczy",
        description="umowa = grant agreement, opis = the project's description, roboczy = a working value (not contractual).",
    )

    @model_validator(mode="after")
    def _coherent(self) -> IndicatorConfig:
        if self.kind == "distinct" and self.distinct_of is None:
            raise ValueError(
                f"wskaźnik '{self.id}' (distinct) musi mieć distinct_of: {', '.join(DISTINCT_OF)} (distinct needs distinct_of)"
            )
        if self.kind != "distinct" and self.distinct_of is not None:
            raise ValueError(f"distinct_of ma sens tylko dla kind: distinct (wskaźnik '{self.id}') (distinct_of only for distinct)")
        allowed = _ALLOWED_FILTERS["events" if self.distinct_of == "event_gmina" else self.kind]
        bad = [f for f in self.filters.used() if f not in allowed]
        if bad:
            raise ValueError(
                f"wskaźnik '{self.id}' ({self.kind}) nie obsługuje filtrów {bad}; dozwolone: {', '.join(allowed) or 'brak'} "
                f"(filter not supported by this kind)"
            )
        if self.start and self.deadline and self.deadline < self.start:
            raise ValueError(f"wskaźnik '{self.id}': deadline przed start (deadline before start)")
        return self

    @property
    def per_person(self) -> bool:
        """Person indicators get a gender breakdown."""
        return self.kind == "persons"


def check_indicator_references(indicators: list[IndicatorConfig], event_ids: set[str], cycle_ids: set[str]) -> None:
    """Indicator ids are unique and filters name existing events/cycles (called from ProjectConfig)."""
    check_unique_ids(indicators, "indicators", "wskaźnika", "indicator")
    for ind in indicators:
        unknown = [e for e in ind.filters.event if e not in event_ids]
        if unknown:
            raise ValueError(f"wskaźnik '{ind.id}' wskazuje nieistniejące wydarzenie {unknown} (unknown event)")
        unknown = [c for c in ind.filters.cycle if c not in cycle_ids]
        if unknown:
            raise ValueError(f"wskaźnik '{ind.id}' wskazuje nieistniejący cykl {unknown} (unknown cycle)")
