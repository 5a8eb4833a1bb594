"""How long a project keeps personal data (``retention:`` in the project YAML) and PESEL policy.

EU funds keep records 5 years from 31 December of the year of the last
payment; public-task grants (FIO) 5 years from the start of the year after
completion, or as the agreement says. Give either a fixed date (``until``) or
a number of years counted from 31 December of the project's last year
(``years_after_end``). Mail bodies (the texts and attachments of sent e-mail)
are minimised much earlier: ``mail_body_days`` after sending.
"""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field, model_validator


class RetentionConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    until: date | None = Field(default=None, description="Last day personal data may be kept.")
    years_after_end: int | None = Field(
        default=None, ge=0, le=50, description="Years counted from 31 December of the year the project ends."
    )
    mail_body_days: int | None = Field(
        default=90, ge=0, le=3650, description="Days after sending when a delivered e-mail's content is dropped."
    )

    @model_validator(mode="after")
    def _one_rule(self) -> RetentionConfig:
        if self.until is not None and self.years_after_end is not None:
            raise ValueError("podaj 'until' albo 'years_after_end', nie oba (give one of until / years_after_end)")
        return self

    def keep_until(self, period_end: date) -> date | None:
        """The last day personal data of the project may be kept (None: no end set)."""
        if self.until is not None:
            return self.until
        if self.years_after_end is not None:
            return date(period_end.year + self.years_after_end, 12, 31)
        return None
