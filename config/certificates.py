"""Certificate settings of a project: completion rule per training cycle, numbering, verification."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from config.vocabulary import ID_PATTERN
from config.yaml_lines import check_unique_ids


class CompletionRule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    min_attendance_ratio: float | None = Field(default=None, gt=0, le=1, description="e.g. 0.8 = at least 80 % of sessions")
    min_hours: float | None = Field(default=None, gt=0)

    @model_validator(mode="after")
    def _one(self) -> CompletionRule:
        if self.min_attendance_ratio is None and self.min_hours is None:
            raise ValueError("reguła ukończenia potrzebuje min_attendance_ratio albo min_hours (completion rule needs a threshold)")
        return self


class TrainingCycle(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=ID_PATTERN)
    title: str
    events: list[str] = Field(min_length=1, description="Event ids whose sessions make up the cycle.")
    rule: CompletionRule
    issue_date: Literal["auto", "completion", "run"] = Field(
        default="auto",
        description="Date printed on and registered for a new certificate: 'completion' = the person's last "
        "attended session of the cycle (kept inside the project period), 'run' = the day of the run, "
        "'auto' = the run date while the project runs, the completion date once its period is over "
        "(a back-dated project must not issue certificates years after it ended).",
    )


class CertificatesConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    cycles: list[TrainingCycle] = Field(min_length=1)
    number_format: str = Field(default="{prefix}/{year}/{seq:04d}")
    prefix: str = "SYN"
    verification_url: str = Field(
        default="https://weryfikacja.example.org/z/{code}",
        description="Public address printed and in the QR code; {code} is the verification code. "
        "The verification site (`synergia certificates site`) mirrors its path: /z/{code} -> z/<code>/index.html.",
    )
    holder_name: Literal["initials", "full"] = Field(
        default="initials",
        description='How the holder\'s name appears on the public verification page: initials ("M. B.") or full.',
    )
    template: str = Field(default="certificate.yaml", description="Layout file under config/templates/ (YAML blocks with Jinja2 texts).")
    place_of_issue: str | None = None
    signatory: str | None = Field(default=None, description="Name printed under the signature line.")
    signatory_role: str | None = None
    revoke_when_ineligible: bool = Field(
        default=True,
        description="Revoke a certificate whose person no longer meets the rule (corrected attendance); "
        "it is reinstated under the same number if they meet it again.",
    )
    auto_revoke_limit: float = Field(
        default=0.2,
        gt=0,
        le=1,
        description="Largest share of a cycle's valid certificates revoked automatically in one run; "
        "above it nothing is revoked (an emptied attendance sheet is not a correction).",
    )

    @model_validator(mode="after")
    def _formats(self) -> CertificatesConfig:
        try:
            self.number_format.format(prefix=self.prefix, year=2026, seq=1)
        except (KeyError, IndexError, ValueError) as exc:
            raise ValueError(
                f"number_format może używać tylko {{prefix}}, {{year}}, {{seq}} (number_format may use only these): {exc}"
            ) from None
        if "{seq" not in self.number_format or "{year" not in self.number_format:
            # numbering restarts every year: without {year} the 2027 numbers would repeat the 2026 ones
            raise ValueError("number_format musi zawierać {year} i {seq} (number_format needs {year} and {seq})")
        if "{code}" not in self.verification_url:
            raise ValueError("verification_url musi zawierać {code} (verification_url needs {code})")
        check_unique_ids(self.cycles, "cycles", "cyklu szkoleń", "cycle")
        return self
