"""The RoutingConfig of a Settings object: the plain values routing reads (API, CLI preview)."""

from __future__ import annotations

from collections.abc import Mapping

from routing.decision import RepoOverrides, RoutingConfig
from settings import Settings


def routing_config(
    settings: Settings, repositories: Mapping[str, RepoOverrides] | None = None
) -> RoutingConfig:
    """`repositories`: NOTIFY_CONFIG's per-repository overrides (notify.config)."""
    return RoutingConfig(
        watched_branches=settings.watched_branch_set,
        priority_overrides=settings.priority_overrides,
        allowed_repos=settings.allowed_repo_set,
        blocked_label=settings.blocked_label,
        ci_failure_label=settings.ci_failure_label,
        command_handle=settings.hookflow_handle,
        repositories=dict(repositories or {}),
    )
