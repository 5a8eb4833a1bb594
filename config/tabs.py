"""Names of the tabs the pipeline owns in the project spreadsheet (``spreadsheet.tabs`` in the project file).

What each tab holds, and how it is written, is ``synergia.sheets.owned``; here are only the names,
with their defaults. A name must be a valid sheet title in Excel and in Google Sheets (at most
31 characters, none of ``[ ] : * ? / \\``, no apostrophe at either end), and the three must differ.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

#: Characters Excel refuses in a sheet title.
_FORBIDDEN = set("[]:*?/\\")
MAX_TITLE = 31


class TabsConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    quarantine: str = Field(default="Odrzucone", description="Rejected rows with their reasons (no personal data).")
    review: str = Field(default="Do sprawdzenia", description="Uncertain pairs; staff answer TAK/NIE in it.")
    indicators: str = Field(default="Wskaźniki", description="The monthly indicator table.")

    @field_validator("quarantine", "review", "indicators")
    @classmethod
    def _title(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("pusta nazwa zakładki (empty tab name)")
        if len(v) > MAX_TITLE:
            raise ValueError(f"nazwa zakładki dłuższa niż {MAX_TITLE} znaków (tab name longer than {MAX_TITLE} characters)")
        bad = sorted(_FORBIDDEN & set(v))
        if bad or v.startswith("'") or v.endswith("'"):
            raise ValueError(f"niedozwolony znak w nazwie zakładki: {' '.join(bad) or chr(39)} (character not allowed in a sheet title)")
        return v

    @model_validator(mode="after")
    def _distinct(self) -> TabsConfig:
        folded = [n.casefold() for n in self.names()]
        if len(set(folded)) != len(folded):
            raise ValueError("dwie zakładki potoku mają tę samą nazwę (two owned tabs share a name)")
        return self

    def names(self) -> tuple[str, ...]:
        """Every owned tab's name, in the order of the fields."""
        return tuple(getattr(self, f) for f in type(self).model_fields)


#: The names a project gets when its file says nothing about them.
DEFAULT_TABS = TabsConfig()
