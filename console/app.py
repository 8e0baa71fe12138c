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

from console.deps import SignInRequired
from console.headers import SecurityHeaders
from console.pages import (
    deliveries,
    delivery,
    notifications,
    overview,
    runs,
    sign_in,
    silences,
    tasks,
)
from console.render import PREFIX, render

STATIC = Path(__file__).resolve().parent / "static"


def create_console(parent: FastAPI) -> FastAPI:
    """The console app; its pages read the state `parent` builds at start-up."""
    console = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    console.state.parent = parent
    console.add_middleware(SecurityHeaders)

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
            viewer=None,
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
            viewer=None,
            status_code=400,
            code=400,
            message="; ".join(problems)[:500],
        )

    for module in (sign_in, overview, deliveries, delivery, runs, notifications, silences, tasks):
        console.include_router(module.router)
    console.mount("/static", StaticFiles(directory=STATIC), name="static")
    return console
