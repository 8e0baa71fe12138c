"""Seed 002's event table, row by row, with the cases each row must not match."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from typing import Any

import pytest
from temporalio.converter import DataConverter

from routing.notifications import (
    PRIORITY_MAP,
    Classification,
    Notification,
    classify,
    validate_priority_overrides,
)
from tests.support.files import EVENTS as FIXTURES
from tests.support.files import load_fixture

WATCHED = frozenset({"main", "master", "develop"})


def load(name: str) -> tuple[str, dict[str, Any]]:
    """A fixture named `<event>.<variant>.json`, or carrying `_event_type` (seed style)."""
    payload = json.loads((FIXTURES / name).read_text())
    event = payload.pop("_event_type", name.split(".")[0])
    return event, payload


def run(name: str, change: Callable[[dict[str, Any]], object] | None = None, **kw: Any):
    event, payload = load(name)
    if change is not None:
        change(payload)
    kw.setdefault("watched_branches", WATCHED)
    return classify(event, payload, **kw)


def only(result: Classification) -> Notification:
    assert result.reason is None
    assert len(result.notifications) == 1, result
    return result.notifications[0]


# fixture, type, priority, PRIORITY_MAP key, fields the notification must carry
ROWS = [
    (
        "workflow_run.success.json",
        "ci_success",
        "low",
        "workflow_run.success",
        {
            "workflow": "CI Tests",
            "branch": "main",
            "conclusion": "success",
            "group_key": "acme/widgets|CI Tests|main",
        },
    ),
    (
        "workflow_run.failure.json",
        "ci_failure",
        "high",
        "workflow_run.failure",
        {
            "workflow": "CI Tests",
            "branch": "main",
            "conclusion": "failure",
            "head_sha": "9f2c1e7b4a5d3c8e6f0a1b2c3d4e5f60718293a4",
            "sender": "alice",
            "url": "https://github.com/acme/widgets/actions/runs/9876543210",
            "group_key": "acme/widgets|CI Tests|main",
        },
    ),
    (
        "check_run.failure.json",
        "ci_failure",
        "medium",
        "check_run.failure",
        {
            "workflow": "test (3.11)",
            "branch": "feature/retry",
            "pr_number": 57,
            "group_key": "acme/widgets|test (3.11)|feature/retry",
        },
    ),
    (
        "pull_request.opened.json",
        "pr_created",
        "medium",
        "pull_request.opened",
        {
            "pr_number": 57,
            "branch": "feature/retry",
            "base_branch": "main",
            "sender": "alice",
            "url": "https://github.com/acme/widgets/pull/57",
        },
    ),
    (
        "pull_request.merged.json",
        "pr_merged",
        "low",
        "pull_request.merged",
        {"pr_number": 57, "base_branch": "main", "sender": "bob"},
    ),
    (
        "issues.labeled_blocked.json",
        "task_blocked",
        "high",
        "issues.labeled.blocked",
        {"issue_number": 42, "sender": "carol", "url": "https://github.com/acme/widgets/issues/42"},
    ),
    (
        "push.main.json",
        "generic",
        "low",
        "push",
        {
            "branch": "main",
            "head_sha": "9f2c1e7b4a5d3c8e6f0a1b2c3d4e5f60718293a4",
            "group_key": "acme/widgets|push|main",
        },
    ),
]


@pytest.mark.parametrize(("fixture", "ntype", "priority", "rule", "fields"), ROWS)
def test_classify_seed_row(
    fixture: str, ntype: str, priority: str, rule: str, fields: dict[str, Any]
) -> None:
    event, _ = load(fixture)
    n = only(run(fixture))
    assert (n.type, n.priority, n.rule, n.event, n.repo) == (
        ntype,
        priority,
        rule,
        event,
        "acme/widgets",
    )
    for name, value in fields.items():
        assert getattr(n, name) == value, name
    assert n.title and "\n" not in n.title
    assert n.summary.startswith("acme/widgets: ") and "\n" not in n.summary
    assert n.payload_summary and None not in n.payload_summary.values()


def test_classify_seed_test_payload() -> None:
    n = only(run("seed_test_webhook.json"))
    assert (n.type, n.priority, n.repo) == ("ci_failure", "high", "owner/repo")
    assert n.group_key == "owner/repo|CI Tests|feature/test"
    assert n.url == "https://github.com/owner/repo/actions/runs/12345"
    assert n.head_sha is None and n.sender is None


def _set(path: str, value: Any) -> Callable[[dict[str, Any]], None]:
    def change(payload: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        target = payload
        for key in parents:
            target = target[key]
        target[last] = value

    return change


def _delete(key: str) -> Callable[[dict[str, Any]], None]:
    return lambda payload: payload.pop(key)


# fixture → the changes to its payload, each with words the reason must contain
NEGATIVES: dict[str, list[tuple[Callable[[dict[str, Any]], None], str]]] = {
    "workflow_run.failure.json": [
        (_set("action", "requested"), "workflow_run action 'requested' is not handled"),
        (_set("action", "in_progress"), "'in_progress' is not handled"),
        (_set("workflow_run.conclusion", "cancelled"), "conclusion 'cancelled' is not notified"),
        (_set("workflow_run.conclusion", "skipped"), "'skipped'"),
        (_set("workflow_run.conclusion", None), "conclusion None"),
        (_delete("workflow_run"), "no workflow_run object"),
    ],
    "check_run.failure.json": [
        (_set("action", "created"), "check_run action 'created'"),
        (_set("check_run.conclusion", "success"), "conclusion 'success' is not notified"),
        (_set("check_run.conclusion", "neutral"), "'neutral'"),
    ],
    "pull_request.merged.json": [
        (_set("pull_request.merged", False), "closed without being merged"),
    ],
    "pull_request.opened.json": [
        (_set("action", "synchronize"), "pull_request action 'synchronize' is not handled"),
        (_set("action", "reopened"), "'reopened'"),
    ],
    "issues.labeled_blocked.json": [
        (_set("label.name", "bug"), "label 'bug' is not 'blocked'"),
        (_set("action", "unlabeled"), "issues action 'unlabeled'"),
        (_set("action", "opened"), "issues action 'opened'"),
    ],
    "push.main.json": [
        (_set("ref", "refs/heads/feature/x"), "branch 'feature/x' is not watched"),
        (_set("ref", "refs/tags/v1.0.0"), "not a branch push"),
        (_set("deleted", True), "deleted branch 'main'"),
        (_delete("repository"), "no repository.full_name"),
    ],
}


@pytest.mark.parametrize(
    ("fixture", "change", "reason"),
    [(fixture, change, reason) for fixture, cases in NEGATIVES.items() for change, reason in cases],
)
def test_classify_ignores_non_matching(
    fixture: str, change: Callable[[dict[str, Any]], None], reason: str
) -> None:
    result = run(fixture, change)
    assert result.notifications == []
    assert result.ignored
    assert result.reason is not None and reason in result.reason


@pytest.mark.parametrize("event", ["ping", "issue_comment", "release", "check_suite", ""])
def test_classify_ignores_unknown_event(event: str) -> None:
    _, payload = load("push.main.json")
    result = classify(event, payload, watched_branches=WATCHED)
    assert result.notifications == [] and result.reason == f"event {event!r} is not handled"


@pytest.mark.parametrize(
    "payload",
    [
        {},
        {"repository": "acme/widgets"},
        {"repository": {"full_name": "a/b"}, "action": "completed", "workflow_run": []},
        {"repository": {"full_name": "a/b"}, "action": "completed", "check_run": "x"},
        {"repository": {"full_name": "a/b"}, "action": "labeled", "label": None, "issue": 3},
        {"repository": {"full_name": "a/b"}, "ref": 7, "commits": "x"},
    ],
)
@pytest.mark.parametrize("event", sorted(PRIORITY_MAP.keys() | {"issues", "pull_request"}))
def test_classify_malformed_payload_gives_reason(event: str, payload: dict[str, Any]) -> None:
    result = classify(event.split(".")[0], payload, watched_branches=WATCHED)
    assert result.notifications == [] and result.reason


@pytest.mark.parametrize(
    ("fixture", "rule"),
    [(fixture, rule) for fixture, _, _, rule, _ in ROWS],
)
def test_classify_priority_override_applies(fixture: str, rule: str) -> None:
    n = only(run(fixture, priority_overrides={rule: "urgent"}))
    assert n.priority == "urgent"
    other = next(key for key in PRIORITY_MAP if key != rule)
    assert only(run(fixture, priority_overrides={other: "urgent"})).priority == PRIORITY_MAP[rule]


def test_classify_priority_override_accepts_normal_as_medium() -> None:
    n = only(run("push.main.json", priority_overrides={"push": " Normal "}))
    assert n.priority == "medium"


def test_classify_invalid_priority_override_raises() -> None:
    with pytest.raises(ValueError, match="unknown priority 'critical'"):
        run("push.main.json", priority_overrides={"push": "critical"})


def test_validate_priority_overrides_rejects_unknown_key() -> None:
    assert validate_priority_overrides({"check_run.failure": "HIGH"}) == {
        "check_run.failure": "high"
    }
    with pytest.raises(ValueError, match="unknown PRIORITY_MAP key 'push.main'"):
        validate_priority_overrides({"push.main": "high"})


def test_priority_map_defaults_match_seed() -> None:
    # Seed 002's event table: one priority per row.
    assert dict(PRIORITY_MAP) == load_fixture("seed/priority_map.json")


@pytest.mark.parametrize(
    ("watched", "ref", "notified"),
    [
        (frozenset({"main", "develop", "prod"}), "refs/heads/prod", True),
        (frozenset({"main", "develop", "prod"}), "refs/heads/master", False),
        (frozenset({"release/1.x"}), "refs/heads/release/1.x", True),
        (frozenset(), "refs/heads/main", False),
    ],
)
def test_classify_push_follows_watched_branches(
    watched: frozenset[str], ref: str, notified: bool
) -> None:
    result = run("push.main.json", _set("ref", ref), watched_branches=watched)
    assert bool(result.notifications) is notified


def test_classify_ci_runs_ignore_watched_branches() -> None:
    n = only(run("workflow_run.failure.json", watched_branches=frozenset()))
    assert n.type == "ci_failure"


@pytest.mark.parametrize(
    ("label", "configured"), [("needs-help", "needs-help"), ("Blocked", "blocked")]
)
def test_classify_blocked_label_is_configurable(label: str, configured: str) -> None:
    change = _set("label.name", label)
    n = only(run("issues.labeled_blocked.json", change, blocked_label=configured))
    assert n.type == "task_blocked"


def test_classify_failure_group_key_shared_with_success() -> None:
    failure = only(run("workflow_run.failure.json"))
    success = only(run("workflow_run.success.json"))
    assert failure.group_key == success.group_key == "acme/widgets|CI Tests|main"


def test_classify_does_not_modify_payload() -> None:
    event, payload = load("workflow_run.failure.json")
    before = copy.deepcopy(payload)
    classify(event, payload, watched_branches=WATCHED)
    assert payload == before


@pytest.mark.parametrize("fixture", [row[0] for row in ROWS])
def test_notification_roundtrips_json_and_temporal(fixture: str) -> None:
    n = only(run(fixture))
    assert Notification.from_dict(json.loads(json.dumps(n.to_dict()))) == n
    converter = DataConverter.default.payload_converter
    payloads = converter.to_payloads([n])
    assert converter.from_payloads(payloads, [Notification]) == [n]
