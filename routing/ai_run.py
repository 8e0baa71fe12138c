"""An `issues` event labelled `ai:run` becomes a run (mode "code", status RECEIVED)."""

from __future__ import annotations

import re
import uuid
from typing import TypedDict, Unpack

from contract.actions import DispatchAction, as_arg
from contract.inputs import RunInput
from contract.limits import MAX_BODY_CHARS, truncation_notice
from contract.names import Workflow
from routing import fields as f
from routing.decision import Delivery, HandlerResult, NewRun, RoutingConfig
from routing.workflow_ids import run_workflow_id

# Run ids derive from the delivery, so a redelivery (same hook + delivery id) names the same run.
RUN_NAMESPACE = uuid.UUID("5b0c8f2e-2f8f-4d59-9a53-7b9b1f0c6a11")


def run_id_for(dedupe_key: str) -> str:
    return str(uuid.uuid5(RUN_NAMESPACE, dedupe_key))


# The branch a run pushes to; RUN_BRANCH recognises one (the issue and the short run id).
RUN_BRANCH = re.compile(r"^ai/issue-(?P<issue>\d+)-(?P<short>[0-9a-f]{8})$")


def run_branch(issue_number: int, run_id: str) -> str:
    return f"ai/issue-{issue_number}-{run_id[:8]}"


def new_run_for(
    repo: str,
    issue_number: int,
    run_id: str,
    *,
    title: str = "",
    body: str | None = None,
    clone_url: str | None = None,
) -> NewRun:
    """The run `run_id` on an issue, with the workflow id and branch every run of it gets."""
    return NewRun(
        run_id=run_id,
        workflow_id=run_workflow_id(repo, issue_number, run_id),
        repo=repo,
        issue_number=issue_number,
        title=title,
        body=body,
        clone_url=clone_url,
        branch=run_branch(issue_number, run_id),
    )


# Issue text enters the workflow history (input, every phase's input): bounded, like GitHub's
# own limits (titles are at most 256 characters, bodies 65,536).
TITLE_MAX_CHARS = 1_000
BODY_MAX_CHARS = 32_000


def bounded(text: str | None, limit: int) -> str | None:
    if text is None or len(text) <= limit:
        return text
    return text[:limit] + f"\n…{truncation_notice(len(text) - limit)}"


class Trigger(TypedDict, total=False):
    """Who asked for a run on GitHub, and where."""

    sender: str | None  # a label's sender: checked against RUN_TRIGGER_PERMISSION by the run
    trigger_comment_id: int | None  # the comment that asked (`/hookflow run`): the 👀 goes there


def run_input(new_run: NewRun, delivery_id: str | None, **trigger: Unpack[Trigger]) -> RunInput:
    """The RunWorkflow input, issue text bounded."""
    return RunInput(
        run_id=new_run.run_id,
        repo=new_run.repo,
        issue_number=new_run.issue_number,
        title=bounded(new_run.title, TITLE_MAX_CHARS) or "",
        body=bounded(new_run.body, BODY_MAX_CHARS),
        clone_url=new_run.clone_url,
        branch=new_run.branch,
        delivery_id=delivery_id,
        sender=trigger.get("sender"),
        trigger_comment_id=trigger.get("trigger_comment_id"),
    )


def start_run_action(
    new_run: NewRun, delivery_id: str | None, **trigger: Unpack[Trigger]
) -> DispatchAction:
    return DispatchAction(
        kind="start",
        workflow=Workflow.RUN,
        workflow_id=new_run.workflow_id,
        arg=as_arg(run_input(new_run, delivery_id, **trigger)),
        memo={"repo": new_run.repo, "issue": new_run.issue_number, "title": new_run.title[:200]},
    )


def accepted_body(run_id: str, repo: str, issue_number: int) -> dict[str, object]:
    """The ai:run success body, exactly as the webhook contract gives it (no other keys)."""
    return {"status": "accepted", "runId": run_id, "repo": repo, "issueNumber": issue_number}


def sender_login(delivery: Delivery) -> str:
    return f.text(f.get(delivery.payload, "sender", "login"), 100) or ""


def route_ai_run(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    if delivery.event != "issues":
        return HandlerResult(False, "not an issues event")
    if delivery.action != "labeled":
        return HandlerResult(False, "action is not labeled")
    if f.get(delivery.payload, "label", "name") != config.ai_run_label:
        return HandlerResult(False, "label is not ai:run")
    issue = f.obj(delivery.payload.get("issue"))
    repo = delivery.repo
    number = f.number(issue.get("number"))
    if repo is None or number is None:
        return HandlerResult(False, "payload has no repository.full_name or issue.number")
    run_id = run_id_for(dedupe_key)
    new_run = new_run_for(
        repo,
        number,
        run_id,
        title=f.text(issue.get("title"), f.TITLE_LIMIT) or "",
        body=f.text(issue.get("body"), MAX_BODY_CHARS),
        clone_url=f.text(f.get(delivery.payload, "repository", "clone_url")),
    )
    return HandlerResult(
        True,
        # The sender is checked by the run itself (no GitHub call on the webhook's path);
        # "" (a payload without one) is refused there.
        actions=[start_run_action(new_run, delivery.short_id, sender=sender_login(delivery))],
        response=accepted_body(run_id, repo, number),
        new_run=new_run,
    )
