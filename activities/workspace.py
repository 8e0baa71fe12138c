"""Workspace activities: clone the repository for a run, push the run branch, clean up."""

from __future__ import annotations

from dataclasses import dataclass

from temporalio import activity
from temporalio.exceptions import ApplicationError

from settings import Settings


@dataclass
class WorkspaceInput:
    run_id: str
    repo: str
    clone_url: str
    branch: str
    base_branch: str | None = None


@dataclass
class WorkspaceInfo:
    path: str
    base_sha: str
    base_branch: str


@dataclass
class PushInput:
    run_id: str
    workspace: str
    branch: str
    message: str


@dataclass
class CleanupInput:
    run_id: str


@dataclass
class PushResult:
    pushed: bool
    head_sha: str | None


class WorkspaceActivities:
    def __init__(self, settings: Settings) -> None:
        self._settings = settings

    @activity.defn(name="workspace.prepare")
    async def prepare(self, input: WorkspaceInput) -> WorkspaceInfo:
        """Clone the repository into the run's workspace and check out the run branch."""
        raise ApplicationError("workspace.prepare: not implemented yet", non_retryable=True)

    @activity.defn(name="workspace.push")
    async def push(self, input: PushInput) -> PushResult:
        """Commit the workspace changes as the hookflow bot and push the run branch."""
        raise ApplicationError("workspace.push: not implemented yet", non_retryable=True)

    @activity.defn(name="workspace.cleanup")
    async def cleanup(self, input: CleanupInput) -> None:
        """Remove the run's workspace directory."""
        raise ApplicationError("workspace.cleanup: not implemented yet", non_retryable=True)
