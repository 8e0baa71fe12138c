"""Every workflow, signal and query name hookflow uses on Temporal, spelled once.

Workflows declare themselves with these (`@workflow.defn(name=Workflow.RUN)`), routing names
them in the plans it stores, and the API and CLI signal by them: a rename is one line here, and
tests/contract checks that every name routing can produce is one a registered workflow takes.
"""

from __future__ import annotations

from enum import StrEnum


class Workflow(StrEnum):
    RUN = "RunWorkflow"
    CI_FAILURE = "CIFailureWorkflow"
    PR_MERGED = "PRMergedWorkflow"
    BLOCKED_TASK = "BlockedTaskWorkflow"
    COMMAND = "CommandWorkflow"
    NOTIFICATION = "NotificationWorkflow"
    NOTIFICATION_GROUP = "NotificationGroupWorkflow"
    RETENTION = "RetentionWorkflow"
    RECOVER = "RecoverWorkflow"


class Signal(StrEnum):
    # RunWorkflow: the three a person may send, and what CI and reviews send
    APPROVE = "approve"
    CANCEL = "cancel"
    RETRY = "retry"
    CI_RESULT = "ci_result"
    FEEDBACK = "feedback"
    # CIFailureWorkflow
    RUN_COMPLETED = "run_completed"
    # BlockedTaskWorkflow
    BLOCKED = "blocked"
    UNBLOCKED = "unblocked"
    CLOSED = "closed"
    RESOLVE = "resolve"
    ACKNOWLEDGE = "acknowledge"
    # NotificationGroupWorkflow
    GROUP_EVENT = "event"
    SILENCE_ENDED = "silence_ended"  # a silence that kept the group quiet was expired early


class Query(StrEnum):
    STATE = "state"
    PROGRESS = "progress"
    SINKS = "sinks"


# Started on the notification task queue (settings' notify_task_queue), where their own worker
# serves them and the notification activities; children inherit their parent's queue.
NOTIFY_QUEUE_WORKFLOWS = frozenset((Workflow.NOTIFICATION, Workflow.NOTIFICATION_GROUP))

# The run signals a person may send by name (API, CLI, slash commands).
HUMAN_RUN_SIGNALS = (Signal.APPROVE, Signal.CANCEL, Signal.RETRY)
