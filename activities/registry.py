"""Every activity the worker runs, built once with the clients they need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.agent import AgentActivities
from activities.notify import NotifyActivities
from activities.run_github import RunGitHubActivities
from activities.runs import RunActivities
from activities.workspace import WorkspaceActivities
from db.engine import SessionFactory
from settings import Settings


def build_activities(settings: Settings, sessions: SessionFactory) -> list[Callable[..., Any]]:
    runs = RunActivities(sessions, settings)
    run_github = RunGitHubActivities(settings)
    agent = AgentActivities(settings)
    workspace = WorkspaceActivities(settings)
    notify = NotifyActivities(settings, sessions)
    return [
        runs.set_status,
        runs.record_artifact,
        runs.config,
        run_github.issue_context,
        run_github.comment,
        run_github.open_pull,
        run_github.ci_failure_excerpt,
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
