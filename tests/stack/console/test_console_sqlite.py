"""The console on the embedded SQLite default of scripts/run.sh: sessions, the overview's
per-minute query, keyset pages (row values) and a delivery's page work there too."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest

from tests.support.console import signed_in
from tests.support.files import load_fixture
from tests.support.sqlite_default import sqlite_default_url
from tests.support.webhooks import deliver


@pytest.fixture
def database_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    return sqlite_default_url(tmp_path, monkeypatch)


async def test_console_pages_on_sqlite(api: httpx.AsyncClient) -> None:
    for _ in range(3):
        assert (
            await deliver(api, "issues", load_fixture("events/pull_request.opened.json"))
        ).status_code == 200
    assert (await signed_in(api)).status_code == 303
    overview = await api.get("/console/")
    assert overview.status_code == 200 and "3 in all" in overview.text
    first = await api.get("/console/deliveries?event=issues")
    links = re.findall(r'href="/console/deliveries/([0-9a-f-]{36})"', first.text)
    assert len(links) == 3
    page = await api.get(f"/console/deliveries/{links[0]}")
    assert page.status_code == 200 and "X-GitHub-Hook-ID" in page.text
    cursor_page = await api.get(
        "/console/deliveries?before=2100-01-01T00:00:00_00000000-0000-0000-0000-000000000000"
    )
    assert cursor_page.status_code == 200
    assert len(re.findall(r'href="/console/deliveries/[0-9a-f-]{36}"', cursor_page.text)) == 3
    for path in ("/console/runs", "/console/notifications", "/console/tasks"):
        assert (await api.get(path)).status_code == 200
