"""The one workflow-id scheme: readable, unambiguous, bounded, whitespace-free, for every kind."""

from __future__ import annotations

import re

import pytest

from routing.workflow_ids import (
    MAX_ID_LENGTH,
    blocked_workflow_id,
    ci_failure_workflow_id,
    group_workflow_id,
    notification_key,
    notification_workflow_id,
    pr_merged_workflow_id,
    run_workflow_id,
)

SAFE = re.compile(r"[A-Za-z0-9._-]+")
RUN = "1a2b3c4d-0000-4000-8000-000000000000"


@pytest.mark.parametrize(
    "workflow_id, readable",
    [
        (run_workflow_id("octo-org/octo-repo", 42, RUN), "ai-run-octo-org-octo-repo-42-1a2b3c4d-"),
        (blocked_workflow_id("octo-org/octo-repo", 7), "blocked-octo-org-octo-repo-7-"),
        (pr_merged_workflow_id("octo-org/octo-repo", 9), "pr-merged-octo-org-octo-repo-9-"),
        (
            ci_failure_workflow_id("octo-org/octo-repo", "CI", "main"),
            "ci-failure-octo-org-octo-repo-CI-main-",
        ),
        (notification_workflow_id("d-1", 0), "notify-d-1-0-"),
        (
            group_workflow_id("workflow_run", "acme/widgets", "CI Tests", "main"),
            "notify-ci-acme-widgets-CI-Tests-main-",
        ),
        (
            group_workflow_id("check_run", "acme/widgets", "test (3.11)", "feature/retry"),
            "notify-check-acme-widgets-test-3.11-feature-retry-",
        ),
    ],
)
def test_workflow_id_reads_kind_repository_and_key(workflow_id: str, readable: str) -> None:
    assert workflow_id.startswith(readable)
    assert re.fullmatch(r"[0-9a-f]{10}", workflow_id.removeprefix(readable))


def test_workflow_id_keeps_ambiguous_readable_parts_apart() -> None:
    pairs = [
        (blocked_workflow_id("a-b/c", 1), blocked_workflow_id("a/b-c", 1)),
        (pr_merged_workflow_id("a-b/c", 1), pr_merged_workflow_id("a/b-c", 1)),
        (run_workflow_id("a-b/c", 1, RUN), run_workflow_id("a/b-c", 1, RUN)),
        (notification_workflow_id("a-1", 0), notification_workflow_id("a", 10)),
        (
            group_workflow_id("workflow_run", "a/b", "x y", "z"),
            group_workflow_id("workflow_run", "a/b", "x", "y z"),
        ),
        (
            notification_workflow_id("x" * 500 + "1", 0),
            notification_workflow_id("x" * 500 + "2", 0),
        ),
    ]
    for left, right in pairs:
        assert left != right


@pytest.mark.parametrize(
    "text", ["", " ", "\x00", "\ud800", "☃" * 500, "a b\tc\nd", "/" * 900, "x" * 5000]
)
def test_workflow_id_is_bounded_and_safe_for_any_text(text: str) -> None:
    ids = [
        notification_workflow_id(text, 3),
        group_workflow_id("check_run", "o/r", text, text),
        ci_failure_workflow_id("o/r", text, text),
    ]
    for workflow_id in ids:
        assert SAFE.fullmatch(workflow_id) and len(workflow_id) <= MAX_ID_LENGTH


def test_workflow_id_ignores_repository_case() -> None:
    assert blocked_workflow_id("Octo/Repo", 1) == blocked_workflow_id("octo/repo", 1)


def test_notification_key_is_the_id_without_its_prefix() -> None:
    assert "notify-" + notification_key("d", 2) == notification_workflow_id("d", 2)
