"""The read API: bearer auth, filters, pagination, 404/422."""

from __future__ import annotations

import uuid
from datetime import timedelta

import httpx
import pytest

from db.engine import SessionFactory
from db.models import Run, RunArtifact
from db.types import utcnow
from tests.support.webhooks import API_TOKEN, auth


async def seed_runs(sessions: SessionFactory) -> list[Run]:
    now = utcnow()
    runs = [
        Run(
            repo=repo,
            issue_number=i,
            title=f"issue {i}",
            status=status,
            workflow_id=f"ai-run-{repo}-{i}",
            created_at=now + timedelta(seconds=i),
        )
        for i, (repo, status) in enumerate(
            [("o/a", "SUCCEEDED"), ("o/a", "FAILED"), ("o/b", "SUCCEEDED"), ("o/a", "RUNNING")]
        )
    ]
    async with sessions() as session:
        session.add_all(runs)
        await session.commit()
        session.add(
            RunArtifact(run_id=runs[0].id, name="summary", kind="text", content="done", size=4)
        )
        await session.commit()
    return runs


# A fixed id: the test names it makes must be the same in every pytest-xdist worker.
UNKNOWN_RUN = uuid.UUID("00000000-0000-4000-8000-00000000dead")


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"Authorization": "Bearer wrong"},
        {"Authorization": f"Basic {API_TOKEN}"},
        {"Authorization": "Bearer "},
    ],
)
@pytest.mark.parametrize(
    "path", ["/api/runs", f"/api/runs/{UNKNOWN_RUN}", f"/api/runs/{UNKNOWN_RUN}/artifacts"]
)
async def test_read_api_without_valid_token_is_401(
    api: httpx.AsyncClient, path: str, headers: dict[str, str]
) -> None:
    response = await api.get(path, headers=headers)
    assert response.status_code == 401
    assert API_TOKEN not in response.text


async def test_list_runs_filters_and_orders_newest_first(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    await seed_runs(sessions)
    body = (await api.get("/api/runs", headers=auth())).json()
    assert body["count"] == 4
    assert [r["issueNumber"] for r in body["data"]] == [3, 2, 1, 0]
    only_a = (await api.get("/api/runs", params={"repo": "o/a"}, headers=auth())).json()
    assert {r["repo"] for r in only_a["data"]} == {"o/a"} and only_a["count"] == 3
    done = (
        await api.get("/api/runs", params={"repo": "o/a", "status": "succeeded"}, headers=auth())
    ).json()
    assert [r["issueNumber"] for r in done["data"]] == [0]


async def test_list_runs_paginates(api: httpx.AsyncClient, sessions: SessionFactory) -> None:
    await seed_runs(sessions)
    page1 = (await api.get("/api/runs", params={"limit": 3}, headers=auth())).json()
    page2 = (await api.get("/api/runs", params={"limit": 3, "offset": 3}, headers=auth())).json()
    assert len(page1["data"]) == 3 and len(page2["data"]) == 1
    ids = {r["runId"] for r in page1["data"]} | {r["runId"] for r in page2["data"]}
    assert len(ids) == 4
    assert (await api.get("/api/runs", params={"limit": 0}, headers=auth())).status_code == 422


async def test_get_run_and_artifacts(api: httpx.AsyncClient, sessions: SessionFactory) -> None:
    runs = await seed_runs(sessions)
    run = (await api.get(f"/api/runs/{runs[0].id}", headers=auth())).json()
    assert run["workflowId"] == "ai-run-o/a-0" and run["status"] == "SUCCEEDED"
    artifacts = (await api.get(f"/api/runs/{runs[0].id}/artifacts", headers=auth())).json()
    assert artifacts["count"] == 1
    assert artifacts["data"][0] | {"id": None, "createdAt": None} == {
        "id": None,
        "createdAt": None,
        "name": "summary",
        "kind": "text",
        "size": 4,
        "truncated": False,
        "content": "done",
    }


@pytest.mark.parametrize("suffix", ["", "/artifacts"])
async def test_unknown_run_is_404_and_malformed_id_is_422(
    api: httpx.AsyncClient, suffix: str
) -> None:
    assert (await api.get(f"/api/runs/{uuid.uuid4()}{suffix}", headers=auth())).status_code == 404
    assert (await api.get(f"/api/runs/not-a-uuid{suffix}", headers=auth())).status_code == 422


@pytest.mark.parametrize(
    "path", ["/api/runs", "/api/tasks", "/api/notifications", "/api/deliveries"]
)
@pytest.mark.parametrize(
    "params",
    [{"repo": "o/\x00"}, {"repo": "o/" + "r" * 400}, {"offset": 2**63}, {"limit": 201}],
    ids=["nul", "long", "offset-past-bigint", "limit-over-200"],
)
async def test_list_endpoint_refuses_unstorable_query_with_422(
    api: httpx.AsyncClient, path: str, params: dict[str, str | int]
) -> None:
    response = await api.get(path, params=params, headers=auth())
    assert response.status_code == 422, response.text
    assert (await api.get(path, params={"repo": "o/none"}, headers=auth())).json()["count"] == 0
