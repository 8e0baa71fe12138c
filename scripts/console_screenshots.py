"""Screenshots of the console for the README, made in headless chromium (Debian's, driven by
Playwright): a throwaway PostgreSQL with demo rows, the API served by uvicorn, each page shot.

    .venv/bin/python scripts/console_screenshots.py [--out docs/console]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import shutil
import sys
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from contract.names import Workflow

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import psycopg  # noqa: E402
from playwright.async_api import async_playwright  # noqa: E402
from pydantic import SecretStr  # noqa: E402

from api.main import create_app  # noqa: E402
from db.engine import SessionFactory  # noqa: E402
from db.migrate import upgrade  # noqa: E402
from db.models import Notification, Run, RunArtifact, Task, WebhookEvent  # noqa: E402
from devstack.postgres import start_postgres  # noqa: E402
from devstack.serve import serving  # noqa: E402
from settings import Settings  # noqa: E402

TOKEN = "demo-console-token-0123456789"
REPOS = ["acme/api", "acme/web", "acme/infra"]
EVENTS = [
    ("push", None, "ignored", "branch is not watched"),
    ("workflow_run", "completed", "dispatched", None),
    ("issues", "labeled", "dispatched", None),
    ("pull_request", "opened", "dispatched", None),
    ("issues", "opened", "ignored", "label is not ai:run"),
    ("check_run", "completed", "ignored", "check run succeeded"),
]


def delivery(
    at: datetime,
    event: str,
    action: str | None,
    status: str,
    *,
    repo: str | None = None,
    payload: dict[str, Any] | None = None,
    reason: str | None = None,
    signature_valid: bool | None = None,
    **extra: Any,
) -> WebhookEvent:
    guid = str(uuid.uuid4())
    repo = repo or random.choice(REPOS)
    if payload is None:
        payload = {"action": action, "repository": {"full_name": repo}, "sender": {"login": "octo"}}
    plan: list[dict[str, Any]] = []
    if status in ("dispatched", "failed", "pending"):
        plan = [
            {
                "kind": "start",
                "workflow": Workflow.NOTIFICATION,
                "workflow_id": f"notify-{guid[:8]}-0-{guid[-10:]}",
                "arg": {},
                "signal": None,
            }
        ]
    return WebhookEvent(
        event_type=event,
        action=action,
        repo=repo,
        payload=payload,
        signature_valid=status != "rejected" if signature_valid is None else signature_valid,
        processed_at=at.replace(tzinfo=None),
        delivery_id=guid,
        hook_id="482913",
        dedupe_key=f"482913:{guid}",
        body_size=len(json.dumps(payload)),
        dispatch_status=status,
        dispatch_plan=plan,
        dispatch_progress=len(plan) if status == "dispatched" else 0,
        workflow_ids=[a["workflow_id"] for a in plan],
        response={"status": "ignored", "reason": reason} if reason else {"status": "accepted"},
        **extra,
    )


async def seed(sessions: SessionFactory) -> dict[str, str]:
    """Demo rows: an hour of deliveries, runs in every state, notifications, tasks."""
    rng = random.Random(7)
    random.seed(7)
    now = datetime.now(UTC)
    rows: list[object] = []
    for minute in range(60):
        for _ in range(rng.randint(0, 5) + (6 if 20 < minute < 26 else 0)):
            event, action, status, reason = rng.choice(EVENTS)
            at = now - timedelta(minutes=minute, seconds=rng.randint(0, 59))
            rows.append(delivery(at, event, action, status, reason=reason))
    hostile = {
        "action": "opened",
        "issue": {
            "title": "<script>alert('title')</script>",
            "body": "<img src=x onerror=alert('body')>",
        },
        "pull_request": {"head": {"ref": '"><svg onload=alert(1)>'}},
        "repository": {"full_name": "acme/web"},
    }
    hostile_row = delivery(
        now - timedelta(minutes=3),
        "issues",
        "opened",
        "ignored",
        repo="acme/web",
        payload=hostile,
        reason="label is not ai:run",
    )
    rows.append(hostile_row)
    failed = delivery(
        now - timedelta(minutes=7),
        "workflow_run",
        "completed",
        "failed",
        repo="acme/api",
        error="Temporal refused it: WorkflowId length exceeds limit.",
        dispatch_attempts=1,
    )
    rows.append(failed)
    rows.append(
        delivery(
            now - timedelta(minutes=2),
            "push",
            None,
            "pending",
            repo="acme/infra",
            error="Temporal unavailable: connection refused",
            dispatch_attempts=3,
            next_attempt_at=now + timedelta(days=1),
        )
    )
    rows.append(
        delivery(
            now - timedelta(minutes=9),
            "push",
            None,
            "rejected",
            repo="acme/api",
            payload={},
            error="malformed JSON: Expecting value: line 1 column 1",
            payload_raw=b"\x00{not json\xff",
            signature_valid=True,
            http_status=400,
        )
    )
    statuses = ["RUNNING", "WAITING_APPROVAL", "WAITING_CI", "SUCCEEDED", "FAILED", "CANCELLED"]
    runs = []
    for number, status in enumerate(statuses, start=101):
        created = now - timedelta(minutes=50 - number % 100 * 6)
        runs.append(
            Run(
                repo="acme/api",
                issue_number=number,
                title=f"Add retries to the importer (#{number})",
                status=status,
                phase={"RUNNING": "implement", "WAITING_APPROVAL": "approval"}.get(
                    status, "report"
                ),
                iteration=1,
                workflow_id=f"ai-run-acme-api-{number}-{uuid.uuid4().hex[:10]}",
                branch=f"hookflow/issue-{number}",
                pr_number=40 + number % 100 if status in ("WAITING_CI", "SUCCEEDED") else None,
                pr_url=f"https://github.com/acme/api/pull/{40 + number % 100}"
                if status in ("WAITING_CI", "SUCCEEDED")
                else None,
                created_at=created,
                started_at=created + timedelta(seconds=2),
                finished_at=created + timedelta(minutes=9)
                if status in ("SUCCEEDED", "FAILED", "CANCELLED")
                else None,
                error="phase test failed: 2 tests failed" if status == "FAILED" else None,
            )
        )
    rows.extend(runs)
    async with sessions() as session:
        session.add_all(rows)
        await session.commit()
        shown = runs[3]
        start = shown.started_at or now
        usage = {"prompt_tokens": 18213, "completion_tokens": 2954, "total_tokens": 21167}
        for i, phase in enumerate(["qualify", "plan", "implement", "test", "document", "report"]):
            answer = {"summary": f"{phase} done", "files": ["importer/retry.py"]}
            session.add(
                RunArtifact(
                    run_id=shown.id,
                    name=phase,
                    kind="json",
                    content=json.dumps({"answer": answer, "usage": usage, "model": "gpt-4.1"}),
                    size=420,
                    created_at=start + timedelta(minutes=i + 1),
                )
            )
        session.add(
            RunArtifact(
                run_id=shown.id,
                name="patch",
                kind="patch",
                truncated=True,
                content="diff --git a/importer/retry.py b/importer/retry.py\n+…\n…[truncated]",
                size=402_113,
                created_at=start + timedelta(minutes=3),
            )
        )
        sinks = [
            {"logfile": {"status": "sent"}, "chat": {"status": "sent"}},
            {"logfile": {"status": "sent"}, "chat": {"status": "failed", "error": "HTTP 404"}},
            {"logfile": {"status": "sent"}, "aimaestro": {"status": "retrying"}},
        ]
        kinds = [
            ("ci_failure", "high"),
            ("pr_created", "medium"),
            ("ci_success", "low"),
            ("pr_merged", "low"),
            ("generic", "low"),
        ]
        for i in range(9):
            kind, priority = kinds[i % len(kinds)]
            session.add(
                Notification(
                    type=kind,
                    priority=priority,
                    repo=REPOS[i % 3],
                    event="workflow_run",
                    summary=f"CI Tests {'failed' if kind == 'ci_failure' else 'passed'} on main",
                    details={
                        "branch": "main",
                        "workflow": "CI Tests",
                        "action": "completed",
                        "url": "https://github.com/acme/api/actions/runs/1",
                    },
                    sink_status=sinks[i % 3],
                    created_at=now - timedelta(minutes=5 * i),
                )
            )
        for number, status, level in [
            (7, "blocked", 2),
            (8, "open", 0),
            (9, "closed", 0),
            (10, "blocked", 1),
        ]:
            session.add(
                Task(
                    repo="acme/web",
                    issue_number=number,
                    title=f"Migrate the queue (#{number})",
                    status=status,
                    escalation_level=level,
                    blocked_since=now - timedelta(hours=30) if status == "blocked" else None,
                )
            )
        await session.commit()
    return {"failed": str(failed.id), "hostile": str(hostile_row.id), "run": str(runs[3].id)}


async def shoot(base: str, ids: dict[str, str], out: Path) -> None:
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    async with async_playwright() as pw:
        browser = await pw.chromium.launch(
            executable_path=chromium, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        laptop = await browser.new_context(viewport={"width": 1180, "height": 700})
        page = await laptop.new_page()
        await page.goto(f"{base}/console/sign-in")
        await page.screenshot(path=str(out / "sign-in.png"))
        await page.fill("#token", TOKEN)
        await page.click("button[type=submit]")
        await page.wait_for_url(f"{base}/console/")
        shots = {
            "overview": "/console/",
            "deliveries": "/console/deliveries",
            "delivery": f"/console/deliveries/{ids['hostile']}",
            "retry-all": "/console/deliveries/retry-failed?repo=acme%2Fapi",
            "runs": "/console/runs",
            "run": f"/console/runs/{ids['run']}",
            "notifications": "/console/notifications",
            "tasks": "/console/tasks",
        }
        for name, path in shots.items():
            await page.goto(base + path)
            if name == "delivery":  # the payload, its hostile strings shown as text
                for key in ("issue", "pull_request", "head"):
                    await page.locator(".tree summary", has_text=key).first.click()
                await page.locator("h2", has_text="Payload").evaluate("e => e.scrollIntoView()")
            await page.screenshot(path=str(out / f"{name}.png"))
        phone = await browser.new_context(
            viewport={"width": 390, "height": 844}, storage_state=await laptop.storage_state()
        )
        small = await phone.new_page()
        await small.goto(f"{base}/console/deliveries")
        await small.screenshot(path=str(out / "phone-deliveries.png"))
        await browser.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "console")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    server = start_postgres()
    try:
        with psycopg.connect(server.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE console_demo")
        url = server.url("console_demo")
        upgrade(url)
        settings = Settings(  # type: ignore[call-arg]
            _env_file=None,
            database_url=url,
            github_webhook_secret=SecretStr("demo-webhook-secret-0123456789"),
            api_token=SecretStr(TOKEN),
            temporal_address="127.0.0.1:9",  # no Temporal: the pages read the database only
            temporal_ui_url="http://localhost:8233",
            log_level="WARNING",
        )
        app = create_app(settings)
        async with serving(app) as base:
            ids = await seed(app.state.hookflow.sessions)
            await shoot(base, ids, args.out)
    finally:
        server.stop()
    for png in sorted(args.out.glob("*.png")):
        print(f"{png}  {png.stat().st_size // 1024} KB")


if __name__ == "__main__":
    asyncio.run(main())
