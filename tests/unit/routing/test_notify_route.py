"""Pure routing of seed-002 events to notification workflows, and the `hookflow test` command."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest

from cli.main import main as cli_main
from routing.decision import Delivery, RoutingConfig
from routing.notify_route import route_notifications
from routing.router import route
from tests.support.files import FIXTURES, load_fixture

CONFIG = RoutingConfig()


def delivery(event: str, payload: dict[str, Any], delivery_id: str = "d-1") -> Delivery:
    return Delivery(event=event, payload=payload, delivery_id=delivery_id, hook_id="1")


@pytest.mark.parametrize(
    ("event", "fixture", "kind", "workflow", "workflow_id", "listed"),
    [
        (
            "pull_request",
            "pull_request.opened.json",
            "start",
            "NotificationWorkflow",
            "notify-d-1-0-f0d4e3db85",
            ("pr_created", "medium"),
        ),
        (
            "pull_request",
            "pull_request.merged.json",
            "start",
            "NotificationWorkflow",
            "notify-d-1-0-f0d4e3db85",
            ("pr_merged", "low"),
        ),
        (
            "push",
            "push.main.json",
            "start",
            "NotificationWorkflow",
            "notify-d-1-0-f0d4e3db85",
            ("generic", "low"),
        ),
        (
            "workflow_run",
            "workflow_run.failure.json",
            "signal_with_start",
            "NotificationGroupWorkflow",
            "notify-ci-acme-widgets-CI-Tests-main-74d5faa408",
            ("ci_failure", "high"),
        ),
        (
            "workflow_run",
            "workflow_run.success.json",
            "signal_with_start",
            "NotificationGroupWorkflow",
            "notify-ci-acme-widgets-CI-Tests-main-74d5faa408",
            ("ci_success", "low"),
        ),
        (
            "check_run",
            "check_run.failure.json",
            "signal_with_start",
            "NotificationGroupWorkflow",
            "notify-check-acme-widgets-test-3.11-feature-retry-d8d76fdbf3",
            ("ci_failure", "medium"),
        ),
    ],
)
def test_route_notifications_plans_one_workflow_per_notification(
    event: str,
    fixture: str,
    kind: str,
    workflow: str,
    workflow_id: str,
    listed: tuple[str, str],
) -> None:
    result = route_notifications(
        delivery(event, load_fixture(f"events/{fixture}")), CONFIG, "1:d-1"
    )
    assert result.handled
    [action] = result.actions
    assert (action.kind, action.workflow, action.workflow_id) == (kind, workflow, workflow_id)
    assert result.response == {"notifications": [{"type": listed[0], "priority": listed[1]}]}
    if kind == "signal_with_start":
        assert action.signal == "event"
        assert action.signal_arg is not None and action.signal_arg["key"] == "d-1-0-f0d4e3db85"
        assert action.signal_arg["notification"]["type"] == listed[0]
    else:
        assert action.arg["delivery_id"] == "d-1"
        assert action.arg["notification"]["type"] == listed[0]


def test_route_blocked_issue_lists_notification_and_starts_nothing() -> None:
    result = route_notifications(
        delivery("issues", load_fixture("events/issues.labeled_blocked.json")), CONFIG, "1:d-1"
    )
    assert result.handled and result.actions == []
    assert result.response == {"notifications": [{"type": "task_blocked", "priority": "high"}]}


def test_route_priority_override_changes_the_listed_priority() -> None:
    config = RoutingConfig(priority_overrides={"pull_request.opened": "urgent"})
    result = route_notifications(
        delivery("pull_request", load_fixture("events/pull_request.opened.json")), config, "k"
    )
    assert result.response["notifications"] == [{"type": "pr_created", "priority": "urgent"}]
    assert result.actions[0].arg["notification"]["priority"] == "urgent"


def test_route_invalid_priority_map_is_ignored_with_reason() -> None:
    config = RoutingConfig(priority_overrides={"pull_request.opened": "loud"})
    result = route_notifications(
        delivery("pull_request", load_fixture("events/pull_request.opened.json")), config, "k"
    )
    assert not result.handled
    assert result.reason is not None and "notification settings invalid" in result.reason


def test_route_ai_run_issue_keeps_seed_000_body_exactly() -> None:
    decision = route(
        delivery("issues", load_fixture("events/issues_labeled_ai_run.json")), CONFIG, "1:d-1"
    )
    assert decision.status == "accepted"
    assert set(decision.response) == {"status", "runId", "repo", "issueNumber"}


def test_route_unwatched_push_is_ignored_with_classifier_reason() -> None:
    payload = copy.deepcopy(load_fixture("events/push.main.json"))
    payload["ref"] = "refs/heads/feature/x"
    decision = route(delivery("push", payload), CONFIG, "k")
    assert decision.status == "ignored" and decision.actions == []
    assert decision.response["reason"].startswith("push to branch 'feature/x' is not watched")


def test_route_disallowed_repository_is_ignored_before_classification() -> None:
    config = RoutingConfig(allowed_repos=frozenset({"acme/other"}))
    decision = route(delivery("push", load_fixture("events/push.main.json")), config, "k")
    assert decision.response == {
        "status": "ignored",
        "reason": "repository acme/widgets is not allowed",
    }


def test_cli_test_command_prints_classification_without_sending(
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    monkeypatch.setenv("LOG_DIR", str(tmp_path / "logs"))
    monkeypatch.setenv("AIMAESTRO_URL", "http://127.0.0.1:9/never-called")
    code = cli_main(["test", str(FIXTURES / "events" / "seed_test_webhook.json")])
    out = capsys.readouterr().out
    assert code == 0
    assert "ci_failure (priority high)" in out
    assert '"subject": "[ci_failure] CI failed: CI Tests on feature/test"' in out
    assert "Preview: nothing was sent or written." in out
    assert not (tmp_path / "logs").exists()


def test_cli_test_command_rejects_payload_without_event_type(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    path = tmp_path / "p.json"
    path.write_text('{"action": "completed"}')
    assert cli_main(["test", str(path)]) == 2
    assert "_event_type" in capsys.readouterr().err


async def test_api_refuses_to_start_with_invalid_priority_map() -> None:
    from api.main import create_app
    from settings import ConfigError, load_settings

    settings = load_settings(
        github_webhook_secret="a-real-secret-123", api_token="tok-456789", priority_map="push=loud"
    )
    app = create_app(settings)
    with pytest.raises(ConfigError, match="PRIORITY_MAP: unknown priority 'loud'"):
        async with app.router.lifespan_context(app):
            pass
