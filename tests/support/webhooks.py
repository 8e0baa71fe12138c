"""What a test sends to the app: deliveries signed as GitHub signs them, and the API's token."""

from __future__ import annotations

import json
import uuid
from typing import Any

import httpx

from delivery.signature import sign

SECRET = "test-webhook-secret-0123456789"
API_TOKEN = "test-api-token-abcdef"


def auth() -> dict[str, str]:
    return {"Authorization": f"Bearer {API_TOKEN}"}


def signed_headers(
    body: bytes,
    event: str,
    *,
    secret: str = SECRET,
    delivery: str | None = None,
    hook_id: str = "1001",
) -> dict[str, str]:
    return {
        "Content-Type": "application/json",
        "X-GitHub-Event": event,
        "X-GitHub-Delivery": delivery or str(uuid.uuid4()),
        "X-GitHub-Hook-ID": hook_id,
        "X-Hub-Signature-256": sign(body, secret.encode()),
    }


async def deliver(
    client: httpx.AsyncClient,
    event: str,
    payload: dict[str, Any],
    *,
    delivery: str | None = None,
    path: str = "/api/webhooks/github",
    secret: str = SECRET,
) -> httpx.Response:
    body = json.dumps(payload).encode()
    headers = signed_headers(body, event, secret=secret, delivery=delivery)
    return await client.post(path, content=body, headers=headers)
