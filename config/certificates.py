"""Certificate settings of a project: completion rule per training cycle, numbering, verification."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, model_validator


class CompletionRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_attendance_ratio: float | None = Field(default=None, gt=0, le=1, description="e.g. 0.8 = at least 80 % of sessions")
    min_hours: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> "CompletionRule":
        if self.min_attendance_ratio is None and self.min_hours is None:
            raise ValueError("reguła ukończenia potrzebuje min_attendance_ratio albo min_hours (completion rule needs a threshold)")
        return self


class TrainingCycle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]*$")
    title: str
    events: list[str] = Field(min_length=1, description="Event ids whose sessions make up the cycle.")
    rule: CompletionRule


class CertificatesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cycles: list[TrainingCycle] = Field(min_length=1)
    number_format: str = Field(default="{prefix}/{year}/{seq:04d}")
    prefix: str = "SYN"
    verification_url: str = Field(default="https://weryfikacja.example.org/z/{code}")
    template: str = Field(default="certificate.html.j2", description="Template file under config/templates/.")
    place_of_issue: str | None = None
    signatory: str | None = None
