"""Every activity the worker runs, built once with the clients they need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.agent import AgentActivities
from activities.ci_failure import CIFailureActivities
from activities.notify import NotifyActivities
from activities.pr_merged import PRMergedActivities
from activities.run_github import RunGitHubActivities
from activities.runs import RunActivities
from activities.tasks import TaskActivities
from activities.workspace import WorkspaceActivities
from db.engine import SessionFactory
from settings import Settings


def build_activities(settings: Settings, sessions: SessionFactory) -> list[Callable[..., Any]]:
    runs = RunActivities(sessions, settings)
    run_github = RunGitHubActivities(settings)
    agent = AgentActivities(settings, sessions)
    workspace = WorkspaceActivities(settings)
    notify = NotifyActivities(settings, sessions)
    ci = CIFailureActivities(settings)
    merged = PRMergedActivities(sessions, settings)
    tasks = TaskActivities(sessions, settings)
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
        ci.ci_settings,
        ci.collect_failed_jobs,
        ci.open_issue,
        ci.comment_failure,
        ci.close_recovered,
        ci.reopen_flaky,
        merged.close_issue,
        merged.mark_run_merged,
        tasks.update,
        tasks.blocked_in_repo,
        tasks.blocked_schedule,
    ]
