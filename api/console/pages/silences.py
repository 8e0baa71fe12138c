"""Silences: active, pending and expired ones; create one (from a notification's labels or by
hand) with matchers and a duration; expire one. Through console/silences.py's contract (its
refusals and a build without silences are answered by the console app)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Form, HTTPException, Query, Request
from fastapi.responses import RedirectResponse, Response

from api.console.deps import ActorDep, ViewerDep
from api.console.render import PREFIX, render
from api.console.silences import STATES, SilenceClient, parse_matchers
from api.deps import AppStateDep
from settings import parse_duration

router = APIRouter()
MAX_SILENCE = timedelta(days=90)


def _client(request: Request, state: AppStateDep) -> SilenceClient:
    return SilenceClient(request.app.state.parent, state.settings.api_token_value() or "")


@router.get("/silences")
async def silences(
    request: Request, state: AppStateDep, viewer: ViewerDep, status: str = "active"
) -> Response:
    """Silences in one state: active, pending or expired."""
    if status not in STATES:
        raise HTTPException(400, f"status: one of {', '.join(STATES)}")
    found = await _client(request, state).list(status)
    return render(request, "silences.html", silences=found, status=status, states=STATES)


@router.get("/silences/new")
async def new_silence(
    request: Request,
    viewer: ViewerDep,
    matcher: Annotated[list[str], Query(max_length=20)] = [],  # noqa: B006 - FastAPI default
) -> Response:
    """The form, pre-filled with matchers (from a notification's "Silence similar…")."""
    lines = "\n".join(m[:300] for m in matcher)
    # Like Alertmanager, a silence says why; a "Silence similar…" form starts with a reason
    # the person can edit.
    comment = f"Silenced like a notification: {', '.join(m[:100] for m in matcher)}"[:1000]
    return render(
        request,
        "silence_form.html",
        matchers=lines,
        duration="2h",
        comment=comment if matcher else "",
        error=None,
    )


@router.post("/silences")
async def create_silence(
    request: Request,
    state: AppStateDep,
    viewer: ActorDep,
    matchers: Annotated[str, Form(max_length=5000)] = "",
    duration: Annotated[str, Form(max_length=20)] = "",
    comment: Annotated[str, Form(max_length=1000)] = "",
    ends_when_resolved: Annotated[bool, Form()] = False,
) -> Response:
    """Create a silence lasting `duration` from now."""
    try:
        parsed = parse_matchers(matchers)
        length = parse_duration(duration)
        if not timedelta(minutes=1) <= length <= MAX_SILENCE:
            raise ValueError("duration: between 1m and 90d")
        if not comment.strip():
            raise ValueError("comment: say why (it is shown to everyone the silence mutes)")
    except ValueError as exc:
        return render(
            request,
            "silence_form.html",
            status_code=400,
            matchers=matchers,
            duration=duration,
            comment=comment,
            error=str(exc),
        )
    await _client(request, state).create(
        matchers=parsed,
        ends_at=datetime.now(UTC) + length,
        created_by="console",
        comment=comment,
        ends_when_resolved=ends_when_resolved,
    )
    return RedirectResponse(f"{PREFIX}/silences?notice=silence-created", status_code=303)


@router.post("/silences/{silence_id}/expire")
async def expire_silence(
    silence_id: str, request: Request, state: AppStateDep, viewer: ActorDep
) -> Response:
    """End a silence now."""
    if len(silence_id) > 100:
        raise HTTPException(404, "No silence has that id.")
    await _client(request, state).expire(silence_id)
    return RedirectResponse(f"{PREFIX}/silences?notice=silence-expired", status_code=303)
