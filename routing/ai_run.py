"""Seed 000: an `issues` event labelled `ai:run` becomes a run (mode "code", status RECEIVED)."""

from __future__ import annotations

import uuid

from routing.actions import DispatchAction
from routing.decision import Delivery, HandlerResult, NewRun, RoutingConfig

# Run ids derive from the delivery, so a redelivery (same hook + delivery id) names the same run.
RUN_NAMESPACE = uuid.UUID("5b0c8f2e-2f8f-4d59-9a53-7b9b1f0c6a11")


def run_id_for(dedupe_key: str) -> str:
    return str(uuid.uuid5(RUN_NAMESPACE, dedupe_key))


def run_workflow_id(repo: str, issue_number: int, run_id: str) -> str:
    # No "/" in the id: the Temporal Web UI cannot open workflow ids that contain one.
    return f"ai-run-{repo.replace('/', '-')}-{issue_number}-{run_id[:8]}"


def run_branch(issue_number: int, run_id: str) -> str:
    return f"ai/issue-{issue_number}-{run_id[:8]}"


# Issue text enters the workflow history (input, every phase's input): bounded, like GitHub's
# own limits (titles are at most 256 characters, bodies 65,536).
TITLE_MAX_CHARS = 1_000
BODY_MAX_CHARS = 32_000
CUT_MARKER = "\n…[cut by hookflow: {dropped} characters dropped]"


def bounded(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + CUT_MARKER.format(dropped=len(text) - limit)


def run_input(new_run: NewRun, delivery_id: str | None) -> dict[str, object]:
    """The RunWorkflow input (workflows.run.RunInput) as JSON, issue text bounded."""
    return {
        "run_id": new_run.run_id,
        "repo": new_run.repo,
        "issue_number": new_run.issue_number,
        "title": bounded(new_run.title, TITLE_MAX_CHARS),
        "body": bounded(new_run.body, BODY_MAX_CHARS),
        "clone_url": new_run.clone_url,
        "branch": new_run.branch,
        "delivery_id": delivery_id,
    }


def start_run_action(new_run: NewRun, delivery_id: str | None) -> DispatchAction:
    return DispatchAction(
        kind="start",
        workflow="RunWorkflow",
        workflow_id=new_run.workflow_id,
        arg=run_input(new_run, delivery_id),
        memo={"repo": new_run.repo, "issue": new_run.issue_number, "title": new_run.title[:200]},
    )


def accepted_body(run_id: str, repo: str, issue_number: int) -> dict[str, object]:
    """Seed 000's exact success body."""
    return {"status": "accepted", "runId": run_id, "repo": repo, "issueNumber": issue_number}


def route_ai_run(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    if delivery.event != "issues":
        return HandlerResult(False, "not an issues event")
    if delivery.action != "labeled":
        return HandlerResult(False, "action is not labeled")
    label = delivery.payload.get("label") or {}
    if not isinstance(label, dict) or label.get("name") != config.ai_run_label:
        return HandlerResult(False, "label is not ai:run")
    issue = delivery.payload.get("issue") or {}
    repo = delivery.repo
    number = issue.get("number") if isinstance(issue, dict) else None
    if not repo or "/" not in repo or not isinstance(number, int):
        return HandlerResult(False, "payload has no repository.full_name or issue.number")
    run_id = run_id_for(dedupe_key)
    repository = delivery.payload.get("repository") or {}
    new_run = NewRun(
        run_id=run_id,
        workflow_id=run_workflow_id(repo, number, run_id),
        repo=repo,
        issue_number=number,
        title=str(issue.get("title") or ""),
        body=issue.get("body") if isinstance(issue.get("body"), str) else None,
        clone_url=repository.get("clone_url") if isinstance(repository, dict) else None,
        branch=run_branch(number, run_id),
    )
    return HandlerResult(
        True,
        actions=[start_run_action(new_run, delivery.delivery_id)],
        response=accepted_body(run_id, repo, number),
        new_run=new_run,
    )
