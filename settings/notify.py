"""Settings of notifications and repository automation (CI-failure issues, blocked tasks)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import AliasChoices, BaseModel, Field

from settings.durations import Duration, DurationList


class NotifySettings(BaseModel):
    watched_branches: str = "main,master,develop"
    log_dir: Path = Path("~/.atlas/webhook_logs")
    # A file per signed delivery in LOG_DIR (seed 002), written by the API in the background.
    # false: none (the database keeps every delivery; notifications still go to the logfile
    # sink): a few file system calls per delivery less for the API.
    webhook_log_files: bool = True
    priority_map: str = ""  # "workflow_run.failure=high,check_run.failure=medium"
    aimaestro_url: str = ""
    aimaestro_from: str = "hookflow"
    aimaestro_to: str = "orchestrator"
    # NOTIFY_WEBHOOK_URL is a credential: it lives with the secrets (settings/secrets.py).
    notify_webhook_format: Literal["json", "slack"] = "json"
    # Alertmanager's model: wait before a new group's first notification, batch what follows.
    notify_group_wait: Duration = timedelta(0)
    # NOTIFY_GROUP_WINDOW is the earlier name of NOTIFY_GROUP_INTERVAL, still accepted.
    notify_group_interval: Duration = Field(
        timedelta(minutes=5),
        validation_alias=AliasChoices("notify_group_interval", "notify_group_window"),
    )
    # How long a check_run failure may wait for the workflow_run failure that covers it.
    notify_check_wait: Duration = timedelta(seconds=30)
    notify_repeat_interval: Duration = timedelta(hours=4)
    # Routing, receivers, quiet hours (YAML, Alertmanager's vocabulary); unset: the settings
    # above form the one-receiver equivalent. Re-read when it changes or on SIGHUP.
    notify_config: Path | None = None
    # Overrides of the shipped notification and CI-issue templates: <kind>/<part>.j2.
    notify_templates_dir: Path | None = None

    # --- repository automation ---
    ci_failure_label: str = "ci-failure"
    ci_failure_reopen_window: Duration = timedelta(days=10)
    blocked_label: str = "blocked"
    blocked_escalation_delays: DurationList = (
        timedelta(hours=4),
        timedelta(hours=24),
        timedelta(hours=72),
    )
    blocked_ack_timeout: Duration = timedelta(hours=24)

    @property
    def watched_branch_set(self) -> frozenset[str]:
        return frozenset(b.strip() for b in self.watched_branches.split(",") if b.strip())

    @property
    def log_path(self) -> Path:
        return self.log_dir.expanduser()

    @property
    def priority_overrides(self) -> dict[str, str]:
        pairs = (item.split("=", 1) for item in self.priority_map.split(",") if "=" in item)
        return {k.strip(): v.strip() for k, v in pairs}
