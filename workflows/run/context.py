"""A run's state while it runs, and its bookkeeping: status, artifacts, comments and links."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ActivityError

from workflows.activity_options import DB_ACTIVITY, GITHUB_ACTIVITY

with workflow.unsafe.imports_passed_through():
    from activities.run_github import ReactInput, RunCommentInput, RunGitHubActivities
    from activities.runs import ArtifactInput, RunActivities, RunConfig, RunConfigInput
    from contract.inputs import CIResult, Feedback, RunInput, RunStatusUpdate
    from contract.statuses import RunStatus
    from workflows import search_attributes as sa
    from workflows.run import messages as msg
    from workflows.run.errors import reason_of
    from workflows.run.inputs import RunProgress, RunResult


# What replaces the 👀 when a run ends (CANCELLED: nothing).
OUTCOME_REACTIONS: dict[str, str] = {
    RunStatus.SUCCEEDED: "rocket",
    RunStatus.FAILED: "confused",
    RunStatus.ESCALATED: "confused",
}


@dataclass
class Issue:
    """The issue as the run works on it: the input's text, completed from GitHub when absent."""

    repo: str
    number: int
    title: str
    body: str | None
    clone_url: str | None
    branch: str | None
    base_branch: str | None = None

    def for_agent(self) -> dict[str, Any]:
        return {
            "repo": self.repo,
            "number": self.number,
            "title": self.title,
            "body": self.body,
            "branch": self.branch,
        }


@dataclass
class RunContext:
    """Everything the steps share; signals write the flags, the steps read them."""

    status: str = RunStatus.RECEIVED
    phase: str | None = None
    iteration: int = 0
    approved: bool = False
    cancel: bool = False
    retry: bool = False
    ci: list[CIResult] = field(default_factory=list)  # CI signals not looked at yet
    ci_failures: int = 0
    ci_pending: list[str] = field(default_factory=list)
    pr_url: str | None = None
    pr_number: int | None = None
    failures: int = 0
    cfg: RunConfig | None = None
    input_: RunInput | None = None
    issue: Issue | None = None
    feedback: list[Feedback] = field(default_factory=list)  # review text not acted on yet
    usage: dict[str, dict[str, int]] = field(default_factory=dict)
    summaries: dict[str, str] = field(default_factory=dict)  # phase → the start of its artifact
    refused_hosts: list[str] = field(default_factory=list)  # what the egress proxy refused
    acknowledged: bool = False  # a 👀 was left where the run was asked for
    comments_artifact: str | None = None  # the issue's discussion, for the phases
    local_start: bool = False  # the first steps run as local activities (intake.PATCH_LOCAL_START)

    def note_refused(self, hosts: list[str]) -> None:
        for host in hosts:
            if host not in self.refused_hosts and len(self.refused_hosts) < msg.MAX_REFUSED:
                self.refused_hosts.append(host)

    @property
    def input(self) -> RunInput:
        assert self.input_ is not None
        return self.input_

    @property
    def config(self) -> RunConfig:
        assert self.cfg is not None
        return self.cfg

    def progress(self) -> RunProgress:
        return RunProgress(
            self.status,
            self.phase,
            self.iteration,
            self.pr_url,
            self.ci_failures,
            list(self.ci_pending),
        )

    # --- links and texts -------------------------------------------------------------------

    def link(self) -> str | None:
        cfg = self.cfg
        if cfg is None:
            return None
        return msg.run_link(cfg.ui_url, cfg.namespace, workflow.info().workflow_id)

    def api_link(self) -> str | None:
        return msg.api_run_link(self.cfg.api_url, self.input.run_id) if self.cfg else None

    def summary(self) -> str:
        done = self.summaries
        report = done.get("report") or done.get("document")
        if report is None:
            return f"Phases done: {', '.join(done) or 'none'}."
        return f"Phases done: {', '.join(done)}.\n\n{report}"

    def keyed(self, key: str) -> str:
        """Comment keys of a follow-up execution differ from the first execution's."""
        start = self.input.start_iteration
        return f"{key}-after-{start}" if self.input.feedback is not None else key

    # --- activities ------------------------------------------------------------------------

    async def github(self, method: Any, arg: Any) -> Any:
        return await workflow.execute_activity_method(method, arg, **GITHUB_ACTIVITY)

    async def comment(self, key: str, body: str, *, number: int | None = None) -> None:
        """Best effort: a comment GitHub refuses is recorded, and the run goes on. It goes on
        the issue unless `number` names another (the PR a review came from)."""
        if self.cfg is None or not self.cfg.github_enabled:
            return
        try:
            await self.github(
                RunGitHubActivities.comment,
                RunCommentInput(
                    self.input.run_id,
                    self.input.repo,
                    number or self.input.issue_number,
                    self.keyed(key),
                    body,
                ),
            )
        except ActivityError as exc:
            await self.artifact(f"github-error-{key}", "text", reason_of(exc))

    def reaction_target(self) -> tuple[int, int | None]:
        """Where the run was asked for: the triggering comment, the feedback's comment (or
        pull request), else the issue."""
        i = self.input
        if i.trigger_comment_id is not None:
            return i.issue_number, i.trigger_comment_id
        if i.feedback is not None:
            number = i.feedback.pr_number or i.issue_number
            return number, i.feedback.comment_id if i.feedback.source == "comment" else None
        return i.issue_number, None

    async def react(self, content: str | None, *, remove: tuple[str, ...] = ()) -> bool:
        """Leave `content` (and take back `remove`) where the run was asked for; best effort:
        True when GitHub took it."""
        if self.cfg is None or not self.cfg.github_enabled:
            return False
        number, comment_id = self.reaction_target()
        try:
            await self.github(
                RunGitHubActivities.react,
                ReactInput(self.input.repo, number, comment_id, content, list(remove)),
            )
        except ActivityError as exc:
            await self.artifact("github-error-reaction", "text", reason_of(exc))
            return False
        return True

    async def artifact(self, name: str, kind: str, content: str, *, local: bool = False) -> None:
        stored = ArtifactInput(self.input.run_id, name, kind, content)
        if local:
            await workflow.execute_local_activity_method(
                RunActivities.record_artifact, stored, **DB_ACTIVITY
            )
        else:
            await workflow.execute_activity_method(
                RunActivities.record_artifact, stored, **DB_ACTIVITY
            )

    async def read_config(self) -> RunConfig:
        """The settings the run depends on, read once (kept in the history)."""
        config, arg = RunActivities.config, RunConfigInput(self.input.run_id)
        if self.local_start:
            return await workflow.execute_local_activity_method(config, arg, **DB_ACTIVITY)
        return await workflow.execute_activity_method(config, arg, **DB_ACTIVITY)

    async def set_status(self, status: str, *, error: str | None = None) -> None:
        self.status = status
        workflow.upsert_search_attributes(
            [
                sa.STATUS.value_set(status),
                sa.PHASE.value_set(self.phase) if self.phase else sa.PHASE.value_unset(),
            ]
        )
        # A local activity: the status reaches the DB within this workflow task, without a
        # task-queue round trip (the first RUNNING is what "work begun" measures).
        await workflow.execute_local_activity_method(
            RunActivities.set_status,
            RunStatusUpdate(
                self.input.run_id,
                status,
                phase=self.phase,
                iteration=self.iteration,
                error=error,
                pr_number=self.pr_number,
                pr_url=self.pr_url,
            ),
            **DB_ACTIVITY,
        )

    async def finish(self, status: str, *, error: str | None = None) -> RunResult:
        if status == RunStatus.FAILED and error and self.failures == 0 and self.cfg is not None:
            await self.artifact("failure-final", "text", error)
            await self.comment(
                "failure-final",
                msg.failure_comment(
                    run_id=self.input.run_id,
                    phase=self.phase,
                    retry_hint="",
                    link=self.link(),
                    api_link=self.api_link(),
                    refused_hosts=self.refused_hosts,
                ),
            )
        if self.acknowledged:  # the 👀 gives way to the outcome
            await self.react(OUTCOME_REACTIONS.get(status), remove=("eyes",))
        await self.set_status(status, error=error)
        return RunResult(self.input.run_id, status, error, self.pr_url, self.iteration)
