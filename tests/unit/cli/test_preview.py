"""`hookflow preview PAYLOAD.json` prints what would be sent and touches nothing."""

from __future__ import annotations

import json
import re
import shutil
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from cli.preview import run_preview
from routing.workflow_ids import group_workflow_id
from settings import Settings
from tests.support.fakes.sinks import FakeAIMaestro
from tests.support.files import EVENTS as FIXTURES

SEED = FIXTURES / "seed_test_webhook.json"
NOW = datetime(2026, 1, 1, 12, 30, 45, tzinfo=UTC)
SECTION = re.compile(r"^--- (.+) ---$", re.M)


def make_settings(tmp_path: Path, **overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "log_dir": tmp_path / "webhook_logs",
        "watched_branches": "main,master,develop",
        "priority_map": "",
        "aimaestro_url": "http://127.0.0.1:23000",
        "aimaestro_from": "hookflow",
        "aimaestro_to": "orchestrator",
        "notify_webhook_url": "",
        "notify_webhook_format": "json",
        "blocked_label": "blocked",
    }
    values.update(overrides)
    return Settings(**values)


def sections(out: str) -> dict[str, Any]:
    """Map each `--- title ---` header to the JSON document printed under it."""
    parts = SECTION.split(out)
    result = {}
    for title, body in zip(parts[1::2], parts[2::2], strict=True):
        result[title] = json.loads(body.split("\n\n")[0])
    return result


def with_event(tmp_path: Path, fixture: str, event: str, **changes: Any) -> Path:
    payload = json.loads((FIXTURES / fixture).read_text())
    payload.update(changes)
    payload["_event_type"] = event
    path = tmp_path / fixture
    path.write_text(json.dumps(payload))
    return path


def previewed(
    capsys: pytest.CaptureFixture[str], path: Path, settings: Settings, **options: Any
) -> str:
    """What `hookflow preview` printed, having exited 0."""
    assert run_preview(path, settings, now=NOW, **options) == 0
    out: str = capsys.readouterr().out
    return out


def test_run_preview_seed_payload_prints_notification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = run_preview(SEED, make_settings(tmp_path), now=NOW)
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    group = group_workflow_id("workflow_run", "owner/repo", "CI Tests", "feature/test")
    assert out.splitlines()[:13] == [
        f"Payload: {SEED}",
        "Event: workflow_run (action: completed), repository: owner/repo",
        'Result: accepted; reply {"notifications": [{"priority": "high", "type": "ci_failure"}], '
        f'"status": "accepted", "workflowIds": ["{group}"]}}',
        "Would start 1 workflow:",
        f"  1. NotificationGroupWorkflow {group} (signal_with_start, signal event): "
        "notification ci_failure (priority high) (grouped: noise control)",
        "Seed table (GitHub Event | Notification Type | Priority | Trigger Condition):",
        "  workflow_run (failure) | ci_failure | high | Any workflow fails",
        "Notifications: 1",
        "",
        "=== Notification 1 of 1: ci_failure (priority high) ===",
        "Rule: workflow_run.failure",
        "Summary: owner/repo: CI failed: CI Tests on feature/test",
        "Group key: owner/repo|CI Tests|feature/test",
    ]
    log_file = tmp_path / "webhook_logs" / "20260101_123045_workflow_run.json"
    found = sections(out)
    assert list(found) == [
        "AI Maestro message: POST http://127.0.0.1:23000/api/messages",
        f"Log file: {log_file} (and latest.json)",
    ]
    message = found["AI Maestro message: POST http://127.0.0.1:23000/api/messages"]
    assert {k: message[k] for k in ("from", "to", "subject", "priority")} == {
        "from": "hookflow",
        "to": "orchestrator",
        "subject": "[ci_failure] CI failed: CI Tests on feature/test",
        "priority": "high",
    }
    assert message["content"]["type"] == "notification"
    assert message["content"]["message"] == "owner/repo: CI failed: CI Tests on feature/test"
    assert message["content"]["context"]["url"] == (
        "https://github.com/owner/repo/actions/runs/12345"
    )
    log = found[f"Log file: {log_file} (and latest.json)"]
    assert (log["event"], log["delivery_id"], log["received_at"]) == (
        "workflow_run",
        "preview",
        "2026-01-01T12:30:45+00:00",
    )
    assert log["notification"]["group_key"] == "owner/repo|CI Tests|feature/test"
    assert log["payload_summary"] == {
        "workflow_run_id": 12345,
        "name": "CI Tests",
        "conclusion": "failure",
        "head_branch": "feature/test",
        "html_url": "https://github.com/owner/repo/actions/runs/12345",
        "pull_requests": [],
    }
    assert out.rstrip().endswith("Preview: nothing was sent or written.")


def test_run_preview_touches_no_sink(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    maestro = FakeAIMaestro().start()
    try:
        settings = make_settings(
            tmp_path, aimaestro_url=maestro.url, notify_webhook_url=maestro.url + "/chat"
        )
        assert run_preview(SEED, settings, now=NOW) == 0
    finally:
        maestro.stop()
    assert maestro.attempts == []
    assert not (tmp_path / "webhook_logs").exists()
    assert f"POST {maestro.url}/api/messages" in capsys.readouterr().out


def test_run_preview_ignored_prints_reason(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_event(tmp_path, "push.main.json", "push", ref="refs/heads/feature/x")
    code = run_preview(path, make_settings(tmp_path), now=NOW)
    out, err = capsys.readouterr()
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Payload: {path}",
        "Event: push, repository: acme/widgets",
        "Result: ignored: push to branch 'feature/x' is not watched "
        "(watched: develop, main, master)",
    ]


def test_run_preview_uses_configured_branches_and_priorities(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = with_event(tmp_path, "push.main.json", "push", ref="refs/heads/prod")
    settings = make_settings(tmp_path, watched_branches="prod", priority_map="push=high")
    out = previewed(capsys, path, settings)
    assert "=== Notification 1 of 1: generic (priority high) ===" in out
    assert "20260101_123045_push.json" in out


def test_run_preview_event_argument_names_plain_payload(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "delivery.json"
    shutil.copy(FIXTURES / "pull_request.merged.json", path)
    out = previewed(capsys, path, make_settings(tmp_path), event="pull_request")
    assert "=== Notification 1 of 1: pr_merged (priority low) ===" in out
    assert "Event: pull_request (action: closed), repository: acme/widgets" in out


def test_run_preview_shows_chat_body_when_configured(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(
        tmp_path, notify_webhook_url="https://chat.example/hook", notify_webhook_format="slack"
    )
    out = previewed(capsys, SEED, settings)
    assert "chat.example/hook" not in out  # the URL is a credential: named, never printed
    found = sections(out)
    assert found["Chat webhook (slack): POST $NOTIFY_WEBHOOK_URL"] == {
        "text": "[HIGH] ci_failure owner/repo: CI failed: CI Tests on feature/test "
        "https://github.com/owner/repo/actions/runs/12345"
    }


def test_run_preview_without_aimaestro_url_says_not_sent(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = previewed(capsys, SEED, make_settings(tmp_path, aimaestro_url=""))
    assert "(AIMAESTRO_URL is not set: would not be sent)" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        ("{not json", "is not valid JSON"),
        ("[1, 2]", "must hold a JSON object, not list"),
        ('{"action": "completed"}', 'has no "_event_type"'),
        (b"\xff\xfe{}", "is not UTF-8 text"),
    ],
)
def test_run_preview_invalid_file_returns_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str | bytes | None, message: str
) -> None:
    path = tmp_path / "payload.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    assert run_preview(path, make_settings(tmp_path), now=NOW) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.startswith("error: ") and message in err


def test_run_preview_invalid_priority_map_returns_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    settings = make_settings(tmp_path, priority_map="workflow_run.failure=critical")
    assert run_preview(SEED, settings, now=NOW) == 2
    assert "PRIORITY_MAP: unknown priority 'critical'" in capsys.readouterr().err


@pytest.mark.parametrize("spelling", ["preview", "test"])
def test_preview_command_spellings_run_the_same_preview(spelling: str) -> None:
    from cli.main import build_parser

    args = build_parser().parse_args([spelling, "payload.json", "--event", "push"])
    assert (args.func.__module__, args.payload, args.event) == (
        "cli.preview",
        "payload.json",
        "push",
    )
