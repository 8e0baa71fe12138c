"""The console in a real browser (Debian's headless chromium via Playwright) on the real stack
(the app under uvicorn, PostgreSQL, the Temporal dev server, a worker for runs): what an
operator does — sign in, find a delivery, replay it, retry the failed ones of a filter, cancel
a run from its page, silence a notification's labels, sign out — and hostile payloads that
stay text."""

from __future__ import annotations

import copy
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import pytest_asyncio
from sqlmodel import col, select, update
from temporalio.client import Client

from api.main import create_app
from db.engine import SessionFactory
from db.models import WebhookEvent
from settings import Settings
from tests.support.ai_run import UI_URL, label_issue, run_settings, wait_run
from tests.support.app import serve as _serve
from tests.support.console_browser import (
    ARGS,
    CHROMIUM,
    playwright_api,
    serving,
    sign_in,
    watched_page,
)
from tests.support.fakes import FakeGitHub
from tests.support.files import load_fixture
from tests.support.required_tools import missing_tool
from tests.support.waiting import eventually
from tests.support.webhooks import API_TOKEN, SECRET, deliver

pytestmark = pytest.mark.slow  # a browser: parallel runs start it first


@pytest_asyncio.fixture(scope="module", loop_scope="session")
async def browser() -> AsyncIterator[Any]:
    if playwright_api is None:
        missing_tool("pip package playwright is not installed")
    if CHROMIUM is None:
        missing_tool("Debian's chromium is not installed (apt-get install -y chromium)")
    async with playwright_api.async_playwright() as pw:
        launched = await pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        yield launched
        await launched.close()


@pytest.fixture
def settings_overrides(fake_github: FakeGitHub, tmp_path: Path) -> dict[str, Any]:
    # Runs stop for approval after planning: a run with artifacts that is still cancellable.
    return run_settings(fake_github, tmp_path, run_approval_required=True)


def push(repo: str, branch: str) -> dict[str, Any]:
    payload = copy.deepcopy(load_fixture("events/push.main.json"))
    payload["repository"]["full_name"] = repo
    payload["ref"] = f"refs/heads/{branch}"
    return payload


def no_secret(html: str) -> None:
    assert SECRET not in html and API_TOKEN not in html


async def test_operator_finds_a_delivery_replays_it_and_signs_out(
    settings: Settings, browser: Any, temporal_client: Client
) -> None:
    repo = f"acme/console-{uuid.uuid4().hex[:6]}"
    guid = str(uuid.uuid4())
    async with serving(settings) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            for _ in range(3):
                await deliver(http, "push", push(repo, "feature"))
            first = await deliver(http, "push", push(repo, "main"), delivery=guid)
            assert first.json()["status"] == "accepted", first.text
        view = await watched_page(browser)
        page = view.page
        await sign_in(page, base, "/console/deliveries")
        await page.fill("input[name=q]", guid[:13])
        await page.click("button:has-text('Filter')")
        rows = page.locator("table.list tbody tr")
        assert await rows.count() == 1
        await rows.first.get_by_role("link", name=guid).click()
        await page.wait_for_url(f"{base}/console/deliveries/*")
        assert await page.locator("h1").inner_text() == guid
        started = first.json()["workflowIds"][0]
        link = page.get_by_role("link", name=started)
        namespace = quote(settings.temporal_namespace, safe="")
        expected = f"{UI_URL}/namespaces/{namespace}/workflows/{quote(started, safe='')}"
        assert await link.get_attribute("href") == expected
        no_secret(await page.content())

        await page.click("button:has-text('Replay')")
        await page.locator(".replay-status").wait_for()
        assert "Replay replayed" in await page.locator(".replay-status").inner_text()
        outcome = page.locator(".replay-actions tbody tr")
        assert started in await outcome.inner_text()
        assert "existing" in await outcome.inner_text()  # a business key: nothing started twice

        # A form posted without the session's CSRF token (a cookie alone) is refused.
        refused = await page.request.post(
            f"{base}/console/deliveries/{uuid.uuid4()}/retry", form={"x": "1"}
        )
        assert refused.status == 403

        await page.click("button:has-text('Sign out')")
        await page.wait_for_url(f"{base}/console/sign-in*")
        await page.goto(f"{base}/console/deliveries")
        assert "/console/sign-in" in page.url  # the session is gone, not only the cookie
        assert view.clean(), (view.dialogs, view.errors)


HOSTILE = {
    "title": "<script>window.__pwned = 1; alert('title')</script>",
    "body": "<img src=x onerror=\"window.__pwned = 2; alert('body')\">",
    "branch": '"><svg onload="window.__pwned = 3; alert(\'branch\')">',
}


async def test_hostile_payload_renders_as_text_and_runs_nothing(
    settings: Settings, browser: Any
) -> None:
    repo = f"acme/xss-{uuid.uuid4().hex[:6]}"
    issue = copy.deepcopy(load_fixture("events/issues_labeled_ai_run.json"))
    issue["repository"]["full_name"] = repo
    issue["action"] = "opened"
    issue["issue"].update(title=HOSTILE["title"], body=HOSTILE["body"])
    pull = copy.deepcopy(load_fixture("events/pull_request.opened.json"))
    pull["repository"]["full_name"] = repo
    pull["pull_request"]["title"] = HOSTILE["title"]
    pull["pull_request"]["head"]["ref"] = HOSTILE["branch"]
    async with serving(settings) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            for event, payload in (("issues", issue), ("pull_request", pull)):
                assert (await deliver(http, event, payload)).status_code == 200
        view = await watched_page(browser)
        page = view.page
        await sign_in(page, base, f"/console/deliveries?repo={quote(repo)}")
        links = page.locator("table.list tbody tr a.mono")
        assert await links.count() == 2
        shown = ""
        for index in range(2):
            await page.goto(f"{base}/console/deliveries?repo={quote(repo)}")
            await links.nth(index).click()
            await page.wait_for_url(f"{base}/console/deliveries/*")
            await page.evaluate("document.querySelectorAll('details').forEach(d => d.open = true)")
            shown += await page.locator(".tree").inner_text()
            assert await page.locator(".tree script, .tree img, .tree svg").count() == 0
            assert await page.evaluate("window.__pwned") is None
        for text in HOSTILE.values():
            assert text in shown  # shown as the text it is, not made into an element
        await page.goto(f"{base}/console/notifications")
        assert await page.evaluate("window.__pwned") is None
        assert view.clean(), (view.dialogs, view.errors)


async def test_retry_all_failed_deliveries_of_a_filter(
    settings: Settings, browser: Any, sessions: SessionFactory
) -> None:
    repo = f"acme/retry-{uuid.uuid4().hex[:6]}"
    other = f"acme/other-{uuid.uuid4().hex[:6]}"
    # Recorded while Temporal is unreachable (a Temporal outage fails no delivery: they stay
    # pending), then given up on as the dispatcher does once DISPATCH_MAX_ATTEMPTS are spent.
    down = settings.model_copy(
        update={
            "temporal_address": "127.0.0.1:9",
            "dispatch_inline_timeout": timedelta(milliseconds=200),
        }
    )

    async def statuses(name: str) -> list[str]:
        async with sessions() as session:
            query = select(WebhookEvent.dispatch_status).where(col(WebhookEvent.repo) == name)
            return list((await session.exec(query)).all())

    async for http in _serve(create_app(down)):
        for name in (repo, repo, repo, other):
            assert (await deliver(http, "push", push(name, "main"))).status_code == 200
        await eventually(lambda: _all(statuses(repo), "pending", 3), what="3 pending deliveries")
        await eventually(lambda: _all(statuses(other), "pending", 1), what="the other repo's")
    async with sessions() as session:
        await session.execute(
            update(WebhookEvent)
            .where(col(WebhookEvent.repo).in_([repo, other]))
            .values(dispatch_status="failed", next_attempt_at=None)
        )
        await session.commit()
    async with serving(settings) as base:
        view = await watched_page(browser)
        page = view.page
        await sign_in(page, base, f"/console/deliveries?repo={quote(repo)}&status=failed")
        assert await page.locator("table.list tbody tr").count() == 3
        await page.click("text=Retry all failed matching this filter…")
        confirm = page.locator(".confirm-count")
        assert "Retry 3 failed deliveries matching this filter?" in await confirm.inner_text()
        await page.click("button:has-text('Retry 3 deliveries')")
        assert "3 deliveries are pending again." in await page.locator(".notice").inner_text()
        await page.click("text=See them in the list")

        async def dispatched() -> bool:
            await page.reload()
            cells = await page.locator("table.list tbody tr .status").all_inner_texts()
            return cells == ["dispatched"] * 3

        await eventually(dispatched, within=30, what="the retried deliveries dispatched")
        assert await statuses(other) == ["failed"]  # outside the filter: untouched
        assert view.clean(), (view.dialogs, view.errors)


async def _all(found: Any, status: str, count: int) -> bool:
    values = await found
    return len(values) == count and set(values) == {status}


async def test_open_a_run_see_its_artifacts_and_cancel_it(
    settings: Settings,
    browser: Any,
    worker: Any,
    sessions: SessionFactory,
    fake_github: FakeGitHub,
    bare: Path,
) -> None:
    async with serving(settings) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            number, run_id = await label_issue(http, fake_github, bare)
        await wait_run(sessions, run_id, status={"WAITING_APPROVAL"})
        view = await watched_page(browser)
        page = view.page
        await sign_in(page, base, "/console/runs?status=WAITING_APPROVAL")
        await page.get_by_role("link", name=f"octo-org/octo-repo#{number}").click()
        await page.wait_for_url(f"{base}/console/runs/{run_id}")
        artifacts = page.locator("table.artifacts")
        names = await artifacts.locator("tbody tr td:first-child a").all_inner_texts()
        assert {"qualify", "plan"} <= set(names), names
        await artifacts.get_by_role("link", name="plan", exact=True).click()
        assert await page.locator("pre.artifact").inner_text() != ""
        await page.go_back()
        await page.click("button:has-text('Cancel')")
        assert "Cancel sent" in await page.locator(".notice").inner_text()

        async def cancelled() -> bool:
            await page.goto(f"{base}/console/runs/{run_id}")
            return "CANCELLED" in await page.locator(".facts").inner_text()

        await eventually(cancelled, within=30, what="the run cancelled")
        assert await page.locator("button:has-text('Cancel')").count() == 0
        assert view.clean(), (view.dialogs, view.errors)


async def test_silence_a_notifications_labels_and_the_next_one_is_silenced(
    settings: Settings, browser: Any, worker: Any, sessions: SessionFactory
) -> None:
    repo = f"acme/silence-{uuid.uuid4().hex[:6]}"
    failure = copy.deepcopy(load_fixture("events/workflow_run.failure.json"))
    failure["repository"]["full_name"] = repo
    failure["workflow_run"]["head_repository"]["full_name"] = repo  # not a fork's CI
    async with serving(settings) as base:
        async with httpx.AsyncClient(base_url=base) as http:
            assert (await deliver(http, "workflow_run", failure)).status_code == 200
        view = await watched_page(browser)
        page = view.page
        await sign_in(page, base, f"/console/notifications?repo={quote(repo)}")

        async def listed() -> bool:
            await page.reload()
            return await page.locator("table.notifications tbody tr").count() >= 1

        await eventually(listed, within=30, what="the first notification")
        await page.locator("a.silence-similar").first.click()
        matchers = await page.locator("#matchers").input_value()
        assert f'repo="{repo}"' in matchers and 'workflow="CI Tests"' in matchers
        # Narrowed as a person would: every failure of this repository, any workflow.
        await page.fill("#matchers", f'repo="{repo}"')
        await page.click("button:has-text('Create silence')")
        assert "Silence created." in await page.locator(".notice").inner_text()
        assert repo in await page.locator("table.list").inner_text()
        second = copy.deepcopy(failure)
        second["workflow_run"]["id"] = second["workflow_run"]["id"] + 1
        second["workflow_run"]["run_number"] = second["workflow_run"].get("run_number", 1) + 1
        # Another workflow: a new group, whose first failure is decided at once (the silence's
        # matchers name only the repository; a follow-up in the first group would be batched).
        second["workflow_run"]["name"] = "Lint"
        if isinstance(second.get("workflow"), dict):
            second["workflow"]["name"] = "Lint"
        async with httpx.AsyncClient(base_url=base) as http:
            assert (await deliver(http, "workflow_run", second)).status_code == 200

        async def silenced() -> bool:
            await page.goto(f"{base}/console/notifications?repo={quote(repo)}")
            statuses = await page.locator("table.notifications tbody tr .status").all_inner_texts()
            return "silenced" in statuses

        await eventually(silenced, within=30, what="the next notification silenced")
        assert view.clean(), (view.dialogs, view.errors)
