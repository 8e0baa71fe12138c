"""The console as its own small app mounted at /console: HTML error pages, its security headers
and body limit, its routers and stylesheet, without touching the API's JSON answers."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.staticfiles import StaticFiles

from api.console.auth import COOKIE, Viewer, find_session
from api.console.body_limit import BodyLimit
from api.console.deps import SignInRequired, console_state
from api.console.headers import SecurityHeaders
from api.console.pages import (
    deliveries,
    delivery,
    notifications,
    overview,
    runs,
    sign_in,
    silences,
    tasks,
)
from api.console.render import PREFIX, render

STATIC = Path(__file__).resolve().parent / "static"


async def _viewer_or_none(request: Request) -> Viewer | None:
    """The signed-in viewer of an error page (for its navigation), if the database answers."""
    try:
        state = await console_state(request)
        return await find_session(state.sessions, request.cookies.get(COOKIE))
    except Exception:  # noqa: BLE001 - an error page must render whatever else is down
        return None


def create_console(parent: FastAPI) -> FastAPI:
    """The console app; its pages read the state `parent` builds at start-up."""
    console = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    console.state.parent = parent
    console.add_middleware(BodyLimit)
    console.add_middleware(SecurityHeaders)  # added last: outermost, so a 413 has them too

    @console.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: Exception) -> Response:
        back = exc.back_to if isinstance(exc, SignInRequired) else ""
        target = f"{PREFIX}/sign-in" + (f"?next={quote(back, safe='')}" if back else "")
        return RedirectResponse(target, status_code=303)

    @console.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        return render(
            request,
            "error.html",
            viewer=await _viewer_or_none(request),
            status_code=exc.status_code,
            code=exc.status_code,
            message=str(exc.detail),
        )

    @console.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', '')}"
            for e in exc.errors()
        ]
        return render(
            request,
            "error.html",
            viewer=await _viewer_or_none(request),
            status_code=400,
            code=400,
            message="; ".join(problems)[:500],
        )

    for module in (sign_in, overview, deliveries, delivery, runs, notifications, silences, tasks):
        console.include_router(module.router)
    console.mount("/static", StaticFiles(directory=STATIC), name="static")
    return console
