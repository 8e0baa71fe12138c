"""Read API for runs and their artifacts, behind the bearer token."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel

from api.deps import SessionDep, TokenDep
from api.query import Filter, Limit, Offset, newest_page
from db.models import Run
from queries.runs import run_artifacts, run_filters

router = APIRouter(prefix="/api/runs", tags=["runs"], dependencies=[TokenDep])


class RunPublic(BaseModel):
    runId: uuid.UUID
    repo: str
    issueNumber: int
    title: str
    mode: str
    status: str
    phase: str | None
    iteration: int
    workflowId: str
    branch: str | None
    prNumber: int | None
    prUrl: str | None
    error: str | None
    createdAt: datetime
    updatedAt: datetime
    startedAt: datetime | None
    finishedAt: datetime | None

    @classmethod
    def of(cls, run: Run) -> RunPublic:
        return cls(
            runId=run.id,
            repo=run.repo,
            issueNumber=run.issue_number,
            title=run.title,
            mode=run.mode,
            status=run.status,
            phase=run.phase,
            iteration=run.iteration,
            workflowId=run.workflow_id,
            branch=run.branch,
            prNumber=run.pr_number,
            prUrl=run.pr_url,
            error=run.error,
            createdAt=run.created_at,
            updatedAt=run.updated_at,
            startedAt=run.started_at,
            finishedAt=run.finished_at,
        )


class RunsPublic(BaseModel):
    data: list[RunPublic]
    count: int
    limit: int
    offset: int


class ArtifactPublic(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    size: int
    truncated: bool
    createdAt: datetime
    content: str


class ArtifactsPublic(BaseModel):
    runId: uuid.UUID
    data: list[ArtifactPublic]
    count: int


@router.get("", response_model=RunsPublic)
async def list_runs(
    session: SessionDep,
    repo: Filter = None,
    status: Filter = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> RunsPublic:
    """List runs, newest first, filtered by repo and status."""
    filters = run_filters(repo=repo, status=status)
    runs, total = await newest_page(
        session, Run, filters, newest=Run.created_at, limit=limit, offset=offset
    )
    return RunsPublic(data=[RunPublic.of(r) for r in runs], count=total, limit=limit, offset=offset)


@router.get("/{run_id}", response_model=RunPublic)
async def get_run(run_id: uuid.UUID, session: SessionDep) -> RunPublic:
    """One run, with its workflow id and status."""
    run = await session.get(Run, run_id)
    if run is None:
        raise HTTPException(status_code=404, detail="run not found")
    return RunPublic.of(run)


@router.get("/{run_id}/artifacts", response_model=ArtifactsPublic)
async def list_artifacts(run_id: uuid.UUID, session: SessionDep) -> ArtifactsPublic:
    """The artifacts a run produced, oldest first."""
    if await session.get(Run, run_id) is None:
        raise HTTPException(status_code=404, detail="run not found")
    rows = await run_artifacts(session, run_id)
    data = [
        ArtifactPublic(
            id=a.id,
            name=a.name,
            kind=a.kind,
            size=a.size,
            truncated=a.truncated,
            createdAt=a.created_at,
            content=a.content,
        )
        for a in rows
    ]
    return ArtifactsPublic(runId=run_id, data=data, count=len(data))
