"""Project-level knobs of participant deduplication (owned by the dedupe concern)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class DedupeConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    enabled: bool = True
    match_threshold: float = Field(default=0.92, ge=0, le=1, description="Score at or above which a pair is the same person.")
    review_threshold: float = Field(default=0.70, ge=0, le=1, description="Score at or above which a pair goes to staff review.")
