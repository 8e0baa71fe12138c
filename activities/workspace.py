"""Workspace activities: clone the repository for a run, push the run branch, clean up. The remote
is always the canonical URL ({GITHUB_GIT_URL}/{owner}/{repo}.git), never a payload's or the
workspace's."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.git import Git, read_state, reset_config, write_state
from activities.github_client import GitHubIdentity
from settings import Settings

_SAFE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_REPO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*/[A-Za-z0-9_.-]+$")


@dataclass
class WorkspaceInput:
    run_id: str
    repo: str  # owner/name: the clone is {GITHUB_GIT_URL}/{repo}.git
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
    repo: str = ""  # owner/name: the push goes to {GITHUB_GIT_URL}/{repo}.git


@dataclass
class CleanupInput:
    run_id: str


@dataclass
class PushResult:
    pushed: bool  # True when this call moved the remote branch
    head_sha: str | None  # the remote branch's head after the call; None if it does not exist


def workspace_path(settings: Settings, run_id: str) -> Path:
    if not _SAFE_ID.match(run_id):
        raise ApplicationError(
            f"run id {run_id!r} is not usable as a directory name", non_retryable=True
        )
    return settings.run_workspace_dir.expanduser().resolve() / run_id


def canonical_url(settings: Settings, repo: str) -> str:
    """The only URL a run clones from and pushes to."""
    if not _REPO.match(repo) or ".." in repo:
        raise ApplicationError(
            f"repository {repo!r} is not an owner/name pair",
            type="RunConfigError",
            non_retryable=True,
        )
    return f"{settings.git_base_url}/{repo}.git"


GitTokenSource = Callable[[str | None], Awaitable[str | None]]


class WorkspaceActivities:
    def __init__(self, settings: Settings, git_token: GitTokenSource | None = None) -> None:
        self._settings = settings
        # GITHUB_TOKEN, or the GitHub App installation token of the run's repository.
        self._git_token = git_token or GitHubIdentity(settings).git_token

    async def _git(self, clone_url: str, repo: str) -> Git:
        # The token only ever goes with the canonical URL (Git scopes it to that host).
        return Git(clone_url, await self._git_token(repo))

    @activity.defn(name="workspace.prepare")
    async def prepare(self, input: WorkspaceInput) -> WorkspaceInfo:
        """Clone the repository into the run's workspace and check out the run branch."""
        path = workspace_path(self._settings, input.run_id)
        url = canonical_url(self._settings, input.repo)
        state = read_state(path)
        same = state and (state.get("clone_url"), state.get("branch")) == (url, input.branch)
        if state and same:
            # A retry of an earlier attempt that got this far: reuse the clone as it is.
            return WorkspaceInfo(str(path), state["base_sha"], state["base_branch"])
        if path.exists():  # a half-made clone from a crashed attempt
            await asyncio.to_thread(shutil.rmtree, path, True)
        path.parent.mkdir(parents=True, exist_ok=True)
        git = await self._git(url, input.repo)
        clone = ["clone", "--no-tags", "--quiet", "--no-recurse-submodules"]
        if input.base_branch:
            clone += ["--branch", input.base_branch]
        await git.run(*clone, "--", url, str(path), cwd=path.parent)
        reset_config(path)  # no `origin`: every fetch and push names the canonical URL
        _, base_branch = await git.run("rev-parse", "--abbrev-ref", "HEAD", cwd=path)
        _, base_sha = await git.run("rev-parse", "HEAD", cwd=path)
        base_branch, base_sha = base_branch.strip(), base_sha.strip()
        # If an earlier attempt already pushed the run branch, continue from it.
        code, _ = await git.run(
            "fetch",
            "--quiet",
            url,
            f"+refs/heads/{input.branch}:refs/hookflow/{input.branch}",
            cwd=path,
            check=False,
        )
        start = f"refs/hookflow/{input.branch}" if code == 0 else "HEAD"
        await git.run("checkout", "--quiet", "-B", input.branch, start, cwd=path)
        write_state(
            path,
            {
                "clone_url": url,
                "branch": input.branch,
                "base_sha": base_sha,
                "base_branch": base_branch,
            },
        )
        activity.logger.info(
            "workspace %s ready on %s (base %s@%s)", path, input.branch, base_branch, base_sha[:12]
        )
        return WorkspaceInfo(str(path), base_sha, base_branch)

    @activity.defn(name="workspace.push")
    async def push(self, input: PushInput) -> PushResult:
        """Commit the workspace changes as the hookflow bot and push the run branch."""
        path = workspace_path(self._settings, input.run_id)
        state = read_state(path)
        if state is None:
            raise ApplicationError(f"{path} is not a prepared workspace", non_retryable=True)
        # Never the workspace's idea of the remote: the agent could have rewritten it.
        url = canonical_url(self._settings, input.repo)
        git = await self._git(url, input.repo)
        reset_config(path)
        await git.run("add", "--all", cwd=path)
        staged, _ = await git.run("diff", "--cached", "--quiet", cwd=path, check=False)
        if staged != 0:
            await git.run("commit", "--quiet", "--no-verify", "-m", input.message, cwd=path)
        _, head = await git.run("rev-parse", "HEAD", cwd=path)
        head = head.strip()
        _, listing = await git.run("ls-remote", url, f"refs/heads/{input.branch}", cwd=path)
        remote = listing.split()[0] if listing.strip() else None
        if head == remote:
            return PushResult(pushed=False, head_sha=remote)
        if head == state["base_sha"] and remote is None:
            return PushResult(pushed=False, head_sha=None)  # nothing changed: no branch to push
        await git.run(
            "push", "--quiet", "--no-verify", url, f"HEAD:refs/heads/{input.branch}", cwd=path
        )
        return PushResult(pushed=True, head_sha=head)

    @activity.defn(name="workspace.cleanup")
    async def cleanup(self, input: CleanupInput) -> None:
        """Remove the run's workspace directory."""
        path = workspace_path(self._settings, input.run_id)
        await asyncio.to_thread(shutil.rmtree, path, True)
