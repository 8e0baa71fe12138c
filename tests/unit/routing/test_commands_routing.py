"""Slash commands and review feedback: parsing, authorisation and routing (pure, table tests)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from routing.commands import (
    Request,
    classify,
    command_workflow_id,
    mentions,
    parse_command,
    route_commands,
)
from routing.decision import Delivery, RoutingConfig
from routing.router import route

REPO = "octo-org/octo-repo"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("/hookflow run", "run"),
        ("  /hookflow   Approve please", "approve"),
        ("thanks!\n/hookflow status\nmore", "status"),
        ("/HOOKFLOW retry", "retry"),
        ("/hookflow", ""),
        ("/hookflow deploy", "deploy"),
        ("please /hookflow run", None),  # not at the start of a line
        ("/hookflowrun", None),
        ("/hookflow-bot run", None),
        ("`/hookflow run`", None),
        ("", None),
    ],
)
def test_parse_command_reads_first_command_line(text: str, expected: str | None) -> None:
    assert parse_command(text, "hookflow") == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("@hookflow please rename it", True),
        ("cc @HookFlow.", True),
        ("(@hookflow)", True),
        ("mail me at me@hookflow.dev", False),
        ("@hookflower is someone else", False),
        ("@hookflow-bot is someone else", False),
        ("hookflow without at", False),
    ],
)
def test_mentions_matches_whole_handle(text: str, expected: bool) -> None:
    assert mentions(text, "hookflow") is expected


@pytest.mark.parametrize(
    ("text", "association", "on_pr", "changes", "expected"),
    [
        ("/hookflow approve", "OWNER", False, False, Request("approve", "approve", "ok")),
        ("/hookflow cancel", "member", False, False, Request("cancel", "cancel", "ok")),
        ("/hookflow status", "COLLABORATOR", True, False, Request("status", "status", "ok")),
        ("/hookflow run", "CONTRIBUTOR", False, False, Request("run", "run", "unauthorised")),
        ("/hookflow run", "NONE", False, False, Request("run", "run", "unauthorised")),
        ("/hookflow run", None, False, False, Request("run", "run", "unauthorised")),
        ("/hookflow deploy", "OWNER", False, False, Request("", "deploy", "unknown")),
        ("/hookflow deploy", "NONE", False, False, Request("", "deploy", "unauthorised")),
        ("@hookflow use a dataclass", "MEMBER", True, False, Request("feedback", "feedback", "ok")),
        ("rename this", "MEMBER", True, True, Request("feedback", "feedback", "ok")),
        (
            "@hookflow use a dataclass",
            "NONE",
            True,
            False,
            Request("feedback", "feedback", "unauthorised"),
        ),
        ("@hookflow use a dataclass", "MEMBER", False, False, None),  # an issue: no PR to change
        ("looks good", "MEMBER", True, False, None),
        (
            "/hookflow retry\n@hookflow also this",
            "OWNER",
            True,
            False,
            Request("retry", "retry", "ok"),
        ),  # a command wins over feedback
    ],
)
def test_classify_decides_command_and_authorisation(
    text: str, association: Any, on_pr: bool, changes: bool, expected: Request | None
) -> None:
    assert (
        classify(
            text=text,
            association=association,
            on_run_pr=on_pr,
            changes_requested=changes,
            handle="hookflow",
        )
        == expected
    )


def comment(
    body: str,
    *,
    association: str = "MEMBER",
    on_pull: bool = False,
    action: str = "created",
    user_type: str = "User",
) -> Delivery:
    issue: dict[str, Any] = {"number": 12, "title": "t"}
    if on_pull:
        issue["pull_request"] = {"url": "https://api.github.com/repos/o/r/pulls/12"}
    payload = {
        "action": action,
        "repository": {"full_name": REPO},
        "issue": issue,
        "comment": {
            "id": 555,
            "body": body,
            "author_association": association,
            "user": {"login": "mona", "type": user_type},
            "html_url": "https://github.com/x#c555",
        },
    }
    return Delivery("issue_comment", payload, "d-1", "h-1")


def review(
    body: str, state: str, *, branch: str = "ai/issue-7-0123abcd", association: str = "OWNER"
) -> Delivery:
    payload = {
        "action": "submitted",
        "repository": {"full_name": REPO},
        "pull_request": {"number": 31, "head": {"ref": branch}},
        "review": {
            "id": 777,
            "body": body,
            "state": state,
            "author_association": association,
            "user": {"login": "lead"},
        },
    }
    return Delivery("pull_request_review", payload, "d-2", "h-1")


@pytest.mark.parametrize(
    ("delivery", "verdict", "command"),
    [
        (comment("/hookflow status"), "ok", "status"),
        (comment("/hookflow approve", on_pull=True), "ok", "approve"),
        (comment("/hookflow run", association="NONE"), "unauthorised", "run"),
        (comment("/hookflow frobnicate"), "unknown", ""),
        (comment("@hookflow add a test", on_pull=True), "ok", "feedback"),
        (review("", "changes_requested"), "ok", "feedback"),
        (review("@hookflow rename it", "commented"), "ok", "feedback"),
        (
            review("@hookflow rename it", "commented", association="NONE"),
            "unauthorised",
            "feedback",
        ),
    ],
)
def test_route_commands_starts_one_command_workflow(
    delivery: Delivery, verdict: str, command: str
) -> None:
    result = route_commands(delivery, RoutingConfig(), "k")
    assert result.handled, result.reason
    [action] = result.actions
    assert action.kind == "start" and action.workflow == "CommandWorkflow"
    assert action.arg["verdict"] == verdict and action.arg["command"] == command
    item = delivery.payload.get("comment") or delivery.payload["review"]
    source = "comment" if delivery.event == "issue_comment" else "review"
    assert action.workflow_id == command_workflow_id(REPO, source, item["id"])


@pytest.mark.parametrize(
    ("delivery", "reason"),
    [
        (comment("/hookflow run", action="edited"), "not created"),
        (comment("/hookflow run", user_type="Bot"), "bot"),
        (comment("/hookflow status <!-- hookflow:run-x-start -->"), "bot"),
        (comment("nice work"), "no /hookflow"),
        (comment("@hookflow on an issue"), "no /hookflow"),
        (review("", "approved"), "no /hookflow"),
        (review("", "changes_requested", branch="feature/x"), "no /hookflow"),
        (Delivery("issue_comment", {"action": "created", "comment": "x"}, "d", "h"), "payload"),
    ],
)
def test_route_commands_ignores_what_is_not_for_hookflow(delivery: Delivery, reason: str) -> None:
    result = route_commands(delivery, RoutingConfig(), "k")
    assert not result.handled and reason in (result.reason or "")


def test_route_uses_configured_handle() -> None:
    config = RoutingConfig(command_handle="robot")
    assert not route(comment("/hookflow status"), config, "k").actions
    decision = route(comment("/robot status"), config, "k")
    assert decision.status == "accepted" and decision.actions[0].arg["command"] == "status"


ODD_COMMENT = {
    "action": "created",
    "repository": {"full_name": REPO},
    "issue": {"number": 12},
    "comment": {"id": 1, "body": ["/hookflow run"], "user": "mona", "author_association": 7},
}
ODD_REVIEW = {
    "action": "submitted",
    "repository": {"full_name": REPO},
    "pull_request": {"number": 3, "head": "ai/issue-1-0123abcd"},
    "review": {"id": 2, "body": None, "state": None, "author_association": "OWNER"},
}


def _with(payload: dict[str, Any], key: str, **changes: Any) -> dict[str, Any]:
    return {**payload, key: {**payload[key], **changes}}


# Each odd payload with what routing must make of it: a reason it is ignored, or the fields of
# the one CommandWorkflow it starts.
@pytest.mark.parametrize(
    ("event", "payload", "expected"),
    [
        ("issue_comment", {}, "comment was not created"),
        ("pull_request_review", {}, "review was not submitted"),
        (
            "issue_comment",
            {"action": "created", "repository": {"full_name": REPO}, "issue": [], "comment": None},
            "no repository, number or comment id",
        ),
        (
            "issue_comment",
            _with(ODD_COMMENT, "issue", number="12"),
            "no repository, number or comment id",
        ),
        ("issue_comment", ODD_COMMENT, "no /hookflow command or mention"),  # body is a list
        ("pull_request_review", ODD_COMMENT, "review was not submitted"),
        ("issue_comment", ODD_REVIEW, "comment was not created"),
        ("pull_request_review", ODD_REVIEW, "no /hookflow command or mention"),  # body None
        # JSON true is no number or id (Python's bool is an int): an approval must not be
        # read as one for issue #1 or comment "True".
        (
            "pull_request_review",
            _with(
                _with(ODD_REVIEW, "review", body="/hookflow approve"), "pull_request", number=True
            ),
            "no repository, number or comment id",
        ),
        (
            "pull_request_review",
            _with(ODD_REVIEW, "review", body="/hookflow approve", id=True),
            "no repository, number or comment id",
        ),
        (
            "issue_comment",
            _with(_with(ODD_COMMENT, "comment", body="/hookflow run"), "issue", number=2**31),
            "no repository, number or comment id",
        ),
        # A command in a well-formed body, everything around it odd: the author is a string,
        # the association a number (so not trusted), the issue flags a pull with a string.
        (
            "issue_comment",
            _with(
                _with(ODD_COMMENT, "comment", body="/hookflow run"),
                "issue",
                pull_request="yes",
            ),
            {
                "command": "run",
                "verdict": "unauthorised",
                "author": "",
                "number": 12,
                "is_pull": True,
                "head_branch": None,
                "source": "comment",
                "item_id": 1,
            },
        ),
        # A review on a pull whose `head` is a string: no branch, still a run PR (unknown
        # branch) and an owner's command.
        (
            "pull_request_review",
            _with(ODD_REVIEW, "review", body="/hookflow status", user=None),
            {
                "command": "status",
                "verdict": "ok",
                "author": "",
                "number": 3,
                "is_pull": True,
                "head_branch": None,
                "source": "review",
                "item_id": 2,
                "text": "/hookflow status",
            },
        ),
        # Changes requested without a body, from a member in lower case: feedback.
        (
            "pull_request_review",
            _with(
                _with(ODD_REVIEW, "review", state="CHANGES_REQUESTED", author_association="member"),
                "pull_request",
                head={"ref": "ai/issue-1-0123abcd"},
            ),
            {
                "command": "feedback",
                "verdict": "ok",
                "text": "",
                "head_branch": "ai/issue-1-0123abcd",
            },
        ),
        (
            "pull_request_review",
            _with(ODD_REVIEW, "review", body="/hookflow deploy", author_association=["OWNER"]),
            {"command": "", "word": "deploy", "verdict": "unauthorised"},
        ),
    ],
)
def test_route_commands_reads_odd_payloads_as_expected(
    event: str, payload: dict[str, Any], expected: str | dict[str, Any]
) -> None:
    result = route_commands(Delivery(event, payload, "d", "h"), RoutingConfig(), "k")
    if isinstance(expected, str):
        assert not result.handled and not result.actions
        assert expected in (result.reason or ""), result.reason
        return
    assert result.handled, result.reason
    [action] = result.actions
    assert action.workflow == "CommandWorkflow" and action.kind == "start"
    assert {key: action.arg[key] for key in expected} == expected
    assert action.arg["repo"] == REPO and isinstance(action.arg["text"], str)
    assert json.loads(json.dumps(action.arg)) == action.arg  # plain JSON for the workflow input
