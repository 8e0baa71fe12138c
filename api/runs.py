"""Read API for runs and their artifacts, behind the bearer token."""

from __future__ import annotations

import uuid
from datetime import datetime

from fastapi import APIRouter, HTTPException
from pydantic import Field

from api.deps import SessionDep, TokenDep
from api.public import Page, Public
from api.query import Filter, Where, list_route
from db.models import Run
from queries.runs import run_artifacts, run_filters

router = APIRouter(prefix="/api/runs", tags=["runs"], dependencies=[TokenDep])


class RunPublic(Public):
    id: uuid.UUID = Field(serialization_alias="runId")
    repo: str
    issue_number: int
    title: str
    mode: str
    status: str
    phase: str | None
    iteration: int
    workflow_id: str
    branch: str | None
    pr_number: int | None
    pr_url: str | None
    error: str | None
    created_at: datetime
    updated_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class RunsPublic(Page[RunPublic]):
    pass


class ArtifactPublic(Public):
    id: uuid.UUID
    name: str
    kind: str
    size: int
    truncated: bool
    created_at: datetime
    content: str


class ArtifactsPublic(Public):
    run_id: uuid.UUID
    data: list[ArtifactPublic]
    count: int


@list_route(router, RunsPublic, Run, newest=Run.created_at)
def list_runs(repo: Filter = None, status: Filter = None) -> Where:
    """List runs, newest first, filtered by repo and status."""
    return run_filters(repo=repo, status=status)


@router.get("/{run_id}", response_model=RunPublic)
async def get_run(run_id: uuid.UUID, session: SessionDep) -> RunPublic:
    """One run, with its workflow id and status."""
    run = await session.get(Run, run_id)
    if run is None:
        raise HTTPException(status_code=404, detail="run not found")
    return RunPublic.model_validate(run)


@router.get("/{run_id}/artifacts", response_model=ArtifactsPublic)
async def list_artifacts(run_id: uuid.UUID, session: SessionDep) -> ArtifactsPublic:
    """The artifacts a run produced, oldest first."""
    if await session.get(Run, run_id) is None:
        raise HTTPException(status_code=404, detail="run not found")
    data = [ArtifactPublic.model_validate(a) for a in await run_artifacts(session, run_id)]
    return ArtifactsPublic(run_id=run_id, data=data, count=len(data))
