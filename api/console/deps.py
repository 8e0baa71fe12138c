"""What console pages depend on: the API's state and sessions (api/deps.py), the signed-in
viewer (or a redirect to sign-in), the CSRF check every state-changing form passes, and the
page a list link asks for."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Form, HTTPException, Request

from api.console.auth import COOKIE, Viewer, csrf_matches, find_session
from api.console.listing import read_cursor
from api.deps import AppStateDep
from queries.keyset import Window

PAGE_SIZE = 50  # rows on a page of every list


class SignInRequired(Exception):
    """No live session: the console answers with a redirect to its sign-in page."""

    def __init__(self, back_to: str) -> None:
        super().__init__(back_to)
        self.back_to = back_to


async def current_viewer(request: Request, state: AppStateDep) -> Viewer:
    viewer = await find_session(state.sessions, request.cookies.get(COOKIE))
    if viewer is None:
        query = f"?{request.url.query}" if request.url.query else ""
        raise SignInRequired(f"{request.url.path}{query}" if request.method == "GET" else "")
    request.state.viewer = viewer  # the page's navigation and forms show it (render.py)
    return viewer


ViewerDep = Annotated[Viewer, Depends(current_viewer)]


async def acting_viewer(viewer: ViewerDep, csrf: Annotated[str | None, Form()] = None) -> Viewer:
    """The viewer of a state-changing form, which must carry the session's CSRF token."""
    if not csrf_matches(csrf, viewer.csrf):
        raise HTTPException(403, "This form has no valid CSRF token: reload the page and retry.")
    return viewer


ActorDep = Annotated[Viewer, Depends(acting_viewer)]


async def page_window(before: str | None = None, after: str | None = None) -> Window:
    """The page of a list link (its keyset cursors, PAGE_SIZE rows); a 400 page when a cursor
    was edited."""
    try:
        return Window(before=read_cursor(before), after=read_cursor(after), limit=PAGE_SIZE)
    except ValueError:
        raise HTTPException(400, "That page link is not valid: start from page one.") from None


WindowDep = Annotated[Window, Depends(page_window)]
