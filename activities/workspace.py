"""Workspace activities: clone the repository for a run, push the run branch, clean up."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.git import Git, read_state, write_state
from activities.github_client import GitHubIdentity
from settings import Settings

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")


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
    pushed: bool  # True when this call moved the remote branch
    head_sha: str | None  # the remote branch's head after the call; None if it does not exist


def workspace_path(settings: Settings, run_id: str) -> Path:
    if not _SAFE_ID.match(run_id):
        raise ApplicationError(f"run id {run_id!r} is not usable as a directory name",
                               non_retryable=True)
    return settings.run_workspace_dir.expanduser().resolve() / run_id


GitTokenSource = Callable[[str | None], Awaitable[str | None]]


class WorkspaceActivities:
    def __init__(self, settings: Settings, git_token: GitTokenSource | None = None) -> None:
        self._settings = settings
        # GITHUB_TOKEN, or the GitHub App installation token of the run's repository.
        self._git_token = git_token or GitHubIdentity(settings).git_token

    async def _git(self, clone_url: str, repo: str | None) -> Git:
        return Git(clone_url, await self._git_token(repo))

    @activity.defn(name="workspace.prepare")
    async def prepare(self, input: WorkspaceInput) -> WorkspaceInfo:
        """Clone the repository into the run's workspace and check out the run branch."""
        path = workspace_path(self._settings, input.run_id)
        state = read_state(path)
        same = state and (state.get("clone_url"), state.get("branch")) == (
            input.clone_url, input.branch)
        if state and same:
            # A retry of an earlier attempt that got this far: reuse the clone as it is.
            return WorkspaceInfo(str(path), state["base_sha"], state["base_branch"])
        if path.exists():  # a half-made clone from a crashed attempt
            await asyncio.to_thread(shutil.rmtree, path, True)
        path.parent.mkdir(parents=True, exist_ok=True)
        git = await self._git(input.clone_url, input.repo)
        clone = ["clone", "--no-tags", "--quiet"]
        if input.base_branch:
            clone += ["--branch", input.base_branch]
        await git.run(*clone, "--", input.clone_url, str(path), cwd=path.parent)
        _, base_branch = await git.run("rev-parse", "--abbrev-ref", "HEAD", cwd=path)
        _, base_sha = await git.run("rev-parse", "HEAD", cwd=path)
        base_branch, base_sha = base_branch.strip(), base_sha.strip()
        # If an earlier attempt already pushed the run branch, continue from it.
        code, _ = await git.run("fetch", "--quiet", "origin",
                                f"+refs/heads/{input.branch}:refs/remotes/origin/{input.branch}",
                                cwd=path, check=False)
        start = f"origin/{input.branch}" if code == 0 else "HEAD"
        await git.run("checkout", "--quiet", "-B", input.branch, start, cwd=path)
        write_state(path, {
            "clone_url": input.clone_url, "branch": input.branch, "repo": input.repo,
            "base_sha": base_sha, "base_branch": base_branch,
        })
        activity.logger.info("workspace %s ready on %s (base %s@%s)", path, input.branch,
                             base_branch, base_sha[:12])
        return WorkspaceInfo(str(path), base_sha, base_branch)

    @activity.defn(name="workspace.push")
    async def push(self, input: PushInput) -> PushResult:
        """Commit the workspace changes as the hookflow bot and push the run branch."""
        path = Path(input.workspace)
        state = read_state(path)
        if state is None:
            raise ApplicationError(f"{path} is not a prepared workspace", non_retryable=True)
        git = await self._git(state["clone_url"], state.get("repo"))
        await git.run("add", "--all", cwd=path)
        staged, _ = await git.run("diff", "--cached", "--quiet", cwd=path, check=False)
        if staged != 0:
            await git.run("commit", "--quiet", "--no-verify", "-m", input.message, cwd=path)
        _, head = await git.run("rev-parse", "HEAD", cwd=path)
        head = head.strip()
        _, listing = await git.run("ls-remote", "origin", f"refs/heads/{input.branch}", cwd=path)
        remote = listing.split()[0] if listing.strip() else None
        if head == remote:
            return PushResult(pushed=False, head_sha=remote)
        if head == state["base_sha"] and remote is None:
            return PushResult(pushed=False, head_sha=None)  # nothing changed: no branch to push
        await git.run("push", "--quiet", "origin", f"HEAD:refs/heads/{input.branch}", cwd=path)
        return PushResult(pushed=True, head_sha=head)

    @activity.defn(name="workspace.cleanup")
    async def cleanup(self, input: CleanupInput) -> None:
        """Remove the run's workspace directory."""
        path = workspace_path(self._settings, input.run_id)
        await asyncio.to_thread(shutil.rmtree, path, True)
