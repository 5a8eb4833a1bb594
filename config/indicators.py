"""Indicator definitions of a project (what the grant agreement counts)."""
from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class IndicatorConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    name: str
    kind: Literal["persons", "distinct", "events", "hours", "manual", "certificates"]
    target: float = Field(ge=0)
    unit: str = "osoby"
    deadline: date | None = None
    filters: dict[str, list[str] | str | bool] = Field(default_factory=dict)
    distinct_of: str | None = None
