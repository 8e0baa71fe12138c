"""Every activity the worker runs, built once with the clients they need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.agent import AgentActivities
from activities.notify import NotifyActivities
from activities.runs import RunActivities
from activities.workspace import WorkspaceActivities
from db.engine import SessionFactory
from settings import Settings


def build_activities(settings: Settings, sessions: SessionFactory) -> list[Callable[..., Any]]:
    runs = RunActivities(sessions)
    agent = AgentActivities(settings)
    workspace = WorkspaceActivities(settings)
    notify = NotifyActivities(settings, sessions)
    return [
        runs.set_status,
        runs.record_artifact,
        agent.run_phase,
        workspace.prepare,
        workspace.push,
        workspace.cleanup,
        notify.record,
        notify.logfile,
        notify.aimaestro,
        notify.chat,
        notify.finish,
        notify.group_settings,
        notify.failed_workflow_shas,
    ]
