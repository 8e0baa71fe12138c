"""Tasks: list them (GET /api/tasks), acknowledge or resolve a blocked one (bearer token)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from temporalio.service import RPCError, RPCStatusCode

from api.deps import AppStateDep, SessionDep, TokenDep
from api.query import Filter, Limit, Offset, newest_page
from db.models import Task
from queries.tasks import task_filters
from routing.automation import blocked_workflow_id
from workflows.blocked_task import BlockedTaskWorkflow, TaskSignal

router = APIRouter(prefix="/api/tasks", tags=["tasks"], dependencies=[TokenDep])


class TaskPublic(BaseModel):
    id: uuid.UUID
    repo: str
    issueNumber: int
    title: str
    status: str
    linkedPr: str | None
    blockedSince: datetime | None
    escalationLevel: int
    acknowledgedAt: datetime | None
    createdAt: datetime
    updatedAt: datetime
    closedAt: datetime | None

    @classmethod
    def of(cls, task: Task) -> TaskPublic:
        return cls(
            id=task.id,
            repo=task.repo,
            issueNumber=task.issue_number,
            title=task.title,
            status=task.status,
            linkedPr=task.linked_pr,
            blockedSince=task.blocked_since,
            escalationLevel=task.escalation_level,
            acknowledgedAt=task.acknowledged_at,
            createdAt=task.created_at,
            updatedAt=task.updated_at,
            closedAt=task.closed_at,
        )


class TasksPublic(BaseModel):
    data: list[TaskPublic]
    count: int
    limit: int
    offset: int


@router.get("", response_model=TasksPublic)
async def list_tasks(
    session: SessionDep,
    repo: Filter = None,
    status: Filter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> TasksPublic:
    """List tasks (open, blocked, closed, done), most recently changed first."""
    filters = task_filters(repo=repo, status=status)
    tasks, total = await newest_page(
        session, Task, filters, newest=Task.updated_at, limit=limit, offset=offset
    )
    return TasksPublic(
        data=[TaskPublic.of(t) for t in tasks], count=total, limit=limit, offset=offset
    )


class TaskAction(BaseModel):
    by: str = "api"
    note: str = ""


async def _signal(
    state: AppStateDep, repo: str, issue: int, name: str, body: TaskAction | None
) -> dict[str, Any]:
    workflow_id = blocked_workflow_id(repo, issue)
    handle = state.temporal.get_workflow_handle(workflow_id)
    action = body or TaskAction()
    method = (
        BlockedTaskWorkflow.acknowledge if name == "acknowledge" else (BlockedTaskWorkflow.resolve)
    )
    try:
        await handle.signal(method, TaskSignal(by=action.by, note=action.note))
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(404, f"no blocked task escalation for {repo}#{issue}") from None
        raise HTTPException(503, "Temporal unavailable") from None
    status = "acknowledged" if name == "acknowledge" else "resolved"
    return {"status": status, "repo": repo, "issueNumber": issue, "workflowId": workflow_id}


@router.post("/{owner}/{repo}/{issue}/acknowledge", status_code=202)
async def acknowledge(
    owner: str, repo: str, issue: int, state: AppStateDep, body: TaskAction | None = None
) -> dict[str, Any]:
    """Pause a blocked task's re-notifications for BLOCKED_ACK_TIMEOUT."""
    return await _signal(state, f"{owner}/{repo}", issue, "acknowledge", body)


@router.post("/{owner}/{repo}/{issue}/resolve", status_code=202)
async def resolve(
    owner: str, repo: str, issue: int, state: AppStateDep, body: TaskAction | None = None
) -> dict[str, Any]:
    """End a blocked task's escalation by hand."""
    return await _signal(state, f"{owner}/{repo}", issue, "resolve", body)
