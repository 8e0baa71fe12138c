"""`hookflow --test payload.json` shows everything a payload would do (seed 002, "Test with sample
payload"): the reply (seed 000's bodies), every workflow it starts — AI run, CI-failure issue,
closings, escalations, commands, notifications — and seed 002's table row; nothing is sent."""

from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path
from typing import Any

import pytest

from cli.main import main as cli_main
from routing.ai_run import run_id_for
from tests.support.files import FIXTURES

EVENTS = FIXTURES / "events"


def preview(tmp_path: Path, payload: dict[str, Any], *args: str) -> str:
    path = tmp_path / "payload.json"
    path.write_text(json.dumps(payload))
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli_main(["--test", str(path), *args]) == 0
    return out.getvalue()


def fixture(name: str, event: str) -> dict[str, Any]:
    payload: dict[str, Any] = json.loads((EVENTS / name).read_text())
    payload["_event_type"] = event
    return payload


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LOG_DIR", str(tmp_path / "logs"))


# Seed 002's table: one row per example payload, and what else the payload starts.
SEED_002 = [
    (
        "workflow_run.failure.json",
        "workflow_run",
        "workflow_run (failure) | ci_failure | high | Any workflow fails",
        ["NotificationGroupWorkflow", "CIFailureWorkflow", "CI-failure issue for acme/widgets"],
    ),
    (
        "workflow_run.success.json",
        "workflow_run",
        "workflow_run (success) | ci_success | low | All workflows pass",
        ["CI passed: the CI-failure issue of acme/widgets"],
    ),
    (
        "check_run.failure.json",
        "check_run",
        "check_run (failure) | ci_failure | medium | Individual check fails",
        ["NotificationGroupWorkflow"],
    ),
    (
        "pull_request.opened.json",
        "pull_request",
        "pull_request (opened) | pr_created | medium | New PR created",
        ["NotificationWorkflow", "notification pr_created (priority medium)"],
    ),
    (
        "pull_request.merged.json",
        "pull_request",
        "pull_request (closed+merged) | pr_merged | low | PR merged to main",
        ["PRMergedWorkflow", "closings of merged PR #57: acme/widgets#42"],
    ),
    (
        "issues.labeled_blocked.json",
        "issues",
        'issues (labeled: blocked) | task_blocked | high | Issue labeled "blocked"',
        ["BlockedTaskWorkflow", "escalations after 4h, 1d, 3d"],
    ),
    (
        "push.main.json",
        "push",
        "push (watched branch) | generic | low | Commit to develop/main/master",
        ["NotificationWorkflow"],
    ),
]


@pytest.mark.parametrize(("name", "event", "row", "starts"), SEED_002)
def test_preview_shows_the_seed_row_and_every_workflow(
    tmp_path: Path, name: str, event: str, row: str, starts: list[str]
) -> None:
    out = preview(tmp_path, fixture(name, event))
    assert f"  {row}\n" in out
    assert "Result: accepted; reply" in out
    for text in starts:
        assert text in out, out
    assert out.rstrip().endswith("Preview: nothing was sent or written.")
    assert not (tmp_path / "logs").exists()


def test_preview_of_seed_002_sample_payload(tmp_path: Path) -> None:
    out = preview(tmp_path, json.loads((EVENTS / "seed_test_webhook.json").read_text()))
    assert "  workflow_run (failure) | ci_failure | high | Any workflow fails\n" in out
    assert "=== Notification 1 of 1: ci_failure (priority high) ===" in out
    # feature/test is not a watched branch: a notification, but no CI-failure issue.
    assert "CIFailureWorkflow" not in out


def test_preview_of_an_ai_run_label_shows_seed_000_reply_and_the_run(tmp_path: Path) -> None:
    payload = json.loads((EVENTS / "issues_labeled_ai_run.json").read_text())
    out = preview(tmp_path, payload, "--event", "issues")  # the file has no _event_type
    run_id = run_id_for("preview")
    reply = {"issueNumber": 42, "repo": "octo-org/octo-repo", "runId": run_id, "status": "accepted"}
    assert f"Result: accepted; reply {json.dumps(reply, sort_keys=True)}" in out
    assert f"RunWorkflow ai-run-octo-org-octo-repo-42-{run_id[:8]}" in out
    assert f"AI run of octo-org/octo-repo#42 (run {run_id})" in out


@pytest.mark.parametrize(
    ("event", "payload", "reason"),
    [
        ("star", {"action": "created", "repository": {"full_name": "o/r"}}, "not an issues event"),
        (
            "issues",
            {
                "action": "labeled",
                "label": {"name": "bug"},
                "issue": {"number": 1, "title": "t"},
                "repository": {"full_name": "o/r"},
            },
            "label is not ai:run",
        ),
        ("ping", {"zen": "Design for failure.", "hook_id": 1}, "ping: webhook configured"),
    ],
)
def test_preview_of_ignored_events_gives_seed_000_reasons(
    tmp_path: Path, event: str, payload: dict[str, Any], reason: str
) -> None:
    out = preview(tmp_path, payload, "--event", event)
    assert f"Result: ignored: {reason}" in out
    assert "Would start" not in out


def test_preview_of_a_slash_command(tmp_path: Path) -> None:
    payload = {
        "action": "created",
        "issue": {"number": 5, "title": "t", "body": ""},
        "comment": {
            "id": 9,
            "body": "/hookflow run",
            "author_association": "OWNER",
            "user": {"login": "octocat"},
        },
        "sender": {"login": "octocat"},
        "repository": {"full_name": "o/r"},
    }
    out = preview(tmp_path, payload, "--event", "issue_comment")
    assert "CommandWorkflow" in out and "command /hookflow run by octocat (ok)" in out
