"""Prometheus metrics: the API's /metrics and the worker's endpoint, scraped as Prometheus would."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

import httpx
import pytest

from api.main import create_app
from db.engine import SessionFactory
from db.models import WebhookEvent
from db.types import utcnow
from settings import Settings
from tests.support.app import serve
from tests.support.files import load_fixture
from tests.support.prometheus import value
from tests.support.webhooks import deliver, signed_headers


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    # The loop ticks once at start-up; a row inserted later stays pending for the gauges.
    return {"dispatch_interval": timedelta(hours=1), "max_body_bytes": 10_000}


async def test_metrics_count_deliveries_by_outcome_and_outbox(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    push = load_fixture("events/push.main.json")
    ignored = {"zen": "Keep it logically awesome.", "hook_id": 1}
    delivery = str(uuid.uuid4())
    assert (await deliver(api, "ping", ignored)).status_code == 200
    assert (await deliver(api, "push", push, delivery=delivery)).status_code == 200
    assert (await deliver(api, "push", push, delivery=delivery)).status_code == 200
    assert (await deliver(api, "push", push, secret="wrong-secret-0000")).status_code == 401
    body = b"{not json"
    response = await api.post(
        "/api/webhooks/github", content=body, headers=signed_headers(body, "push")
    )
    assert response.status_code == 400
    big = b"x" * 20_000
    response = await api.post(
        "/api/webhooks/github", content=big, headers=signed_headers(big, "push")
    )
    assert response.status_code == 413
    async with sessions() as session:
        session.add(
            WebhookEvent(
                event_type="push",
                payload={},
                signature_valid=True,
                dispatch_status="pending",
                processed_at=(utcnow() - timedelta(minutes=5)).replace(tzinfo=None),
            )
        )
        await session.commit()

    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    text = response.text
    total = "hookflow_deliveries_total"
    assert value(text, total, event="ping", outcome="ignored") == 1
    assert value(text, total, event="push", outcome="accepted") == 1
    assert value(text, total, event="push", outcome="redelivery") == 1
    assert value(text, total, outcome="rejected_signature") == 1
    assert value(text, total, event="push", outcome="rejected_malformed") == 1
    assert value(text, total, outcome="too_large") == 1
    assert value(text, "hookflow_ingest_seconds_count") == 6
    assert value(text, "hookflow_outbox_pending") >= 1
    assert 290 <= value(text, "hookflow_outbox_oldest_seconds") < 3600
    assert "hookflow_dispatch_attempts_total" in text


@pytest.mark.parametrize("settings_overrides", [{"metrics_token": "metrics-token-123456"}])
async def test_metrics_need_the_metrics_token_when_set(api: httpx.AsyncClient) -> None:
    assert (await api.get("/metrics")).status_code == 401
    wrong = await api.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401
    right = await api.get("/metrics", headers={"Authorization": "Bearer metrics-token-123456"})
    assert right.status_code == 200 and "hookflow_outbox_pending" in right.text


@pytest.mark.parametrize(
    "settings_overrides",
    [{"rejected_record_per_minute": 2, "dispatch_interval": timedelta(milliseconds=500)}],
)
async def test_unsigned_deliveries_over_the_cap_are_counted_not_recorded(
    api: httpx.AsyncClient, sessions: SessionFactory
) -> None:
    push = load_fixture("events/push.main.json")
    for _ in range(5):
        response = await deliver(api, "push", push, secret="wrong-secret-0000")
        assert response.status_code == 401
        assert response.json()["status"] == "rejected"
    async with sessions() as session:
        rows = (
            await session.exec(
                WebhookEvent.__table__.select()  # type: ignore[attr-defined]
            )
        ).all()
    assert len(rows) == 2
    text = (await api.get("/metrics")).text
    assert value(text, "hookflow_deliveries_total", outcome="rejected_signature") == 5
    assert value(text, "hookflow_rejected_unrecorded_total") == 3


async def test_metrics_are_served_while_the_database_is_down(settings: Settings) -> None:
    down = settings.model_copy(
        update={"database_url": "postgresql+psycopg://hookflow:hookflow@127.0.0.1:9/hookflow"}
    )
    async for client in serve(create_app(down)):
        response = await client.get("/metrics")
        assert response.status_code == 200
        assert value(response.text, "hookflow_outbox_pending") == 0
        assert "hookflow_ingest_seconds_bucket" in response.text
