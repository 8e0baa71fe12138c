"""Runs: the list by status, a run's page (timeline, iterations, artifacts, tokens), an
artifact, and the approve / retry / cancel buttons (the API's signal rule)."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from api.console.deps import ActorDep, ViewerDep, WindowDep
from api.console.links import issue_url, workflow_url
from api.console.listing import pager_links
from api.console.lookup import get_or_404
from api.console.render import PREFIX, render
from api.console.views.runs import (
    iterations,
    offered_signals,
    phase_artifacts,
    timeline,
    token_usage,
)
from api.deps import AppStateDep, SessionDep
from api.run_signals import signal_run
from contract.statuses import RunStatus
from db.models import Run, RunArtifact
from queries.runs import run_artifacts, run_filters, run_page

router = APIRouter()
STATUSES = tuple(s.value for s in RunStatus)


async def _run(run_id: uuid.UUID, session: SessionDep) -> Run:
    return await get_or_404(session, Run, run_id, "No run has that id.")


RunDep = Annotated[Run, Depends(_run)]


@router.get("/runs")
async def runs(
    request: Request,
    session: SessionDep,
    viewer: ViewerDep,
    window: WindowDep,
    status: str = "",
    repo: str = "",
) -> Response:
    """AI runs, newest first, by status and repository."""
    if status and status.upper() not in STATUSES:
        raise HTTPException(400, f"status: one of {', '.join(STATUSES)}")
    if len(repo) > 300:
        raise HTTPException(400, "repo: at most 300 characters")
    page = await run_page(session, run_filters(repo=repo, status=status), **window)
    keep = [(k, v) for k, v in (("status", status.upper()), ("repo", repo)) if v]
    return render(
        request,
        "runs.html",
        page=page,
        status=status.upper(),
        repo=repo,
        statuses=STATUSES,
        **pager_links(page, keep),
    )


@router.get("/runs/{run_id}")
async def run_page_view(
    request: Request, state: AppStateDep, session: SessionDep, viewer: ViewerDep, run: RunDep
) -> Response:
    """One run: where it stands, what it did, what it produced."""
    artifacts = await run_artifacts(session, run.id)
    settings = state.settings
    phased = phase_artifacts(artifacts, settings.run_phase_list)
    return render(
        request,
        "run.html",
        run=run,
        artifacts=artifacts,
        moments=timeline(run, phased),
        iterations=iterations(phased),
        usage=token_usage(artifacts),
        signals=offered_signals(run.status),
        issue_link=issue_url(settings.git_base_url, run.repo, run.issue_number),
        workflow_link=workflow_url(
            settings.temporal_ui_url, settings.temporal_namespace, run.workflow_id
        ),
    )


@router.get("/runs/{run_id}/artifacts/{artifact_id}")
async def artifact_page(
    artifact_id: uuid.UUID, request: Request, session: SessionDep, viewer: ViewerDep, run: RunDep
) -> Response:
    """One artifact's content, as text."""
    artifact = await session.get(RunArtifact, artifact_id)
    if artifact is None or artifact.run_id != run.id:
        raise HTTPException(404, "This run has no such artifact.")
    return render(request, "artifact.html", run=run, artifact=artifact)


@router.post("/runs/{run_id}/signals/{name}")
async def send_signal(
    run_id: uuid.UUID, name: str, state: AppStateDep, session: SessionDep, viewer: ActorDep
) -> Response:
    """Approve, retry or cancel the run (refused as the API refuses)."""
    await signal_run(session, state.temporal, run_id, name)
    return RedirectResponse(f"{PREFIX}/runs/{run_id}?notice=signal-{name}", status_code=303)
