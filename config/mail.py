"""Mail pacing and templates of a project (the transport itself is a runtime setting)."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MailConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    daily_cap: int = Field(default=1800, ge=1, description="Messages per day (Workspace: ~2,000; keep headroom).")
    min_interval_seconds: float = Field(default=0.0, ge=0)
    batch_size: int = Field(default=100, ge=1, description="Messages sent over one SMTP connection.")
    sender_name: str | None = None
    reply_to: str | None = None
