"""The Temporal Web UI in a real browser: Debian's headless chromium (Playwright, no browser
download) finds one workflow of each kind by its search attributes, opens it from the list and
sees its event history and memo. Without chromium or Playwright: skipped, or failed under
HOOKFLOW_REQUIRE_TOOLS=1 (CI)."""

from __future__ import annotations

import copy
import shutil
import socket
import tempfile
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from devstack.temporal_cli import ensure_temporal_cli
from tests.support.app import Stack
from tests.support.ci_runs import run_payload
from tests.support.fakes import FakeGitHub
from tests.support.files import load_fixture
from tests.support.required_tools import missing_tool
from tests.support.waiting import eventually
from tests.support.webhooks import deliver
from workflows.search_attributes import ensure_search_attributes

try:
    import playwright.async_api as playwright_api
except ImportError:  # the `browser_tools` fixture skips, or fails in CI
    playwright_api = None  # type: ignore[assignment]

CHROMIUM = shutil.which("chromium", path="/usr/bin") or shutil.which("chromium")
pytestmark = pytest.mark.slow  # a browser: parallel runs start it first


@pytest.fixture(scope="module", autouse=True)
def browser_tools() -> None:
    """Before this module's dev server starts: Playwright and Debian's chromium are here."""
    if playwright_api is None:
        missing_tool("pip package playwright is not installed")
    if CHROMIUM is None:
        missing_tool("Debian's chromium is not installed (apt-get install -y chromium)")


KINDS = ["ai-run", "notification", "ci-failure", "blocked-task", "pr-merged"]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def temporal_env() -> AsyncIterator[WorkflowEnvironment]:
    """This module's own dev server with the Web UI on (the session's runs without one)."""
    ui_port = _free_port()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=ensure_temporal_cli(),
        dev_server_log_level="error",
        ui=True,
        ui_port=ui_port,
    )
    env.ui_url = f"http://127.0.0.1:{ui_port}"  # type: ignore[attr-defined]
    await ensure_search_attributes(env.client, "default")
    yield env
    await env.shutdown()


@pytest.fixture
def settings_overrides(github_settings: dict[str, Any]) -> dict[str, Any]:
    return github_settings


def event(name: str, repo: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture(f"events/{name}.json"))
    payload["repository"]["full_name"] = repo
    return payload


async def start_one_of_each(api: httpx.AsyncClient, github: FakeGitHub, repo: str) -> None:
    github.add_issue(repo, title="Make the UI test pass")
    github.add_workflow_run(
        repo,
        run_id=5150,
        name="CI Tests",
        conclusion="failure",
        jobs=[{"id": 51501, "name": "test", "conclusion": "failure", "logs": "Error: boom\n"}],
    )
    deliveries = [
        ("issues", event("issues_labeled_ai_run", repo)),
        ("push", event("push.main", repo)),
        ("workflow_run", run_payload(repo, 5150)),
        ("issues", event("issues.labeled_blocked", repo)),
        ("pull_request", event("pull_request.merged", repo)),
    ]
    for name, payload in deliveries:
        response = await deliver(api, name, payload)
        assert response.json()["status"] == "accepted", (name, response.text)


def query_for(repo: str, kind: str) -> str:
    return f'HookflowRepo = "{repo}" AND HookflowKind = "{kind}"'


async def visible(client: Client, query: str) -> bool:
    return [w async for w in client.list_workflows(query, limit=1)] != []


async def test_web_ui_shows_each_kind_with_history_and_memo(
    stack: Stack, github: FakeGitHub, repo: str, temporal_env: WorkflowEnvironment
) -> None:
    api, _, temporal_client, _ = stack
    await start_one_of_each(api, github, repo)
    for kind in KINDS:
        await eventually(
            lambda k=kind: visible(temporal_client, query_for(repo, k)),  # type: ignore[misc]
            what=f"a {kind} workflow in visibility",
        )
    ui_url: str = temporal_env.ui_url  # type: ignore[attr-defined]
    async with playwright_api.async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage"],
        )
        page = await browser.new_page(viewport={"width": 1400, "height": 1000})
        try:
            for kind in KINDS:
                query = quote(query_for(repo, kind))
                await page.goto(
                    f"{ui_url}/namespaces/default/workflows?query={query}",
                    wait_until="domcontentloaded",
                )
                row = page.locator('table a[href*="/namespaces/default/workflows/"]').first
                await row.wait_for(timeout=15_000)
                await row.click()
                await page.wait_for_url("**/history", timeout=15_000)
                history = page.get_by_text("Workflow Execution Started").first
                await history.wait_for(timeout=15_000)
                await page.get_by_role("tab", name="Memo").click()
                memo = page.get_by_text(f'"repo": "{repo}"').first
                await memo.wait_for(timeout=15_000)
        except Exception:
            shot = Path(tempfile.gettempdir()) / f"hookflow-web-ui-{uuid.uuid4().hex}.png"
            await page.screenshot(path=str(shot))  # what the browser saw, for the failure
            raise
        finally:
            await browser.close()
