"""Git command runner for workspaces: token auth for the canonical HTTPS remote that never touches
.git/config, no agent-controlled configuration (hooks, fsmonitor, filters, credential helpers,
remotes), redacted errors, and the run's base commit kept in the clone."""

from __future__ import annotations

import base64
import json
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from temporalio.exceptions import ApplicationError

from activities.process import OUTPUT_LIMIT, ProcessResult, ProcessTimeout, heartbeat, run_process

BOT_NAME = "hookflow[bot]"
BOT_EMAIL = "hookflow[bot]@users.noreply.github.com"
GIT_TIMEOUT_SECONDS = 600.0
STATE_FILE = "hookflow-workspace.json"  # inside .git/: never part of the tree or the patch
# Overrides on every git call: the agent may have written .git/hooks or config that would run
# code (hooks, fsmonitor, credential helpers, ext:: remotes) with hookflow's token in reach.
SAFE_FLAGS = (
    "-c",
    "core.hooksPath=/dev/null",
    "-c",
    "core.fsmonitor=false",
    "-c",
    "core.untrackedCache=false",
    "-c",
    "credential.helper=",
    "-c",
    "protocol.ext.allow=never",
    "-c",
    "core.sshCommand=ssh",
)
# The whole repository config hookflow keeps in a workspace: no remotes, filters, includes or
# helpers. It is written back before every git sequence that follows an agent.
PRISTINE_CONFIG = """[core]
\trepositoryformatversion = 0
\tfilemode = true
\tbare = false
\tlogallrefupdates = true
"""


@dataclass
class Git:
    """Runs git with the token passed through the environment (GIT_CONFIG_*), not argv or files."""

    clone_url: str
    token: str | None = None

    def auth_env(self) -> dict[str, str]:
        parts = urlsplit(self.clone_url)
        if not self.token or parts.scheme != "https" or not parts.hostname:
            return {}
        basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return {
            "GIT_CONFIG_COUNT": "1",
            "GIT_CONFIG_KEY_0": f"http.https://{parts.netloc}/.extraheader",
            "GIT_CONFIG_VALUE_0": f"Authorization: Basic {basic}",
        }

    def redact(self, text: str) -> str:
        if not self.token:
            return text
        basic = base64.b64encode(f"x-access-token:{self.token}".encode()).decode()
        return text.replace(basic, "***").replace(self.token, "***")

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_CONFIG_")}
        env.update(
            {
                "GIT_TERMINAL_PROMPT": "0",
                "GIT_ASKPASS": "true",  # never block on a credential prompt
                "GIT_AUTHOR_NAME": BOT_NAME,
                "GIT_AUTHOR_EMAIL": BOT_EMAIL,
                "GIT_COMMITTER_NAME": BOT_NAME,
                "GIT_COMMITTER_EMAIL": BOT_EMAIL,
                "LC_ALL": "C",
                "GIT_CONFIG_NOSYSTEM": "1",
            }
        )
        env.update(self.auth_env())
        return env

    async def run(
        self,
        *args: str,
        cwd: str | Path,
        check: bool = True,
        extra_env: Mapping[str, str] | None = None,
    ) -> tuple[int, str]:
        """Run `git <args>`; returns (exit code, stdout)."""
        result = await self.execute(*args, cwd=cwd, check=check, extra_env=extra_env)
        return result.returncode, result.stdout

    async def execute(
        self,
        *args: str,
        cwd: str | Path,
        check: bool = True,
        extra_env: Mapping[str, str] | None = None,
        limit: int = OUTPUT_LIMIT,
    ) -> ProcessResult:
        """Run `git <args>` (output bounded). A failure raises a retryable ApplicationError
        with git's redacted stderr."""
        env = self.env()
        env.update(extra_env or {})
        heartbeat(f"git {args[0]}")  # a sequence of quick calls still shows the worker alive
        try:
            result = await run_process(
                ["git", *SAFE_FLAGS, *args],
                cwd=cwd,
                env=env,
                time_limit=GIT_TIMEOUT_SECONDS,
                label=f"git {args[0]}",
                limit=limit,
            )
        except FileNotFoundError:
            raise ApplicationError(
                "git is not installed on the worker", non_retryable=True
            ) from None
        except ProcessTimeout as exc:
            raise ApplicationError(self.redact(str(exc)), type="GitTimeout") from None
        if check and result.returncode != 0:
            raise ApplicationError(
                f"git {args[0]} failed ({result.returncode}): "
                f"{self.redact(result.stderr.strip())[-2000:]}",
                type="GitError",
            )
        return result


def reset_config(path: Path) -> None:
    """Replace whatever the agent left in .git/config (or a symlink put there) by hookflow's."""
    config = path / ".git" / "config"
    config.unlink(missing_ok=True)
    config.write_text(PRISTINE_CONFIG)


def read_state(path: Path) -> dict[str, str] | None:
    try:
        data: dict[str, str] = json.loads((path / ".git" / STATE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return data


def write_state(path: Path, state: Mapping[str, str]) -> None:
    (path / ".git" / STATE_FILE).write_text(json.dumps(dict(state)))
