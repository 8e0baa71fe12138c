"""Every activity the worker runs, built once with the clients they need."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from activities.agent import AgentActivities
from activities.ci_failure import CIFailureActivities
from activities.commands import CommandActivities
from activities.github_client import GitHubIdentity
from activities.notify import NotifyActivities
from activities.notify_routes import NotifyRouteActivities
from activities.pr_merged import PRMergedActivities
from activities.recover import RecoverActivities
from activities.retention import RetentionActivities
from activities.run_context import RunContextActivities
from activities.run_github import RunGitHubActivities
from activities.runs import RunActivities
from activities.tasks import TaskActivities
from activities.trigger import TriggerActivities
from activities.workspace import WorkspaceActivities
from db.engine import SessionFactory
from notify.live import LiveConfig
from notify.render import Renderer
from settings import Settings


def notify_methods(
    notify: NotifyActivities, routes: NotifyRouteActivities
) -> list[Callable[..., Any]]:
    """The notification activities (also served by the notification worker, worker.py)."""
    return [
        notify.record,
        notify.logfile,
        notify.aimaestro,
        notify.chat,
        notify.finish,
        notify.group_settings,
        notify.group_open,
        notify.failed_workflow_shas,
        routes.decide,
        routes.record_plan,
        routes.prepare,
        routes.resolve_silences,
    ]


def build_notify_activities(
    settings: Settings, sessions: SessionFactory, live: LiveConfig | None = None
) -> list[Callable[..., Any]]:
    """The notification worker's activities (`live`: the notification config in force)."""
    live = live or LiveConfig(settings)
    renderer = Renderer(settings.notify_templates_dir)
    return notify_methods(
        NotifyActivities(settings, sessions, live, renderer), NotifyRouteActivities(sessions, live)
    )


def build_activities(
    settings: Settings, sessions: SessionFactory, live: LiveConfig | None = None
) -> list[Callable[..., Any]]:
    """`live`: the notification config in force (read here when not given)."""
    live = live or LiveConfig(settings)
    renderer = Renderer(settings.notify_templates_dir)
    # One identity for the worker: GitHub App installation tokens are cached across activities.
    identity = GitHubIdentity(settings)
    runs = RunActivities(sessions, settings)
    run_github = RunGitHubActivities(settings, github=identity.client)
    agent = AgentActivities(settings, sessions)
    workspace = WorkspaceActivities(settings, identity.git_token)
    notify = NotifyActivities(settings, sessions, live, renderer)
    routes = NotifyRouteActivities(sessions, live)
    ci = CIFailureActivities(settings, identity.client, renderer)
    merged = PRMergedActivities(sessions, settings, identity.client)
    tasks = TaskActivities(sessions, settings)
    retention = RetentionActivities(sessions, settings)
    recover = RecoverActivities(settings, sessions, identity)
    commands = CommandActivities(sessions, settings)
    trigger = TriggerActivities(settings, sessions, identity.client)
    run_context = RunContextActivities(settings, sessions, identity.client)
    return [
        runs.set_status,
        runs.record_artifact,
        runs.config,
        run_github.issue_context,
        run_github.comment,
        run_github.open_pull,
        run_github.ci_failure_excerpt,
        run_github.check_suites,
        run_github.react,
        run_context.issue_comments,
        trigger.check_permission,
        trigger.ignore_delivery,
        agent.run_phase,
        workspace.prepare,
        workspace.push,
        workspace.cleanup,
        *notify_methods(notify, routes),
        ci.ci_settings,
        ci.collect_failed_jobs,
        ci.open_issue,
        ci.comment_failure,
        ci.close_recovered,
        ci.reopen_flaky,
        merged.close_issue,
        merged.comment_not_closed,
        merged.mark_run_merged,
        tasks.update,
        tasks.blocked_in_repo,
        tasks.blocked_schedule,
        retention.purge_events,
        retention.purge_logs,
        recover.missed_deliveries,
        commands.lookup,
        commands.create_run,
    ]
