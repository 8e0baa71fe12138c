"""Slash commands and review feedback: parsing, authorisation and routing (pure, table tests)."""

from __future__ import annotations

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


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"action": "created", "repository": {"full_name": REPO}, "issue": [], "comment": None},
        {
            "action": "created",
            "repository": {"full_name": REPO},
            "issue": {"number": "12"},
            "comment": {"id": 1, "body": "/hookflow run"},
        },
        {
            "action": "created",
            "repository": {"full_name": REPO},
            "issue": {"number": 12},
            "comment": {
                "id": 1,
                "body": ["/hookflow run"],
                "user": "mona",
                "author_association": 7,
            },
        },
        {
            "action": "submitted",
            "repository": {"full_name": REPO},
            "pull_request": {"number": 3, "head": "ai/issue-1-0123abcd"},
            "review": {"id": 2, "body": None, "state": None, "author_association": "OWNER"},
        },
    ],
)
@pytest.mark.parametrize("event", ["issue_comment", "pull_request_review"])
def test_route_commands_never_raises_on_odd_payload(payload: dict[str, Any], event: str) -> None:
    result = route_commands(Delivery(event, payload, "d", "h"), RoutingConfig(), "k")
    for action in result.actions:
        assert action.arg["verdict"] in ("ok", "unauthorised", "unknown")
