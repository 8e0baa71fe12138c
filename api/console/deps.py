"""What console pages depend on: the application state, the signed-in viewer (or a redirect to
sign-in), and the CSRF check every state-changing form passes."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request
from sqlmodel.ext.asyncio.session import AsyncSession

from api.console.auth import COOKIE, Viewer, csrf_matches, find_session
from api.deps import AppState


class SignInRequired(Exception):
    """No live session: the console answers with a redirect to its sign-in page."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


async def console_state(request: Request) -> AppState:
    # The console is mounted into the API app; its state is the API's, built at start-up.
    state: AppState = request.app.state.parent.state.hookflow
    return state


StateDep = Annotated[AppState, Depends(console_state)]


async def console_session(state: StateDep) -> AsyncIterator[AsyncSession]:
    async with state.sessions() as session:
        yield session


SessionDep = Annotated[AsyncSession, Depends(console_session)]


async def current_viewer(request: Request, state: StateDep) -> Viewer:
    viewer = await find_session(state.sessions, request.cookies.get(COOKIE))
    if viewer is None:
        query = f"?{request.url.query}" if request.url.query else ""
        raise SignInRequired(f"{request.url.path}{query}" if request.method == "GET" else "")
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def acting_viewer(viewer: ViewerDep, csrf: Annotated[str | None, Form()] = None) -> Viewer:
    """The viewer of a state-changing form, which must carry the session's CSRF token."""
    if not csrf_matches(csrf, viewer.csrf):
        raise HTTPException(403, "This form has no valid CSRF token: reload the page and retry.")
    return viewer


ActorDep = Annotated[Viewer, Depends(acting_viewer)]
