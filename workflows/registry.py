"""Every workflow the worker runs (one line each; keep sorted)."""

from __future__ import annotations

from workflows.blocked_task import BlockedTaskWorkflow
from workflows.ci_failure import CIFailureWorkflow
from workflows.commands import CommandWorkflow
from workflows.notification import NotificationWorkflow
from workflows.notify_group import NotificationGroupWorkflow
from workflows.pr_merged import PRMergedWorkflow
from workflows.recover import RecoverWorkflow
from workflows.retention import RetentionWorkflow
from workflows.run.workflow import RunWorkflow

WORKFLOWS: list[type] = [
    BlockedTaskWorkflow,
    CIFailureWorkflow,
    CommandWorkflow,
    NotificationGroupWorkflow,
    NotificationWorkflow,
    PRMergedWorkflow,
    RetentionWorkflow,
    RecoverWorkflow,
    RunWorkflow,
]

# What the notification worker serves on its own task queue (contract.names.NOTIFY_QUEUE_WORKFLOWS).
NOTIFY_WORKFLOWS: list[type] = [NotificationGroupWorkflow, NotificationWorkflow]
