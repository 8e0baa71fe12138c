"""Every workflow the worker runs (one line each; keep sorted)."""

from __future__ import annotations

from workflows.notification import NotificationWorkflow
from workflows.run import RunWorkflow

WORKFLOWS: list[type] = [
    NotificationWorkflow,
    RunWorkflow,
]
