"""The objects GitHub puts in an `issues` delivery (user, label, repository, issue), filled in
realistically (~6 KiB a payload) for the benchmarks."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

IGNORED_LABELS = ("bug", "enhancement", "documentation", "good first issue", "needs-triage")
IGNORED_ACTIONS = ("opened", "edited", "closed", "reopened", "assigned", "unlabeled")


def user_object(login: str, user_id: int) -> dict[str, object]:
    api = f"https://api.github.com/users/{login}"
    return {
        "login": login,
        "id": user_id,
        "node_id": f"MDQ6VXNlcj{user_id}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{user_id}?v=4",
        "gravatar_id": "",
        "url": api,
        "html_url": f"https://github.com/{login}",
        "followers_url": f"{api}/followers",
        "following_url": f"{api}/following{{/other_user}}",
        "gists_url": f"{api}/gists{{/gist_id}}",
        "starred_url": f"{api}/starred{{/owner}}{{/repo}}",
        "subscriptions_url": f"{api}/subscriptions",
        "organizations_url": f"{api}/orgs",
        "repos_url": f"{api}/repos",
        "events_url": f"{api}/events{{/privacy}}",
        "received_events_url": f"{api}/received_events",
        "type": "User",
        "user_view_type": "public",
        "site_admin": False,
    }


def label_object(name: str, label_id: int) -> dict[str, object]:
    return {
        "id": label_id,
        "node_id": f"LA_kwDO{label_id}",
        "name": name,
        "url": f"https://api.github.com/repos/hookflow-bench/sandbox/labels/{name}",
        "color": "0e8a16" if name == "ai:run" else "d73a4a",
        "default": name in IGNORED_LABELS[:3],
        "description": f"{name} label",
    }


def repository_object(full_name: str, owner: dict[str, object]) -> dict[str, object]:
    api = f"https://api.github.com/repos/{full_name}"
    return {
        "id": 812345678,
        "node_id": "R_kgDOMGxkTg",
        "name": full_name.split("/")[1],
        "full_name": full_name,
        "private": True,
        "owner": owner,
        "html_url": f"https://github.com/{full_name}",
        "description": "Benchmark sandbox",
        "fork": False,
        "url": api,
        "issues_url": f"{api}/issues{{/number}}",
        "labels_url": f"{api}/labels{{/name}}",
        "pulls_url": f"{api}/pulls{{/number}}",
        "hooks_url": f"{api}/hooks",
        "created_at": "2024-06-01T09:00:00Z",
        "updated_at": "2025-01-10T12:00:00Z",
        "pushed_at": "2025-01-10T12:00:00Z",
        "git_url": f"git://github.com/{full_name}.git",
        "ssh_url": f"git@github.com:{full_name}.git",
        "clone_url": f"https://github.com/{full_name}.git",
        "size": 2048,
        "stargazers_count": 3,
        "watchers_count": 3,
        "language": "Python",
        "has_issues": True,
        "has_projects": False,
        "has_wiki": False,
        "forks_count": 0,
        "archived": False,
        "disabled": False,
        "open_issues_count": 17,
        "license": None,
        "topics": [],
        "visibility": "private",
        "forks": 0,
        "open_issues": 17,
        "watchers": 3,
        "default_branch": "main",
    }


def issue_payload(
    *,
    rng: random.Random,
    repo: str,
    number: int,
    action: str,
    label: str | None,
) -> dict[str, object]:
    """An `issues` payload as GitHub sends it: `action` on issue `number` (`label` for
    `labeled`), with a random sender, two other labels and a 1–3 paragraph body from `rng`."""
    owner = user_object(repo.split("/")[0], 9_000_001)
    sender = user_object(f"dev-{rng.randrange(1, 40)}", 9_100_000 + rng.randrange(1, 40))
    labels = [
        label_object(name, 7_000_000 + i) for i, name in enumerate(rng.sample(IGNORED_LABELS, 2))
    ]
    if label is not None and label not in {lb["name"] for lb in labels}:
        labels.append(label_object(label, 7_000_100))
    created = datetime(2025, 1, 1, tzinfo=UTC) + timedelta(minutes=number)
    api = f"https://api.github.com/repos/{repo}/issues/{number}"
    issue = {
        "url": api,
        "repository_url": f"https://api.github.com/repos/{repo}",
        "labels_url": f"{api}/labels{{/name}}",
        "comments_url": f"{api}/comments",
        "events_url": f"{api}/events",
        "html_url": f"https://github.com/{repo}/issues/{number}",
        "id": 2_700_000_000 + number,
        "node_id": f"I_kwDOMGxkTs6{number:08d}",
        "number": number,
        "title": f"Add retry with backoff to the sync job ({number})",
        "user": sender,
        "labels": labels,
        "state": "closed" if action == "closed" else "open",
        "locked": False,
        "assignee": None,
        "assignees": [],
        "milestone": None,
        "comments": rng.randrange(0, 6),
        "created_at": created.isoformat().replace("+00:00", "Z"),
        "updated_at": (created + timedelta(hours=2)).isoformat().replace("+00:00", "Z"),
        "closed_at": None,
        "author_association": "MEMBER",
        "active_lock_reason": None,
        "body": (
            "The nightly sync job fails when the upstream API returns 502.\n\n"
            "## Acceptance criteria\n- retry 5 times with exponential backoff\n"
            "- log each attempt with the request id\n- add a test for the 502 path\n"
        )
        * rng.randrange(1, 4),
        "reactions": {
            "url": f"{api}/reactions",
            "total_count": 0,
            "+1": 0,
            "-1": 0,
            "laugh": 0,
            "hooray": 0,
            "confused": 0,
            "heart": 0,
            "rocket": 0,
            "eyes": 0,
        },
        "timeline_url": f"{api}/timeline",
        "performed_via_github_app": None,
        "state_reason": "completed" if action == "closed" else None,
    }
    payload: dict[str, object] = {"action": action, "issue": issue}
    if label is not None:
        payload["label"] = label_object(label, 7_000_100)
    payload["repository"] = repository_object(repo, owner)
    payload["sender"] = sender
    return payload
