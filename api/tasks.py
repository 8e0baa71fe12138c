"""Tasks: list them (GET /api/tasks), acknowledge or resolve a blocked one (bearer token)."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel
from temporalio.service import RPCError, RPCStatusCode

from api.deps import AppStateDep, TokenDep
from api.public import Page, Public
from api.query import Filter, Where, list_route
from contract.inputs import TaskSignal
from contract.names import Signal
from db.models import Task
from queries.tasks import task_filters
from routing.automation import blocked_workflow_id

router = APIRouter(prefix="/api/tasks", tags=["tasks"], dependencies=[TokenDep])


class TaskPublic(Public):
    id: uuid.UUID
    repo: str
    issue_number: int
    title: str
    status: str
    linked_pr: str | None
    blocked_since: datetime | None
    escalation_level: int
    acknowledged_at: datetime | None
    created_at: datetime
    updated_at: datetime
    closed_at: datetime | None


class TasksPublic(Page[TaskPublic]):
    pass


@list_route(router, TasksPublic, Task, newest=Task.updated_at)
def list_tasks(repo: Filter = None, status: Filter = None) -> Where:
    """List tasks (open, blocked, closed, done), most recently changed first."""
    return task_filters(repo=repo, status=status)


class TaskAction(BaseModel):
    by: str = "api"
    note: str = ""


async def _signal(
    state: AppStateDep, repo: str, issue: int, name: str, body: TaskAction | None
) -> dict[str, Any]:
    workflow_id = blocked_workflow_id(repo, issue)
    handle = state.temporal.get_workflow_handle(workflow_id)
    action = body or TaskAction()
    acknowledging = name == Signal.ACKNOWLEDGE
    # By contract name (the workflow's module would load every activity module into the API).
    signal = Signal.ACKNOWLEDGE if acknowledging else Signal.RESOLVE
    try:
        await handle.signal(signal, TaskSignal(by=action.by, note=action.note))
    except RPCError as exc:
        if exc.status == RPCStatusCode.NOT_FOUND:
            raise HTTPException(404, f"no blocked task escalation for {repo}#{issue}") from None
        raise HTTPException(503, "Temporal unavailable") from None
    status = "acknowledged" if acknowledging else "resolved"
    return {"status": status, "repo": repo, "issueNumber": issue, "workflowId": workflow_id}


@router.post("/{owner}/{repo}/{issue}/acknowledge", status_code=202)
async def acknowledge(
    owner: str, repo: str, issue: int, state: AppStateDep, body: TaskAction | None = None
) -> dict[str, Any]:
    """Pause a blocked task's re-notifications for BLOCKED_ACK_TIMEOUT."""
    return await _signal(state, f"{owner}/{repo}", issue, Signal.ACKNOWLEDGE, body)


@router.post("/{owner}/{repo}/{issue}/resolve", status_code=202)
async def resolve(
    owner: str, repo: str, issue: int, state: AppStateDep, body: TaskAction | None = None
) -> dict[str, Any]:
    """End a blocked task's escalation by hand."""
    return await _signal(state, f"{owner}/{repo}", issue, Signal.RESOLVE, body)
