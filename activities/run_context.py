"""What a run gathers for its agent besides the issue: the discussion under it (people's comments,
cleaned of hidden text, newest kept within LLM_CONTEXT_BYTES), stored as the run's
`issue-comments` artifact; and the `hidden-text` artifact recording what was removed."""

from __future__ import annotations

import json
from dataclasses import dataclass

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.github_client import GitHubActivities
from activities.runs import ARTIFACT_MAX_CHARS, ArtifactInput, load_artifact, store_artifact
from agent_context.hidden_text import Removal
from agent_context.phase import (
    COMMENTS_ARTIFACT,
    HIDDEN_TEXT_ARTIFACT,
    comments_budget,
    merge_record,
)
from agent_context.thread import build_thread
from db.engine import SessionFactory


@dataclass
class IssueCommentsInput:
    run_id: str
    repo: str
    issue_number: int


@dataclass
class IssueCommentsResult:
    artifact: str  # the artifact the phases load (COMMENTS_ARTIFACT)
    kept: int
    omitted: int


async def record_hidden_text(
    sessions: SessionFactory, run_id: str, removed: dict[str, list[Removal]]
) -> None:
    """Add what was removed to the run's `hidden-text` artifact (so a person sees the try)."""
    if not removed:
        return
    row = await load_artifact(sessions, run_id, HIDDEN_TEXT_ARTIFACT)
    existing = json.loads(row.content) if row is not None and not row.truncated else None
    record = merge_record(existing, removed)
    if record is not None:
        content = json.dumps(record, indent=1, ensure_ascii=False)
        await store_artifact(sessions, ArtifactInput(run_id, HIDDEN_TEXT_ARTIFACT, "json", content))


class RunContextActivities(GitHubActivities):
    @activity.defn(name="run_context.issue_comments")
    async def issue_comments(self, input: IssueCommentsInput) -> IssueCommentsResult:
        """Read the issue's comments, keep people's (cleaned, newest first within the
        budget) and store them for the phases."""
        if self._sessions is None:
            raise ApplicationError(
                "RunContextActivities built without a database", non_retryable=True
            )
        what = f"read the comments of {input.repo}#{input.issue_number}"
        async with self._github_call(what) as github:
            comments = await github.list_comments(input.repo, input.issue_number)
        budget = comments_budget(self._settings.llm_context_bytes)
        thread = build_thread(comments, budget)
        content = json.dumps(thread.as_json(), indent=1, ensure_ascii=False)
        await store_artifact(
            self._sessions,
            ArtifactInput(input.run_id, COMMENTS_ARTIFACT, "json", content),
            limit=max(ARTIFACT_MAX_CHARS, 2 * budget),  # never cut: the phases parse it
        )
        await record_hidden_text(self._sessions, input.run_id, thread.removed)
        return IssueCommentsResult(COMMENTS_ARTIFACT, len(thread.comments), thread.omitted)
