"""Signed benchmark deliveries: octokit-sized (~13.8 KB) `issues.labeled` and CI payloads, and
webhook_latency's mix of ~6 KiB `issues` deliveries."""

from __future__ import annotations

import copy
import hashlib
import hmac
import json
import random
import uuid
from pathlib import Path
from typing import Any

from bench.github_objects import (
    IGNORED_ACTIONS,
    IGNORED_LABELS,
    issue_payload,
    repository_object,
    user_object,
)
from bench.http_load import Delivery
from delivery.signature import sign

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "events"
REPO = "hookflow-bench/sandbox"
# octokit/webhooks' `issues.labeled` example is 13.8 KB; ours is padded to the same size.
TARGET_BYTES = 13_800

# The URL templates GitHub puts in every repository object (they make up most of its size).
_REPO_URLS = (
    "forks",
    "keys",
    "collaborators",
    "teams",
    "hooks",
    "issue_events",
    "events",
    "assignees",
    "branches",
    "tags",
    "blobs",
    "git_tags",
    "git_refs",
    "trees",
    "statuses",
    "languages",
    "stargazers",
    "contributors",
    "subscribers",
    "subscription",
    "commits",
    "git_commits",
    "comments",
    "issue_comment",
    "contents",
    "compare",
    "merges",
    "archive",
    "downloads",
    "issues",
    "pulls",
    "milestones",
    "notifications",
    "labels",
    "releases",
    "deployments",
)


def _full_repository(full_name: str) -> dict[str, Any]:
    repo = repository_object(full_name, user_object(full_name.split("/")[0], 9_000_001))
    api = f"https://api.github.com/repos/{full_name}"
    for name in _REPO_URLS:
        repo.setdefault(f"{name}_url", f"{api}/{name}{{/id}}")
    repo.update(
        svn_url=f"https://github.com/{full_name}",
        homepage=None,
        mirror_url=None,
        has_downloads=True,
        has_pages=False,
        has_discussions=False,
        is_template=False,
        web_commit_signoff_required=False,
        allow_forking=True,
    )
    return repo


def issues_labeled(number: int, label: str, *, repo: str = REPO) -> dict[str, Any]:
    """An `issues.labeled` payload of about TARGET_BYTES for issue `number`."""
    payload = issue_payload(
        rng=random.Random(number), repo=repo, number=number, action="labeled", label=label
    )
    payload["repository"] = _full_repository(repo)
    issue = payload["issue"]
    assert isinstance(issue, dict)
    size = len(json.dumps(payload, separators=(",", ":")))
    if size < TARGET_BYTES:
        issue["body"] = str(issue["body"]) + "x" * (TARGET_BYTES - size)
    return payload


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text())
    return data


def workflow_run(
    conclusion: str, *, name: str, run_number: int, repo: str = REPO, branch: str = "main"
) -> dict[str, Any]:
    payload = copy.deepcopy(fixture(f"workflow_run.{conclusion}.json"))
    payload["repository"] = _full_repository(repo)
    payload["workflow_run"].update(
        # A run of the repository's own code (a fork's would name the fork here).
        head_repository=_full_repository(repo),
        name=name,
        head_branch=branch,
        conclusion=conclusion,
        id=run_number,
        run_number=run_number,
    )
    return payload


def body_of(payload: dict[str, Any]) -> bytes:
    return json.dumps(payload, separators=(",", ":")).encode()


def headers(
    body: bytes,
    event: str,
    secret: bytes,
    *,
    delivery: str | None = None,
    hook_id: str = "480012345",
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "User-Agent": "GitHub-Hookshot/bench01",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": hook_id,
        "X-Hub-Signature": "sha1=" + hmac.new(secret, body, hashlib.sha1).hexdigest(),
        "X-Hub-Signature-256": sign(body, secret),
    }


def build_deliveries(
    *,
    n: int,
    secret: bytes,
    repo: str,
    hook_id: str,
    run_share: float,
    seed: int,
) -> list[Delivery]:
    """N signed deliveries, each with a unique delivery id and issue number (no dedupe hits)."""
    rng = random.Random(seed)
    first_issue = 100_000 + rng.randrange(0, 800_000)
    deliveries = []
    for i in range(n):
        if rng.random() < run_share:
            kind, action, label = "ai:run", "labeled", "ai:run"
        elif rng.random() < 0.5:
            kind, action, label = "ignored", "labeled", rng.choice(IGNORED_LABELS)
        else:
            kind, action, label = "ignored", rng.choice(IGNORED_ACTIONS), None
        payload = issue_payload(
            rng=rng, repo=repo, number=first_issue + i, action=action, label=label
        )
        body = body_of(payload)
        signed = headers(body, "issues", secret, hook_id=hook_id)
        signed["X-GitHub-Hook-Installation-Target-ID"] = "812345678"
        signed["X-GitHub-Hook-Installation-Target-Type"] = "repository"
        deliveries.append(Delivery(body=body, headers=signed, kind=kind))
    return deliveries
