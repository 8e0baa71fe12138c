"""Settings of the delivery path: the HTTP listener, the database and the outbox dispatcher."""

from __future__ import annotations

from datetime import timedelta

from pydantic import AliasChoices, BaseModel, Field

from settings.durations import Duration


class DeliverySettings(BaseModel):
    # Optional allow-list of repositories ("owner/repo,owner/other"); empty allows all.
    allowed_repos: str = ""
    webhook_port: int = 9000
    webhook_host: str = "0.0.0.0"
    max_body_bytes: int = 26_214_400
    database_url: str = "postgresql+psycopg://hookflow:hookflow@localhost:5432/hookflow"
    # Unsigned deliveries recorded per source address and minute; the rest are only counted.
    rejected_record_per_minute: int = 10
    # Group commit: deliveries arriving within this window share one INSERT and one commit
    # (each still answered only after its commit). "0s" records each delivery on its own.
    ingest_batch_window: Duration = timedelta(milliseconds=2)
    # How often pending deliveries are retried against Temporal. The variable keeps its
    # documented name DISPATCH_INTERVAL_SECONDS (a bare number is seconds, as it always was).
    dispatch_interval: Duration = Field(
        timedelta(seconds=2),
        validation_alias=AliasChoices("dispatch_interval_seconds", "dispatch_interval"),
    )
    # How long the webhook request itself may try to start workflows before leaving them
    # to the dispatcher (GitHub waits at most 10 s for the reply). DISPATCH_INLINE_TIMEOUT_SECONDS.
    dispatch_inline_timeout: Duration = Field(
        timedelta(seconds=3),
        validation_alias=AliasChoices("dispatch_inline_timeout_seconds", "dispatch_inline_timeout"),
    )
    # A delivery Temporal keeps refusing for transient reasons ends as `failed` after this
    # many attempts or this long after it arrived (GitHub's redelivery window is 3 days).
    dispatch_max_attempts: int = Field(default=50, ge=1)
    dispatch_max_age: Duration = timedelta(days=3)

    @property
    def allowed_repo_set(self) -> frozenset[str]:
        return frozenset(r.strip() for r in self.allowed_repos.split(",") if r.strip())
