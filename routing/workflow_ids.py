"""The one workflow-id scheme: `{kind}-{readable parts}-{hash of the exact key}`.

Readable (kind, repository, issue or branch), bounded (≤ MAX_ID_LENGTH, fits `runs.workflow_id`
and stays far below Temporal's limit), free of whitespace and of characters the Web UI has
404'd on ('/', ' ', ':', '@'), and unambiguous: the readable part replaces '/' and drops
characters, so `a-b/c` and `a/b-c` read alike; the hash of the exact parts keeps them apart.
"""

from __future__ import annotations

import hashlib
import json
import re

MAX_ID_LENGTH = 200
_MAX_PART = 60
_HASH_SIZE = 10
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def canonical_repo(repo: str) -> str:
    # GitHub repository names are case-insensitive; workflow names and git branches are not.
    return repo.strip().lower()


def key_hash(*parts: str) -> str:
    """sha256 of the exact parts (JSON list: no separator can make two keys alike)."""
    data = json.dumps(list(parts), ensure_ascii=False).encode("utf-8", "surrogatepass")
    return hashlib.sha256(data).hexdigest()


def slug(value: str) -> str:
    text = re.sub(r"-{2,}", "-", _UNSAFE.sub("-", value)).strip("-.")
    return text[:_MAX_PART].rstrip("-.") or "_"


def workflow_id(kind: str, *parts: str) -> str:
    """`kind` is a fixed prefix such as "ai-run"; `parts` the exact business key."""
    suffix = key_hash(*parts)[:_HASH_SIZE]
    readable = "-".join(slug(p) for p in parts)
    room = MAX_ID_LENGTH - len(kind) - len(suffix) - 2
    readable = readable[:room].rstrip("-.") or "_"
    return f"{kind}-{readable}-{suffix}"


def run_workflow_id(repo: str, issue_number: int, run_id: str) -> str:
    """RunWorkflow: `ai-run-{owner}-{repo}-{issue}-{short run id}-{hash}`."""
    return workflow_id("ai-run", canonical_repo(repo), str(issue_number), run_id[:8])


def ci_failure_workflow_id(repo: str, workflow: str, branch: str) -> str:
    """CIFailureWorkflow: one per (repository, workflow name, branch) failure stream."""
    return workflow_id("ci-failure", canonical_repo(repo), workflow, branch)


def fingerprint(repo: str, workflow: str, branch: str) -> str:
    """A stable 16-hex-digit key for one (repository, workflow, branch) failure stream."""
    return key_hash(canonical_repo(repo), workflow, branch)[:16]


def blocked_workflow_id(repo: str, issue_number: int) -> str:
    """BlockedTaskWorkflow: one per issue."""
    return workflow_id("blocked", canonical_repo(repo), str(issue_number))


def pr_merged_workflow_id(repo: str, pr_number: int) -> str:
    """PRMergedWorkflow: one per pull request."""
    return workflow_id("pr-merged", canonical_repo(repo), str(pr_number))


def notification_workflow_id(delivery_id: str, index: int) -> str:
    """NotificationWorkflow: the index-th notification of a delivery."""
    return workflow_id("notify", delivery_id, str(index))


def notification_key(delivery_id: str, index: int) -> str:
    """The same key without its prefix, for group workflows that name their own notifications
    `notify-{key}`."""
    return notification_workflow_id(delivery_id, index).removeprefix("notify-")


def group_workflow_id(kind: str, repo: str, workflow: str, branch: str) -> str:
    """NotificationGroupWorkflow: one per (repository, CI workflow or check, branch)."""
    prefix = "notify-ci" if kind == "workflow_run" else "notify-check"
    return workflow_id(prefix, canonical_repo(repo), workflow, branch)
