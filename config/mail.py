"""Mail pacing and retry policy of a project (the transport itself is a runtime setting)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field


class MailConfig(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    daily_cap: int = Field(default=1800, ge=1, description="Messages per day (Workspace: ~2,000; keep headroom).")
    min_interval_seconds: float = Field(default=0.0, ge=0, description="Minimum gap between two messages handed to the server.")
    batch_size: int = Field(default=100, ge=1, description="Messages sent over one SMTP connection.")
    sender_name: str | None = Field(default=None, description="Display name in From (may be Polish).")
    reply_to: str | None = None
    retry_attempts: int = Field(default=3, ge=0, le=10, description="In-run retries of a temporary failure (421, 4xx, lost connection).")
    retry_backoff_seconds: float = Field(default=2.0, ge=0, description="First in-run retry delay; doubles each retry.")
    defer_minutes: float = Field(
        default=30.0, ge=0, description="Wait before a deferred message is tried by a later run; doubles per deferral."
    )
    max_attempts: int = Field(
        default=20, ge=1, description="Hand-overs after which a message that keeps failing temporarily is marked failed."
    )
