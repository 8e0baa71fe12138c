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

from api.console.auth import COOKIE, find_session
from api.console.body_limit import BodyLimit
from api.console.deps import SignInRequired
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
from api.console.silences import SilencesUnavailable
from api.deps import get_state
from ops.refused import Refused

STATIC = Path(__file__).resolve().parent / "static"


async def _error_page(request: Request, code: int, message: str) -> HTMLResponse:
    """The error page, with the navigation of the signed-in viewer if the database answers."""
    try:
        state = await get_state(request)
        request.state.viewer = await find_session(state.sessions, request.cookies.get(COOKIE))
    except Exception:  # noqa: BLE001 - an error page must render whatever else is down
        request.state.viewer = None
    return render(request, "error.html", status_code=code, code=code, message=message)


def create_console(parent: FastAPI) -> FastAPI:
    """The console app; its pages read the state `parent` builds at start-up."""
    console = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    console.state.parent = parent
    console.add_middleware(BodyLimit)
    console.add_middleware(SecurityHeaders)  # added last: outermost, so a 413 has them too

    @console.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        back = exc.back_to
        target = f"{PREFIX}/sign-in" + (f"?next={quote(back, safe='')}" if back else "")
        return RedirectResponse(target, status_code=303)

    @console.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> HTMLResponse:
        return await _error_page(request, exc.status_code, str(exc.detail))

    @console.exception_handler(Refused)
    async def refused(request: Request, exc: Refused) -> HTMLResponse:
        return await _error_page(request, exc.status, exc.reason)

    @console.exception_handler(SilencesUnavailable)
    async def no_silences(request: Request, exc: SilencesUnavailable) -> HTMLResponse:
        return render(request, "silences_unavailable.html")

    @console.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> HTMLResponse:
        problems = [
            f"{'.'.join(str(p) for p in e.get('loc', ())[1:]) or 'request'}: {e.get('msg', '')}"
            for e in exc.errors()
        ]
        return await _error_page(request, 400, "; ".join(problems)[:500])

    for module in (sign_in, overview, deliveries, delivery, runs, notifications, silences, tasks):
        console.include_router(module.router)
    console.mount("/static", StaticFiles(directory=STATIC), name="static")
    return console
