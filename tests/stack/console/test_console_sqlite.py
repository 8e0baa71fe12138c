"""The console on the embedded SQLite default of scripts/run.sh: sessions, the overview's
per-minute query, keyset pages (row values) and a delivery's page work there too."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import pytest_asyncio

from api.main import create_app
from db.migrate import upgrade
from devstack.up import child_env
from settings import Settings
from tests.support.console import signed_in
from tests.support.files import load_fixture
from tests.support.webhooks import deliver


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    monkeypatch.delenv("DATABASE_URL", raising=False)
    url = child_env({}, tmp_path, "127.0.0.1:7233")["DATABASE_URL"]
    assert url.startswith("sqlite:///")
    upgrade(url)
    return url


@pytest_asyncio.fixture
async def app(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    application = create_app(settings)
    async with application.router.lifespan_context(application):
        transport = httpx.ASGITransport(app=application)
        async with httpx.AsyncClient(transport=transport, base_url="http://hookflow") as client:
            yield client


async def test_console_pages_on_sqlite(app: httpx.AsyncClient) -> None:
    for _ in range(3):
        assert (
            await deliver(app, "issues", load_fixture("events/pull_request.opened.json"))
        ).status_code == 200
    assert (await signed_in(app)).status_code == 303
    overview = await app.get("/console/")
    assert overview.status_code == 200 and "3 in all" in overview.text
    first = await app.get("/console/deliveries?event=issues")
    links = re.findall(r'href="/console/deliveries/([0-9a-f-]{36})"', first.text)
    assert len(links) == 3
    page = await app.get(f"/console/deliveries/{links[0]}")
    assert page.status_code == 200 and "X-GitHub-Hook-ID" in page.text
    cursor_page = await app.get(
        "/console/deliveries?before=2100-01-01T00:00:00_00000000-0000-0000-0000-000000000000"
    )
    assert cursor_page.status_code == 200
    assert len(re.findall(r'href="/console/deliveries/[0-9a-f-]{36}"', cursor_page.text)) == 3
    for path in ("/console/runs", "/console/notifications", "/console/tasks"):
        assert (await app.get(path)).status_code == 200
