"""What the console's browser tests share: the app served by uvicorn on a free port, Debian's
headless chromium (Playwright), a page that records dialogs and console errors, signing in."""

from __future__ import annotations

import asyncio
import contextlib
import shutil
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from api.main import create_app
from devstack.serve import serving as serve_app
from settings import Settings
from tests.support.webhooks import API_TOKEN

try:
    import playwright.async_api as playwright_api
except ImportError:  # the browser fixture skips, or fails in CI
    playwright_api = None  # type: ignore[assignment]

__all__ = ["ARGS", "CHROMIUM", "Watched", "playwright_api", "serving", "sign_in", "watched_page"]

CHROMIUM = shutil.which("chromium", path="/usr/bin") or shutil.which("chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"]


@contextlib.asynccontextmanager
async def serving(settings: Settings) -> AsyncIterator[str]:
    """The whole app (API, dispatcher, console) on http://127.0.0.1:<port>."""
    async with serve_app(create_app(settings)) as base:
        yield base


@dataclass
class Watched:
    """A page with what it showed that no page of the console should: dialogs, script errors,
    console errors (a blocked inline script or a failed load is one)."""

    page: Any
    dialogs: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def clean(self) -> bool:
        return not self.dialogs and not self.errors


async def watched_page(browser: Any, **context: Any) -> Watched:
    ctx = await browser.new_context(**context)
    page = await ctx.new_page()
    watched = Watched(page)

    def on_dialog(dialog: Any) -> None:
        watched.dialogs.append(dialog.message)
        asyncio.ensure_future(dialog.dismiss())

    page.on("dialog", on_dialog)
    page.on("pageerror", lambda exc: watched.errors.append(str(exc)))
    page.on("console", lambda m: watched.errors.append(m.text) if m.type == "error" else None)
    return watched


async def sign_in(page: Any, base: str, path: str = "/console/", token: str = API_TOKEN) -> None:
    """Open `path` signed out (redirected to the form), sign in, land on `path`."""
    await page.goto(f"{base}{path}")
    assert "/console/sign-in" in page.url, page.url
    await page.fill("#token", token)
    await page.click("button:has-text('Sign in')")
    await page.wait_for_url(f"{base}{path}*")
