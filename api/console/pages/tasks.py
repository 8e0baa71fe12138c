"""Tasks: open, blocked (with the escalation step reached) and closed."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request
from fastapi.responses import Response
from sqlmodel import col, select

from api.console.deps import ViewerDep
from api.console.links import issue_url
from api.console.render import render
from api.deps import AppStateDep, SessionDep
from db.models import Task
from queries.tasks import task_filters

router = APIRouter()
TABS = ("open", "blocked", "closed", "done")
LIMIT = 200


@router.get("/tasks")
async def tasks(
    request: Request, state: AppStateDep, session: SessionDep, viewer: ViewerDep, status: str = ""
) -> Response:
    """Tasks hookflow tracks, most recently changed first."""
    if status and status not in TABS:
        raise HTTPException(400, f"status: one of {', '.join(TABS)}")
    query = (
        select(Task)
        .where(*task_filters(status=status or None))
        .order_by(col(Task.updated_at).desc(), col(Task.id))
        .limit(LIMIT)
    )
    rows = (await session.exec(query)).all()
    settings = state.settings
    steps = len(settings.blocked_escalation_delays)
    return render(
        request,
        "tasks.html",
        tasks=[(t, issue_url(settings.git_base_url, t.repo, t.issue_number)) for t in rows],
        status=status,
        tabs=TABS,
        steps=steps,
        limit=LIMIT,
    )
