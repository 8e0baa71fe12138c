"""Settings for running hookflow: the Temporal connection, logs, metrics, worker memory and
retention."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from settings.durations import Duration, UnsetOrDuration, parse_duration


class OperationsSettings(BaseModel):
    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_task_queue: str = "hookflow"
    # Notification workflows and their activities have their own task queue, polled by their
    # own worker in `hookflow worker` (its own slots and pollers): runs cannot hold them up.
    # Empty: "<TEMPORAL_TASK_QUEUE>-notify".
    temporal_notify_task_queue: str = ""
    # Which queues this worker process polls: both ("all"), or one, to run notification work in
    # a process of its own (WORKER_QUEUES=notify) beside one for the rest (WORKER_QUEUES=main).
    worker_queues: Literal["all", "main", "notify"] = "all"
    temporal_ui_url: str = ""
    # Where people reach this API (e.g. https://hookflow.example.com): links in comments.
    api_public_url: str = ""
    # Temporal beyond localhost (mTLS cluster or Temporal Cloud; the API key is a secret).
    temporal_tls_cert: Path | None = None
    temporal_tls_key: Path | None = None
    temporal_tls_ca: Path | None = None
    temporal_tls_server_name: str = ""

    log_level: str = "INFO"
    log_format: Literal["text", "json"] = "text"

    worker_metrics_port: int = 9464  # 0 turns the worker's metrics endpoint off
    worker_metrics_host: str = "0.0.0.0"
    # Open workflows kept in the worker's memory (Temporal's sticky cache). One costs ~150 KB
    # (Python and SDK core); an evicted one is rebuilt from its history when it next wakes.
    worker_max_cached_workflows: int = Field(250, ge=0)
    # Workflow tasks a worker holds at once. Python runs one activation at a time, so more only
    # queue inside the worker; in a burst they outlive the server's 10 s task timeout and are
    # redone.
    worker_max_concurrent_workflow_tasks: int = Field(20, ge=2)

    # A duration ("1d") or a cron expression ("0 3 * * *"); "off" disables the schedule.
    retention_schedule: str = "1d"
    # Seed 000's audit trail: signed deliveries are kept unless WEBHOOK_RETENTION is set.
    webhook_retention: UnsetOrDuration = None
    # Unsigned rows (no body, anyone can send them) are bounded by default.
    rejected_retention: Duration = timedelta(days=7)
    log_retention: Duration = timedelta(days=30)
    retention_batch_size: int = 1000

    @property
    def notify_task_queue(self) -> str:
        return self.temporal_notify_task_queue or f"{self.temporal_task_queue}-notify"

    @field_validator("retention_schedule")
    @classmethod
    def _check_schedule(cls, value: str) -> str:
        text = value.strip()
        if text.lower() in ("off", "") or len(text.split()) in (5, 6):
            return text
        parse_duration(text)
        return text
