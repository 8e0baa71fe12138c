"""Sign in with the console token (CONSOLE_TOKEN, else API_TOKEN) and sign out."""

from __future__ import annotations

from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Request
from fastapi.responses import RedirectResponse, Response

from api.console.auth import (
    COOKIE,
    SIGN_IN_COOKIE,
    close_session,
    csrf_matches,
    find_session,
    new_form_token,
    open_session,
    token_matches,
)
from api.console.deps import ActorDep
from api.console.render import PREFIX, render
from api.deps import AppStateDep
from settings import Settings

router = APIRouter()
SIGN_IN_FORM_SECONDS = 3600


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a console path only (never another site)."""
    home = f"{PREFIX}/"
    if not target or not target.startswith(home) or target.startswith("//") or "\\" in target:
        return home
    parts = urlsplit(target)
    return target if not parts.scheme and not parts.netloc else home


def secure(request: Request, settings: Settings) -> bool:
    """Cookies are Secure behind HTTPS (uvicorn --proxy-headers, or an https API_PUBLIC_URL)."""
    return request.url.scheme == "https" or settings.api_public_url.startswith("https://")


def _form(
    request: Request, state: AppStateDep, *, next_path: str, error: str | None, status_code: int
) -> Response:
    form_token = new_form_token()
    response = render(
        request,
        "sign_in.html",
        status_code=status_code,
        form_token=form_token,
        next_path=next_path,
        error=error,
        separate_token=state.settings.console_token is not None,
    )
    response.set_cookie(
        SIGN_IN_COOKIE,
        form_token,
        max_age=SIGN_IN_FORM_SECONDS,
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=secure(request, state.settings),
    )
    return response


@router.get("/sign-in")
async def sign_in_page(request: Request, state: AppStateDep, next: str | None = None) -> Response:
    """The sign-in form (or straight on, when this browser is signed in already)."""
    if await find_session(state.sessions, request.cookies.get(COOKIE)) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _form(request, state, next_path=safe_next(next), error=None, status_code=200)


@router.post("/sign-in")
async def sign_in(
    request: Request,
    state: AppStateDep,
    token: Annotated[str, Form(max_length=1000)] = "",
    csrf: Annotated[str | None, Form()] = None,
    next: Annotated[str, Form(max_length=2000)] = "",
) -> Response:
    """Check the token; a session cookie (HttpOnly, SameSite=Strict) on success."""
    expected_form = request.cookies.get(SIGN_IN_COOKIE) or ""
    if not expected_form or not csrf_matches(csrf, expected_form):
        raise HTTPException(403, "The sign-in form has expired or came from elsewhere: reload it.")
    if not token_matches(token.strip(), state.settings.console_token_value()):
        return _form(
            request,
            state,
            next_path=safe_next(next),
            error="That token is not accepted.",
            status_code=401,
        )
    ttl = state.settings.console_session_ttl
    viewer = await open_session(state.sessions, ttl)
    response = RedirectResponse(safe_next(next), status_code=303)
    response.set_cookie(
        COOKIE,
        viewer.secret,
        max_age=int(ttl.total_seconds()),
        path=PREFIX,
        httponly=True,
        samesite="strict",
        secure=secure(request, state.settings),
    )
    _forget(response, SIGN_IN_COOKIE, secure=secure(request, state.settings))
    return response


@router.post("/sign-out")
async def sign_out(request: Request, state: AppStateDep, viewer: ActorDep) -> Response:
    """End this browser's session (the cookie is useless afterwards, even if copied)."""
    await close_session(state.sessions, viewer.secret)
    response = RedirectResponse(f"{PREFIX}/sign-in?notice=signed-out", status_code=303)
    _forget(response, COOKIE, secure=secure(request, state.settings))
    return response


def _forget(response: Response, cookie: str, *, secure: bool) -> None:
    """Delete one of the console's cookies (the attributes must match the ones it was set with)."""
    response.delete_cookie(cookie, path=PREFIX, secure=secure, httponly=True, samesite="strict")
