"""The tasks read model: GET /api/tasks (filters repo, status; bearer) and `hookflow task list`."""

from __future__ import annotations

import argparse
import io
import json
import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest
from temporalio.worker import Worker

from cli.tasks import task_command
from db.engine import SessionFactory
from db.models import Task
from db.types import utcnow
from settings import Settings
from tests.support.payloads import issue_payload
from tests.support.waiting import eventually
from tests.support.webhooks import auth, deliver


@pytest.fixture
def repo() -> str:
    return f"acme/tasks-{uuid.uuid4().hex[:8]}"


async def seed_tasks(sessions: SessionFactory, repo: str) -> None:
    now = utcnow()
    rows = [
        Task(
            repo=r,
            issue_number=n,
            title=f"issue {n}",
            status=s,
            updated_at=now + timedelta(seconds=n),
        )
        for r, n, s in [
            (repo, 1, "open"),
            (repo, 2, "blocked"),
            (repo, 3, "done"),
            ("other/repo", 4, "blocked"),
        ]
    ]
    async with sessions() as session:
        session.add_all(rows)
        await session.commit()


async def listed(api: httpx.AsyncClient, **params: Any) -> list[tuple[str, int, str]]:
    response = await api.get("/api/tasks", params=params, headers=auth())
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["count"] >= len(body["data"])
    return [(t["repo"], t["issueNumber"], t["status"]) for t in body["data"]]


async def test_list_tasks_filters_by_repo_and_status_newest_first(
    api: httpx.AsyncClient, sessions: SessionFactory, repo: str
) -> None:
    await seed_tasks(sessions, repo)
    assert await listed(api, repo=repo) == [
        (repo, 3, "done"),
        (repo, 2, "blocked"),
        (repo, 1, "open"),
    ]
    assert await listed(api, status="BLOCKED") == [
        ("other/repo", 4, "blocked"),
        (repo, 2, "blocked"),
    ]
    assert await listed(api, repo=repo, status="open") == [(repo, 1, "open")]
    page = (await api.get("/api/tasks", params={"limit": 1, "offset": 1}, headers=auth())).json()
    assert page["count"] == 4 and len(page["data"]) == 1
    assert (await api.get("/api/tasks")).status_code == 401
    assert (await api.get("/api/tasks", params={"limit": 0}, headers=auth())).status_code == 422


async def test_blocked_then_closed_issue_shows_in_task_list(
    api: httpx.AsyncClient, worker: Worker, repo: str
) -> None:
    assert (await deliver(api, "issues", issue_payload(repo, "labeled", 7))).status_code == 200
    await eventually(lambda: listed(api, repo=repo, status="blocked"), what="blocked task")
    assert (await deliver(api, "issues", issue_payload(repo, "closed", 7))).status_code == 200
    closed = await eventually(lambda: listed(api, repo=repo, status="closed"), what="closed task")
    assert closed == [(repo, 7, "closed")]
    assert await listed(api, repo=repo, status="blocked") == []


async def test_cli_task_list_prints_the_api_answer(
    api: httpx.AsyncClient, sessions: SessionFactory, settings: Settings, repo: str
) -> None:
    await seed_tasks(sessions, repo)
    args = argparse.Namespace(
        action="list", repo=repo, status="blocked", limit=10, issue=None, by="cli", api_url=None
    )
    out, err = io.StringIO(), io.StringIO()
    assert await task_command(args, settings, http=api, out=out, err=err) == 0, err.getvalue()
    answer = json.loads(out.getvalue())
    assert [(t["repo"], t["issueNumber"]) for t in answer["data"]] == [(repo, 2)]
    bad = argparse.Namespace(
        action="ack", repo=repo, status=None, limit=10, issue=None, by="cli", api_url=None
    )
    assert await task_command(bad, settings, http=api, out=out, err=err) == 2
    assert "--issue" in err.getvalue()
