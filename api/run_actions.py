"""Manual run triggers: start a run without a label, and signal a run (approve, cancel, retry)."""

from __future__ import annotations

import logging
import uuid
from typing import Any

from fastapi import APIRouter, HTTPException
from pydantic import BaseModel, Field

from api.deps import AppStateDep, SessionDep, TokenDep
from api.run_signals import signal_run as send_signal
from db.models import Run
from delivery.manual import record_manual_start
from routing.fields import INT32_MAX, REPO_PATTERN

log = logging.getLogger("hookflow.run_actions")

router = APIRouter(prefix="/api/runs", tags=["runs"], dependencies=[TokenDep])


class StartRun(BaseModel):
    repo: str = Field(pattern=REPO_PATTERN)
    issueNumber: int = Field(ge=1, le=INT32_MAX, strict=True)
    mode: str = "code"


def _accepted(run: Run, *, attached: bool) -> dict[str, Any]:
    return {
        "status": "accepted",
        "runId": str(run.id),
        "repo": run.repo,
        "issueNumber": run.issue_number,
        "workflowId": run.workflow_id,
        "attached": attached,
    }


@router.post("", status_code=202)
async def start_run(body: StartRun, state: AppStateDep) -> dict[str, Any]:
    """Start a run on an issue without a label; attaches to the issue's active run if any."""
    if body.mode != "code":
        raise HTTPException(status_code=400, detail=f"unknown mode {body.mode!r} (use 'code')")
    if not state.routing.allows(body.repo):
        raise HTTPException(status_code=400, detail=f"repository {body.repo} is not allowed")
    request_id = str(uuid.uuid4())
    started = await record_manual_start(
        state.sessions,
        repo=body.repo,
        issue_number=body.issueNumber,
        run_id=request_id,
        source="api",
        key=request_id,
    )
    answer = _accepted(started.run, attached=started.attached)
    if started.event_id is not None:
        # Stored with the run: started now, or by the outbox once Temporal is back.
        timeout = state.settings.dispatch_inline_timeout.total_seconds()
        started_now = await state.dispatcher.dispatch_within(started.event_id, timeout)
        answer["dispatch"] = "started" if started_now else "pending"
        log.info("run %s started by hand on %s#%d", request_id, body.repo, body.issueNumber)
    return answer


@router.post("/{run_id}/signals/{name}", status_code=202)
async def signal_run(
    run_id: uuid.UUID, name: str, state: AppStateDep, session: SessionDep
) -> dict[str, Any]:
    """Send a signal (approve, cancel or retry) to a running run's workflow."""
    sent = await send_signal(session, state.temporal, run_id, name)
    return {"status": "sent", "runId": str(run_id), "signal": name, "workflowId": sent.workflow_id}
