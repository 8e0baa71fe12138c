"""Slash commands (`/hookflow run|approve|retry|cancel|status`) and review feedback (`@hookflow`,
changes requested) on issues and run PRs: parsing, authorisation and routing. Pure."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from contract.actions import DispatchAction, as_arg
from contract.inputs import CommandInput
from contract.names import Workflow
from routing import fields as f
from routing.ai_run import RUN_BRANCH
from routing.decision import Delivery, HandlerResult, RoutingConfig

COMMANDS = ("run", "approve", "retry", "cancel", "status")
TRUSTED_ASSOCIATIONS = frozenset({"OWNER", "MEMBER", "COLLABORATOR"})
MAX_TEXT_CHARS = 20_000
HOOKFLOW_MARKER = "<!-- hookflow:"  # on every comment hookflow writes: never act on our own


@dataclass(frozen=True)
class Request:
    """What a comment or review asks hookflow to do, before looking at any run."""

    command: str  # one of COMMANDS, "feedback", or "" for an unknown /hookflow word
    word: str  # the word as written (for the polite answer to an unknown one)
    verdict: str  # ok | unauthorised | unknown


def _obj(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_command(text: str, handle: str) -> str | None:
    """The word after `/<handle>` at the start of a line (lower-cased), "" for a bare
    `/<handle>`, None when the text has no such line."""
    pattern = re.compile(rf"^[ \t]*/{re.escape(handle)}(?![\w-])[ \t]*(\S*)", re.I | re.M)
    match = pattern.search(text)
    return None if match is None else match.group(1).lower()


def mentions(text: str, handle: str) -> bool:
    """`@<handle>` as a mention (not part of an e-mail address or a longer name)."""
    return re.search(rf"(?<![\w@.-])@{re.escape(handle)}(?![\w-])", text, re.I) is not None


def authorised(association: Any) -> bool:
    return isinstance(association, str) and association.upper() in TRUSTED_ASSOCIATIONS


def classify(
    *, text: str, association: Any, on_run_pr: bool, changes_requested: bool, handle: str
) -> Request | None:
    """What the text asks (None: nothing for hookflow). Commands win over feedback."""
    word = parse_command(text, handle)
    if word is not None:
        command = word if word in COMMANDS else ""
    elif on_run_pr and (changes_requested or mentions(text, handle)):
        command, word = "feedback", "feedback"
    else:
        return None
    if not authorised(association):
        return Request(command, word, "unauthorised")
    return Request(command, word, "ok" if command else "unknown")


def command_workflow_id(repo: str, source: str, item_id: int) -> str:
    """One CommandWorkflow per comment or review: a redelivery (or a second delivery of the
    same comment) finds it started and acts once."""
    return f"hookflow-command-{repo.replace('/', '-')}-{source}-{item_id}"


def _is_bot(user: dict[str, Any], text: str) -> bool:
    return user.get("type") == "Bot" or HOOKFLOW_MARKER in text


def route_commands(delivery: Delivery, config: RoutingConfig, dedupe_key: str) -> HandlerResult:
    """issue_comment created / pull_request_review submitted → start one CommandWorkflow."""
    payload, repo = delivery.payload, delivery.repo
    if delivery.event == "issue_comment":
        if delivery.action != "created":
            return HandlerResult(False, "comment was not created")
        item, issue = _obj(payload.get("comment")), _obj(payload.get("issue"))
        number, is_pull = f.number(issue.get("number")), "pull_request" in issue
        branch, changes_requested, source = None, False, "comment"
    elif delivery.event == "pull_request_review":
        if delivery.action != "submitted":
            return HandlerResult(False, "review was not submitted")
        item, pull = _obj(payload.get("review")), _obj(payload.get("pull_request"))
        number, is_pull = f.number(pull.get("number")), True
        branch = _obj(pull.get("head")).get("ref")
        changes_requested = str(item.get("state") or "").lower() == "changes_requested"
        source = "review"
    else:
        return HandlerResult(False, "not a comment or review")
    item_id = f.integer(item.get("id"))  # not a bool: True would name comment "True"
    body = item.get("body")
    text: str = body if isinstance(body, str) else ""
    user = _obj(item.get("user"))
    if not repo or number is None or item_id is None:
        return HandlerResult(False, "payload has no repository, number or comment id")
    if _is_bot(user, text):
        return HandlerResult(False, "comment written by a bot")
    on_run_pr = is_pull and (branch is None or RUN_BRANCH.match(str(branch)) is not None)
    request = classify(
        text=text,
        association=item.get("author_association"),
        on_run_pr=on_run_pr,
        changes_requested=changes_requested,
        handle=config.command_handle,
    )
    if request is None:
        return HandlerResult(False, f"no /{config.command_handle} command or mention")
    arg = CommandInput(
        repo=repo,
        number=number,
        is_pull=is_pull,
        head_branch=branch if isinstance(branch, str) else None,
        command=request.command,
        word=request.word[:100],
        verdict=request.verdict,
        author=str(user.get("login") or "")[:100],
        text=text[:MAX_TEXT_CHARS],
        source=source,
        item_id=item_id,
        url=str(item.get("html_url") or "")[:500],
        delivery_id=delivery.delivery_id,
        handle=config.command_handle,
    )
    workflow_id = command_workflow_id(repo, source, item_id)
    action = DispatchAction(
        kind="start",
        workflow=Workflow.COMMAND,
        workflow_id=workflow_id,
        arg=as_arg(arg),
        memo={"repo": repo, "number": number, "command": request.command or request.word[:50]},
    )
    return HandlerResult(True, actions=[action])
